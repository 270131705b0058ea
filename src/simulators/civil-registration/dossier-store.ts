import { formatDateTime, localYear, parseDateTime, parseLocalDate, truncateToSecond } from './local-time.js';
import type { DossierContent, DossierRecord, StatusExtra, TrangThai } from './types.js';

/**
 * The dossiers held by the simulated registry, their numbering and their status (civil-registration.md §3–§5).
 *
 * @remarks One record per (client_id, maHoSo): `NhanDKHT` is idempotent on `maHoSo`, and a client only
 * sees its own dossiers (§4.1). Numbers are sequential per module and local year:
 * `soHoSoHoTich` `KS-2025-0000001`, `soDangKy` `1/2025`. Only the current state is answered by the
 * API; `history` is kept for tests.
 */
export class StatusChangeError extends Error {
  constructor(
    message: string,
    readonly code: 'not_found' | 'ambiguous' | 'invalid',
  ) {
    super(message);
  }
}

export const PAGE_SIZE = 100;

const DEFAULT_NOTE: Partial<Record<TrangThai, string>> = {
  3: 'Bổ sung giấy tờ theo yêu cầu của cơ quan đăng ký hộ tịch',
  5: 'Hồ sơ không đủ điều kiện đăng ký',
};

const keyOf = (clientId: string, maHoSo: string): string => `${clientId}\u0000${maHoSo}`;

export class DossierStore {
  private readonly records = new Map<string, DossierRecord>();
  private readonly sequences = new Map<string, number>();
  private readonly assignedIds = new Set<string>();

  constructor(private readonly random: () => number) {}

  find(clientId: string, maHoSo: string): DossierRecord | undefined {
    return this.records.get(keyOf(clientId, maHoSo));
  }

  /** How many records the system holds for a dossier code (all clients). */
  entries(maHoSo: string): number {
    let count = 0;
    for (const r of this.records.values()) if (r.maHoSo === maHoSo) count += 1;
    return count;
  }

  get size(): number {
    return this.records.size;
  }

  all(): DossierRecord[] {
    return [...this.records.values()];
  }

  clear(): void {
    this.records.clear();
    this.sequences.clear();
    this.assignedIds.clear();
  }

  create(clientId: string, content: DossierContent, xml: string, isNfc: boolean, now: number): DossierRecord {
    const updatedAt = truncateToSecond(now);
    const year = localYear(updatedAt);
    const seq = this.next(`dossier:${content.module}:${year}`);
    const ngayCapNhat = formatDateTime(updatedAt);
    const record: DossierRecord = {
      clientId,
      maHoSo: content.maHoSo,
      module: content.module,
      soHoSoHoTich: `${content.module}-${year}-${String(seq).padStart(7, '0')}`,
      trangThai: 1,
      updatedAt,
      ngayCapNhat,
      soDangKy: '',
      soDinhDanh: '',
      ghiChu: '',
      history: [{ trangThai: 1, ngayCapNhat }],
      content,
      xml,
      isNfc,
    };
    this.records.set(keyOf(clientId, content.maHoSo), record);
    return record;
  }

  /** Moves a dossier to `trangThai` (test control). Final states 4 and 5 cannot be left. */
  setStatus(maHoSo: string, trangThai: number, extra: StatusExtra, now: number): DossierRecord {
    const record = this.locate(maHoSo, extra.clientId);
    if (!Number.isInteger(trangThai) || trangThai < 1 || trangThai > 5)
      throw new StatusChangeError(`trangThai must be 1..5, got ${trangThai}`, 'invalid');
    if (record.trangThai === 4 || record.trangThai === 5)
      throw new StatusChangeError(`${maHoSo} is in final state ${record.trangThai}`, 'invalid');
    const status = trangThai as TrangThai;
    if (extra.soDinhDanh !== undefined) {
      if (status !== 4 || record.module !== 'KS')
        throw new StatusChangeError('soDinhDanh is set only for module KS in trangThai 4', 'invalid');
      if (!/^\d{12}$/.test(extra.soDinhDanh))
        throw new StatusChangeError('soDinhDanh must be 12 digits', 'invalid');
    }
    if (extra.soDangKy !== undefined && status !== 4)
      throw new StatusChangeError('soDangKy is set only in trangThai 4', 'invalid');
    const updatedAt = truncateToSecond(this.timeOf(extra.at, now));
    let soDangKy = '';
    let soDinhDanh = '';
    if (status === 4) {
      const year = localYear(updatedAt);
      soDangKy = extra.soDangKy ?? `${this.next(`register:${record.module}:${year}`)}/${year}`;
      if (record.module === 'KS') soDinhDanh = extra.soDinhDanh ?? this.assignIdentity(record);
    }
    record.trangThai = status;
    record.updatedAt = updatedAt;
    record.ngayCapNhat = formatDateTime(updatedAt);
    record.soDangKy = soDangKy;
    record.soDinhDanh = soDinhDanh;
    record.ghiChu = extra.ghiChu ?? DEFAULT_NOTE[status] ?? '';
    record.history.push({ trangThai: status, ngayCapNhat: record.ngayCapNhat });
    return record;
  }

  /** §5.2: the client's dossiers whose current `ngayCapNhat` is in [from, to), ordered, one page. */
  window(
    clientId: string,
    from: number,
    to: number,
    page: number,
  ): { total: number; items: DossierRecord[] } {
    const selected = this.all()
      .filter((r) => r.clientId === clientId && r.updatedAt >= from && r.updatedAt < to)
      .sort((a, b) => a.updatedAt - b.updatedAt || (a.maHoSo < b.maHoSo ? -1 : a.maHoSo > b.maHoSo ? 1 : 0));
    const start = (page - 1) * PAGE_SIZE;
    return { total: selected.length, items: selected.slice(start, start + PAGE_SIZE) };
  }

  private locate(maHoSo: string, clientId: string | undefined): DossierRecord {
    const matches = this.all().filter(
      (r) => r.maHoSo === maHoSo && (clientId === undefined || r.clientId === clientId),
    );
    const [first, second] = matches;
    if (!first) throw new StatusChangeError(`no dossier ${maHoSo}`, 'not_found');
    if (second)
      throw new StatusChangeError(`${maHoSo} is held for several clients: pass clientId`, 'ambiguous');
    return first;
  }

  private timeOf(at: Date | string | undefined, now: number): number {
    if (at === undefined) return now;
    const time = typeof at === 'string' ? parseDateTime(at) : at.getTime();
    if (time === undefined || Number.isNaN(time))
      throw new StatusChangeError(`invalid time ${String(at)}: use a Date or dd/MM/yyyy HH:mm:ss`, 'invalid');
    return time;
  }

  private next(counter: string): number {
    const value = (this.sequences.get(counter) ?? 0) + 1;
    this.sequences.set(counter, value);
    return value;
  }

  /**
   * A 12-digit personal identification number like the national population database assigns:
   * province code (3) + century/sex digit + 2-digit birth year + 6 random digits.
   */
  private assignIdentity(record: DossierRecord): string {
    const { content } = record;
    const unit = /\.H(\d{2})$/.exec(content.maDonVi);
    const province = unit ? `0${unit[1]}` : (content.me?.soDinhDanh?.slice(0, 3) ?? '040');
    const birth = parseLocalDate(content.nguoiDuocKhaiSinh?.ngaySinh ?? '');
    const year = birth === undefined ? localYear(record.updatedAt) : localYear(birth);
    const centuryDigit =
      Math.min(9, Math.max(0, (Math.floor(year / 100) - 19) * 2)) +
      (content.nguoiDuocKhaiSinh?.gioiTinh === '2' ? 1 : 0);
    const prefix = `${province}${Math.min(9, centuryDigit)}${String(year % 100).padStart(2, '0')}`;
    let candidate = '';
    for (
      let attempt = 0;
      attempt < 1000 && (candidate === '' || this.assignedIds.has(candidate));
      attempt += 1
    )
      candidate = `${prefix}${String(Math.floor(this.random() * 1_000_000)).padStart(6, '0')}`;
    this.assignedIds.add(candidate);
    return candidate;
  }
}
