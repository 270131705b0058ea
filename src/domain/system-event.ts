import type { TrangThaiHoSo } from './status-machine.js';

export type SystemId = 'land' | 'civil-registration' | 'tax' | 'social-insurance' | 'document';
export const SYSTEM_IDS: readonly SystemId[] = [
  'land',
  'civil-registration',
  'tax',
  'social-insurance',
  'document',
];

/** A progress row as the portal receives it in CapNhatTienDoHoSoMC (portal.md §5.5), minus MaHoSo. */
export interface ProgressRow {
  NguoiXuLy: string;
  ChucDanh: string;
  ThoiDiemXuLy: string;
  PhongBanXuLy: string;
  NoiDungXuLy: string;
  TrangThai: TrangThaiHoSo;
  NgayBatDau: string;
  NgayKetThucTheoQuyDinh: string;
}

/** A supplement request entry the gateway writes into DanhSachHoSoBoSung (portal.md §3.4). */
export interface SupplementRequest {
  NoiDungYeuCau: string;
  /** Deadline for the applicant, portal format; informs the progress row. */
  HanBoSung?: string;
}

export interface ResultDocument {
  TenGiayTo: string;
  MaGiayToKetQua: string;
  DuongDanTepTinKetQua?: string;
}

/**
 * What a specialist system told the gateway about one dossier, in the gateway's own words.
 *
 * @remarks Adapters turn callbacks, pushes and poll results into this shape; everything after that
 * (deduplication, ordering, the state machine, the portal sync) is common to every system.
 */
export interface SystemEvent {
  system: SystemId;
  /** Unique per event within the system: EventId, MaSuKien, MA_GDICH+row… Used to drop duplicates. */
  eventId: string;
  MaHoSo: string;
  /** The system's own id of the dossier (hoSoId…), when it names one. */
  externalId?: string;
  /** When the event happened at the system; orders events of one dossier. */
  occurredAt: string;
  /** The system's own name of the event, for the timeline (ChuyenHoSo, trangThai 3…). */
  kind: string;
  /** The DVCQG status this event implies for the system's part of the dossier; absent = no change. */
  status?: TrangThaiHoSo;
  progress?: Omit<ProgressRow, 'TrangThai' | 'ThoiDiemXuLy' | 'NgayBatDau'> & { NgayBatDau?: string };
  supplementRequest?: SupplementRequest;
  result?: { NgayKetThucXuLy: string; documents: ResultDocument[] };
  /**
   * Financial obligations: notices issued (land GuiKetQuaThue, tax notices) and notices paid
   * (tax payment confirmations). The engine keeps the dossier's notices by SoThongBaoThue, applies
   * each once whichever message brings it first, and returns the dossier to 4 when every notice
   * issued has been paid (tax.md §4.5).
   */
  taxNotices?: Array<{
    SoThongBaoThue: string;
    LoaiThue: string;
    SoTien: string;
    HoTenChu?: string;
    DuongDan?: string;
  }>;
  paidNotices?: string[];
  /** Facts other systems' operations may need (e.g. `soDinhDanh` from civil registration). */
  facts?: Record<string, string>;
  /** Extra data kept with the event for the timeline (notes, raw codes). */
  data?: Record<string, unknown>;
}

/** How the systems are named to citizens and officials (progress rows, reports). */
export const SYSTEM_NAMES: Record<SystemId, string> = {
  land: 'Văn phòng đăng ký đất đai (hệ thống thông tin đất đai)',
  'civil-registration': 'Cơ quan đăng ký hộ tịch',
  tax: 'Cơ quan thuế',
  'social-insurance': 'Cơ quan bảo hiểm xã hội',
  document: 'Hệ thống quản lý văn bản',
};
