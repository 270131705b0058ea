/**
 * Names and constants of the BHXH SOAP interface (social-insurance.md §1, social-insurance.wsdl).
 */
export const SOAP11_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const TNS = 'urn:bhxh:hoso:v1';
export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const PASSWORD_TEXT =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';
export const PASSWORD_DIGEST =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/** Placeholder service path of `HoSoBHXHService` (README §7: `http://localhost:8084/bhxh/hoso`). */
export const DEFAULT_SERVICE_PATH = '/bhxh/hoso';

export const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';

export type Operation = 'NopHoSo' | 'TraCuuHoSo';
export const OPERATIONS: readonly Operation[] = ['NopHoSo', 'TraCuuHoSo'];
export const soapActionOf = (op: string): string => `${TNS}/${op}`;
export const CALLBACK_OPERATION = 'CapNhatTrangThaiHoSo';

/** §1.3 dossier types. */
export const LOAI_HO_SO = [
  'CAP_LAI_SO',
  'DIEU_CHINH_THONG_TIN',
  'HUONG_MOT_LAN',
  'MAI_TANG',
  'CAP_THE_BHYT_TRE_EM',
] as const;
export type LoaiHoSo = (typeof LOAI_HO_SO)[number];
export const CHILD_CARD: LoaiHoSo = 'CAP_THE_BHYT_TRE_EM';

/** §1.4 statuses: 1 tiếp nhận, 2 đang xử lý, 3 yêu cầu bổ sung, 4 hoàn thành, 5 từ chối. */
export type TrangThai = 1 | 2 | 3 | 4 | 5;
export const FINAL_STATUSES: readonly TrangThai[] = [4, 5];
export const isTrangThai = (v: unknown): v is TrangThai =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 5;

/** Texts used by BHXH in its answers (taken from the examples). */
export const MESSAGES = {
  accepted: 'Tiếp nhận hồ sơ thành công',
  exists: 'Hồ sơ đã tồn tại',
  found: 'Thành công',
  notFound: (maHoSo: string) => `Không tìm thấy hồ sơ ${maHoSo}`,
  authFailed: 'Xác thực không thành công: sai tên đăng nhập hoặc mật khẩu',
  authMissing: 'Xác thực không thành công: thiếu wsse:Security/wsse:UsernameToken trong soap:Header',
  authDigest: 'Xác thực không thành công: PasswordDigest không được hỗ trợ, dùng PasswordText',
  serverBusy: 'Hệ thống đang bận, vui lòng gửi lại sau',
} as const;
