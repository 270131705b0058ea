/** Land status codes `TrangThai` (land.md §4.1). */
export const LandStatus = {
  MoiTiepNhan: 1,
  DangXuLy: 2,
  ChoBoSung: 3,
  ChoNghiaVuTaiChinh: 4,
  DaCoKetQua: 5,
  TraLaiKhongCoKetQua: 6,
  DaRutHoSo: 7,
  DaTraKetQua: 8,
} as const;

export type LandStatusCode = (typeof LandStatus)[keyof typeof LandStatus];

export const landStatusName: Record<LandStatusCode, string> = {
  1: 'Mới tiếp nhận',
  2: 'Đang xử lý',
  3: 'Chờ bổ sung',
  4: 'Chờ thực hiện nghĩa vụ tài chính',
  5: 'Đã có kết quả',
  6: 'Trả lại không có kết quả',
  7: 'Đã rút hồ sơ',
  8: 'Đã trả kết quả',
};

/** DVCQG `TrangThaiHoSo` that each land status corresponds to (land.md §4.1). */
export const landStatusToNational: Record<LandStatusCode, number> = {
  1: 4,
  2: 4,
  3: 5,
  4: 6,
  5: 9,
  6: 8,
  7: 7,
  8: 10,
};

/** Statuses in which the land office no longer processes the dossier (it ended or was handed over). */
export function isEnded(status: LandStatusCode): boolean {
  return status >= LandStatus.DaCoKetQua;
}
