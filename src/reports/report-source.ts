import type { WorkingCalendar } from '../calendar/working-calendar.js';
import type { DossierRecord } from '../domain/dossier.js';
import type { RoutingTable } from '../domain/routing.js';
import { isStatus, isTerminal, type TrangThaiHoSo } from '../domain/status-machine.js';
import { SYSTEM_IDS } from '../domain/system-event.js';
import { parsePortalDateTime } from '../domain/time.js';
import type { DossierStore } from '../store/dossier-store.js';
import type { DossierFacts, SupplementWait } from './on-time.js';

/**
 * Where reports and the dashboard read dossier facts from.
 *
 * @remarks An interface so that the route and the dashboard do not care whether the facts come
 * from the live store (this first implementation) or, later, from a table kept by the deadline
 * tracker; the report's rule lives in `on-time.ts`, not here.
 */
export interface ReportSource {
  /** Dossiers received (NgayTiepNhan) from `from` to `to`, both included. */
  dossierFacts(from: Date, to: Date): Promise<DossierFacts[]>;
}

/** Portal date-time text → Date; empty or malformed → undefined. */
function portalDate(s: unknown): Date | undefined {
  return typeof s === 'string' && s !== '' ? (parsePortalDateTime(s) ?? undefined) : undefined;
}

function earliest(dates: Array<Date | undefined>): Date | undefined {
  let min: Date | undefined;
  for (const d of dates) if (d && (!min || d.getTime() < min.getTime())) min = d;
  return min;
}

const FIELDS = ['record', 'route', 'status', 'receivedAt', 'lastNguoiXuLy'] as const;
const SYS_FIELDS = SYSTEM_IDS.map((s) => `sys:${s}:status`);

/**
 * Reads the facts from what the dossier store already keeps: the index of dossiers by reception
 * time, and each dossier's hash (the merged record, its route, the gateway's status, each system's
 * status).
 *
 * @remarks The index is scored by the moment the gateway first received the dossier, which can be
 * days away from its NgayTiepNhan (a dossier pushed as "1" is received at the desk later; a
 * redelivery after an outage comes late), so the index is read with `marginMs` on both sides and
 * the dossiers are then kept by NgayTiepNhan. Hashes are read in pipelined batches.
 */
export class StoreReportSource implements ReportSource {
  private readonly marginMs: number;
  private readonly batch: number;

  constructor(
    private readonly deps: {
      store: DossierStore;
      routing?: RoutingTable;
      calendar?: WorkingCalendar;
      marginMs?: number;
      batchSize?: number;
    },
  ) {
    this.marginMs = deps.marginMs ?? 31 * 86_400_000;
    this.batch = deps.batchSize ?? 500;
  }

  async dossierFacts(from: Date, to: Date): Promise<DossierFacts[]> {
    const { redis, keys } = this.deps.store;
    // Dossiers by NgayTiepNhan (written at intake); the gateway's own reception index, read with a
    // margin, still finds dossiers stored before that index existed.
    const [byDesk, byGateway] = await Promise.all([
      redis.zrangebyscore(keys.receivedAt(), from.getTime(), to.getTime()),
      redis.zrangebyscore(keys.allDossiers(), from.getTime() - this.marginMs, to.getTime() + this.marginMs),
    ]);
    const ids = [...new Set([...byDesk, ...byGateway])];
    const out: DossierFacts[] = [];
    for (let i = 0; i < ids.length; i += this.batch) {
      const chunk = ids.slice(i, i + this.batch);
      const pipe = redis.pipeline();
      for (const id of chunk) pipe.hmget(keys.dossier(id), ...FIELDS, ...SYS_FIELDS);
      const rows = (await pipe.exec()) ?? [];
      chunk.forEach((id, j) => {
        const [err, values] = rows[j] ?? [null, null];
        if (err) throw err;
        const f = this.facts(id, values as Array<string | null>);
        if (f && f.receivedAt.getTime() >= from.getTime() && f.receivedAt.getTime() <= to.getTime())
          out.push(f);
      });
    }
    return out;
  }

  private facts(MaHoSo: string, values: Array<string | null>): DossierFacts | null {
    const [recordJson, routeJson, statusRaw, receivedAtIso, lastNguoiXuLy, ...sys] = values;
    if (!recordJson) return null;
    const rec = JSON.parse(recordJson) as DossierRecord;
    const route = routeJson ? (JSON.parse(routeJson) as string[]) : [];
    const status: TrangThaiHoSo = isStatus(statusRaw)
      ? statusRaw
      : isStatus(rec.TrangThaiHoSo)
        ? rec.TrangThaiHoSo
        : '2';
    const receivedAt = portalDate(rec.NgayTiepNhan) ?? (receivedAtIso ? new Date(receivedAtIso) : undefined);
    if (!receivedAt || Number.isNaN(receivedAt.getTime())) return null;
    const supplements = rec.DanhSachHoSoBoSung ?? [];
    const letters = rec.DanhSachXinLoi ?? [];
    // The appointment fixed at reception: a supplement or an apology letter records the date it
    // replaced (NgayHenTraTruoc), so the earliest of those and the current one is the original.
    let due = earliest([
      portalDate(rec.NgayHenTra),
      ...supplements.map((s) => portalDate(s.NgayHenTraTruoc)),
      ...letters.map((l) => portalDate(l.NgayHenTraTruoc)),
    ]);
    if (!due && this.deps.calendar && this.deps.routing) {
      const days = this.deps.routing.route(String(rec.MaTTHC ?? ''))?.legalWorkingDays;
      if (days) due = this.deps.calendar.dueDate(receivedAt, days);
    }
    const supplementWaits: SupplementWait[] = [];
    for (const s of supplements) {
      const fromDate = portalDate(s.NgayYeuCauBoSung);
      if (!fromDate) continue;
      const toDate = portalDate(s.NgayTiepNhanBoSung);
      supplementWaits.push(toDate ? { from: fromDate, to: toDate } : { from: fromDate });
    }
    const systemStatus = new Map(SYSTEM_IDS.map((s, i) => [s as string, sys[i] ?? null]));
    const holdingSystems = route.filter((s) => {
      const st = systemStatus.get(s);
      return !(st === '9' || (isStatus(st) && isTerminal(st)));
    });
    const finishedAt = portalDate(rec.NgayKetThucXuLy);
    return {
      MaHoSo,
      DonViXuLy: String(rec.DonViXuLy ?? ''),
      systems: route,
      MaLinhVuc: String(rec.MaLinhVuc ?? ''),
      KenhThucHien: String(rec.KenhThucHien ?? ''),
      receivedAt,
      NgayHenTra: due ?? null,
      ...(finishedAt ? { finishedAt } : {}),
      supplementWaits,
      apologyLetters: letters.length,
      status,
      holdingSystems,
      ...(lastNguoiXuLy ? { lastHandler: lastNguoiXuLy } : {}),
    };
  }
}
