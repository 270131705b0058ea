import type { DossierRecord, HoSoBoSung } from './dossier.js';
import { canTransition, type TrangThaiHoSo } from './status-machine.js';
import type { ProgressRow, SystemEvent, SystemId } from './system-event.js';
import { formatPortalDateTime, parsePortalDateTime } from './time.js';

export interface TaxNotice {
  LoaiThue: string;
  SoTien: string;
  paid: boolean;
  /** Known only from a payment confirmation so far (tax.md §4.1: a payment may arrive first). */
  paidBeforeIssued?: boolean;
}

/** One thing to send to the portal, in order. */
export type PortalOperation =
  | { id: string; kind: 'record'; status: TrangThaiHoSo; versions?: number }
  | { id: string; kind: 'progress'; row: ProgressRow & { MaHoSo: string }; versions?: number };

/**
 * The status an operation is sent with. The portal changes a dossier's status itself (supplement
 * handed in, result handed over) and applies whatever arrives last, so an operation made before a
 * newer portal version must not carry the older status: it carries the dossier's current one.
 * `versions` is the number of portal versions the gateway had when the operation was made.
 */
export function statusAtSend(
  op: { versions?: number },
  opStatus: TrangThaiHoSo,
  current: { status: TrangThaiHoSo; versions: number },
): TrangThaiHoSo {
  if (op.versions === undefined || current.versions <= op.versions) return opStatus;
  return current.status;
}

/** The part of a dossier's state the portal sync works on. */
export interface ProgressState {
  MaHoSo: string;
  record: DossierRecord;
  status: TrangThaiHoSo;
  /** Systems taking part in this dossier (those with something to do). */
  route: readonly SystemId[];
  /** Systems whose finish finishes the dossier. */
  completion: readonly SystemId[];
  /** Tax notices issued for the dossier, by SoThongBaoThue, and which are paid. */
  taxNotices: Record<string, TaxNotice>;
  /** Apology letters sent for signing, by the appointment date they replace (NgayHenTraTruoc). */
  apologies?: Record<string, { LyDo: string; NgayHenTraTruoc: string; NgayHenTraDeXuat: string }>;
  systemStatus: Partial<Record<SystemId, TrangThaiHoSo>>;
  systemLastEventAt: Partial<Record<SystemId, number>>;
  lastNguoiXuLy: string | undefined;
}

export interface AppliedEvent {
  event: SystemEvent;
  late: boolean;
  refused?: string;
  statusBefore: TrangThaiHoSo;
  statusAfter: TrangThaiHoSo;
}

export interface ApplyOutcome {
  state: ProgressState;
  operations: PortalOperation[];
  applied: AppliedEvent[];
}

/**
 * The rule that gives one portal status to a dossier handled by several systems.
 *
 * @remarks In order: a system that stopped the dossier (8) or a withdrawal (7) decides; then any
 * system waiting for the applicant's supplement (5); then any unpaid financial obligation (6);
 * 9 only when every *completing* system has finished (the route's `completion`, by default all of
 * them: for a land transfer the land registry's result finishes the dossier, while tax and document
 * management take part without finishing it); otherwise 4 once any system has started work, else 2.
 * With one system this is simply that system's status.
 */
export function deriveStatus(
  route: readonly SystemId[],
  systemStatus: Partial<Record<SystemId, TrangThaiHoSo>>,
  completion: readonly SystemId[] = route,
): TrangThaiHoSo {
  const all = route.map((s) => systemStatus[s] ?? '2');
  if (all.includes('8')) return '8';
  if (all.includes('7')) return '7';
  if (all.includes('5')) return '5';
  if (all.includes('6')) return '6';
  const finishing = completion.filter((s) => route.includes(s));
  const decisive = (finishing.length > 0 ? finishing : route).map((s) => systemStatus[s] ?? '2');
  if (decisive.length > 0 && decisive.every((s) => s === '9' || s === '10')) return '9';
  if (all.some((s) => s !== '2')) return '4';
  return '2';
}

/**
 * Records a signed apology letter (portal.md §3.4 DanhSachXinLoi) and moves the appointment date to
 * the letter's new date (rule R9). Refuses a letter without a later new date: the portal must never
 * get a changed appointment date for a late dossier that no signed letter justifies.
 */
function applyApologyLetter(
  state: ProgressState,
  letter: { SoVanBan?: string; NgayXinLoi?: string; NgayHenTraMoi?: string },
): { refused?: string } {
  const rec = state.record;
  const before = rec.NgayHenTra ?? '';
  const next = letter.NgayHenTraMoi ?? '';
  if (!next || !parsePortalDateTime(next))
    return { refused: 'apology letter without a new appointment date' };
  if (!letter.SoVanBan) return { refused: 'apology letter without its number' };
  if ((rec.DanhSachXinLoi ?? []).some((x) => x.SoVanBan === letter.SoVanBan))
    return { refused: 'apology letter already recorded' };
  if (before && next <= before)
    return { refused: `apology letter's new date ${next} is not after ${before}` };
  const pending = state.apologies?.[before];
  rec.DanhSachXinLoi = [
    ...(rec.DanhSachXinLoi ?? []),
    {
      SoVanBan: letter.SoVanBan.slice(0, 100),
      NgayXinLoi: letter.NgayXinLoi || formatPortalDateTime(new Date()),
      LyDo: (pending?.LyDo ?? 'Hồ sơ chưa được giải quyết xong đúng thời hạn').slice(0, 2000),
      NgayHenTraTruoc: before,
      NgayHenTraMoi: next,
    },
  ];
  rec.NgayHenTra = next;
  return {};
}

/** Applies issued and paid notices; says whether anything new was learnt and whether all are paid. */
function applyNotices(state: ProgressState, event: SystemEvent): { news: boolean; allPaid: boolean } {
  let news = false;
  for (const n of event.taxNotices ?? []) {
    const known = state.taxNotices[n.SoThongBaoThue];
    if (known && !known.paidBeforeIssued) continue;
    state.taxNotices[n.SoThongBaoThue] = {
      LoaiThue: n.LoaiThue,
      SoTien: String(n.SoTien),
      paid: known?.paid ?? false,
    };
    news = true;
  }
  for (const no of event.paidNotices ?? []) {
    const known = state.taxNotices[no];
    if (known?.paid) continue;
    state.taxNotices[no] = known
      ? { ...known, paid: true }
      : { LoaiThue: '', SoTien: '', paid: true, paidBeforeIssued: true };
    news = true;
  }
  const issued = Object.values(state.taxNotices).filter((n) => !n.paidBeforeIssued);
  return { news, allPaid: issued.length > 0 && issued.every((n) => n.paid) };
}

function nextSupplementCode(maHoSo: string, list: readonly HoSoBoSung[]): string {
  let n = list.length + 1;
  const taken = new Set(list.map((e) => e.MaHoSoBoSung));
  for (;;) {
    const code = `${maHoSo}-BS${String(n).padStart(2, '0')}`.slice(-50);
    if (!taken.has(code)) return code;
    n += 1;
  }
}

function eventTime(e: SystemEvent): number {
  return parsePortalDateTime(e.occurredAt)?.getTime() ?? 0;
}

/** Orders events as they happened at the systems (then by id, for a stable order). */
export function sortEvents(events: SystemEvent[]): SystemEvent[] {
  return [...events].sort((a, b) => eventTime(a) - eventTime(b) || a.eventId.localeCompare(b.eventId));
}

/**
 * Applies settled system events to a dossier, in the order they happened, and says what the
 * portal must receive. Pure: no I/O, so every ordering case is unit-tested.
 *
 * @remarks An event older than one already applied for the same system ("late": it arrived after
 * the reorder window) still reaches the portal as a progress row, but carries the current status,
 * never an older one: the portal applies the last status it receives (portal.md §5.7), so sending
 * the old status would move the dossier backwards.
 */
export function applyEvents(input: ProgressState, events: SystemEvent[], actorName: string): ApplyOutcome {
  const state: ProgressState = {
    ...input,
    record: structuredClone(input.record),
    systemStatus: { ...input.systemStatus },
    systemLastEventAt: { ...input.systemLastEventAt },
    taxNotices: structuredClone(input.taxNotices),
  };
  const operations: PortalOperation[] = [];
  const applied: AppliedEvent[] = [];
  for (const event of sortEvents(events)) {
    const t = eventTime(event);
    const statusBefore = state.status;
    const late = t < (state.systemLastEventAt[event.system] ?? 0);
    let refused: string | undefined;
    let recordChanged = false;
    const letter = event.data?.XinLoi as
      { SoVanBan?: string; NgayXinLoi?: string; NgayHenTraMoi?: string } | undefined;
    if (letter) {
      const outcome = applyApologyLetter(state, letter);
      if (outcome.refused) {
        applied.push({ event, late, refused: outcome.refused, statusBefore, statusAfter: state.status });
        continue;
      }
      operations.push({
        id: `${event.system}:${event.eventId}:record`,
        kind: 'record',
        status: state.status,
      });
    }
    const money = event.taxNotices || event.paidNotices ? applyNotices(state, event) : null;
    if (money && !money.news) {
      // The same notice brought by a second message (land and tax both tell it): applied once.
      applied.push({
        event,
        late,
        refused: 'notices already known',
        statusBefore,
        statusAfter: state.status,
      });
      continue;
    }
    if (!late) {
      state.systemLastEventAt[event.system] = t;
      let eventStatus = event.status;
      if (money?.allPaid) {
        // tax.md §4.5: back to 4 once every notice of the dossier is paid, for every system that asked.
        for (const s of state.route) if (state.systemStatus[s] === '6') state.systemStatus[s] = '4';
        if (eventStatus === '6') eventStatus = '4';
        if (!eventStatus)
          eventStatus = state.systemStatus[event.system] === '6' ? '4' : state.systemStatus[event.system];
      }
      if (eventStatus) {
        const sysBefore = state.systemStatus[event.system];
        state.systemStatus[event.system] = eventStatus;
        const target = deriveStatus(state.route, state.systemStatus, state.completion);
        if (canTransition(state.status, target)) state.status = target;
        else {
          refused = `${state.status} → ${target} is not an allowed transition`;
          if (sysBefore === undefined) delete state.systemStatus[event.system];
          else state.systemStatus[event.system] = sysBefore;
        }
      }
      const rec = state.record;
      if (event.supplementRequest && !refused) {
        const list = [...(rec.DanhSachHoSoBoSung ?? [])];
        list.push({
          MaHoSoBoSung: nextSupplementCode(state.MaHoSo, list),
          NgayYeuCauBoSung: event.occurredAt,
          NoiDungYeuCau: event.supplementRequest.NoiDungYeuCau,
          NgayHenTraTruoc: rec.NgayHenTra ?? '',
          NgayHenTraMoi: '',
          NgayTiepNhanBoSung: '',
          NoiDungBoSung: '',
        });
        rec.DanhSachHoSoBoSung = list;
        recordChanged = true;
      }
      if (state.status === '5' && statusBefore !== '5') {
        const open = (rec.DanhSachHoSoBoSung ?? []).some((e) => !e.NgayTiepNhanBoSung);
        if (!open) {
          // R6: status 5 needs a supplement entry even when the system gave no text for it.
          const list = [...(rec.DanhSachHoSoBoSung ?? [])];
          list.push({
            MaHoSoBoSung: nextSupplementCode(state.MaHoSo, list),
            NgayYeuCauBoSung: event.occurredAt,
            NoiDungYeuCau: event.progress?.NoiDungXuLy || 'Yêu cầu bổ sung hồ sơ',
            NgayHenTraTruoc: rec.NgayHenTra ?? '',
            NgayHenTraMoi: '',
            NgayTiepNhanBoSung: '',
            NoiDungBoSung: '',
          });
          rec.DanhSachHoSoBoSung = list;
          recordChanged = true;
        }
      }
      if (event.result && !refused) {
        rec.NgayKetThucXuLy = event.result.NgayKetThucXuLy;
        const known = new Set((rec.DanhSachGiayToKetQua ?? []).map((g) => g.MaGiayToKetQua));
        rec.DanhSachGiayToKetQua = [
          ...(rec.DanhSachGiayToKetQua ?? []),
          ...event.result.documents.filter((g) => !known.has(g.MaGiayToKetQua)),
        ];
        recordChanged = true;
      }
      if ((state.status === '9' || state.status === '10') && !rec.NgayKetThucXuLy) {
        rec.NgayKetThucXuLy = event.occurredAt; // R4
        recordChanged = true;
      }
      if (state.status !== statusBefore) {
        rec.TrangThaiHoSo = state.status;
      }
    }
    if (event.progress?.NguoiXuLy) state.lastNguoiXuLy = event.progress.NguoiXuLy;
    if (recordChanged)
      operations.push({
        id: `${event.system}:${event.eventId}:record`,
        kind: 'record',
        status: state.status,
      });
    if (event.progress || state.status !== statusBefore) {
      const p = event.progress;
      operations.push({
        id: `${event.system}:${event.eventId}:progress`,
        kind: 'progress',
        row: {
          MaHoSo: state.MaHoSo,
          NguoiXuLy: (p?.NguoiXuLy || state.lastNguoiXuLy || actorName).slice(0, 255),
          ChucDanh: p?.ChucDanh ?? '',
          ThoiDiemXuLy: event.occurredAt,
          PhongBanXuLy: p?.PhongBanXuLy ?? '',
          NoiDungXuLy: (p?.NoiDungXuLy || event.kind).slice(0, 2000),
          TrangThai: state.status,
          NgayBatDau: p?.NgayBatDau || event.occurredAt,
          NgayKetThucTheoQuyDinh: p?.NgayKetThucTheoQuyDinh || state.record.NgayHenTra || '',
        },
      });
    }
    applied.push({ event, late, ...(refused ? { refused } : {}), statusBefore, statusAfter: state.status });
  }
  return { state, operations, applied };
}
