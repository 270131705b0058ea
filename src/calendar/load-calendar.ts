import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../paths.js';
import { toViolations, validator } from '../schemas.js';
import type { CalendarYear } from './calendar-data.js';
import { WorkingCalendar } from './working-calendar.js';

/**
 * Reads every `<year>.json` of `mappings/calendar/`, each validated against
 * `schemas/calendar.schema.json`; a bad file stops the start with the file and the field named.
 *
 * @remarks An administrator extends the calendar by adding next year's file (or correcting an
 * expected day once the government publishes its schedule) and restarting: no code changes.
 */
export function loadCalendarYears(dir = repoPath('mappings', 'calendar')): CalendarYear[] {
  const validate = validator<CalendarYear>('calendar.schema.json');
  const years: CalendarYear[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!/^\d{4}\.json$/.test(f)) continue;
    const path = join(dir, f);
    const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (!validate(raw)) {
      const v = toViolations(validate.errors);
      throw new Error(`calendar ${path} is invalid: ${v.map((x) => `${x.path} ${x.message}`).join('; ')}`);
    }
    if (`${raw.year}.json` !== f)
      throw new Error(`calendar ${path}: "year" is ${raw.year}, the file name says ${f}`);
    years.push(raw);
  }
  return years;
}

/** The working calendar built from `mappings/calendar/`. */
export function loadWorkingCalendar(dir?: string): WorkingCalendar {
  return new WorkingCalendar(loadCalendarYears(dir));
}
