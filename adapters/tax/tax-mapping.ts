import { readFileSync } from 'node:fs';
import { registerConverter } from '../../src/mapping/template.js';
import { repoPath } from '../../src/paths.js';
import { formatNgayGui, ngayGuiToPortal, ngayQuyetDinhToPortal } from './tax-time.js';

/** What `mappings/tax.json` says about one kind of push. */
export interface TaxInboundMapping {
  kind: string;
  status?: unknown;
  progress?: unknown;
  taxNotices?: unknown;
  paidNotices?: unknown;
  data?: unknown;
}

export interface TaxMappingFile {
  requests: { phieuchuyen: unknown };
  loaiThueByTieuMuc: { rules: Array<{ contains: string; LoaiThue: string }> };
  inbound: { thongbaothue: TaxInboundMapping; xacnhannopthue: TaxInboundMapping };
}

const fold = (s: string): string => s.normalize('NFC').toLocaleLowerCase('vi');

/**
 * Loads `mappings/tax.json` and registers the tax converters the file uses. Converter names carry
 * the `tax` prefix because the registry is shared by every adapter.
 */
export function loadTaxMapping(): TaxMappingFile {
  const mapping = JSON.parse(readFileSync(repoPath('mappings', 'tax.json'), 'utf8')) as TaxMappingFile;
  const rules = mapping.loaiThueByTieuMuc.rules.map((r) => ({
    contains: fold(r.contains),
    LoaiThue: r.LoaiThue,
  }));
  registerConverter('taxNgayGui', (v) => {
    if (!(v instanceof Date)) throw new Error(`not a date: ${JSON.stringify(v)}`);
    return formatNgayGui(v);
  });
  registerConverter('taxNgayGuiToPortal', (v) => {
    const out = ngayGuiToPortal(String(v));
    if (out === null) throw new Error(`not a dd/MM/yyyy HH:mm:ss date-time: ${JSON.stringify(v)}`);
    return out;
  });
  registerConverter('taxNgayQuyetDinhToPortal', (v) => {
    const out = ngayQuyetDinhToPortal(String(v));
    if (out === null) throw new Error(`not a dd/MM/yyyy date: ${JSON.stringify(v)}`);
    return out;
  });
  registerConverter('taxLoaiThue', (v) => {
    const name = fold(String(v ?? ''));
    return rules.find((r) => name.includes(r.contains))?.LoaiThue ?? '';
  });
  return mapping;
}
