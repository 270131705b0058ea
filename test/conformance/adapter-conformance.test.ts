import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  DeliveryContext,
  DeliveryResult,
  PlannedOperation,
  PollBatch,
  PollContext,
} from '../../src/adapters/adapter.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { isStatus } from '../../src/domain/status-machine.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { createLogger } from '../../src/logging/logger.js';
import { nextCode } from '../helpers/dossiers.js';
import { FIXTURES, NO_FAULTS, type Backend, type ConformanceFixture } from './fixtures.js';

/**
 * One suite, five adapters (GUIDE.md §1): every adapter runs the same checks against its own
 * simulator over real HTTP on loopback. A system is added by adding an entry to `fixtures.ts`.
 */

const log = createLogger('silent');
const PROTOCOLS = ['rest-json', 'soap', 'xml-http', 'edxml'];
const STATUS_SOURCES = ['callback', 'poll'];
const PORTAL_DATE_TIME = /^\d{14}$/;
/** Upper bound of any single adapter call here (the adapters' own HTTP timeout is 2 s). */
const CALL_LIMIT_MS = 10_000;

/** Rejects when `promise` has not settled within `ms`, so no check can hang. */
async function bounded<T>(promise: Promise<T>, what: string, ms = CALL_LIMIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** The GatewayError a call must fail with (anything else, or success, fails the check). */
async function gatewayFailure(promise: Promise<unknown>, what: string): Promise<GatewayError> {
  let outcome: unknown;
  try {
    outcome = await bounded(promise, what);
  } catch (err) {
    expect(err, `${what} must throw a GatewayError`).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error(`${what} was expected to fail but resolved with ${JSON.stringify(outcome)}`);
}

/** A DeliveryContext built the way the engine builds it. */
function contextFor(
  fx: ConformanceFixture,
  op: PlannedOperation,
  record: DossierRecord,
  attempt = 1,
  externalId?: string,
): DeliveryContext {
  return {
    deliveryId: `${record.MaHoSo}~${fx.system}~${op.intentKey}`,
    operation: op.operation,
    params: op.params ?? {},
    record,
    externalId,
    attempt,
    facts: {},
    log,
  };
}

describe.each(FIXTURES)('Adapter conformance: $system', (fx) => {
  let backend: Backend | undefined;
  const b = (): Backend => {
    if (!backend) throw new Error(`${fx.system}: the simulator did not start`);
    return backend;
  };

  /** A fresh dossier of this system and the first operation planned for it. */
  const fresh = (): { record: DossierRecord; op: PlannedOperation } => {
    const record = fx.example(nextCode(fx.tag));
    const [op] = b().adapter.plan({ previous: null, current: record });
    if (!op) throw new Error(`${fx.system}: nothing planned for the example dossier`);
    return { record, op };
  };

  const deliver = (ctx: DeliveryContext): Promise<DeliveryResult> =>
    bounded(b().adapter.deliver(ctx), `${fx.system} deliver ${ctx.operation}`);

  beforeAll(async () => {
    backend = await bounded(fx.start(), `${fx.system} simulator start`);
  });

  afterEach(() => {
    backend?.setFaults(NO_FAULTS);
  });

  afterAll(async () => {
    await backend?.close();
  });

  // 1. Metadata
  it('When the adapter is built, then system, protocol, statusSource and every operation declaration are valid', () => {
    const a = b().adapter;
    expect(a.system).toBe(fx.system);
    expect(PROTOCOLS).toContain(a.protocol);
    expect(STATUS_SOURCES).toContain(a.statusSource);
    const ops = Object.entries(a.operations);
    expect(ops.length).toBeGreaterThan(0);
    for (const [name, decl] of ops) {
      expect(typeof decl.idempotent, `${name}.idempotent`).toBe('boolean');
      expect(typeof decl.needsExternalId, `${name}.needsExternalId`).toBe('boolean');
    }
    if (a.statusSource === 'poll') expect(typeof a.poll).toBe('function');
  });

  // 2. Requirements
  it('When the example dossier is checked, then requirements are empty; when its system block is missing, then at least one path is named', () => {
    const a = b().adapter;
    expect(a.requirements(fx.example(nextCode(fx.tag)))).toEqual([]);
    const problems = a.requirements(fx.withoutBlock(nextCode(fx.tag)));
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(typeof p.path).toBe('string');
      expect(typeof p.message).toBe('string');
    }
    expect(problems.some((p) => p.path.length > 1)).toBe(true);
  });

  // 3. Planning
  it('When a new dossier is planned, then at least one known operation is planned, and planning again (also with previous = the same record) gives the same intent keys without touching the record', () => {
    const a = b().adapter;
    const record = fx.example(nextCode(fx.tag));
    const before = structuredClone(record);
    const first = a.plan({ previous: null, current: record });
    expect(first.length).toBeGreaterThan(0);
    for (const op of first) {
      expect(Object.keys(a.operations)).toContain(op.operation);
      expect(op.intentKey).toMatch(/^[^~:]+$/);
    }
    const keys = first.map((op) => op.intentKey);
    expect(a.plan({ previous: null, current: record }).map((op) => op.intentKey)).toEqual(keys);
    expect(a.plan({ previous: record, current: record }).map((op) => op.intentKey)).toEqual(keys);
    expect(record).toEqual(before);
  });

  it("When a dossier is first seen in status '3' (not received), then nothing is planned", () => {
    const record = { ...fx.example(nextCode(fx.tag)), TrangThaiHoSo: '3' } as DossierRecord;
    expect(b().adapter.plan({ previous: null, current: record })).toEqual([]);
  });

  // 4. Delivery and repeat
  it('When the first planned operation is delivered, then the system holds exactly 1 entry; when it is repeated with the same DeliveryContext (after a lookup if not idempotent, as the engine does), then still 1 entry and the same externalId', async () => {
    const { record, op } = fresh();
    const ctx = contextFor(fx, op, record);
    const first = await deliver(ctx);
    expect(b().entries(record.MaHoSo)).toBe(1);

    if (b().adapter.operations[op.operation]!.idempotent) {
      const again = await deliver(ctx);
      expect(b().entries(record.MaHoSo)).toBe(1);
      if (first.externalId !== undefined) expect(again.externalId).toBe(first.externalId);
    } else {
      // A non-idempotent operation (land tiepnhan, land.md §3.3) is never resent blindly: the
      // engine looks it up first and adopts what it finds.
      const found = await bounded(b().adapter.lookup(ctx), `${fx.system} lookup`);
      expect(found).toMatchObject({ found: true });
      if (first.externalId !== undefined && found.found) expect(found.externalId).toBe(first.externalId);
      expect(b().entries(record.MaHoSo)).toBe(1);
    }
  });

  // 5. Unknown outcome
  it('When the system applies the operation and then drops the connection, then deliver throws a retryable GatewayError with outcome unknown, and settling it as the engine does leaves exactly 1 entry', async () => {
    const { record, op } = fresh();
    b().setFaults({ dropAfterCommitNext: 1 });
    const err = await gatewayFailure(b().adapter.deliver(contextFor(fx, op, record)), `${fx.system} deliver`);
    expect(err.retryable).toBe(true);
    expect(err.outcome).toBe('unknown');
    expect(b().entries(record.MaHoSo)).toBe(1);

    const retry = contextFor(fx, op, record, 2);
    if (b().adapter.operations[op.operation]!.idempotent) {
      await deliver(retry);
    } else {
      const found = await bounded(b().adapter.lookup(retry), `${fx.system} lookup`);
      expect(found.found).toBe(true);
      if (found.found) expect(found.externalId).toMatch(/\S/);
    }
    expect(b().entries(record.MaHoSo)).toBe(1);
  });

  // 6. Outage and rejection
  it('When the system is down, then deliver throws a retryable GatewayError and nothing is entered', async () => {
    const { record, op } = fresh();
    b().setFaults({ down: true });
    const err = await gatewayFailure(b().adapter.deliver(contextFor(fx, op, record)), `${fx.system} deliver`);
    expect(err.retryable).toBe(true);
    expect(b().entries(record.MaHoSo)).toBe(0);
  });

  it('When the system rejects the request with HTTP 400, then deliver throws a GatewayError that is not retryable', async () => {
    const { record, op } = fresh();
    b().setFaults({ failNext: 1, failStatus: 400 });
    const err = await gatewayFailure(b().adapter.deliver(contextFor(fx, op, record)), `${fx.system} deliver`);
    expect(err.retryable).toBe(false);
    expect(b().entries(record.MaHoSo)).toBe(0);
  });

  // 7. Health
  it('When the simulator is up, then health() is ok', async () => {
    const health = await bounded(b().adapter.health(), `${fx.system} health`);
    expect(health, health.detail).toMatchObject({ ok: true });
  });

  it.skipIf(fx.healthBlindToDown !== undefined)(
    fx.healthBlindToDown
      ? `When the simulator is down, then health() is not ok — skipped for ${fx.system}: ${fx.healthBlindToDown}`
      : 'When the simulator is down, then health() is not ok',
    async () => {
      b().setFaults({ down: true });
      const health = await bounded(b().adapter.health(), `${fx.system} health`);
      expect(health.ok).toBe(false);
      expect(health.detail).toMatch(/\S/);
    },
  );

  // 9. Reading back (reconciliation, issue 9)
  it('When the system can be read back, then a dossier entered reads as one entry with the id delivered and a DVCQG status, and a code never entered reads as none; a system that cannot says so by having no status()', async (ctx) => {
    const a = b().adapter;
    if (!a.status) {
      expect(['tax', 'document'], `${fx.system} should be read back`).toContain(fx.system);
      ctx.skip(`${fx.system} offers no read of a dossier (reconciliation skips it and says so)`);
      return;
    }
    const { record, op } = fresh();
    const delivered = await deliver(contextFor(fx, op, record));
    const read = (M: string, externalId?: string) =>
      bounded(a.status!({ MaHoSo: M, externalId, record, log }), `${fx.system} status`);
    const reading = await read(record.MaHoSo, delivered.externalId);
    expect(reading.entries).toHaveLength(1);
    const [entry] = reading.entries;
    if (delivered.externalId !== undefined) expect(entry!.externalId).toBe(delivered.externalId);
    expect(isStatus(entry!.status), `status ${String(entry!.status)} is a DVCQG status`).toBe(true);
    expect(entry!.code).toMatch(/\S/);
    if (entry!.updatedAt) expect(entry!.updatedAt).toMatch(PORTAL_DATE_TIME);
    if (reading.event) {
      expect(reading.event).toMatchObject({
        system: fx.system,
        MaHoSo: record.MaHoSo,
        status: entry!.status,
      });
      // The same state read twice is the same event (applied once by the inbox).
      expect((await read(record.MaHoSo, delivered.externalId)).event?.eventId).toBe(reading.event.eventId);
    }
    expect((await read(nextCode(`${fx.tag}N`))).entries).toEqual([]);
  });

  // 8. Polling
  it('When a status changes at a polled system, then poll returns an event for the dossier with a DVCQG status and a yyyyMMddHHmmss time, and polling again after commit() gives no different eventId for that change', async (ctx) => {
    const a = b().adapter;
    if (a.statusSource !== 'poll') {
      ctx.skip(`${fx.system} pushes its statuses (statusSource: ${a.statusSource})`);
      return;
    }
    const changeStatus = b().changeStatus;
    if (!a.poll || !changeStatus) throw new Error(`${fx.system}: poll system without poll or changeStatus`);
    const poll = (cursor: string | undefined): Promise<PollBatch> => {
      const pc: PollContext = { open: [{ MaHoSo: record.MaHoSo }], cursor, now: new Date(), log };
      return bounded(a.poll!(pc), `${fx.system} poll`);
    };
    const ids = (batch: PollBatch): string[] =>
      batch.events.filter((e) => e.MaHoSo === record.MaHoSo).map((e) => e.eventId);

    const { record, op } = fresh();
    await deliver(contextFor(fx, op, record));
    // What the system reports before the change (e.g. "received") is read and stored first.
    const before = await poll(undefined);
    await bounded(before.commit?.() ?? Promise.resolve(), `${fx.system} commit`);

    changeStatus(record.MaHoSo);
    const after = await poll(before.nextCursor);
    expect(after.rejects).toEqual([]);
    const changed = after.events.filter(
      (e) => e.MaHoSo === record.MaHoSo && !ids(before).includes(e.eventId),
    );
    expect(changed.length, 'an event for the status change').toBeGreaterThan(0);
    for (const e of changed) {
      expect(e.system).toBe(fx.system);
      expect(isStatus(e.status), `status ${String(e.status)} is a DVCQG status`).toBe(true);
      expect(e.occurredAt).toMatch(PORTAL_DATE_TIME);
    }
    await bounded(after.commit?.() ?? Promise.resolve(), `${fx.system} commit`);

    const again = await poll(after.nextCursor);
    const known = new Set([...ids(before), ...ids(after)]);
    expect(ids(again).filter((id) => !known.has(id))).toEqual([]);
  });
});
