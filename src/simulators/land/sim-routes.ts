import express, { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { LandSimError } from './callback-events.js';
import type { LandSimulator, LandTarget } from './land-simulator.js';
import { isObject } from './request-validation.js';

/**
 * `/__sim/…`: the same controls as the simulator object, for a simulator running in another
 * process. Not subject to faults or authentication (loopback only).
 *
 * Action bodies name the dossier(s) with `hoSoId` (number) or `maHoSo` (string, with optional
 * `which`: `all` (default), `first`, `last`); the other keys are the operation's fields.
 */
export function simControlRouter(sim: LandSimulator): Router {
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  const body = (req: Request): Record<string, unknown> => (isObject(req.body) ? req.body : {});

  const targetOf = (b: Record<string, unknown>): LandTarget => {
    if (typeof b.hoSoId === 'number') return b.hoSoId;
    if (typeof b.maHoSo === 'string') {
      const which = b.which === 'first' || b.which === 'last' ? b.which : 'all';
      return { maHoSo: b.maHoSo, which };
    }
    throw new LandSimError('target: cần hoSoId (số) hoặc maHoSo (chuỗi)');
  };

  /** The body without the target keys: the operation's fields. */
  const fieldsOf = (b: Record<string, unknown>): Record<string, unknown> => {
    const { hoSoId: _h, maHoSo: _m, which: _w, ...rest } = b;
    return rest;
  };

  router.get('/state', (_req, res) => {
    res.json(sim.state());
  });

  router.get('/entries', (req, res) => {
    const ma = req.query.maHoSo;
    if (typeof ma !== 'string') throw new LandSimError('maHoSo: bắt buộc');
    res.json({ maHoSo: ma, entries: sim.entries(ma), hoSoIds: sim.dossiers(ma).map((d) => d.hoSoId) });
  });

  router.post('/faults', (req, res) => {
    res.json(sim.setFaults(body(req)));
  });

  router.post('/faults/reset', (_req, res) => {
    sim.resetFaults();
    res.json(sim.faultState());
  });

  router.post('/reset', (_req, res) => {
    sim.reset();
    res.json({ ok: true });
  });

  router.post('/callback-target', (req, res) => {
    const b = body(req);
    sim.setCallbackTarget(b.callbackBase as string, b.securityCode as string);
    res.json({ callbackTarget: sim.state().callbackTarget });
  });

  const action = (path: string, operation: string) =>
    router.post(path, (req, res) => {
      const b = body(req);
      res.json({ events: sim.act(targetOf(b), [{ ...fieldsOf(b), Operation: operation }]) });
    });
  action('/transfer', 'ChuyenHoSo');
  action('/request-supplement', 'YeuCauBoSungHoSo');
  action('/send-tax-result', 'GuiKetQuaThue');
  action('/finish', 'KetThucHoSo');

  /** `{ hoSoId | maHoSo, actions: [{ Operation, … }, …] }`: one emitter batch. */
  router.post('/act', (req, res) => {
    const b = body(req);
    if (!Array.isArray(b.actions)) throw new LandSimError('actions: phải là mảng');
    res.json({ events: sim.act(targetOf(b), b.actions) });
  });

  /** `{ hoSoId | maHoSo, TrangThai }`: the status changes, no callback is sent (drift on purpose). */
  router.post('/set-status-silently', (req, res) => {
    const b = body(req);
    res.json({ records: sim.setStatusSilently(targetOf(b), Number(b.TrangThai)) });
  });

  /** `{ hoSoId | maHoSo }`: the land system loses the dossier(s), no callback (drift on purpose). */
  router.post('/forget-silently', (req, res) => {
    res.json({ removed: sim.forgetSilently(targetOf(body(req))) });
  });

  router.post('/resend', (req, res) => {
    const id = body(req).EventId;
    if (typeof id !== 'string') throw new LandSimError('EventId: bắt buộc');
    res.json({ event: sim.resend(id) });
  });

  /** `{ timeoutMs? }` → `{ idle }` once callbacks were delivered or dropped (bounded wait). */
  router.post('/idle', async (req, res) => {
    const t = body(req).timeoutMs;
    const timeoutMs = typeof t === 'number' && t > 0 ? Math.min(t, 60_000) : 10_000;
    res.json({ idle: await sim.idle(timeoutMs) });
  });

  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof LandSimError) {
      res.status(err.httpStatus).json({ error: err.message });
      return;
    }
    const status = (err as { status?: number }).status;
    res.status(status && status >= 400 && status < 500 ? status : 500).json({ error: String(err) });
  });

  return router;
}
