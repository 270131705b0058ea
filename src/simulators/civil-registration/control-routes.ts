import express from 'express';
import type { Router } from 'express';
import { defaultFaults } from '../fault-injector.js';
import type { FaultSettings } from '../fault-injector.js';
import { StatusChangeError } from './dossier-store.js';
import type { CivilFaultSettings, DossierRecord, StatusExtra } from './types.js';

/**
 * `/__sim/*`: the test controls over HTTP, for a simulator running in another process.
 *
 * | Route | Body | Effect |
 * |---|---|---|
 * | `GET /__sim/state` | — | counters, fault settings, records |
 * | `POST /__sim/faults` | JSON patch of `FaultSettings` and/or `CivilFaultSettings` | merged; answers the settings |
 * | `POST /__sim/status` | `{maHoSo, trangThai, at?, ghiChu?, soDangKy?, soDinhDanh?, clientId?}` | `setStatus` |
 * | `POST /__sim/expire-tokens` | — | `expireTokens()` |
 * | `POST /__sim/busy-next` | `{n, on?: "NhanDKHT" \| "LayKetQua"}` | `busyNext(n, on)` |
 * | `POST /__sim/clock` | `{now?: ISO string \| null, advanceMs?: number}` | pins / unpins / moves the clock |
 * | `POST /__sim/reset` | — | forgets records, tokens, counters; faults back to the start options |
 */
export interface SimulatorControl {
  state(): unknown;
  setFaults(patch: Partial<FaultSettings & CivilFaultSettings>): unknown;
  setStatus(maHoSo: string, trangThai: number, extra?: StatusExtra): DossierRecord;
  expireTokens(): number;
  busyNext(n: number, on?: 'NhanDKHT' | 'LayKetQua'): void;
  setTime(now: Date | null): void;
  advanceTime(ms: number): void;
  reset(): void;
}

const CIVIL_KEYS: Record<keyof CivilFaultSettings, 'number' | 'boolean'> = {
  busyNext: 'number',
  busyLookupNext: 'number',
  busyRate: 'number',
  busy: 'boolean',
  rateLimitPerSecond: 'number',
  tokenLifetimeSeconds: 'number',
};

/** Checks a fault patch; returns an error message or undefined. */
export function faultPatchProblem(patch: unknown): string | undefined {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    return 'body must be a JSON object';
  const generic = defaultFaults() as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    const expected = key in CIVIL_KEYS ? CIVIL_KEYS[key as keyof CivilFaultSettings] : typeof generic[key];
    if (expected === 'undefined') return `unknown fault setting ${key}`;
    if (typeof value !== expected) return `${key} must be a ${expected}`;
    if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) return `${key} must be ≥ 0`;
  }
  return undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function controlRouter(sim: SimulatorControl): Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  const body = (req: express.Request): Record<string, unknown> =>
    typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};

  router.get('/state', (_req, res) => void res.json(sim.state()));

  router.post('/faults', (req, res) => {
    const problem = faultPatchProblem(req.body ?? {});
    if (problem) return void res.status(400).json({ error: problem });
    res.json(sim.setFaults(body(req)));
  });

  router.post('/status', (req, res) => {
    const b = body(req);
    const maHoSo = str(b.maHoSo);
    if (!maHoSo || typeof b.trangThai !== 'number')
      return void res.status(400).json({ error: 'maHoSo (string) and trangThai (number) are required' });
    const at = str(b.at) ?? str(b.ngayCapNhat);
    const extra: StatusExtra = {};
    if (at !== undefined) extra.at = /^\d{2}\/\d{2}\/\d{4} /.test(at) ? at : new Date(at);
    for (const key of ['ghiChu', 'soDangKy', 'soDinhDanh', 'clientId'] as const) {
      const v = str(b[key]);
      if (v !== undefined) extra[key] = v;
    }
    try {
      res.json(sim.setStatus(maHoSo, b.trangThai, extra));
    } catch (err) {
      if (!(err instanceof StatusChangeError)) throw err;
      const status = err.code === 'not_found' ? 404 : err.code === 'ambiguous' ? 409 : 400;
      res.status(status).json({ error: err.message });
    }
  });

  router.post('/expire-tokens', (_req, res) => void res.json({ expired: sim.expireTokens() }));

  router.post('/busy-next', (req, res) => {
    const b = body(req);
    const on = b.on ?? 'NhanDKHT';
    if (
      typeof b.n !== 'number' ||
      !Number.isInteger(b.n) ||
      b.n < 0 ||
      (on !== 'NhanDKHT' && on !== 'LayKetQua')
    )
      return void res.status(400).json({ error: 'n must be an integer ≥ 0, on "NhanDKHT" or "LayKetQua"' });
    sim.busyNext(b.n, on);
    res.json({ ok: true });
  });

  router.post('/clock', (req, res) => {
    const b = body(req);
    if (b.now !== undefined) {
      const now = b.now === null ? null : new Date(String(b.now));
      if (now && Number.isNaN(now.getTime()))
        return void res.status(400).json({ error: 'now must be an ISO date' });
      sim.setTime(now);
    }
    if (b.advanceMs !== undefined) {
      if (typeof b.advanceMs !== 'number')
        return void res.status(400).json({ error: 'advanceMs must be a number' });
      sim.advanceTime(b.advanceMs);
    }
    res.json({ ok: true });
  });

  router.post('/reset', (_req, res) => {
    sim.reset();
    res.json({ ok: true });
  });

  router.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(400).json({ error: err instanceof Error ? err.message : 'bad request' });
  });
  return router;
}
