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
import { startHeaderSpy } from '../helpers/header-spy.js';
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

  it('When a feed push is delivered, called back and synced, then its request id is on every line it causes and in the headers the land registry and the portal received', async () => {
    const landSpy = await startHeaderSpy();
    const portalSpy = await startHeaderSpy();
    const own: string[] = [];
    const traced = await startStack({
      name: 'logging-trace',
      logLines: own,
      patch: (raw) => {
        const systems = raw.systems as Record<string, { baseUrl: string }>;
        landSpy.target = systems.land!.baseUrl;
        systems.land!.baseUrl = landSpy.url;
        const portalConfig = raw.portal as { baseUrl: string };
        portalSpy.target = portalConfig.baseUrl;
        portalConfig.baseUrl = portalSpy.url;
      },
    });
    try {
      const { land, portal } = traced;
      const M = nextCode('TRC');
      portal.seed(landDossier(M));
      expect((await portal.push(M)).lastStatusCode).toBe(202);
      await waitFor('tiepnhan', () => land.entries(M) === 1);
      land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
      await waitFor('row at the portal', () => portal.progress(M).length === 1);
      const parsed = own.map((l) => JSON.parse(l) as Record<string, unknown>);
      const reqOf = (l: Record<string, unknown>): { id?: string; url?: string } =>
        (l.req as { id?: string; url?: string } | undefined) ?? {};
      const intakeId = reqOf(parsed.find((l) => reqOf(l).url === '/v1/portal/feed')!).id!;
      const callbackId = reqOf(
        parsed.find((l) => reqOf(l).url?.startsWith('/callbacks/land/') ?? false)!,
      ).id!;
      expect(intakeId).toBeTruthy();
      expect(callbackId).toBeTruthy();
      expect(callbackId).not.toBe(intakeId);

      const delivery = parsed.filter((l) => l.msg === 'delivered' && l.MaHoSo === M);
      expect(delivery).toHaveLength(1);
      expect(delivery[0]).toMatchObject({ requestId: intakeId, system: 'land' });
      const callback = parsed.filter((l) => l.msg === 'system event received' && l.MaHoSo === M);
      expect(callback).toHaveLength(1);
      expect(callback[0]).toMatchObject({ requestId: callbackId, intakeRequestId: intakeId, system: 'land' });
      const sync = parsed.filter(
        (l) => l.MaHoSo === M && l.system === 'portal' && /synced|appended/.test(String(l.msg)),
      );
      expect(sync.length).toBeGreaterThan(0);
      for (const l of sync) expect(l).toMatchObject({ requestId: callbackId, intakeRequestId: intakeId });

      const tiepnhan = landSpy.seen.filter((r) => r.method === 'POST' && r.url === '/api/motcua/tiepnhan');
      expect(tiepnhan).toHaveLength(1);
      expect(tiepnhan[0]!.headers['x-request-id']).toBe(intakeId);
      expect(tiepnhan[0]!.headers['x-correlation-id']).toBe(intakeId);
      const integration = portalSpy.seen.filter((r) => r.url === '/integration');
      expect(integration.length).toBeGreaterThan(0);
      for (const r of integration) {
        expect(r.headers['x-request-id']).toBe(callbackId);
        expect(r.headers['x-correlation-id']).toBe(intakeId);
      }
    } finally {
      await traced.close();
      await Promise.all([landSpy.close(), portalSpy.close()]);
    }
  });
});
