import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  addWorkingHours,
  isWorkingDay,
  loadCalendarYears,
  loadWorkingCalendar,
  workingDaysBetween,
} from '../../src/calendar/index.js';
import { formatLocal, parseLocal } from '../../src/domain/time.js';

/** A local (Asia/Ho_Chi_Minh) wall-clock time, `yyyy-MM-dd HH:mm` or `yyyy-MM-dd` (noon). */
function at(s: string): Date {
  const d =
    s.length === 10 ? parseLocal(`${s} 12:00`, 'yyyy-MM-dd HH:mm') : parseLocal(s, 'yyyy-MM-dd HH:mm');
  if (!d) throw new Error(`bad test date ${s}`);
  return d;
}
const show = (d: Date): string => formatLocal(d, 'yyyy-MM-dd HH:mm');
const working = (s: string): boolean => isWorkingDay(at(s));

describe('working-day calendar: the data files', () => {
  it('When mappings/calendar is loaded, then 2025, 2026 and 2027 are there, each valid, and every day is marked announced or expected', () => {
    const years = loadCalendarYears();
    expect(years.map((y) => y.year)).toEqual([2025, 2026, 2027]);
    for (const y of years) for (const d of y.days) expect(['announced', 'expected']).toContain(d.status);
    expect(loadWorkingCalendar().coveredYears()).toEqual([2025, 2026, 2027]);
  });

  it('When a file has an unknown kind of day, then loading stops naming the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cal-'));
    writeFileSync(
      join(dir, '2030.json'),
      JSON.stringify({
        year: 2030,
        days: [{ date: '2030-01-01', kind: 'vacation', name: 'x', status: 'announced' }],
      }),
    );
    expect(() => loadCalendarYears(dir)).toThrow(/2030\.json is invalid: \/days\/0\/kind must be one of/);
  });

  it('When a file is named for another year than it holds, or lists a day twice, then loading stops', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cal-'));
    writeFileSync(join(dir, '2031.json'), JSON.stringify({ year: 2032, days: [] }));
    expect(() => loadCalendarYears(dir)).toThrow(/"year" is 2032/);
    const dup = mkdtempSync(join(tmpdir(), 'cal-'));
    const day = { date: '2031-01-01', kind: 'holiday', name: 'Tết Dương lịch', status: 'announced' };
    writeFileSync(join(dup, '2031.json'), JSON.stringify({ year: 2031, days: [day, day] }));
    expect(() => loadWorkingCalendar(dup)).toThrow(/listed twice/);
  });
});

describe('working-day calendar: which days are worked', () => {
  it('When a day is a Saturday or Sunday, then it is not a working day; Monday to Friday are', () => {
    expect(working('2025-11-08')).toBe(false); // Saturday
    expect(working('2025-11-09')).toBe(false); // Sunday
    for (const d of ['2025-11-10', '2025-11-11', '2025-11-12', '2025-11-13', '2025-11-14'])
      expect(working(d)).toBe(true);
  });

  it('When a day is a fixed public holiday, then it is not a working day', () => {
    for (const d of [
      '2025-01-01',
      '2025-04-30',
      '2025-05-01',
      '2025-09-01',
      '2025-09-02',
      '2026-01-01',
      '2026-04-30',
      '2026-05-01',
      '2026-09-02',
      '2027-01-01',
      '2027-04-30',
      '2027-09-02',
    ])
      expect(working(d), d).toBe(false);
  });

  it('When it is Tết Ất Tỵ 2025, then 25/01 to 02/02 are off, 24/01 and 03/02 are worked, and Saturday 08/02 is a make-up working day', () => {
    for (let day = 25; day <= 31; day += 1) expect(working(`2025-01-${day}`)).toBe(false);
    expect(working('2025-02-01')).toBe(false);
    expect(working('2025-02-02')).toBe(false);
    expect(working('2025-01-24')).toBe(true);
    expect(working('2025-02-03')).toBe(true);
    expect(working('2025-02-08')).toBe(true); // Saturday worked for Monday 27/01
    expect(working('2025-02-15')).toBe(false); // an ordinary Saturday
  });

  it('When it is Tết 2026 (mùng 1 on 17/02) or Tết 2027 (mùng 1 on 06/02), then the Tết days and the compensatory days are off', () => {
    for (let day = 14; day <= 22; day += 1) expect(working(`2026-02-${day}`), `2026-02-${day}`).toBe(false);
    expect(working('2026-02-13')).toBe(true);
    expect(working('2026-02-23')).toBe(true);
    for (const d of ['05', '06', '07', '08', '09', '10', '11'])
      expect(working(`2027-02-${d}`), d).toBe(false);
    expect(working('2027-02-04')).toBe(true);
    expect(working('2027-02-12')).toBe(true);
    const cal = loadWorkingCalendar();
    expect(cal.dayInfo(at('2026-02-17')).entry?.name).toContain('mùng 1');
    expect(cal.dayInfo(at('2027-02-06')).entry).toMatchObject({ kind: 'holiday', status: 'expected' });
  });

  it("When it is Hùng Kings' day (10/3 lunar), then it is off, and when it falls on a Sunday the Monday after is off", () => {
    expect(working('2025-04-07')).toBe(false);
    expect(working('2026-04-26')).toBe(false);
    expect(working('2026-04-27')).toBe(false); // compensatory day
    expect(working('2026-04-28')).toBe(true);
    expect(working('2027-04-16')).toBe(false);
  });

  it('When a working day is swapped or a holiday falls on a weekend, then the compensatory day is off and the make-up Saturday is worked', () => {
    expect(working('2025-05-02')).toBe(false); // Friday swapped …
    expect(working('2025-04-26')).toBe(true); // … for Saturday 26/4
    expect(working('2027-05-03')).toBe(false); // 1/5/2027 is a Saturday
    const cal = loadWorkingCalendar();
    expect(cal.dayInfo(at('2025-04-26')).entry).toMatchObject({ kind: 'working-day', status: 'announced' });
  });

  it('When an instant is Friday in UTC but already Saturday in Asia/Ho_Chi_Minh, then the local day decides', () => {
    const fridayUtcSaturdayLocal = new Date('2025-11-07T17:30:00Z'); // 08/11 00:30 local
    expect(isWorkingDay(fridayUtcSaturdayLocal)).toBe(false);
    expect(isWorkingDay(new Date('2025-11-07T16:59:00Z'))).toBe(true); // 23:59 Friday local
  });

  it('When a year has no calendar file, then only weekends are known and covers() says so', () => {
    const cal = loadWorkingCalendar();
    expect(cal.covers(at('2028-03-01'))).toBe(false);
    expect(cal.covers(at('2026-03-02'))).toBe(true);
    expect(cal.isWorkingDay(at('2028-01-01'))).toBe(false); // a Saturday
    expect(cal.isWorkingDay(at('2028-01-03'))).toBe(true);
  });
});

describe('working-day calendar: adding working days', () => {
  it("When the portal's example is computed (received 05/11/2025 08:30, 10 working days), then the appointment is 19/11/2025 17:00", () => {
    const cal = loadWorkingCalendar();
    expect(show(addWorkingDays(at('2025-11-05 08:30'), 10))).toBe('2025-11-19 08:30');
    expect(show(cal.dueDate(at('2025-11-05 08:30'), 10))).toBe('2025-11-19 17:00');
  });

  it('When days are added across Tết 2025, then the nine days off are skipped and the make-up Saturday counts', () => {
    const fri = at('2025-01-24 10:00');
    expect(show(addWorkingDays(fri, 1))).toBe('2025-02-03 10:00');
    expect(show(addWorkingDays(fri, 5))).toBe('2025-02-07 10:00');
    expect(show(addWorkingDays(fri, 6))).toBe('2025-02-08 10:00'); // Saturday, worked
    expect(show(addWorkingDays(fri, 7))).toBe('2025-02-10 10:00');
  });

  it('When days are added across 30/4–1/5/2025, then Saturday 26/4 counts and 30/4 to 4/5 are skipped', () => {
    const fri = at('2025-04-25 09:00');
    expect(show(addWorkingDays(fri, 1))).toBe('2025-04-26 09:00');
    expect(show(addWorkingDays(fri, 2))).toBe('2025-04-28 09:00');
    expect(show(addWorkingDays(fri, 3))).toBe('2025-04-29 09:00');
    expect(show(addWorkingDays(fri, 4))).toBe('2025-05-05 09:00');
  });

  it('When days are added across a year end, then 1 January of the next year is skipped', () => {
    expect(show(addWorkingDays(at('2024-12-31 15:00'), 1))).toBe('2025-01-02 15:00');
    expect(show(addWorkingDays(at('2025-12-31 15:00'), 1))).toBe('2026-01-02 15:00');
    expect(show(addWorkingDays(at('2026-12-31 15:00'), 1))).toBe('2027-01-04 15:00'); // Fri 1/1 off, weekend
    expect(workingDaysBetween(at('2025-12-31'), at('2026-01-05'))).toBe(2); // 2/1 and 5/1
  });

  it('When a dossier is received on a Saturday, then the first working day after it is the Monday', () => {
    const cal = loadWorkingCalendar();
    expect(show(cal.dueDate(at('2025-11-08 10:00'), 1))).toBe('2025-11-10 17:00');
    expect(show(addWorkingDays(at('2025-11-08 10:00'), 0))).toBe('2025-11-08 10:00');
    expect(() => addWorkingDays(at('2025-11-08'), -1)).toThrow(RangeError);
    expect(() => addWorkingDays(at('2025-11-08'), 1.5)).toThrow(RangeError);
  });

  it('When working days between two dates are counted, then they undo addWorkingDays and are negative backwards', () => {
    for (const s of [
      '2025-01-20 08:00',
      '2025-04-24 16:00',
      '2025-12-29 10:00',
      '2026-02-12 09:00',
      '2027-02-04 09:00',
    ])
      for (const n of [0, 1, 3, 7, 20])
        expect(workingDaysBetween(at(s), addWorkingDays(at(s), n)), `${s} + ${n}`).toBe(n);
    expect(workingDaysBetween(at('2025-01-24'), at('2025-02-03'))).toBe(1);
    expect(workingDaysBetween(at('2025-02-03'), at('2025-01-24'))).toBe(-1);
    expect(workingDaysBetween(at('2025-11-10 08:00'), at('2025-11-10 16:00'))).toBe(0);
  });
});

describe('working-day calendar: working hours (07:30–11:30, 13:00–17:00)', () => {
  it('When hours are added within a morning or across the lunch break, then only office hours count', () => {
    expect(show(addWorkingHours(at('2025-11-10 08:00'), 2))).toBe('2025-11-10 10:00');
    expect(show(addWorkingHours(at('2025-11-10 10:30'), 2))).toBe('2025-11-10 14:00');
    expect(show(addWorkingHours(at('2025-11-10 11:00'), 0.5))).toBe('2025-11-10 11:30');
    expect(show(addWorkingHours(at('2025-11-10 12:00'), 1))).toBe('2025-11-10 14:00');
    expect(show(addWorkingHours(at('2025-11-10 06:00'), 1))).toBe('2025-11-10 08:30');
  });

  it('When hours run past closing time or into a weekend, then they continue at the next opening', () => {
    expect(show(addWorkingHours(at('2025-11-10 16:00'), 2))).toBe('2025-11-11 08:30');
    expect(show(addWorkingHours(at('2025-11-14 16:00'), 2))).toBe('2025-11-17 08:30'); // Friday → Monday
    expect(show(addWorkingHours(at('2025-11-10 17:30'), 8))).toBe('2025-11-11 17:00');
    expect(show(addWorkingHours(at('2025-11-10 09:00'), 0))).toBe('2025-11-10 09:00');
  });

  it('When hours run into Tết or a make-up Saturday, then the calendar decides', () => {
    expect(show(addWorkingHours(at('2025-01-24 16:00'), 4))).toBe('2025-02-03 10:30');
    expect(show(addWorkingHours(at('2025-04-25 16:30'), 1))).toBe('2025-04-26 08:00');
  });

  it('When office hours between two instants are measured, then lunch, nights, weekends and holidays are left out', () => {
    const cal = loadWorkingCalendar();
    expect(cal.workingHoursBetween(at('2025-11-10 08:00'), at('2025-11-10 14:00'))).toBe(4.5);
    expect(cal.workingHoursBetween(at('2025-11-14 16:00'), at('2025-11-17 08:00'))).toBe(1.5);
    expect(cal.workingHoursBetween(at('2025-01-24 07:30'), at('2025-02-03 17:00'))).toBe(16);
    expect(cal.workingHoursBetween(at('2025-11-17 08:00'), at('2025-11-14 16:00'))).toBe(0);
  });
});
