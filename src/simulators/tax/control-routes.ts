import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import type { TaxSimulator } from './tax-simulator.js';
import type { NoticeRowInput } from './types.js';
import { SimUsageError } from './usage-error.js';

type Body = Record<string, unknown>;

function body(req: Request): Body {
  const b: unknown = req.body;
  return b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Body) : {};
}

function str(b: Body, k: string, required: true): string;
function str(b: Body, k: string, required?: false): string | undefined;
function str(b: Body, k: string, required = false): string | undefined {
  const v = b[k];
  if (v === undefined || v === null) {
    if (required) throw new SimUsageError(`${k} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new SimUsageError(`${k} must be a string`);
  return v;
}

/** Checks the JSON rows of `POST /__sim/notices` before they reach `issueNotices`. */
function rowsOf(b: Body): NoticeRowInput[] {
  const rows = b['rows'];
  if (!Array.isArray(rows)) throw new SimUsageError('rows must be an array');
  return rows.map((r: unknown, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r))
      throw new SimUsageError(`rows[${i}] must be an object`);
    const row = r as Body;
    const soTien = row['SO_TIEN'];
    if (typeof soTien !== 'string' && typeof soTien !== 'number') {
      throw new SimUsageError(`rows[${i}].SO_TIEN must be a string or a number`);
    }
    const out: NoticeRowInput = { MA_HSO: str(row, 'MA_HSO', true), SO_TIEN: soTien };
    for (const k of ['MA_SO_THUE', 'SO_QUYET_DINH', 'NGAY_QUYET_DINH', 'TEN_TIEUMUC'] as const) {
      const v = str(row, k);
      if (v !== undefined) out[k] = v;
    }
    return out;
  });
}

/**
 * `/__sim/…`: the same controls as the simulator's methods, for a simulator run in another
 * process. Control actions answer 400 `{ error }` when the real authority could not do them.
 *
 * - `GET  /__sim/state` counters, entries per dossier, records, notices, pushes (with answers), faults
 * - `GET  /__sim/entries/:maHoSo` `{ maHoSo, entries }`
 * - `POST /__sim/faults` flat JSON patch (FaultInjector settings, `busy`, `busyNext`, `reorder`,
 *   `duplicateNext`, `duplicateRate`) → the resulting faults; `POST /__sim/faults/reset`
 * - `POST /__sim/targets` `{ noticeUrl?, paymentUrl? }`
 * - `POST /__sim/notices` `{ rows, maGdich?, unchecked? }` → the push
 * - `POST /__sim/notices/for` `{ maHoSo, count?, maGdich? }` → the push
 * - `POST /__sim/payments` `{ maHoSo, soQuyetDinh? ('all'), trangThaiThanhToan? }` → the pushes
 * - `POST /__sim/repeat-last` → the push; `POST /__sim/idle` `{ timeoutMs? }` → `{ idle }`
 * - `POST /__sim/reset` forgets everything and resets the faults
 */
export function controlRoutes(sim: TaxSimulator): Router {
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));

  r.get('/state', (_req, res) => {
    res.json(sim.state());
  });
  r.get('/entries/:maHoSo', (req, res) => {
    const maHoSo = String(req.params['maHoSo']);
    res.json({ maHoSo, entries: sim.entries(maHoSo) });
  });
  r.post('/faults', (req, res) => {
    sim.setFaults(body(req));
    res.json(sim.state().faults);
  });
  r.post('/faults/reset', (_req, res) => {
    sim.resetFaults();
    res.json(sim.state().faults);
  });
  r.post('/targets', (req, res) => {
    const b = body(req);
    sim.setPushTargets({ noticeUrl: str(b, 'noticeUrl'), paymentUrl: str(b, 'paymentUrl') });
    res.json(sim.state().pushTargets);
  });
  r.post('/notices', (req, res) => {
    const b = body(req);
    const push = sim.issueNotices(rowsOf(b), {
      maGdich: str(b, 'maGdich'),
      unchecked: b['unchecked'] === true,
    });
    res.json(push);
  });
  r.post('/notices/for', (req, res) => {
    const b = body(req);
    const count = b['count'];
    if (count !== undefined && typeof count !== 'number') throw new SimUsageError('count must be a number');
    res.json(sim.issueNoticesFor(str(b, 'maHoSo', true), count, { maGdich: str(b, 'maGdich') }));
  });
  r.post('/payments', (req, res) => {
    const b = body(req);
    const status = b['trangThaiThanhToan'];
    if (status !== undefined && status !== 0 && status !== 1) {
      throw new SimUsageError('trangThaiThanhToan must be 0 or 1');
    }
    res.json(
      sim.confirmPayment(str(b, 'maHoSo', true), str(b, 'soQuyetDinh') ?? 'all', {
        trangThaiThanhToan: status,
      }),
    );
  });
  r.post('/repeat-last', (_req, res) => {
    res.json(sim.repeatLast());
  });
  r.post('/idle', async (req, res) => {
    const t = body(req)['timeoutMs'];
    const timeoutMs = typeof t === 'number' && t > 0 ? Math.min(t, 600_000) : 30_000;
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([
      sim.idle().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    res.json({ idle });
  });
  r.post('/reset', (_req, res) => {
    sim.reset();
    res.json(sim.state().counters);
  });

  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof SimUsageError) {
      res.status(400).json({ error: err.message });
      return;
    }
    const status = (err as { status?: unknown } | null)?.status;
    if (err instanceof SyntaxError || status === 400) {
      res.status(400).json({ error: `invalid JSON: ${err instanceof Error ? err.message : ''}` });
      return;
    }
    next(err);
  });
  return r;
}
