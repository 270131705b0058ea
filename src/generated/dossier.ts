/* Generated from schemas/dossier.schema.json by scripts/gen-types.ts: do not edit. */

/**
 * One dossier record as the one-stop portal pushes it in the feed (portal.md §3.1–§3.4). Every scalar is a JSON string; optional scalars are written as "" when empty. Unknown fields are allowed (README §2: ignored). The cross-field consistency rules R1–R9 (§3.5) and real-calendar checks of date-times are not expressed here: see checkConsistency and checkFieldDetails in src/domain/dossier-rules.ts.
 */
export type DossierRecordPortalMd3DongBoHoSoMCShape = {
  MaHoSo: MaHoSo;
  /**
   * national procedure code
   */
  MaTTHC: string;
  TenTTHC: string;
  MaLinhVuc: string;
  TenLinhVuc: string;
  KenhThucHien: '1' | '2' | '3';
  ChuHoSo: string;
  LoaiDoiTuong: '1' | '2' | '3' | '4';
  MaDoiTuong?: string;
  SoGiayToChuHoSo: string;
  /**
   * @maxItems 5
   */
  DinhDanhCHS: DinhDanh[];
  DiaChiChuHoSo?: string;
  Email?: OptionalEmail;
  SoDienThoai?: string;
  TrichYeuHoSo: string;
  NgayNopHoSo: DateTime;
  NgayTiepNhan?: OptionalDateTime;
  NgayHenTra?: OptionalDateTime;
  TrangThaiHoSo: TrangThai;
  DonViXuLy: string;
  NoiNopHoSo: string;
  /**
   * @maxItems 100
   */
  TaiLieuNop: TaiLieu[];
  /**
   * @maxItems 20
   */
  DanhSachLePhi: LePhi[];
  ThongTinThuaDat?: ThongTinThuaDat;
  HoTich?: HoTich;
  Thue?: Thue;
  BHXH?: Bhxh;
  VanBan?: VanBan;
  NgayTra?: OptionalDateTime;
  NgayKetThucXuLy?: OptionalDateTime;
  NgayTuChoi?: OptionalDateTime;
  DanhSachHoSoBoSung?: HoSoBoSung[];
  DanhSachGiayToKetQua?: GiayToKetQua[];
  DanhSachXinLoi?: XinLoi[];
};
/**
 * README §2.2
 */
export type MaHoSo = string;
export type DinhDanh = {
  LoaiDinhDanh: '1' | '2';
  SoDinhDanh: string;
};
export type OptionalEmail = string;
/**
 * yyyyMMddHHmmss, local time
 */
export type DateTime = string;
/**
 * yyyyMMddHHmmss or "" (no value)
 */
export type OptionalDateTime = string;
/**
 * README §3.1
 */
export type TrangThai = '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '10';
/**
 * absolute http/https URL
 */
export type HttpUrl = string;
/**
 * whole VND, digits only
 */
export type Vnd = string;
export type HoTich = {
  Module: 'KS' | 'KT';
  MaDonVi: string;
  NguoiDuocKhaiSinh?: NguoiDuocKhaiSinh;
  Me?: {
    HoTen: string;
    SoDinhDanh: Digits12;
  };
  Cha?: {
    HoTen: string;
    SoDinhDanh?: string;
  };
  NguoiChet?: {
    HoTen: string;
    SoDinhDanh: Digits12;
    NgayChet: Date;
    NoiChet: string;
    NguyenNhan?: string;
  };
  NguoiYeuCau: {
    HoTen: string;
    SoDinhDanh: Digits12;
    QuanHe: string;
  };
};
/**
 * date as yyyyMMdd000000
 */
export type Date = string;
export type Digits12 = string;
/**
 * whole VND, digits only, or ""
 */
export type OptionalVnd = string;
export type OptionalHttpUrl = string;

export interface TaiLieu {
  TenTepDinhKem: string;
  MaThanhPhanHoSo: string;
  DuongDanTaiTepTin: HttpUrl;
  DuocSoHoa: '1' | '0';
}
export interface LePhi {
  TenPhiLePhi: string;
  MaPhiLePhi: string;
  HinhThucThu: '1' | '2' | '3';
  Gia: Vnd;
}
export interface ThongTinThuaDat {
  SoThuTuThua: string;
  SoHieuToBanDo: string;
  /**
   * area in m², > 0
   */
  DienTich: string;
  DiaChiThuaDat: string;
  MaXa: string;
}
export interface NguoiDuocKhaiSinh {
  HoTen: string;
  GioiTinh: '1' | '2';
  NgaySinh: Date;
  NoiSinh: string;
  DanToc: string;
  QuocTich: string;
}
export interface Thue {
  MaSoThue?: string;
  /**
   * tax.md §2.2
   */
  LoaiThue: 'TNCN' | 'LPTB' | 'TSDD' | 'TTD' | 'SDDPNN';
  GiaTriKeKhai?: OptionalVnd;
}
export interface Bhxh {
  MaSoBHXH?: string;
  /**
   * social-insurance.md §1.3
   */
  LoaiHoSo: 'CAP_LAI_SO' | 'DIEU_CHINH_THONG_TIN' | 'HUONG_MOT_LAN' | 'MAI_TANG' | 'CAP_THE_BHYT_TRE_EM';
  HoTen: string;
  NgaySinh: Date;
  SoCCCD?: string;
}
export interface VanBan {
  TrichYeu: string;
  /**
   * @minItems 1
   * @maxItems 10
   */
  NoiNhan: {
    MaDonVi: string;
    TenDonVi: string;
  }[];
}
export interface HoSoBoSung {
  MaHoSoBoSung: string;
  NgayYeuCauBoSung: DateTime;
  NoiDungYeuCau: string;
  NgayHenTraTruoc: DateTime;
  NgayHenTraMoi?: OptionalDateTime;
  NgayTiepNhanBoSung?: OptionalDateTime;
  NoiDungBoSung?: string;
}
export interface GiayToKetQua {
  TenGiayTo: string;
  MaGiayToKetQua: string;
  DuongDanTepTinKetQua?: OptionalHttpUrl;
}
export interface XinLoi {
  SoVanBan: string;
  NgayXinLoi: DateTime;
  LyDo: string;
  NgayHenTraTruoc: DateTime;
  NgayHenTraMoi: DateTime;
}
