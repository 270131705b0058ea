import type { GroupBy, OnTimeFigures, OnTimeReport } from './on-time.js';

/** The JSON body of the report (the report object is already plain data). */
export function renderOnTimeJson(report: OnTimeReport): string {
  return JSON.stringify(report);
}

const GROUP_LABELS: Record<GroupBy, string> = {
  agency: 'Đơn vị xử lý',
  system: 'Hệ thống chuyên ngành',
  field: 'Lĩnh vực',
};

export const CSV_COLUMNS = [
  'Số hồ sơ tiếp nhận',
  'Đã giải quyết đúng hạn',
  'Đã giải quyết quá hạn',
  'Đang giải quyết trong hạn',
  'Đang giải quyết quá hạn',
  'Rút hoặc dừng xử lý',
  'Tỷ lệ đúng hạn (%)',
  'Tỷ lệ tiếp nhận trực tuyến (%)',
  'Số phiếu xin lỗi',
] as const;

/** A CSV field, quoted when it holds a comma, a quote, a line break or leading/trailing space. */
function field(v: string): string {
  // A leading =, +, - or @ would be read by Excel as a formula: prefix it with a quote mark.
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A rate as a percentage with one decimal (dot as the decimal mark); empty when there is none. */
function percent(rate: number | null): string {
  return rate === null ? '' : (Math.round(rate * 1000) / 10).toFixed(1);
}

function cells(f: OnTimeFigures): string[] {
  return [
    f.received,
    f.resolvedOnTime,
    f.resolvedLate,
    f.inProgressOnTime,
    f.inProgressOverdue,
    f.stopped,
    percent(f.onTimeRate),
    percent(f.onlineShare),
    f.apologyLetters,
  ].map(String);
}

/**
 * The report as CSV for Excel: UTF-8 with a byte-order mark (without it Excel reads Vietnamese as
 * mojibake), Vietnamese column labels, comma-separated, CRLF line ends, a last row "Tổng cộng".
 */
export function renderOnTimeCsv(report: OnTimeReport): string {
  const rows: string[][] = [[GROUP_LABELS[report.groupBy], ...CSV_COLUMNS]];
  for (const g of report.groups) rows.push([g.label, ...cells(g)]);
  rows.push(['Tổng cộng', ...cells(report.total)]);
  return `\uFEFF${rows.map((r) => r.map(field).join(',')).join('\r\n')}\r\n`;
}
