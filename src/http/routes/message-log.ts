import express, { type Router } from 'express';
import { actorOf, requireRole } from '../../admin/admin-auth.js';
import type { GatewayConfig } from '../../config/config.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { MessageLog } from '../../message-log/message-log.js';
import type { DossierStore } from '../../store/dossier-store.js';

const MA_HO_SO = /^[A-Za-z0-9.-]{1,50}$/;

/**
 * The message log in the admin API (issue 9): one dossier's log with the verdict on its chain
 * (bodies opened for operators only: a viewer sees digests), and the verification of one chain or
 * all of them (what `lienthong verify-log` calls).
 */
export function messageLogRouter(d: {
  config: GatewayConfig;
  log: MessageLog | null;
  store: DossierStore;
}): Router {
  const r = express.Router();
  const viewer = requireRole(d.config, 'viewer');

  r.get('/admin/dossiers/:MaHoSo/messages', viewer, async (req, res) => {
    const M = String(req.params.MaHoSo);
    if (!MA_HO_SO.test(M)) throw new GatewayError('GW_ERR_DOSSIER_NOT_FOUND', { details: { MaHoSo: M } });
    const withBodies = actorOf(res).role === 'operator';
    const out = d.log ? await d.log.read(M, withBodies) : null;
    if ((!out || out.entries.length === 0) && !(await d.store.exists(M)))
      throw new GatewayError('GW_ERR_DOSSIER_NOT_FOUND', { details: { MaHoSo: M } });
    res.json({
      MaHoSo: M,
      enabled: d.log !== null,
      bodies: withBodies ? 'shown' : 'withheld',
      chain: out?.chain ?? null,
      entries: out?.entries ?? [],
    });
  });

  r.get('/admin/message-log/verify', viewer, async (req, res) => {
    const M = typeof req.query.MaHoSo === 'string' && req.query.MaHoSo !== '' ? req.query.MaHoSo : undefined;
    if (M !== undefined && !MA_HO_SO.test(M))
      throw new GatewayError('GW_ERR_REQUEST_INVALID', {
        details: [{ path: '/query/MaHoSo', message: 'does not match ^[A-Za-z0-9.-]{1,50}$' }],
      });
    if (!d.log) {
      res.json({ enabled: false, chains: 0, ok: true, broken: [] });
      return;
    }
    if (M !== undefined) {
      const one = await d.log.verifyDossier(M);
      res.json({ enabled: true, chains: one.entries > 0 ? 1 : 0, ok: one.ok, broken: one.ok ? [] : [one] });
      return;
    }
    res.json({ enabled: true, ...(await d.log.verifyAll()) });
  });

  return r;
}
