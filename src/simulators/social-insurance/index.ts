import { readFile } from 'node:fs/promises';
import express from 'express';
import { FaultInjector } from '../fault-injector.js';
import { listen } from '../http-harness.js';
import type { Listening } from '../http-harness.js';
import { Clock } from './clock.js';
import { ControlError } from './control-error.js';
import { controlRoutes } from './control-routes.js';
import { DossierStore } from './dossier-store.js';
import type { StatusChange, StatusEvent } from './dossier-store.js';
import { HoSoService } from './hoso-service.js';
import { resolveOptions } from './options.js';
import type { SocialInsuranceSimulatorOptions } from './options.js';
import { PersonRegistry } from './person-registry.js';
import type { TrangThai } from './protocol.js';
import { ServerFaultSwitch } from './server-fault-switch.js';
import type {
  SocialInsuranceCounters,
  SocialInsuranceFaultPatch,
  SocialInsuranceFaultState,
  SocialInsuranceSimulator,
  StatusStep,
} from './simulator-types.js';
import { emptyEndpointCounters, soapEndpoint } from './soap-endpoint.js';
import { StatusCallbacks } from './status-callbacks.js';
import type { CallbackTarget } from './status-callbacks.js';

export type { SocialInsuranceSimulatorOptions } from './options.js';
export type * from './simulator-types.js';
export type { DossierRecord, StatusChange, StatusEvent } from './dossier-store.js';
export type { CallbackAttempt, CallbackCounters, CallbackTarget } from './status-callbacks.js';
export type { CallbackOutcome } from './callback-sender.js';
export type { Person } from './person-registry.js';
export type { Credentials } from './ws-security.js';
export type { NopHoSoRequest } from './payload-schema.js';
export type { TrangThai, LoaiHoSo } from './protocol.js';
export { ControlError } from './control-error.js';

const TRANSPORT_KEYS = new Set(Object.keys(new FaultInjector().settings));
const SOAP_KEYS = new Set(['serverFaultNext', 'serverFaultRate']);
const CALLBACK_KEYS = new Set(['reorder', 'duplicateNext', 'duplicateRate']);

function pick(patch: object, keys: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).filter(([k]) => keys.has(k)));
}

/**
 * In-memory BHXH (social insurance) system: the SOAP 1.1 `HoSoBHXHService` of
 * `social-insurance.wsdl` (`NopHoSo`, `TraCuuHoSo`, WS-Security UsernameToken) and the status
 * callbacks `CapNhatTrangThaiHoSo` to the client's `CapNhatTrangThaiService`.
 *
 * @remarks Hand-written SOAP handling (xml2js) rather than the `soap` package's server: the spec
 * needs the exact envelopes of the examples, `soap:Client` faults naming the element for every
 * schema violation (order, patterns, offsets — the `soap` server does not validate against the
 * XSD), HTTP 500 faults, text kept exactly as received, and the shared FaultInjector middleware.
 */
export function createSocialInsuranceSimulator(
  options: SocialInsuranceSimulatorOptions = {},
): SocialInsuranceSimulator {
  const o = resolveOptions(options);
  const faults = new FaultInjector(o.seed);
  const serverFault = new ServerFaultSwitch(o.seed + 1);
  const clock = new Clock(o.now);
  const persons = new PersonRegistry(o.persons, o.autoRegisterPersons);
  const store = new DossierStore(o.receiptPrefix, o.receiptSeqStart);
  const service = new HoSoService(store, persons, clock);
  let credentials = { ...o.credentials };
  let endpointCounters = emptyEndpointCounters();
  const target: CallbackTarget = { url: o.callbackUrl, ...o.callbackCredentials };
  const newCallbacks = () =>
    new StatusCallbacks(
      target,
      o.callbackTimeoutMs,
      o.callbackRetryIntervalMs,
      o.callbackMaxAttempts,
      o.seed + 2,
    );
  let callbacks = newCallbacks();
  const progressTimers = new Set<NodeJS.Timeout>();
  let wsdlText: Promise<string> | undefined;
  let listening: Listening | undefined;
  let closed = false;

  const scheduleAutoProgress = (maHoSo: string): void => {
    const plan = o.autoProgress;
    if (!plan || closed) return;
    plan.steps.forEach((step, i) => {
      const t = setTimeout(
        () => {
          progressTimers.delete(t);
          try {
            sim.setStatus(maHoSo, step.trangThai, step.ghiChu !== undefined ? { ghiChu: step.ghiChu } : {});
          } catch {
            // e.g. the dossier reached a final status through setStatus meanwhile
          }
        },
        plan.intervalMs * (i + 1),
      );
      progressTimers.add(t);
    });
  };

  const faultState = (): SocialInsuranceFaultState => ({
    transport: { ...faults.settings },
    soap: { ...serverFault.settings },
    callbacks: { ...callbacks.emitter.faults },
    injected: { ...faults.counts, serverFaults: serverFault.fired },
  });

  const counters = (): SocialInsuranceCounters => ({
    ...structuredClone(endpointCounters),
    records: store.size,
    callbacks: callbacks.counters(),
    emitter: { ...callbacks.emitter.stats },
    injected: { ...faults.counts, serverFaults: serverFault.fired },
  });

  const app = express();
  app.disable('x-powered-by');

  const sim: SocialInsuranceSimulator = {
    get url() {
      return listening ? `${listening.url}${o.path}` : undefined;
    },
    get origin() {
      return listening?.url;
    },
    faults,
    get callbackEmitter() {
      return callbacks.emitter;
    },

    async start(port = 0) {
      if (listening) throw new Error('social-insurance simulator already started');
      wsdlText ??= readFile(o.wsdlFile, 'utf8');
      await wsdlText;
      listening = await listen(app, port, '127.0.0.1', () => faults.releaseHanging());
      return `${listening.url}${o.path}`;
    },

    async close() {
      closed = true;
      for (const t of progressTimers) clearTimeout(t);
      progressTimers.clear();
      callbacks.close();
      faults.releaseHanging();
      const l = listening;
      listening = undefined;
      if (l) await l.close();
    },

    serverFaultNext(n) {
      serverFault.set({ serverFaultNext: n });
    },
    duplicateNextCallbacks(n) {
      callbacks.setFaults({ duplicateNext: n });
    },
    reorderCallbacks(on) {
      callbacks.setFaults({ reorder: on });
    },
    setFaults(patch: SocialInsuranceFaultPatch) {
      faults.set(pick(patch, TRANSPORT_KEYS));
      serverFault.set(pick(patch, SOAP_KEYS));
      callbacks.setFaults(pick(patch, CALLBACK_KEYS));
      return faultState();
    },
    faultState,

    entries: (maHoSo) => store.entries(maHoSo),
    record: (maHoSo) => {
      const r = store.get(maHoSo);
      return r && structuredClone(r);
    },
    records: () => structuredClone(store.all()),
    counters,
    state: () => ({
      serviceUrl: sim.url,
      clock: { now: new Date(clock.now()).toISOString(), pinned: clock.pinned },
      callbackTarget: { url: target.url, username: target.username },
      counters: counters(),
      faults: faultState(),
      records: structuredClone(store.all()),
      callbackLog: callbacks.log(),
      persons: persons.list(),
    }),

    setStatus(maHoSo: string, trangThai: TrangThai, extra: StatusChange = {}): StatusEvent {
      const event = store.changeStatus(maHoSo, trangThai, extra, clock.now());
      callbacks.emit([event]);
      return event;
    },
    emitBatch(maHoSo: string, steps: StatusStep[]): StatusEvent[] {
      if (steps.length === 0) throw new ControlError(400, 'steps: at least one status change');
      const events: StatusEvent[] = [];
      try {
        for (const s of steps) {
          const change = s.ghiChu !== undefined ? { ghiChu: s.ghiChu } : {};
          events.push(store.changeStatus(maHoSo, s.trangThai, change, clock.now()));
        }
      } finally {
        callbacks.emit(events);
      }
      return events;
    },
    resendEvent: (maSuKien) => callbacks.resend(maSuKien),
    callbackLog: () => callbacks.log(),
    callbacksIdle: () => callbacks.idle(),
    registerPerson: (p) => persons.register(p),
    setClock: (now) => clock.set(now),
    setCallbackTarget(patch) {
      if (patch.url !== undefined) target.url = patch.url;
      if (patch.username !== undefined) target.username = patch.username;
      if (patch.password !== undefined) target.password = patch.password;
    },
    setCredentials(c) {
      credentials = { username: c.username, password: c.password };
    },
    reset() {
      for (const t of progressTimers) clearTimeout(t);
      progressTimers.clear();
      callbacks.close();
      callbacks = newCallbacks();
      store.clear();
      endpointCounters = emptyEndpointCounters();
      faults.reset();
      for (const k of Object.keys(faults.counts) as (keyof typeof faults.counts)[]) faults.counts[k] = 0;
      serverFault.reset();
      serverFault.fired = 0;
    },
  };

  app.use(controlRoutes(sim));
  app.use(o.path, controlRoutes(sim));
  app.use(
    soapEndpoint({
      path: o.path,
      wsdl: () => (wsdlText ??= readFile(o.wsdlFile, 'utf8')),
      faults,
      serverFault,
      credentials: () => credentials,
      service,
      counters: () => endpointCounters,
      onEvents: (events) => {
        callbacks.emit(events);
        for (const e of events) if (e.trangThai === 1) scheduleAutoProgress(e.maHoSo);
      },
    }),
  );

  return sim;
}
