import type { WorkingCalendar } from '../calendar/working-calendar.js';
import type { TrangThaiHoSo } from '../domain/status-machine.js';
import { formatLocalIso } from '../domain/time.js';

/** How the report's rows are grouped: handling agency (DonViXuLy), system, or field (MaLinhVuc). */
export type GroupBy = 'agency' | 'system' | 'field';
export const GROUP_BY: readonly GroupBy[] = ['agency', 'system', 'field'];

/** A period the dossier waited for the applicant's supplement (status 5 until it was handed in). */
export interface SupplementWait {
  from: Date;
  /** Absent while the applicant has not handed the supplement in yet. */
  to?: Date;
}

/** What the report needs to know about one dossier. */
export interface DossierFacts {
  MaHoSo: string;
  DonViXuLy: string;
  /** The systems handling it (route). */
  systems: string[];
  MaLinhVuc: string;
  /** "1" at the desk, "2" online, "3" by post. */
  KenhThucHien: string;
  receivedAt: Date;
  /**
   * The appointment fixed at reception — before any supplement or apology letter moved it (the
   * report takes supplement time off itself, and a letter does not make a late dossier on time).
   * null when the dossier has none: it cannot be late.
   */
  NgayHenTra: Date | null;
  /** When processing finished (NgayKetThucXuLy), for a dossier in status 9 or 10. */
  finishedAt?: Date;
  supplementWaits: SupplementWait[];
  apologyLetters: number;
  status: TrangThaiHoSo;
  /** Systems that have not finished it yet (for the list of overdue dossiers). */
  holdingSystems?: string[];
  /** The last handler a system named (NguoiXuLy). */
  lastHandler?: string;
}

export interface OnTimeQuery {
  /** Dossiers received (receivedAt) from `from` included to `to` included. */
  from: Date;
  to: Date;
  groupBy: GroupBy;
  /** The instant in-progress dossiers are judged at. */
  now: Date;
}

/** Where a dossier stands at `now`. */
export type Standing =
  | 'resolved-on-time'
  | 'resolved-late'
  | 'in-progress-on-time'
  | 'in-progress-overdue'
  | 'stopped'
  | 'not-received';

export interface DossierStanding {
  standing: Standing;
  /** NgayHenTra moved later by the office hours spent waiting for the supplement; null without NgayHenTra. */
  effectiveDeadline: Date | null;
  /** Office hours spent waiting for the applicant's supplement, up to the end of processing. */
  supplementHours: number;
  /** The end of processing (finishedAt) or, while in progress, `now`. */
  end: Date;
}

/** The figures of one row (a group, or the total). */
export interface OnTimeFigures {
  received: number;
  resolvedOnTime: number;
  resolvedLate: number;
  inProgressOnTime: number;
  inProgressOverdue: number;
  /** Withdrawn by the applicant (7) or stopped (8): neither on time nor late. */
  stopped: number;
  /** resolvedOnTime / (resolvedOnTime + resolvedLate); null when nothing was resolved. */
  onTimeRate: number | null;
  /** Share of `received` lodged online (KenhThucHien "2"); null when nothing was received. */
  onlineShare: number | null;
  /** Apology letters issued for these dossiers (DanhSachXinLoi entries). */
  apologyLetters: number;
}

export interface OnTimeGroup extends OnTimeFigures {
  key: string;
  /** The name to show (a system's Vietnamese name; otherwise the key). */
  label: string;
}

export interface OnTimeReport {
  from: string;
  to: string;
  groupBy: GroupBy;
  generatedAt: string;
  groups: OnTimeGroup[];
  /** Over distinct dossiers: with groupBy "system" a dossier of two systems is in two groups, once here. */
  total: OnTimeFigures;
}

export const SYSTEM_LABELS: Readonly<Record<string, string>> = {
  land: 'Đất đai (VBDLIS)',
  'civil-registration': 'Hộ tịch',
  tax: 'Thuế',
  'social-insurance': 'Bảo hiểm xã hội',
  document: 'Quản lý văn bản (QLVB)',
};

export const UNKNOWN_GROUP = '(không rõ)';

const RESOLVED: ReadonlySet<string> = new Set(['9', '10']);
const STOPPED: ReadonlySet<string> = new Set(['7', '8']);
const NOT_RECEIVED: ReadonlySet<string> = new Set(['1', '3']);

/** Merges overlapping waits clipped to [start, end], so two open requests are not counted twice. */
function mergedWaits(waits: readonly SupplementWait[], start: Date, end: Date): Array<[number, number]> {
  const clipped = waits
    .map((w): [number, number] => [
      Math.max(w.from.getTime(), start.getTime()),
      Math.min((w.to ?? end).getTime(), end.getTime()),
    ])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of clipped) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * Where one dossier stands. The rule: a dossier is on time when its end of processing, with the
 * office hours spent waiting for the applicant's supplement taken off, is at or before its
 * appointment date — computed as `end ≤ addWorkingHours(NgayHenTra, supplement office hours)`,
 * so a wait over a weekend costs the agency no more than the office hours it really lost.
 */
export function classifyDossier(f: DossierFacts, now: Date, calendar: WorkingCalendar): DossierStanding {
  const resolved = RESOLVED.has(f.status);
  const end = resolved ? (f.finishedAt ?? now) : now;
  let supplementHours = 0;
  for (const [a, b] of mergedWaits(f.supplementWaits, f.receivedAt, end))
    supplementHours += calendar.workingHoursBetween(new Date(a), new Date(b));
  const effectiveDeadline = f.NgayHenTra ? calendar.addWorkingHours(f.NgayHenTra, supplementHours) : null;
  const late = effectiveDeadline !== null && end.getTime() > effectiveDeadline.getTime();
  let standing: Standing;
  if (NOT_RECEIVED.has(f.status)) standing = 'not-received';
  else if (STOPPED.has(f.status)) standing = 'stopped';
  else if (resolved) standing = late ? 'resolved-late' : 'resolved-on-time';
  else standing = late ? 'in-progress-overdue' : 'in-progress-on-time';
  return { standing, effectiveDeadline, supplementHours, end };
}

function emptyCounts(): Omit<OnTimeFigures, 'onTimeRate' | 'onlineShare'> & { online: number } {
  return {
    received: 0,
    resolvedOnTime: 0,
    resolvedLate: 0,
    inProgressOnTime: 0,
    inProgressOverdue: 0,
    stopped: 0,
    apologyLetters: 0,
    online: 0,
  };
}
type Counts = ReturnType<typeof emptyCounts>;

function add(c: Counts, f: DossierFacts, s: Standing): void {
  c.received += 1;
  if (f.KenhThucHien === '2') c.online += 1;
  c.apologyLetters += f.apologyLetters;
  if (s === 'resolved-on-time') c.resolvedOnTime += 1;
  else if (s === 'resolved-late') c.resolvedLate += 1;
  else if (s === 'in-progress-on-time') c.inProgressOnTime += 1;
  else if (s === 'in-progress-overdue') c.inProgressOverdue += 1;
  else c.stopped += 1;
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

function figures(c: Counts): OnTimeFigures {
  const { online, ...rest } = c;
  const resolved = c.resolvedOnTime + c.resolvedLate;
  return {
    ...rest,
    onTimeRate: resolved === 0 ? null : round4(c.resolvedOnTime / resolved),
    onlineShare: c.received === 0 ? null : round4(online / c.received),
  };
}

function groupKeys(f: DossierFacts, by: GroupBy): string[] {
  const keys =
    by === 'agency' ? [f.DonViXuLy] : by === 'field' ? [f.MaLinhVuc] : f.systems.length ? f.systems : [''];
  return [...new Set(keys.map((k) => k.trim() || UNKNOWN_GROUP))];
}

/**
 * The on-time report over the dossiers received from `from` to `to` (both included), judged at
 * `now`, per agency, system or field. Dossiers refused at reception (3) or not yet received (1)
 * are not counted.
 */
export function computeOnTimeReport(
  facts: readonly DossierFacts[],
  query: OnTimeQuery,
  calendar: WorkingCalendar,
): OnTimeReport {
  const groups = new Map<string, Counts>();
  const total = emptyCounts();
  const from = query.from.getTime();
  const to = query.to.getTime();
  for (const f of facts) {
    const t = f.receivedAt.getTime();
    if (t < from || t > to) continue;
    const { standing } = classifyDossier(f, query.now, calendar);
    if (standing === 'not-received') continue;
    add(total, f, standing);
    for (const key of groupKeys(f, query.groupBy)) {
      let c = groups.get(key);
      if (!c) groups.set(key, (c = emptyCounts()));
      add(c, f, standing);
    }
  }
  return {
    from: formatLocalIso(query.from),
    to: formatLocalIso(query.to),
    groupBy: query.groupBy,
    generatedAt: formatLocalIso(query.now),
    groups: [...groups]
      .sort(([a], [b]) => a.localeCompare(b, 'vi'))
      .map(([key, c]) => ({
        key,
        label: query.groupBy === 'system' ? (SYSTEM_LABELS[key] ?? key) : key,
        ...figures(c),
      })),
    total: figures(total),
  };
}
