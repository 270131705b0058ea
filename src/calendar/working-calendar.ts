import { formatLocal, parseLocal } from '../domain/time.js';
import type { CalendarDay, CalendarYear } from './calendar-data.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** A period of office hours, in minutes after local midnight. */
export interface OfficePeriod {
  start: number;
  end: number;
}

/**
 * Office hours of public agencies in Asia/Ho_Chi_Minh: 07:30–11:30 and 13:00–17:00, eight hours
 * a working day (the common schedule of the one-stop desks; a province that keeps other hours
 * passes its own periods).
 */
export const OFFICE_HOURS: readonly OfficePeriod[] = [
  { start: 7 * 60 + 30, end: 11 * 60 + 30 },
  { start: 13 * 60, end: 17 * 60 },
];

/** Why a local day is or is not a working day. */
export interface DayInfo {
  date: string;
  working: boolean;
  /** The calendar entry that overrides the Monday–Friday rule, if any. */
  entry: CalendarDay | null;
  /** Whether the day's year has a calendar file (outside, only weekends are known). */
  covered: boolean;
}

/** Local day number: days since 1970-01-01 in Asia/Ho_Chi_Minh wall-clock terms. */
function dayOf(d: Date): number {
  const s = formatLocal(d, 'yyyy-MM-dd');
  return Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10))) / DAY_MS;
}

/** The `yyyy-MM-dd` of a local day number (civil arithmetic, no time zone involved). */
function civil(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The instant of local midnight at the start of a local day. */
function midnight(day: number): number {
  return (parseLocal(civil(day), 'yyyy-MM-dd') as Date).getTime();
}

function assertFinite(name: string, v: number): void {
  if (!Number.isFinite(v)) throw new RangeError(`${name} must be a finite number, got ${v}`);
}

/**
 * Vietnam's working-day calendar for public agencies: Monday to Friday, minus public holidays and
 * announced days off, plus make-up working Saturdays, all in Asia/Ho_Chi_Minh.
 *
 * @remarks The law's time limits are counted in working days (and, for a few procedures, working
 * hours), so an appointment computed by adding calendar days would be wrong around Tết by more than
 * a week. The exceptions come from data (`mappings/calendar/<year>.json`), never from code, because
 * the government publishes each year's swaps only a few months ahead. A year without a file is
 * counted with weekends only; {@link covers} tells a caller when that happens.
 */
export class WorkingCalendar {
  private readonly entries = new Map<string, CalendarDay>();
  private readonly years = new Set<number>();

  constructor(
    years: readonly CalendarYear[],
    readonly officeHours: readonly OfficePeriod[] = OFFICE_HOURS,
  ) {
    for (const y of years) {
      if (this.years.has(y.year)) throw new Error(`calendar: year ${y.year} is given twice`);
      this.years.add(y.year);
      for (const d of y.days) {
        if (!d.date.startsWith(`${y.year}-`))
          throw new Error(`calendar ${y.year}: ${d.date} is not in ${y.year}`);
        const [Y, M, D] = d.date.split('-').map(Number) as [number, number, number];
        if (civil(Date.UTC(Y, M - 1, D) / DAY_MS) !== d.date)
          throw new Error(`calendar ${y.year}: ${d.date} is not a real date`);
        if (this.entries.has(d.date)) throw new Error(`calendar ${y.year}: ${d.date} is listed twice`);
        this.entries.set(d.date, d);
      }
    }
    if (officeHours.length === 0) throw new Error('calendar: office hours need at least one period');
    let last = 0;
    for (const p of officeHours) {
      if (!(p.start >= last && p.end > p.start && p.end <= 24 * 60))
        throw new Error('calendar: office hours must be ordered, non-overlapping periods within a day');
      last = p.end;
    }
  }

  /** The years that have a calendar file. */
  coveredYears(): number[] {
    return [...this.years].sort((a, b) => a - b);
  }

  /** Whether the local day of `date` is in a year that has a calendar file. */
  covers(date: Date): boolean {
    return this.years.has(Number(formatLocal(date, 'yyyy')));
  }

  private workingDay(day: number): boolean {
    const entry = this.entries.get(civil(day));
    if (entry) return entry.kind === 'working-day';
    const weekday = new Date(day * DAY_MS).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  /** The local day of `date`, whether it is a working day, and why. */
  dayInfo(date: Date): DayInfo {
    const day = dayOf(date);
    const s = civil(day);
    return {
      date: s,
      working: this.workingDay(day),
      entry: this.entries.get(s) ?? null,
      covered: this.years.has(Number(s.slice(0, 4))),
    };
  }

  /** Whether the local day (Asia/Ho_Chi_Minh) of `date` is a working day. */
  isWorkingDay(date: Date): boolean {
    return this.workingDay(dayOf(date));
  }

  /**
   * The same local time of day on the `n`-th working day after the local day of `start` (the start
   * day itself never counts, whether or not it is a working day; `n` = 0 returns `start`).
   */
  addWorkingDays(start: Date, n: number): Date {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
    let day = dayOf(start);
    const timeOfDay = start.getTime() - midnight(day);
    for (let left = n; left > 0;) {
      day += 1;
      if (this.workingDay(day)) left -= 1;
    }
    return new Date(midnight(day) + timeOfDay);
  }

  /**
   * The appointment date for a legal time limit of `legalWorkingDays` working days: the end of
   * office hours (17:00) of the `legalWorkingDays`-th working day after the day of reception, as in
   * the portal's example (received Wednesday 05/11/2025 08:30, 10 working days: 19/11/2025 17:00).
   */
  dueDate(receivedAt: Date, legalWorkingDays: number): Date {
    const day = dayOf(this.addWorkingDays(receivedAt, legalWorkingDays));
    const close = this.officeHours[this.officeHours.length - 1]?.end ?? 17 * 60;
    return new Date(midnight(day) + close * MINUTE_MS);
  }

  /**
   * The instant at which `hours` office hours have passed since `start`, counting only office hours
   * of working days. A start outside office hours counts from the next opening; the result is the
   * earliest such instant, so it may be a closing time (11:30, 17:00). `hours` = 0 returns `start`.
   */
  addWorkingHours(start: Date, hours: number): Date {
    assertFinite('hours', hours);
    if (hours < 0) throw new RangeError(`hours must not be negative, got ${hours}`);
    let remaining = Math.round(hours * HOUR_MS);
    if (remaining === 0) return new Date(start.getTime());
    let day = dayOf(start);
    let t = start.getTime() - midnight(day);
    for (;;) {
      if (this.workingDay(day)) {
        for (const p of this.officeHours) {
          const end = p.end * MINUTE_MS;
          if (t >= end) continue;
          const from = Math.max(t, p.start * MINUTE_MS);
          const available = end - from;
          if (remaining <= available) return new Date(midnight(day) + from + remaining);
          remaining -= available;
          t = end;
        }
      }
      day += 1;
      t = 0;
    }
  }

  /** Office hours (fractional) of working days between two instants; 0 when `b` is not after `a`. */
  workingHoursBetween(a: Date, b: Date): number {
    const from = a.getTime();
    const to = b.getTime();
    if (to <= from) return 0;
    let ms = 0;
    for (let day = dayOf(a), last = dayOf(b); day <= last; day += 1) {
      if (!this.workingDay(day)) continue;
      const m = midnight(day);
      for (const p of this.officeHours) {
        const s = Math.max(from, m + p.start * MINUTE_MS);
        const e = Math.min(to, m + p.end * MINUTE_MS);
        if (e > s) ms += e - s;
      }
    }
    return ms / HOUR_MS;
  }

  /**
   * Working days after the local day of `a` up to and including the local day of `b`; negative
   * when `b` is earlier. `workingDaysBetween(a, addWorkingDays(a, n))` is `n`.
   */
  workingDaysBetween(a: Date, b: Date): number {
    const da = dayOf(a);
    const db = dayOf(b);
    const [lo, hi, sign] = da <= db ? [da, db, 1] : [db, da, -1];
    let n = 0;
    for (let day = lo + 1; day <= hi; day += 1) if (this.workingDay(day)) n += 1;
    return sign * n;
  }
}
