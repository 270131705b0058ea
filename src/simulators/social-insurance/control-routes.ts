import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { defaultFaults } from '../fault-injector.js';
import { ControlError } from './control-error.js';
import type { SocialInsuranceFaultPatch, SocialInsuranceSimulator, StatusStep } from './simulator-types.js';
import type { Person } from './person-registry.js';
import type { TrangThai } from './protocol.js';

const NUMBER_KEYS = [
  ...Object.entries(defaultFaults())
    .filter(([, v]) => typeof v === 'number')
    .map(([k]) => k),
  'serverFaultNext',
  'serverFaultRate',
  'duplicateNext',
  'duplicateRate',
];
const BOOLEAN_KEYS = ['down', 'reorder'];

/** Checks a `/__sim/faults` patch: only known keys, numbers ≥ 0 and booleans. */
export function parseFaultPatch(body: unknown): SocialInsuranceFaultPatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ControlError(400, 'expected a JSON object of fault settings');
  for (const [k, v] of Object.entries(body)) {
    if (NUMBER_KEYS.includes(k)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new ControlError(400, `${k}: number >= 0`);
    } else if (BOOLEAN_KEYS.includes(k)) {
      if (typeof v !== 'boolean') throw new ControlError(400, `${k}: boolean`);
    } else throw new ControlError(400, `unknown fault setting ${k}`);
  }
  return body as SocialInsuranceFaultPatch;
}

const str = (v: unknown, name: string): string => {
  if (typeof v !== 'string') throw new ControlError(400, `${name}: string required`);
  return v;
};
const optStr = (v: unknown, name: string): string | undefined => (v === undefined ? undefined : str(v, name));

/**
 * `/__sim/…`: the same controls as the simulator object, for a simulator in another process.
 * JSON in, JSON out; refused actions answer `{ "error": … }` with 400/404/409.
 */
export function controlRoutes(sim: SocialInsuranceSimulator): Router {
  const r = express.Router();
  r.use('/__sim', express.json({ limit: '1mb' }));
  const body = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>;

  r.get('/__sim/state', (_req, res) => {
    res.json(sim.state());
  });
  r.post('/__sim/faults', (req, res) => {
    res.json(sim.setFaults(parseFaultPatch(req.body ?? {})));
  });
  r.post('/__sim/faults/reset', (_req, res) => {
    sim.faults.reset();
    res.json(
      sim.setFaults({
        serverFaultNext: 0,
        serverFaultRate: 0,
        reorder: false,
        duplicateNext: 0,
        duplicateRate: 0,
      }),
    );
  });
  r.post('/__sim/status', (req, res) => {
    const b = body(req);
    const ghiChu = optStr(b.ghiChu, 'ghiChu');
    const thoiDiem = optStr(b.thoiDiem, 'thoiDiem');
    const event = sim.setStatus(str(b.maHoSo, 'maHoSo'), b.trangThai as TrangThai, {
      ...(ghiChu !== undefined ? { ghiChu } : {}),
      ...(thoiDiem !== undefined ? { thoiDiem } : {}),
      ...(b.force === true ? { force: true } : {}),
    });
    res.json(event);
  });
  r.post('/__sim/batch', (req, res) => {
    const b = body(req);
    if (!Array.isArray(b.steps)) throw new ControlError(400, 'steps: array of { trangThai, ghiChu? }');
    res.json(sim.emitBatch(str(b.maHoSo, 'maHoSo'), b.steps as StatusStep[]));
  });
  r.post('/__sim/resend', (req, res) => {
    const maSuKien = str(body(req).maSuKien, 'maSuKien');
    if (!sim.resendEvent(maSuKien)) throw new ControlError(404, `unknown MaSuKien ${maSuKien}`);
    res.json({ resent: maSuKien });
  });
  r.post('/__sim/persons', (req, res) => {
    sim.registerPerson(body(req) as unknown as Person);
    res.json({ registered: body(req).maSoBHXH });
  });
  r.post('/__sim/clock', (req, res) => {
    const now = body(req).now;
    sim.setClock(now === null || now === undefined ? null : str(now, 'now'));
    res.json(sim.state().clock);
  });
  r.post('/__sim/callback', (req, res) => {
    const b = body(req);
    const url = optStr(b.url, 'url');
    const username = optStr(b.username, 'username');
    const password = optStr(b.password, 'password');
    sim.setCallbackTarget({
      ...(url !== undefined ? { url } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
    });
    res.json(sim.state().callbackTarget);
  });
  r.post('/__sim/credentials', (req, res) => {
    const b = body(req);
    sim.setCredentials({ username: str(b.username, 'username'), password: str(b.password, 'password') });
    res.json({ username: b.username });
  });
  r.post('/__sim/idle', async (req, res) => {
    const t = body(req).timeoutMs;
    const timeoutMs = typeof t === 'number' && t > 0 ? Math.min(t, 60_000) : 5_000;
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([
      sim.callbacksIdle().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    res.json({ idle, callbacks: sim.counters().callbacks });
  });
  r.post('/__sim/reset', (_req, res) => {
    sim.reset();
    res.json({ reset: true });
  });

  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof ControlError) res.status(err.status).json({ error: err.message });
    else if (err instanceof SyntaxError) res.status(400).json({ error: 'invalid JSON' });
    else next(err);
  });
  return r;
}
