import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Router } from 'express';
import { requireRole } from '../../admin/admin-auth.js';
import type { GatewayConfig } from '../../config/config.js';
import type { Queues } from '../../delivery/queues.js';

export const QUEUE_UI_PATH = '/admin/queues';

/**
 * bull-board at /admin/queues, behind the admin login (a bearer token, or HTTP Basic with the token
 * as password so a browser can sign in).
 *
 * @remarks Read-only on purpose: retrying, removing or pausing from the UI would act on jobs behind
 * the ledger's back and without an audit entry. Those actions go through the admin API (replay,
 * resolve, pause), which keeps the ledger in step and writes the audit log.
 */
export function adminQueuesRouter(deps: { config: GatewayConfig; queues: Queues }): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_UI_PATH);
  createBullBoard({
    queues: deps.queues.all().map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'lienthong queues' } },
  });
  const r = express.Router();
  r.use(
    QUEUE_UI_PATH,
    requireRole(deps.config, 'viewer', { basicRealm: 'lienthong admin' }),
    serverAdapter.getRouter() as express.Router,
  );
  return r;
}
