import express from 'express';
import type { Request, Response, Router } from 'express';
import type { PortalDesk, QueuedPush } from './portal-desk.js';
import { isPlainObject } from './record-shape.js';
import type { PortalFaultPatch, PortalSimulator } from './index.js';

/**
 * `/__sim/…`: the simulator's controls over HTTP, for a simulator running in another process.
 * Errors of a control action (unknown dossier, terminal status, invalid record) are answered 400
 * with `{ "error": "<text>" }`. Feed actions answer 202 `{ id }` at once, or 200 `{ id, delivery }`
 * with the final outcome when the body says `"wait": true`.
 */
export function controlRouter(sim: PortalSimulator, desk: PortalDesk): Router {
  const r = express.Router();
  r.use(express.json({ limit: '10mb' }));

  const body = (req: Request): Record<string, unknown> => (isPlainObject(req.body) ? req.body : {});
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const act =
    (fn: (b: Record<string, unknown>) => unknown) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        res.status(200).json((await fn(body(req))) ?? { ok: true });
      } catch (err) {
        res.status(400).json({ error: err instanceof Error ? err.message : String(err) });
      }
    };
  const feed =
    (fn: (b: Record<string, unknown>) => QueuedPush) =>
    async (req: Request, res: Response): Promise<void> => {
      let q: QueuedPush;
      try {
        q = fn(body(req));
      } catch (err) {
        res.status(400).json({ error: err instanceof Error ? err.message : String(err) });
        return;
      }
      if (body(req).wait === true) res.status(200).json({ id: q.id, delivery: await q.done });
      else res.status(202).json({ id: q.id });
    };

  r.get('/state', (_req, res) => {
    res.json(sim.state());
  });
  r.get('/dossiers/:maHoSo', (req, res) => {
    const v = sim.dossier(String(req.params.maHoSo));
    if (v) res.json(v);
    else res.status(404).json({ error: 'unknown dossier' });
  });
  r.post(
    '/faults',
    act((b) => {
      sim.setFaults(b as PortalFaultPatch);
      return sim.state().faults;
    }),
  );
  r.post(
    '/faults/reset',
    act(() => {
      sim.resetFaults();
      return sim.state().faults;
    }),
  );
  r.post(
    '/sessions/expire',
    act(() => ({ expired: sim.expireAllSessions() })),
  );
  r.post(
    '/reset',
    act(() => {
      sim.reset();
    }),
  );
  r.post(
    '/feed/target',
    act((b) => {
      sim.setFeedTarget(str(b.url), typeof b.key === 'string' ? b.key : undefined);
    }),
  );
  r.post(
    '/feed/idle',
    act(async (b) => {
      const timeoutMs = typeof b.timeoutMs === 'number' ? Math.min(b.timeoutMs, 120_000) : 10_000;
      let timer: NodeJS.Timeout | undefined;
      const idle = await Promise.race([
        sim.feedIdle().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      return { idle };
    }),
  );
  r.post(
    '/progress/remove',
    act((b) => ({
      removed: sim.removeProgressRow(str(b.maHoSo), typeof b.index === 'number' ? b.index : -1),
    })),
  );
  r.post(
    '/change-silently',
    act((b) => {
      const patch = isPlainObject(b.patch) ? b.patch : {};
      sim.changeSilently(
        str(b.maHoSo),
        Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, String(v)])),
      );
    }),
  );
  r.post('/seed', feedOrSeed(sim, desk));
  r.post(
    '/push',
    feed((b) =>
      desk.push(
        str(b.maHoSo),
        b.isUpdating === 'True' || b.isUpdating === 'False' ? b.isUpdating : undefined,
      ),
    ),
  );
  r.post(
    '/hand-in-supplement',
    feed((b) =>
      desk.handInSupplement(str(b.maHoSo), {
        ...(typeof b.MaHoSoBoSung === 'string' ? { MaHoSoBoSung: b.MaHoSoBoSung } : {}),
        NgayTiepNhanBoSung: str(b.NgayTiepNhanBoSung),
        NoiDungBoSung: str(b.NoiDungBoSung),
      }),
    ),
  );
  r.post(
    '/hand-over-result',
    feed((b) => desk.handOverResult(str(b.maHoSo), str(b.NgayTra))),
  );
  r.post(
    '/withdraw',
    feed((b) => desk.withdraw(str(b.maHoSo))),
  );
  r.post(
    '/correct',
    feed((b) => desk.correct(str(b.maHoSo), isPlainObject(b.patch) ? b.patch : {})),
  );
  r.post(
    '/redeliver-last',
    feed((b) => desk.redeliverLast(str(b.maHoSo))),
  );
  return r;
}

/** `POST /__sim/seed` `{ record, madonvi?, rewriteFileUrls?, push?, wait? }`: seeds, and pushes the first version when asked. */
function feedOrSeed(sim: PortalSimulator, desk: PortalDesk) {
  return async (req: Request, res: Response): Promise<void> => {
    const b = isPlainObject(req.body) ? req.body : {};
    let q: QueuedPush | undefined;
    let maHoSo = '';
    try {
      const record = isPlainObject(b.record) ? b.record : {};
      const entry = desk.seed(record, {
        ...(typeof b.madonvi === 'string' ? { madonvi: b.madonvi } : {}),
        rewriteFileUrls: b.rewriteFileUrls === true,
      });
      maHoSo = entry.maHoSo;
      if (b.push === true) q = desk.push(maHoSo);
    } catch (err) {
      res.status(400).json({ error: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (!q) res.status(200).json({ maHoSo, record: sim.record(maHoSo) });
    else if (b.wait === true) res.status(200).json({ maHoSo, id: q.id, delivery: await q.done });
    else res.status(202).json({ maHoSo, id: q.id });
  };
}
