/** Display width, counting combining marks (Vietnamese diacritics in NFD) as nothing. */
function width(s: string): number {
  return [...s.normalize('NFC')].filter((c) => !/\p{M}/u.test(c)).length;
}

function cut(s: string, max: number): string {
  if (width(s) <= max) return s;
  return `${[...s.normalize('NFC')].slice(0, Math.max(1, max - 1)).join('')}…`;
}

export interface Column<T> {
  title: string;
  value: (row: T) => string;
  /** Longer cells are cut with an ellipsis. */
  max?: number;
}

/** A plain-text table: a header, a rule, one line per row, columns padded to their widest cell. */
export function renderTable<T>(columns: ReadonlyArray<Column<T>>, rows: readonly T[]): string {
  const cells = rows.map((r) => columns.map((c) => cut(c.value(r).replace(/\s+/g, ' '), c.max ?? 60)));
  const widths = columns.map((c, i) => Math.max(width(c.title), ...cells.map((row) => width(row[i]!))));
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => (i === vals.length - 1 ? v : v + ' '.repeat(widths[i]! - width(v))))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join(
    '\n',
  );
}
