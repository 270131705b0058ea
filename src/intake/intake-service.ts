import type { SystemAdapter, PlannedOperation } from '../adapters/adapter.js';
import type { DossierRecord } from '../domain/dossier.js';
import { checkConsistency, checkFieldDetails } from '../domain/dossier-rules.js';
import { mergePortalVersion } from '../domain/merge-version.js';
import type { RoutingTable } from '../domain/routing.js';
import type { SystemId } from '../domain/system-event.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../logging/logger.js';
import { toViolations, validator, type Violation } from '../schemas.js';
import type { DossierStore } from '../store/dossier-store.js';
import type { Queues } from '../delivery/queues.js';

export interface FeedEnvelope {
  madonvi: string;
  service: 'DongBoHoSoMC';
  isUpdating: 'True' | 'False';
  data: [DossierRecord];
}

export interface IntakeResult {
  MaHoSo: string;
  duplicate: boolean;
  deliveries: string[];
}

/**
 * The use-case behind the portal's dossier feed (portal.md §4): validate, route, store, hand over.
 *
 * @remarks Knows nothing of HTTP. A version is *accepted* only once it and every delivery it
 * implies are stored in one MULTI; only then are jobs enqueued (idempotently, by delivery id).
 * A redelivered version — recognised by the SHA-256 of its bytes, kept for as long as the dossier —
 * enqueues the same chain heads again, which also repairs a crash between storing and enqueuing.
 */
export class IntakeService {
  private readonly validateEnvelope = validator<FeedEnvelope>('feed-envelope.schema.json');

  constructor(
    private readonly deps: {
      store: DossierStore;
      queues: Queues;
      routing: RoutingTable;
      adapters: ReadonlyMap<SystemId, SystemAdapter>;
      log: Logger;
    },
  ) {}

  /** Validates an envelope; throws GW_ERR_REQUEST_INVALID with every violation. */
  validate(body: unknown): FeedEnvelope {
    if (!this.validateEnvelope(body)) {
      throw new GatewayError('GW_ERR_REQUEST_INVALID', {
        message: 'The feed record does not satisfy the dossier schema (portal.md §3)',
        details: toViolations(this.validateEnvelope.errors),
      });
    }
    const record = body.data[0];
    const rules = [...checkFieldDetails(record), ...checkConsistency(record)].map((v) => ({
      path: `/data/0${v.path}`,
      message: v.message,
    }));
    if (rules.length > 0) {
      throw new GatewayError('GW_ERR_REQUEST_INVALID', {
        message: 'The feed record breaks the consistency rules (portal.md §3.5)',
        details: rules,
      });
    }
    return body;
  }

  async receive(body: unknown, digest: string, requestId?: string): Promise<IntakeResult> {
    const { store, routing, adapters, queues } = this.deps;
    const maHoSo = (body as { data?: Array<{ MaHoSo?: unknown }> } | null)?.data?.[0]?.MaHoSo;
    const maHoSoText = typeof maHoSo === 'string' ? maHoSo : undefined;
    try {
      const env = this.validate(body);
      const record = env.data[0];
      const route = routing.route(record.MaTTHC);
      if (!route) {
        throw new GatewayError('GW_ERR_ROUTE_UNKNOWN_PROCEDURE', {
          message: `No route is configured for MaTTHC ${record.MaTTHC}`,
          details: [
            {
              path: '/data/0/MaTTHC',
              message: `no route for procedure ${record.MaTTHC} in mappings/routes.json`,
            },
          ],
        });
      }
      // Both reads in one round trip; the record is wasted on a duplicate, which is rare.
      const [duplicate, existing] = await Promise.all([
        store.isDuplicate(record.MaHoSo, digest),
        store.get(record.MaHoSo),
      ]);
      if (duplicate) {
        const heads = await store.chainHeads(record.MaHoSo, route.systems);
        await Promise.all(
          heads.map((h) =>
            queues.kickDelivery({ ...h, MaHoSo: record.MaHoSo, ...(requestId ? { requestId } : {}) }),
          ),
        );
        return { MaHoSo: record.MaHoSo, duplicate: true, deliveries: [] };
      }
      const requirements: Violation[] = [];
      const taking: SystemId[] = [];
      for (const s of route.systems) {
        const adapter = adapters.get(s);
        if (!adapter && route.optional?.includes(s)) continue; // an optional system this province has not connected
        if (!adapter) {
          throw new GatewayError('GW_ERR_ROUTE_UNKNOWN_PROCEDURE', {
            message: `Procedure ${record.MaTTHC} is routed to ${s}, which is not configured`,
            details: [{ path: '/data/0/MaTTHC', message: `system ${s} is not enabled` }],
          });
        }
        let unmet: Violation[];
        try {
          unmet = adapter.requirements(record);
        } catch (err) {
          // A value the system's format cannot carry (a control character in XML…) is the caller's
          // problem, reported like any other, never an internal error.
          unmet = [
            { path: '/', message: `cannot be written in this system's format: ${(err as Error).message}` },
          ];
        }
        if (unmet.length === 0) taking.push(s);
        else if (!route.optional?.includes(s)) {
          for (const v of unmet)
            requirements.push({
              path: `/data/0${v.path === '/' ? '' : v.path}`,
              message: `${s}: ${v.message}`,
            });
        }
      }
      if (requirements.length > 0) {
        throw new GatewayError('GW_ERR_REQUEST_INVALID', {
          message: 'The record lacks what its specialist systems need',
          details: requirements,
        });
      }
      const previous = existing ? existing.portalRecord : null;
      const plans: Array<{ system: SystemId; op: PlannedOperation }> = [];
      for (const s of taking) {
        for (const op of adapters.get(s)!.plan({ previous, current: record })) plans.push({ system: s, op });
      }
      // Taking part: systems with something to do now, plus those already taking part.
      const participants = route.systems.filter(
        (s) => plans.some((p) => p.system === s) || (existing?.route ?? []).includes(s),
      );
      const completion = (route.completion ?? route.systems).filter((s) => participants.includes(s));
      const { merged, status } = mergePortalVersion(existing, record);
      const outcome = await store.intake({
        MaHoSo: record.MaHoSo,
        madonvi: env.madonvi,
        digest,
        record,
        merged,
        status,
        route: participants,
        completion,
        plans,
        isUpdating: env.isUpdating === 'True',
        ...(requestId ? { requestId } : {}),
      });
      // A delivery created by this version has no job yet: it is added without looking first.
      const created = new Set(outcome.created);
      await Promise.all(
        outcome.heads.map((h) => {
          const job = { ...h, MaHoSo: record.MaHoSo, ...(requestId ? { requestId } : {}) };
          return created.has(h.deliveryId) ? queues.enqueueNew(job) : queues.kickDelivery(job);
        }),
      );
      return { MaHoSo: record.MaHoSo, duplicate: outcome.duplicate, deliveries: outcome.created };
    } catch (err) {
      if (err instanceof GatewayError && err.status < 500) {
        await store
          .recordRejected(maHoSoText, {
            digest,
            code: err.code,
            violations: err.details ?? err.message,
            body,
          })
          .catch(() => undefined);
      }
      throw err;
    }
  }
}
