/**
 * Names of the BHXH SOAP interface (social-insurance.md §1, both WSDLs), written once so the
 * transport, the callback parser and the inbound route agree on them.
 */
export const SOAP11_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const TNS = 'urn:bhxh:hoso:v1';
export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const PASSWORD_TEXT =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';

export const CALLBACK_OPERATION = 'CapNhatTrangThaiHoSo';
export const soapActionOf = (operation: string): string => `${TNS}/${operation}`;

/** §1.3: the dossier type whose insured person is a child registered at birth. */
export const CHILD_CARD = 'CAP_THE_BHYT_TRE_EM';

/** Largest SOAP message read in either direction (GUIDE: cap XML size before parsing). */
export const MAX_XML_BYTES = 1024 * 1024;

/**
 * Texts of the answers: the callback answer of `callback-response.xml`, the fault texts in the
 * style of BHXH's own faults (the element first, §1.2; authentication starting with
 * `Xác thực không thành công`, §1.1).
 */
export const TEXTS = {
  received: 'Đã nhận',
  unknownDossier: (maHoSo: string) => `Không tìm thấy hồ sơ ${maHoSo}`,
  authFailed: 'Xác thực không thành công: sai tên đăng nhập hoặc mật khẩu',
  authMissing: 'Xác thực không thành công: thiếu wsse:Security/wsse:UsernameToken trong soap:Header',
  authDigest: 'Xác thực không thành công: PasswordDigest không được hỗ trợ, dùng PasswordText',
  busy: 'Hệ thống đang bận, vui lòng gửi lại sau',
} as const;

/** `MaKetQua` of the callback answer for a dossier the gateway does not know (as `TraCuuHoSo` says "not found"). */
export const MA_KET_QUA_UNKNOWN_DOSSIER = 4;
