import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import {
  FEED_KEY,
  LAND_KEY,
  PORTAL_PASSWORD,
  SECURITY_CODE,
  startStack,
  type Stack,
} from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const lines: string[] = [];
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'logging', logLines: lines });
});
afterAll(async () => {
  await stack?.close();
});

describe('logs', () => {
  it('When a dossier is delivered and synced, then every delivery line carries the request id, MaHoSo and system, and no identity number, phone or secret appears', async () => {
    const { land, portal } = stack;
    const M = nextCode('LOG');
    portal.seed(landDossier(M));
    const push = await portal.push(M);
    expect(push.lastStatusCode).toBe(202);
    await waitFor('tiepnhan', () => land.entries(M) === 1);
    land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    await waitFor('row at the portal', () => portal.progress(M).length === 1);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const intake = parsed.find((l) => (l.req as { url?: string } | undefined)?.url === '/v1/portal/feed');
    expect(intake).toBeDefined();
    const reqId = (intake!.req as { id: string }).id;
    const delivered = parsed.filter((l) => l.msg === 'delivered' && l.MaHoSo === M);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ requestId: reqId, MaHoSo: M, system: 'land' });
    const synced = parsed.filter((l) => l.MaHoSo === M && l.system === 'portal');
    expect(synced.length).toBeGreaterThan(0);
    const all = lines.join('\n');
    for (const secret of ['040085001234', '0912345678', FEED_KEY, LAND_KEY, PORTAL_PASSWORD, SECURITY_CODE]) {
      expect(all, `log contains ${secret}`).not.toContain(secret);
    }
  });
});
