/**
 * The shape of one year's calendar file, `mappings/calendar/<year>.json`, validated against
 * `schemas/calendar.schema.json` (which documents every field).
 */
export type CalendarDayKind = 'holiday' | 'day-off' | 'working-day';

export interface CalendarDay {
  /** Local date `yyyy-MM-dd` (Asia/Ho_Chi_Minh). */
  date: string;
  kind: CalendarDayKind;
  name: string;
  /** announced: fixed by law or published; expected: derived, waiting for the published schedule. */
  status: 'announced' | 'expected';
  note?: string;
}

export interface CalendarYear {
  year: number;
  sources?: string[];
  days: CalendarDay[];
}
