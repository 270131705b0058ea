import { LandStatus, isEnded, type LandStatusCode } from './land-status.js';
import { UTC_FORMAT_HINT, parseUtc } from './utc-time.js';
import { isAbsoluteHttpUrl, isObject } from './request-validation.js';

/** Callback operations (land.md §7.1), case as written. */
export const CALLBACK_OPERATIONS = [
  'ChuyenHoSo',
  'YeuCauBoSungHoSo',
  'NhanBoSungHoSo',
  'GuiKetQuaThue',
  'KetThucHoSo',
] as const;
export type CallbackOperation = (typeof CALLBACK_OPERATIONS)[number];

/** Tax type codes (tax.md §2.2), used in `GuiKetQuaThue`. */
export const TAX_TYPES = ['TNCN', 'LPTB', 'TSDD', 'TTD', 'SDDPNN'] as const;

/** Fields of every callback body (land.md §7.3). */
export interface CallbackCommon {
  EventId: string;
  hoSoId: number;
  MaHoSoMotCua: string;
  ThoiDiem: string;
}
export interface ChuyenHoSoFields {
  BuocXuLy: string;
  PhongBan: string;
  NguoiXuLy: string;
}
export interface YeuCauBoSungFields {
  NoiDungYeuCau: string;
  HanBoSung: string;
}
export interface ThongBaoThue {
  HoTenChu: string;
  LoaiThue: string;
  SoThongBaoThue: string;
  SoTien: number;
  DuongDanThongBaoThue: string;
}
export interface GiayToKetQua {
  TenGiayTo: string;
  SoHieu: string;
  DuongDan: string;
}
export interface KetThucHoSoFields {
  TrangThaiKetThuc: 0 | 1 | 2;
  GiayToKetQua: GiayToKetQua[];
  GhiChu: string;
}

/** A callback body as sent: common fields followed by the operation's fields. */
export type LandCallbackBody = CallbackCommon &
  Partial<ChuyenHoSoFields & YeuCauBoSungFields & KetThucHoSoFields> & {
    DanhSachThongBaoThue?: ThongBaoThue[];
  };

/** Input of a tax notice: amount and type are required, the rest defaults (see `resolveAction`). */
export type ThongBaoThueInput = Pick<ThongBaoThue, 'LoaiThue' | 'SoTien'> & Partial<ThongBaoThue>;

/**
 * What the land office does to a dossier. Omitted fields get realistic defaults taken from the
 * examples in land.md §7.5–7.6.
 */
export type LandAction =
  | ({ Operation: 'ChuyenHoSo' } & Partial<ChuyenHoSoFields>)
  | ({ Operation: 'YeuCauBoSungHoSo' } & Partial<YeuCauBoSungFields>)
  | { Operation: 'NhanBoSungHoSo' }
  | { Operation: 'GuiKetQuaThue'; DanhSachThongBaoThue: ThongBaoThueInput[] }
  | {
      Operation: 'KetThucHoSo';
      TrangThaiKetThuc: 0 | 1 | 2;
      GiayToKetQua?: Partial<GiayToKetQua>[];
      GhiChu?: string;
    };

/** A control action that cannot be done; `httpStatus` is what `/__sim` answers. */
export class LandSimError extends Error {
  constructor(
    message: string,
    readonly httpStatus: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

const KET_THUC_STATUS: Record<0 | 1 | 2, LandStatusCode> = {
  0: LandStatus.DaCoKetQua,
  1: LandStatus.TraLaiKhongCoKetQua,
  2: LandStatus.DaRutHoSo,
};

/**
 * The status an action leads to from `current`, or an error when the land office would not do it:
 * nothing happens to an ended dossier (5–8), and a supplement can only be received while waiting
 * for one (3).
 */
export function statusAfter(action: LandAction, current: LandStatusCode, hoSoId: number): LandStatusCode {
  if (isEnded(current)) {
    throw new LandSimError(
      `hoSoId ${hoSoId}: hồ sơ đã kết thúc (TrangThai ${current}), không thể ${action.Operation}`,
      409,
    );
  }
  switch (action.Operation) {
    case 'ChuyenHoSo':
      return LandStatus.DangXuLy;
    case 'YeuCauBoSungHoSo':
      return LandStatus.ChoBoSung;
    case 'NhanBoSungHoSo':
      if (current !== LandStatus.ChoBoSung) {
        throw new LandSimError(`hoSoId ${hoSoId}: hồ sơ không chờ bổ sung (TrangThai ${current})`, 409);
      }
      return LandStatus.DangXuLy;
    case 'GuiKetQuaThue':
      return LandStatus.ChoNghiaVuTaiChinh;
    case 'KetThucHoSo':
      return KET_THUC_STATUS[action.TrangThaiKetThuc];
  }
}

function nonEmptyString(v: unknown, field: string, optional: boolean): void {
  if (v === undefined && optional) return;
  if (typeof v !== 'string' || v.length === 0) throw new LandSimError(`${field}: phải là chuỗi không rỗng`);
}

function optionalUrl(v: unknown, field: string): void {
  if (v === undefined) return;
  if (typeof v !== 'string' || !isAbsoluteHttpUrl(v))
    throw new LandSimError(`${field}: phải là URL tuyệt đối http(s)`);
}

/** Checks a control action's own fields (not the dossier's status); throws `LandSimError` (400). */
export function checkAction(input: unknown): LandAction {
  if (!isObject(input)) throw new LandSimError('action: phải là đối tượng');
  const op = input.Operation;
  if (typeof op !== 'string' || !(CALLBACK_OPERATIONS as readonly string[]).includes(op)) {
    throw new LandSimError(`Operation: phải là một trong ${CALLBACK_OPERATIONS.join(', ')}`);
  }
  switch (op as CallbackOperation) {
    case 'ChuyenHoSo':
      for (const f of ['BuocXuLy', 'PhongBan', 'NguoiXuLy']) nonEmptyString(input[f], f, true);
      break;
    case 'YeuCauBoSungHoSo':
      nonEmptyString(input.NoiDungYeuCau, 'NoiDungYeuCau', true);
      if (
        input.HanBoSung !== undefined &&
        (typeof input.HanBoSung !== 'string' || !parseUtc(input.HanBoSung))
      ) {
        throw new LandSimError(`HanBoSung: ${UTC_FORMAT_HINT}`);
      }
      break;
    case 'NhanBoSungHoSo':
      break;
    case 'GuiKetQuaThue': {
      const list = input.DanhSachThongBaoThue;
      if (!Array.isArray(list) || list.length < 1 || list.length > 20) {
        throw new LandSimError('DanhSachThongBaoThue: phải có từ 1 đến 20 thông báo');
      }
      list.forEach((n: unknown, i) => {
        const p = `DanhSachThongBaoThue[${i}]`;
        if (!isObject(n)) throw new LandSimError(`${p}: phải là đối tượng`);
        if (typeof n.LoaiThue !== 'string' || !(TAX_TYPES as readonly string[]).includes(n.LoaiThue)) {
          throw new LandSimError(`${p}.LoaiThue: phải là một trong ${TAX_TYPES.join(', ')}`);
        }
        if (typeof n.SoTien !== 'number' || !Number.isSafeInteger(n.SoTien) || n.SoTien <= 0) {
          throw new LandSimError(`${p}.SoTien: phải là số nguyên dương (VND)`);
        }
        nonEmptyString(n.HoTenChu, `${p}.HoTenChu`, true);
        nonEmptyString(n.SoThongBaoThue, `${p}.SoThongBaoThue`, true);
        if (typeof n.SoThongBaoThue === 'string' && !/^[A-Za-z0-9.-]{1,30}$/.test(n.SoThongBaoThue)) {
          throw new LandSimError(`${p}.SoThongBaoThue: 1..30 ký tự [A-Za-z0-9.-]`);
        }
        optionalUrl(n.DuongDanThongBaoThue, `${p}.DuongDanThongBaoThue`);
      });
      break;
    }
    case 'KetThucHoSo': {
      const k = input.TrangThaiKetThuc;
      if (k !== 0 && k !== 1 && k !== 2) throw new LandSimError('TrangThaiKetThuc: phải là 0, 1 hoặc 2');
      const docs = input.GiayToKetQua;
      if (docs !== undefined) {
        if (!Array.isArray(docs)) throw new LandSimError('GiayToKetQua: phải là mảng');
        if (k === 0 && docs.length === 0)
          throw new LandSimError('GiayToKetQua: phải có ít nhất 1 giấy tờ khi TrangThaiKetThuc 0');
        if (k !== 0 && docs.length > 0)
          throw new LandSimError('GiayToKetQua: phải là [] khi TrangThaiKetThuc 1 hoặc 2');
        docs.forEach((g: unknown, i) => {
          const p = `GiayToKetQua[${i}]`;
          if (!isObject(g)) throw new LandSimError(`${p}: phải là đối tượng`);
          nonEmptyString(g.TenGiayTo, `${p}.TenGiayTo`, true);
          nonEmptyString(g.SoHieu, `${p}.SoHieu`, true);
          optionalUrl(g.DuongDan, `${p}.DuongDan`);
        });
      }
      if (input.GhiChu !== undefined && typeof input.GhiChu !== 'string') {
        throw new LandSimError('GhiChu: phải là chuỗi');
      }
      break;
    }
  }
  return input as LandAction;
}

/** What `resolveAction` needs from the simulator. */
export interface ActionContext {
  hoSoId: number;
  /** The land user's name from the intake, default taxpayer of a notice. */
  hoTenChu: string;
  /** Epoch ms of the event (its `ThoiDiem`). */
  at: number;
  /** Registers a downloadable file under `/api/motcua/tep/{name}` and returns its URL. */
  publishFile(name: string, title: string): string;
  /** Next tax notice number, e.g. `TB2511120001`. */
  nextNoticeNumber(): string;
}

const DEFAULT_CHUYEN: ChuyenHoSoFields = {
  BuocXuLy: 'Thẩm định hồ sơ',
  PhongBan: 'Phòng Đăng ký và Cấp giấy chứng nhận',
  NguoiXuLy: 'Trần Thị Mai',
};
const DEFAULT_YEU_CAU = 'Bổ sung bản sao hợp đồng chuyển nhượng quyền sử dụng đất có công chứng';
const DEFAULT_GCN = 'Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất';
const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;

/** The operation fields of the callback body for `action`, with defaults filled in. */
export function resolveAction(action: LandAction, ctx: ActionContext, formatUtc: (ms: number) => string) {
  switch (action.Operation) {
    case 'ChuyenHoSo':
      return {
        BuocXuLy: action.BuocXuLy ?? DEFAULT_CHUYEN.BuocXuLy,
        PhongBan: action.PhongBan ?? DEFAULT_CHUYEN.PhongBan,
        NguoiXuLy: action.NguoiXuLy ?? DEFAULT_CHUYEN.NguoiXuLy,
      };
    case 'YeuCauBoSungHoSo':
      return {
        NoiDungYeuCau: action.NoiDungYeuCau ?? DEFAULT_YEU_CAU,
        HanBoSung: action.HanBoSung ?? formatUtc(ctx.at + SEVEN_DAYS_MS),
      };
    case 'NhanBoSungHoSo':
      return {};
    case 'GuiKetQuaThue':
      return {
        DanhSachThongBaoThue: action.DanhSachThongBaoThue.map((n): ThongBaoThue => {
          const so = n.SoThongBaoThue ?? ctx.nextNoticeNumber();
          return {
            HoTenChu: n.HoTenChu ?? ctx.hoTenChu,
            LoaiThue: n.LoaiThue,
            SoThongBaoThue: so,
            SoTien: n.SoTien,
            DuongDanThongBaoThue:
              n.DuongDanThongBaoThue ?? ctx.publishFile(`${so}.pdf`, `Thong bao thue ${so}`),
          };
        }),
      };
    case 'KetThucHoSo': {
      const given =
        action.GiayToKetQua ??
        (action.TrangThaiKetThuc === 0 ? [{ TenGiayTo: DEFAULT_GCN }] : ([] as Partial<GiayToKetQua>[]));
      const docs = given.map((g, i): GiayToKetQua => {
        const suffix = i === 0 ? 'gcn' : `kq${i + 1}`;
        return {
          TenGiayTo: g.TenGiayTo ?? DEFAULT_GCN,
          SoHieu:
            g.SoHieu ?? `DP ${String(ctx.hoSoId % 1_000_000).padStart(6, '0')}${i === 0 ? '' : `-${i + 1}`}`,
          DuongDan:
            g.DuongDan ?? ctx.publishFile(`${ctx.hoSoId}-${suffix}.pdf`, `Ket qua ho so ${ctx.hoSoId}`),
        };
      });
      return { TrangThaiKetThuc: action.TrangThaiKetThuc, GiayToKetQua: docs, GhiChu: action.GhiChu ?? '' };
    }
  }
}
