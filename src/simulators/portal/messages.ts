import type { RuleViolation } from '../../domain/dossier-rules.js';

/**
 * The portal's answer texts (Vietnamese, as in the examples of portal.md §5). Texts not shown in
 * the spec are written in the same style: `<field path>: <reason>` for `error_code` "2".
 */
export const MSG = {
  loginOk: 'Đăng nhập thành công',
  loginFailed: 'Tên đăng nhập hoặc mật khẩu không đúng',
  sessionInvalid: 'Phiên làm việc không hợp lệ hoặc đã hết hạn',
  badJson: 'body: JSON không hợp lệ',
  notAnObject: 'body: nội dung phải là một đối tượng JSON',
  dongBoOk: 'Đồng bộ hồ sơ thành công',
  tienDoOk: (n: number) => `Cập nhật tiến độ thành công (${n} dòng)`,
  traCuuOk: 'Thành công',
  exists: (maHoSo: string) => `Hồ sơ ${maHoSo} đã tồn tại`,
  notFound: (maHoSo: string) => `Không tìm thấy hồ sơ ${maHoSo}`,
  rowNotFound: (path: string, maHoSo: string) => `${path}: không tìm thấy hồ sơ ${maHoSo}`,
  terminal: (path: string, maHoSo: string, from: string, to: string) =>
    `${path}: hồ sơ ${maHoSo} đang ở trạng thái kết thúc ${from}, không thể chuyển sang ${to}`,
  required: 'bắt buộc',
  unitRequired: 'madonvi: bắt buộc',
  unitForbidden: (unit: string) => `madonvi: tài khoản không được phép cập nhật cho đơn vị ${unit}`,
  otherUnit: (maHoSo: string) =>
    `data[0].MaHoSo: hồ sơ ${maHoSo} thuộc đơn vị mà tài khoản không được phép cập nhật`,
  serviceInvalid: 'service: dịch vụ không hợp lệ, cho phép DongBoHoSoMC, CapNhatTienDoHoSoMC, TraCuuHoSo',
  isUpdatingInvalid: 'isUpdating: giá trị phải là "True" hoặc "False"',
  dataNotArray: 'data: bắt buộc, phải là mảng',
  dataOneRecord: 'data: phải có đúng 1 hồ sơ',
  dataRows: 'data: phải có từ 1 đến 10 dòng',
  mahosoRequired: 'mahoso: bắt buộc',
  itemNotObject: 'phải là một đối tượng JSON',
  dateTime: 'sai định dạng, yêu cầu yyyyMMddHHmmss',
  date: 'sai định dạng, yêu cầu yyyyMMdd000000',
} as const;

/** Vietnamese reason for a violation of §3.5 (R1–R9) or of the field details of §3.1–§3.4 (F1–F3). */
export function ruleReason(v: RuleViolation): string {
  switch (v.rule) {
    case 'R1':
      return 'bắt buộc khi TrangThaiHoSo khác 1 (R1)';
    case 'R2':
      return 'bắt buộc khi TrangThaiHoSo khác 1 và 3 (R2)';
    case 'R3':
      return 'bắt buộc khi TrangThaiHoSo là 3 (R3)';
    case 'R4':
      return 'bắt buộc khi TrangThaiHoSo là 9 hoặc 10 (R4)';
    case 'R5':
      return 'bắt buộc khi TrangThaiHoSo là 10 (R5)';
    case 'R6':
      return 'phải có ít nhất một yêu cầu bổ sung khi TrangThaiHoSo là 5 (R6)';
    case 'R7':
      return v.path === '/NgayTiepNhan'
        ? 'không được trước NgayNopHoSo (R7)'
        : 'không được trước NgayTiepNhan (R7)';
    case 'R8':
      return 'phải có ít nhất một định danh khi LoaiDoiTuong là 1 (R8)';
    case 'R9':
      return 'phải bằng NgayHenTraMoi của phiếu xin lỗi cuối cùng trong DanhSachXinLoi (R9)';
    case 'F1':
      return MSG.dateTime;
    case 'F2':
      return 'MaHoSoBoSung bị trùng trong hồ sơ';
    case 'F3':
      return 'phải sau NgayHenTraTruoc';
    default:
      return v.message;
  }
}

/** `/DinhDanhCHS/0/SoDinhDanh` → `.DinhDanhCHS[0].SoDinhDanh` (appended to `data[i]`). */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
    .join('');
}
