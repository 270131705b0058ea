import type { StatusReading } from '../adapters/adapter.js';
import { deriveStatus } from '../domain/dossier-progress.js';
import { canTransition, isStatus, isTerminal, type TrangThaiHoSo } from '../domain/status-machine.js';
import type { ProgressRow, SystemEvent, SystemId } from '../domain/system-event.js';

export type PortalRow = ProgressRow & { MaHoSo: string };

export type FindingKind =
  | 'system-status'
  | 'system-unknown'
  | 'system-duplicate'
  | 'portal-status'
  | 'portal-unknown'
  | 'appointment'
  | 'progress-missing';

export const FINDING_KINDS: readonly FindingKind[] = [
  'system-status',
  'system-unknown',
  'system-duplicate',
  'portal-status',
  'portal-unknown',
  'appointment',
  'progress-missing',
];

/** `repairable`: syncing through the normal outbox and ledger repairs it; `needs-person`: it does not. */
export type Classification = 'repairable' | 'needs-person';

/** How a repairable finding is repaired: an event through the inbox, or operations through the outbox. */
export type Repair =
  { kind: 'event'; event: SystemEvent } | { kind: 'record' } | { kind: 'progress'; rows: PortalRow[] };

export interface Drift {
  kind: FindingKind;
  /** The system, or `portal`, whose copy differs. */
  party: SystemId | 'portal';
  classification: Classification;
  summary: string;
  evidence: Record<string, unknown>;
  /** What identifies this drift across runs (with the dossier, kind and party): the same drift seen again is the same finding. */
  key: string;
  repair?: Repair;
}

/** What the portal holds (TraCuuHoSo), or `null` when it could not be read this time. */
export type PortalCopy =
  | { found: true; TrangThaiHoSo: string; NgayHenTra: string; DanhSachTienDo: PortalRow[] }
  | { found: false }
  | null;

export type SystemReading = StatusReading | { error: string } | 'unreadable' | 'settling';

export interface DriftInput {
  MaHoSo: string;
  /** The gateway's view: what it derived and sent. */
  status: TrangThaiHoSo;
  route: readonly SystemId[];
  completion: readonly SystemId[];
  systemStatus: Partial<Record<SystemId, TrangThaiHoSo>>;
  NgayHenTra: string;
  portalKnown: boolean;
  /** Systems where the dossier was entered (delivered or resolved by hand), with the id adopted. */
  entered: Partial<Record<SystemId, { externalId: string | undefined }>>;
  /** The rows the portal accepted from the gateway (its own record of what it sent). */
  sentRows: readonly PortalRow[];
  portal: PortalCopy;
  readings: Partial<Record<SystemId, SystemReading>>;
  /** Changes at a system after this (portal format) are still settling: left to callbacks and polls. */
  settledBefore: string;
}

/** The fields that make two progress rows the same row (as the portal sync compares them). */
export function sameRow(a: PortalRow, b: PortalRow): boolean {
  return (
    a.MaHoSo === b.MaHoSo &&
    a.ThoiDiemXuLy === b.ThoiDiemXuLy &&
    a.NoiDungXuLy === b.NoiDungXuLy &&
    a.TrangThai === b.TrangThai &&
    a.NguoiXuLy === b.NguoiXuLy
  );
}

function isReading(r: SystemReading | undefined): r is StatusReading {
  return typeof r === 'object' && r !== null && 'entries' in r;
}

/**
 * Compares the three copies of one dossier — what each system holds, what the gateway derived and
 * sent, what the portal shows — and says where they differ and whether syncing can repair it.
 * Pure, so every case is unit-tested.
 *
 * @remarks The rules, in the order they are applied:
 * - A system that does not hold a dossier the gateway entered there needs a person (entering it
 *   again could create the duplicate the ledger exists to prevent); one holding it twice too.
 * - A system whose status differs from what the gateway knows of it (a callback lost, a poll
 *   missed): repairable when the status the portal should then show (`deriveStatus`) is a
 *   transition the status machine allows; the repair is the system's own event, through the inbox.
 *   A status the gateway only hears of as "received" (land code 1) is not a difference.
 * - When the systems agree with the gateway, the portal should show the gateway's status: a
 *   different one is repaired by syncing the record if the portal may move there, else a person
 *   decides (the portal shows something later than anything the gateway sent).
 * - An appointment date at the portal earlier than the gateway's is repaired by syncing the record;
 *   a later one was set at the portal and is not overwritten.
 * - Rows the portal accepted from the gateway and no longer holds are sent again, unless the
 *   portal's status is terminal (it would refuse them).
 */
export function findDrift(input: DriftInput): Drift[] {
  const out: Drift[] = [];
  const merged: Partial<Record<SystemId, TrangThaiHoSo>> = { ...input.systemStatus };
  let systemDrift = false;
  for (const s of input.route) {
    const r = input.readings[s];
    if (!isReading(r)) continue;
    const entered = input.entered[s];
    if (r.entries.length === 0) {
      if (entered)
        out.push({
          kind: 'system-unknown',
          party: s,
          classification: 'needs-person',
          summary: `${s} does not hold the dossier the gateway entered there (${entered.externalId ?? 'no id'})`,
          evidence: { externalId: entered.externalId ?? null, entries: [] },
          key: entered.externalId ?? '-',
        });
      continue;
    }
    if (r.entries.length > 1) {
      const ids = r.entries.map((e) => e.externalId);
      out.push({
        kind: 'system-duplicate',
        party: s,
        classification: 'needs-person',
        summary: `${s} holds the dossier ${r.entries.length} times (${ids.join(', ')})`,
        evidence: {
          adopted: entered?.externalId ?? null,
          entries: r.entries.map((e) => ({ externalId: e.externalId, code: e.code, updatedAt: e.updatedAt })),
        },
        key: [...ids].sort().join(','),
      });
    }
    const entry = r.entries.find((e) => e.externalId === entered?.externalId) ?? r.entries[0]!;
    if (!entry.status) continue;
    const known = input.systemStatus[s];
    const agrees =
      entry.status === known ||
      (known === undefined && entry.initial) ||
      (entry.status === '10' && known === '9' && input.status === '10');
    if (agrees || (entry.updatedAt !== '' && entry.updatedAt > input.settledBefore)) continue;
    systemDrift = true;
    merged[s] = entry.status;
    const target = deriveStatus(input.route, merged, input.completion);
    const repairable = r.event !== undefined && canTransition(input.status, target);
    out.push({
      kind: 'system-status',
      party: s,
      classification: repairable ? 'repairable' : 'needs-person',
      summary: repairable
        ? `${s} is at ${entry.status} (code ${entry.code}) but the gateway knew ${known ?? 'nothing'}: the portal should show ${target}`
        : `${s} is at ${entry.status} (code ${entry.code}) but the gateway knew ${known ?? 'nothing'}; ${input.status} → ${target} is not a transition the gateway may send`,
      evidence: {
        externalId: entry.externalId,
        systemCode: entry.code,
        systemStatus: entry.status,
        systemUpdatedAt: entry.updatedAt,
        gatewayKnew: known ?? null,
        gatewayStatus: input.status,
        portalShould: target,
        portalShows: input.portal?.found ? input.portal.TrangThaiHoSo : null,
      },
      key: `${entry.externalId}|${entry.code}|${entry.updatedAt}`,
      ...(repairable && r.event ? { repair: { kind: 'event' as const, event: r.event } } : {}),
    });
  }

  const portal = input.portal;
  if (portal === null) return out;
  if (!portal.found) {
    if (input.portalKnown)
      out.push({
        kind: 'portal-unknown',
        party: 'portal',
        classification: 'needs-person',
        summary: 'the portal does not find a dossier the gateway has synced (TraCuuHoSo "4")',
        evidence: { gatewayStatus: input.status },
        key: '-',
      });
    return out;
  }
  const shows = portal.TrangThaiHoSo;
  if (!systemDrift && shows !== input.status) {
    const repairable = isStatus(shows) && canTransition(shows, input.status);
    out.push({
      kind: 'portal-status',
      party: 'portal',
      classification: repairable ? 'repairable' : 'needs-person',
      summary: repairable
        ? `the portal shows ${shows}, the gateway sent ${input.status}`
        : `the portal shows ${shows}, later than the ${input.status} the gateway sent`,
      evidence: { portalShows: shows, gatewayStatus: input.status, systems: input.systemStatus },
      key: `${shows}|${input.status}`,
      ...(repairable ? { repair: { kind: 'record' as const } } : {}),
    });
  }
  if (input.NgayHenTra && portal.NgayHenTra !== input.NgayHenTra) {
    const later = portal.NgayHenTra !== '' && portal.NgayHenTra > input.NgayHenTra;
    out.push({
      kind: 'appointment',
      party: 'portal',
      classification: later ? 'needs-person' : 'repairable',
      summary: later
        ? `the portal's appointment ${portal.NgayHenTra} is later than the gateway's ${input.NgayHenTra}: set at the portal, not overwritten`
        : `the portal's appointment ${portal.NgayHenTra || '(none)'} differs from the gateway's ${input.NgayHenTra}`,
      evidence: { portal: portal.NgayHenTra || null, gateway: input.NgayHenTra },
      key: `${portal.NgayHenTra}|${input.NgayHenTra}`,
      ...(later ? {} : { repair: { kind: 'record' as const } }),
    });
  }
  const terminal = isStatus(shows) && isTerminal(shows);
  for (const row of input.sentRows) {
    if (portal.DanhSachTienDo.some((h) => sameRow(h, row))) continue;
    const refused = terminal && row.TrangThai !== shows;
    out.push({
      kind: 'progress-missing',
      party: 'portal',
      classification: refused ? 'needs-person' : 'repairable',
      summary: refused
        ? `a progress row the portal accepted is gone (${row.ThoiDiemXuLy}, ${row.TrangThai}); the portal is at ${shows} and would refuse it`
        : `a progress row the portal accepted is gone (${row.ThoiDiemXuLy}, ${row.TrangThai})`,
      evidence: {
        ThoiDiemXuLy: row.ThoiDiemXuLy,
        TrangThai: row.TrangThai,
        NoiDungXuLy: row.NoiDungXuLy,
        NguoiXuLy: row.NguoiXuLy,
        portalRows: portal.DanhSachTienDo.length,
        sentRows: input.sentRows.length,
      },
      key: `${row.ThoiDiemXuLy}|${row.TrangThai}|${row.NguoiXuLy}|${row.NoiDungXuLy}`,
      ...(refused ? {} : { repair: { kind: 'progress' as const, rows: [row] } }),
    });
  }
  return out;
}
