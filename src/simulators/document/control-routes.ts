import express from 'express';
import type { ErrorRequestHandler, Express, Request, Response } from 'express';
import { defaultFaults } from '../fault-injector.js';
import type { FaultSettings } from '../fault-injector.js';
import type { DocumentSimulator } from './document-simulator.js';
import { DOCUMENT_FAULT_KEYS } from './protocol-faults.js';
import type { DocumentFaultSettings } from './protocol-faults.js';
import { ControlError } from './status-producer.js';
import type { MalformedKind, StatusSpec } from './status-producer.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Key → expected JSON type of every switch `POST /__sim/faults` accepts. */
const FAULT_KEYS: Record<string, 'boolean' | 'number'> = {
  ...Object.fromEntries(
    Object.entries(defaultFaults()).map(([k, v]) => [k, typeof v as 'boolean' | 'number']),
  ),
  ...DOCUMENT_FAULT_KEYS,
};

function body(req: Request): Record<string, unknown> {
  if (!isObject(req.body)) throw new ControlError('body must be a JSON object');
  return req.body;
}

function target(b: Record<string, unknown>): string {
  if (typeof b.target !== 'string' || b.target === '')
    throw new ControlError('target (docId, DocumentId or MaHoSo) is required');
  return b.target;
}

function statusSpec(raw: unknown): StatusSpec {
  if (!isObject(raw) || typeof raw.StatusCode !== 'string')
    throw new ControlError('each status needs a StatusCode string');
  return raw as unknown as StatusSpec;
}

/**
 * `/__sim/*`: the simulator's controls over HTTP, for a simulator in another process. Never
 * subject to faults or authentication.
 */
export function mountControlRoutes(app: Express, sim: DocumentSimulator): void {
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));

  r.get('/state', (_req, res) => {
    res.json(sim.state());
  });
  r.get('/entries/:maHoSo', (req, res) => {
    const maHoSo = String(req.params.maHoSo);
    res.json({
      maHoSo,
      entries: sim.entries(maHoSo),
      dossier: sim.entries(maHoSo, 'dossier'),
      apology: sim.entries(maHoSo, 'apology'),
    });
  });
  r.get('/documents/:ref', (req, res) => {
    const doc = sim.document(String(req.params.ref));
    if (!doc) res.status(404).json({ error: 'unknown document' });
    else res.json(doc);
  });
  r.post('/faults', (req, res) => {
    const patch = body(req);
    for (const [key, value] of Object.entries(patch)) {
      const type = FAULT_KEYS[key];
      if (!type) throw new ControlError(`unknown fault switch ${key}`);
      if (typeof value !== type) throw new ControlError(`${key} must be a ${type}`);
    }
    sim.setFaults(patch as Partial<FaultSettings & DocumentFaultSettings>);
    res.json({ faults: sim.faults.settings, protocolFaults: sim.protocolFaults });
  });
  r.post('/expire-tokens', (_req, res) => {
    res.json({ expired: sim.expireTokens() });
  });
  r.post('/status', (req, res) => {
    const b = body(req);
    const { target: _t, ...spec } = b;
    res.json({ items: sim.setStatuses(target(b), [statusSpec(spec)]) });
  });
  r.post('/statuses', (req, res) => {
    const b = body(req);
    if (!Array.isArray(b.statuses) || b.statuses.length === 0)
      throw new ControlError('statuses must be a non-empty array');
    res.json({ items: sim.setStatuses(target(b), b.statuses.map(statusSpec)) });
  });
  r.post('/malformed-status', (req, res) => {
    const b = isObject(req.body) ? req.body : {};
    const opts: { target?: string; kind?: MalformedKind } = {};
    if (typeof b.target === 'string') opts.target = b.target;
    if (typeof b.kind === 'string') opts.kind = b.kind as MalformedKind;
    res.json({ item: sim.injectMalformedStatus(opts) });
  });
  r.post('/release-hanging', (_req, res) => {
    sim.faults.releaseHanging();
    res.json({ ok: true });
  });
  r.post('/reset', (_req, res) => {
    sim.reset();
    res.json({ ok: true });
  });
  r.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'unknown control route' });
  });
  const errors: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    if (err instanceof ControlError) res.status(err.httpStatus).json({ error: err.message });
    else res.status(400).json({ error: err instanceof Error ? err.message : String(err) });
  };
  r.use(errors);
  app.use('/__sim', r);
}
