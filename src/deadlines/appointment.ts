import { formatPortalDateTime, parsePortalDateTime } from '../domain/time.js';

/**
 * The new appointment date an apology letter proposes when the handling system gives none: a
 * configured number of working days after the day the delay is found, at the end of office hours.
 */
export function proposeNewAppointment(
  from: Date,
  workingDays: number,
  addWorkingDays: (start: Date, n: number) => Date,
): Date {
  const day = addWorkingDays(from, workingDays);
  const stamp = formatPortalDateTime(day).slice(0, 8);
  return parsePortalDateTime(`${stamp}170000`) ?? day;
}
