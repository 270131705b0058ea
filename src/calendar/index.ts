import { loadWorkingCalendar } from './load-calendar.js';
import type { WorkingCalendar } from './working-calendar.js';

export { WorkingCalendar, OFFICE_HOURS, type OfficePeriod, type DayInfo } from './working-calendar.js';
export type { CalendarDay, CalendarYear, CalendarDayKind } from './calendar-data.js';
export { loadCalendarYears, loadWorkingCalendar } from './load-calendar.js';

let shared: WorkingCalendar | null = null;

/** The calendar of `mappings/calendar/`, loaded (and validated) once on first use. */
export function defaultCalendar(): WorkingCalendar {
  shared ??= loadWorkingCalendar();
  return shared;
}

/** {@link WorkingCalendar.isWorkingDay} on the default calendar. */
export function isWorkingDay(date: Date): boolean {
  return defaultCalendar().isWorkingDay(date);
}

/** {@link WorkingCalendar.addWorkingDays} on the default calendar. */
export function addWorkingDays(start: Date, n: number): Date {
  return defaultCalendar().addWorkingDays(start, n);
}

/** {@link WorkingCalendar.addWorkingHours} on the default calendar. */
export function addWorkingHours(start: Date, hours: number): Date {
  return defaultCalendar().addWorkingHours(start, hours);
}

/** {@link WorkingCalendar.workingDaysBetween} on the default calendar. */
export function workingDaysBetween(a: Date, b: Date): number {
  return defaultCalendar().workingDaysBetween(a, b);
}
