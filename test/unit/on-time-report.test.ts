import { describe, expect, it } from 'vitest';
import { loadWorkingCalendar } from '../../src/calendar/index.js';
import type { TrangThaiHoSo } from '../../src/domain/status-machine.js';
import { formatLocal, parseLocal } from '../../src/domain/time.js';
import {
  classifyDossier,
  computeOnTimeReport,
  type DossierFacts,
  type GroupBy,
} from '../../src/reports/on-time.js';
import { renderOnTimeCsv } from '../../src/reports/on-time-render.js';

const calendar = loadWorkingCalendar();

/** Local wall-clock `dd/MM HH:mm` in 2025 (November has no holiday: only weekends matter). */
function t(s: string): Date {
  const d = parseLocal(`${s}/2025`, 'dd/MM HH:mm/yyyy');
  if (!d) throw new Error(`bad test date ${s}`);
  return d;
}
const show = (d: Date | null): string => (d ? formatLocal(d, 'dd/MM HH:mm') : 'null');

const A = 'UBND phường Trường Vinh';
const B = 'Văn phòng đăng ký đất đai tỉnh Nghệ An';

function dossier(
  MaHoSo: string,
  p: {
    agency: string;
    systems: string[];
    field: string;
    channel: '1' | '2';
    received: string;
    due: string | null;
    finished?: string;
    status: TrangThaiHoSo;
    waits?: Array<[string, string?]>;
    apology?: number;
  },
): DossierFacts {
  return {
    MaHoSo,
    DonViXuLy: p.agency,
    systems: p.systems,
    MaLinhVuc: p.field,
    KenhThucHien: p.channel,
    receivedAt: t(p.received),
    NgayHenTra: p.due ? t(p.due) : null,
    ...(p.finished ? { finishedAt: t(p.finished) } : {}),
    supplementWaits: (p.waits ?? []).map(([from, to]) =>
      to ? { from: t(from), to: t(to) } : { from: t(from) },
    ),
    apologyLetters: p.apology ?? 0,
    status: p.status,
  };
}

/*
 * The hand-checked data set. Judged at NOW = Friday 28/11/2025 10:00, over dossiers received
 * 01/11/2025 00:00 – 30/11/2025 23:59:59. Office hours 07:30–11:30, 13:00–17:00.
 */
const NOW = t('28/11 10:00');
const FROM = t('01/11 00:00');
const TO = parseLocal('30/11/2025 23:59:59', 'dd/MM/yyyy HH:mm:ss')!;
const FACTS: DossierFacts[] = [
  // D1 finished 15:00 ≤ due 17:00 → resolved on time.
  dossier('D1', {
    agency: A,
    systems: ['civil-registration'],
    field: 'HT',
    channel: '2',
    received: '03/11 08:00',
    due: '04/11 17:00',
    finished: '04/11 15:00',
    status: '10',
  }),
  // D2 finished 05/11 09:00 > due 04/11 17:00, no supplement → resolved late (one apology letter).
  dossier('D2', {
    agency: A,
    systems: ['civil-registration'],
    field: 'HT',
    channel: '1',
    received: '03/11 09:00',
    due: '04/11 17:00',
    finished: '05/11 09:00',
    status: '9',
    apology: 1,
  }),
  // D3 waited Fri 14/11 16:00 → Mon 17/11 08:00 = 1 h (Friday) + 0.5 h (Monday) = 1.5 office hours;
  // deadline 19/11 17:00 + 1.5 h = 20/11 09:00; finished 20/11 08:30 → resolved on time.
  dossier('D3', {
    agency: B,
    systems: ['land', 'tax'],
    field: 'DD',
    channel: '2',
    received: '05/11 08:30',
    due: '19/11 17:00',
    finished: '20/11 08:30',
    status: '9',
    waits: [['14/11 16:00', '17/11 08:00']],
  }),
  // D4 the same wait (1.5 h) → deadline 20/11 09:00; finished 20/11 10:00 → resolved late.
  // (Taking the 64 wall-clock hours off instead would have called it on time.)
  dossier('D4', {
    agency: B,
    systems: ['land'],
    field: 'DD',
    channel: '1',
    received: '05/11 08:30',
    due: '19/11 17:00',
    finished: '20/11 10:00',
    status: '10',
    apology: 1,
    waits: [['14/11 16:00', '17/11 08:00']],
  }),
  // D5 in progress (4), due 24/11 17:00 < NOW → in progress overdue.
  dossier('D5', {
    agency: B,
    systems: ['land', 'tax'],
    field: 'DD',
    channel: '2',
    received: '10/11 08:00',
    due: '24/11 17:00',
    status: '4',
    apology: 1,
  }),
  // D6 in progress, due 04/12 17:00 > NOW → in progress within the deadline.
  dossier('D6', {
    agency: B,
    systems: ['land'],
    field: 'DD',
    channel: '2',
    received: '20/11 08:00',
    due: '04/12 17:00',
    status: '4',
  }),
  // D7 waiting for a supplement since 19/11 08:00 (still open, status 5): office hours to NOW =
  // 19/11 7.5 + 20,21,24,25,26,27/11 6 × 8 + 28/11 07:30–10:00 2.5 = 58 h; deadline 21/11 17:00 + 58 h
  // = 7 working days (24, 25, 26, 27, 28/11, 1, 2/12) + 2 h = 03/12 09:30 > NOW → within the deadline.
  dossier('D7', {
    agency: A,
    systems: ['civil-registration', 'social-insurance'],
    field: 'HT',
    channel: '2',
    received: '17/11 08:00',
    due: '21/11 17:00',
    status: '5',
    waits: [['19/11 08:00']],
  }),
  // D8 withdrawn by the applicant (7) → stopped.
  dossier('D8', {
    agency: A,
    systems: ['civil-registration'],
    field: 'HT',
    channel: '1',
    received: '12/11 08:00',
    due: '13/11 17:00',
    status: '7',
  }),
  // D9 refused at reception (3) → not counted at all.
  dossier('D9', {
    agency: B,
    systems: ['land'],
    field: 'DD',
    channel: '2',
    received: '12/11 08:00',
    due: null,
    status: '3',
  }),
  // D10 received 31/10, before the period → not counted.
  dossier('D10', {
    agency: A,
    systems: ['civil-registration'],
    field: 'HT',
    channel: '2',
    received: '31/10 16:00',
    due: '03/11 17:00',
    finished: '05/11 08:00',
    status: '10',
  }),
  // D11 finished exactly at its appointment 27/11 17:00 → on time ("at or before").
  dossier('D11', {
    agency: B,
    systems: ['tax'],
    field: 'THUE',
    channel: '1',
    received: '25/11 09:00',
    due: '27/11 17:00',
    finished: '27/11 17:00',
    status: '9',
  }),
  // D12 has no appointment date → cannot be late: in progress within the deadline.
  dossier('D12', {
    agency: A,
    systems: ['document'],
    field: 'XD',
    channel: '2',
    received: '26/11 08:00',
    due: null,
    status: '4',
  }),
];

const report = (groupBy: GroupBy) =>
  computeOnTimeReport(FACTS, { from: FROM, to: TO, groupBy, now: NOW }, calendar);

describe('on-time rule', () => {
  it('When a supplement wait spans a weekend, then only its office hours move the deadline (D3 on time, D4 late)', () => {
    const d3 = classifyDossier(FACTS[2]!, NOW, calendar);
    expect(d3.supplementHours).toBe(1.5);
    expect(show(d3.effectiveDeadline)).toBe('20/11 09:00');
    expect(d3.standing).toBe('resolved-on-time');
    expect(classifyDossier(FACTS[3]!, NOW, calendar).standing).toBe('resolved-late');
  });

  it('When the applicant has not handed the supplement in yet, then the clock is stopped up to now (D7)', () => {
    const d7 = classifyDossier(FACTS[6]!, NOW, calendar);
    expect(d7.supplementHours).toBe(58);
    expect(formatLocal(d7.effectiveDeadline!, 'dd/MM/yyyy HH:mm')).toBe('03/12/2025 09:30');
    expect(d7.standing).toBe('in-progress-on-time');
  });

  it('When two supplement requests overlap, then the overlap is counted once', () => {
    const f = dossier('X', {
      agency: A,
      systems: ['land'],
      field: 'DD',
      channel: '1',
      received: '10/11 08:00',
      due: '12/11 17:00',
      finished: '13/11 12:00',
      status: '9',
      // 11/11 08:00–10:00 and 09:00–11:00 → 08:00–11:00 = 3 office hours, not 4.
      waits: [
        ['11/11 08:00', '11/11 10:00'],
        ['11/11 09:00', '11/11 11:00'],
      ],
    });
    const s = classifyDossier(f, NOW, calendar);
    expect(s.supplementHours).toBe(3);
    expect(show(s.effectiveDeadline)).toBe('13/11 10:30');
    expect(s.standing).toBe('resolved-late'); // 12:00 > 10:30
  });
});

describe('on-time report on the hand-checked data set', () => {
  it('When grouped by agency, then the figures are the hand-counted ones', () => {
    const r = report('agency');
    expect(r.groups.map((g) => g.key)).toEqual([A, B]);
    // A: D1 on time, D2 late, D7 and D12 in progress within the deadline, D8 stopped; online D1, D7, D12.
    expect(r.groups[0]).toEqual({
      key: A,
      label: A,
      received: 5,
      resolvedOnTime: 1,
      resolvedLate: 1,
      inProgressOnTime: 2,
      inProgressOverdue: 0,
      stopped: 1,
      onTimeRate: 0.5,
      onlineShare: 0.6,
      apologyLetters: 1,
    });
    // B: D3 and D11 on time, D4 late, D6 within the deadline, D5 overdue; online D3, D5, D6; letters D4, D5.
    expect(r.groups[1]).toEqual({
      key: B,
      label: B,
      received: 5,
      resolvedOnTime: 2,
      resolvedLate: 1,
      inProgressOnTime: 1,
      inProgressOverdue: 1,
      stopped: 0,
      onTimeRate: 0.6667,
      onlineShare: 0.6,
      apologyLetters: 2,
    });
    // Total: 10 received (D9 refused, D10 outside the period), 3 on time of 5 resolved, 6 online.
    expect(r.total).toEqual({
      received: 10,
      resolvedOnTime: 3,
      resolvedLate: 2,
      inProgressOnTime: 3,
      inProgressOverdue: 1,
      stopped: 1,
      onTimeRate: 0.6,
      onlineShare: 0.6,
      apologyLetters: 3,
    });
    expect(r.from).toBe('2025-11-01T00:00:00+07:00');
    expect(r.generatedAt).toBe('2025-11-28T10:00:00+07:00');
  });

  it('When grouped by system, then a dossier of two systems counts in both groups and once in the total', () => {
    const r = report('system');
    const by = Object.fromEntries(r.groups.map((g) => [g.key, g]));
    expect(Object.keys(by)).toEqual(['civil-registration', 'document', 'land', 'social-insurance', 'tax']);
    // civil-registration: D1 on time, D2 late, D7 within, D8 stopped; online D1, D7.
    expect(by['civil-registration']).toMatchObject({
      label: 'Hộ tịch',
      received: 4,
      resolvedOnTime: 1,
      resolvedLate: 1,
      inProgressOnTime: 1,
      stopped: 1,
      onTimeRate: 0.5,
      onlineShare: 0.5,
      apologyLetters: 1,
    });
    // land: D3 on time, D4 late, D5 overdue, D6 within; online D3, D5, D6; letters D4, D5.
    expect(by.land).toMatchObject({
      received: 4,
      resolvedOnTime: 1,
      resolvedLate: 1,
      inProgressOnTime: 1,
      inProgressOverdue: 1,
      onTimeRate: 0.5,
      onlineShare: 0.75,
      apologyLetters: 2,
    });
    // tax: D3 and D11 on time, D5 overdue; online D3, D5; letter D5.
    expect(by.tax).toMatchObject({
      received: 3,
      resolvedOnTime: 2,
      resolvedLate: 0,
      inProgressOverdue: 1,
      onTimeRate: 1,
      onlineShare: 0.6667,
      apologyLetters: 1,
    });
    // social-insurance: D7 only, nothing resolved → no rate.
    expect(by['social-insurance']).toMatchObject({
      received: 1,
      inProgressOnTime: 1,
      onTimeRate: null,
      onlineShare: 1,
    });
    expect(by.document).toMatchObject({ received: 1, inProgressOnTime: 1, onTimeRate: null });
    expect(r.total.received).toBe(10);
  });

  it('When grouped by field, then each MaLinhVuc is a row', () => {
    const r = report('field');
    expect(r.groups.map((g) => [g.key, g.received, g.resolvedOnTime, g.resolvedLate])).toEqual([
      ['DD', 4, 1, 1],
      ['HT', 4, 1, 1],
      ['THUE', 1, 1, 0],
      ['XD', 1, 0, 0],
    ]);
  });

  it('When rendered as CSV, then it starts with a BOM, has Vietnamese labels, one row per group and the total', () => {
    const csv = renderOnTimeCsv(report('agency'));
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[0]).toBe(
      'Đơn vị xử lý,Số hồ sơ tiếp nhận,Đã giải quyết đúng hạn,Đã giải quyết quá hạn,Đang giải quyết trong hạn,Đang giải quyết quá hạn,Rút hoặc dừng xử lý,Tỷ lệ đúng hạn (%),Tỷ lệ tiếp nhận trực tuyến (%),Số phiếu xin lỗi',
    );
    expect(lines[1]).toBe(`${A},5,1,1,2,0,1,50.0,60.0,1`);
    expect(lines[2]).toBe(`${B},5,2,1,1,1,0,66.7,60.0,2`);
    expect(lines[3]).toBe('Tổng cộng,10,3,2,3,1,1,60.0,60.0,3');
    expect(lines[4]).toBe('');
  });

  it('When a group name holds a comma, a quote or starts like a formula, then the CSV field is quoted and defused', () => {
    const odd = [
      { ...FACTS[0]!, DonViXuLy: 'Sở "A", tỉnh B' },
      { ...FACTS[1]!, DonViXuLy: '=HYPERLINK("x")' },
    ];
    const csv = renderOnTimeCsv(
      computeOnTimeReport(odd, { from: FROM, to: TO, groupBy: 'agency', now: NOW }, calendar),
    );
    expect(csv).toContain('"Sở ""A"", tỉnh B",1,');
    expect(csv).toContain(`"'=HYPERLINK(""x"")",1,`);
  });
});
