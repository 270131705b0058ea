import { CHILD_CARD } from './protocol.js';
import type { NopHoSoRequest } from './payload-schema.js';
import type { PersonRegistry } from './person-registry.js';
import {
  anniversary,
  collapse,
  compareDates,
  localDate,
  parseXsDate,
  parseXsDateTime,
} from './xsd-values.js';

/**
 * Business validation of a schema-valid `NopHoSo` (§2.2, `MaKetQua` 2), in the order the spec lists
 * the rules. Returns the `MoTa` (starting with the element concerned) or undefined when valid.
 *
 * @remarks Ambiguity resolved: for `CAP_THE_BHYT_TRE_EM` a `NgaySinh` after the submission date is
 * also refused (a real register would not accept an unborn child); "six years old or older" is
 * computed on local (UTC+7) calendar dates, the sixth birthday itself counting as six.
 */
export function checkNopHoSo(
  req: NopHoSoRequest,
  persons: PersonRegistry,
  nowMs: number,
): string | undefined {
  const child = req.LoaiHoSo === CHILD_CARD;
  if (!child && req.MaSoBHXH === '') return `MaSoBHXH: bắt buộc với loại hồ sơ ${req.LoaiHoSo}`;
  if (child && req.MaSoBHXH !== '') return `MaSoBHXH: phải để trống với loại hồ sơ ${CHILD_CARD}`;

  const birth = parseXsDate(req.NgaySinh);
  if (!birth) return 'NgaySinh: không hợp lệ';
  if (child) {
    const today = localDate(nowMs);
    if (compareDates(birth, today) > 0) return 'NgaySinh: ngày sinh sau ngày nộp hồ sơ';
    if (compareDates(today, anniversary(birth, 6)) >= 0)
      return `NgaySinh: trẻ em đã đủ 6 tuổi, không thuộc đối tượng của loại hồ sơ ${CHILD_CARD}`;
  } else {
    let person = persons.get(req.MaSoBHXH);
    if (!person && persons.autoRegister) {
      persons.register({
        maSoBHXH: req.MaSoBHXH,
        hoTen: req.HoTen,
        ngaySinh: collapse(req.NgaySinh),
        soCCCD: req.SoCCCD,
      });
      person = persons.get(req.MaSoBHXH);
    }
    if (!person) return `MaSoBHXH: không tồn tại người tham gia có mã số BHXH ${req.MaSoBHXH}`;
    const mismatch = (el: string) =>
      `${el}: không khớp với thông tin của người có mã số BHXH ${req.MaSoBHXH}`;
    if (req.HoTen !== person.hoTen) return mismatch('HoTen');
    if (collapse(req.NgaySinh) !== person.ngaySinh) return mismatch('NgaySinh');
    if (req.SoCCCD !== person.soCCCD) return mismatch('SoCCCD');
  }

  const henTra = parseXsDateTime(req.NgayHenTra);
  if (!henTra.ok || henTra.epochMs < nowMs) return 'NgayHenTra: sớm hơn thời điểm nộp hồ sơ';
  return undefined;
}
