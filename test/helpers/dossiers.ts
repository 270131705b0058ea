import type { DossierRecord } from '../../src/domain/dossier.js';
import { specExample } from './stack.js';

const feeds = {
  land: specExample<{ data: DossierRecord[] }>('portal/feed-land-tax.json').data[0]!,
  birth: specExample<{ data: DossierRecord[] }>('portal/feed-birth.json').data[0]!,
  death: specExample<{ data: DossierRecord[] }>('portal/feed-death-bhxh.json').data[0]!,
  document: specExample<{ data: DossierRecord[] }>('portal/feed-document.json').data[0]!,
};

/** The spec's land dossier (land + tax blocks, MaTTHC 1.004227) under a new code. */
export function landDossier(maHoSo: string): DossierRecord {
  return { ...structuredClone(feeds.land), MaHoSo: maHoSo };
}

/** Birth registration only (1.001193). */
export function birthDossier(maHoSo: string): DossierRecord {
  return { ...structuredClone(feeds.birth), MaHoSo: maHoSo };
}

/** Birth registration with a health-insurance card for the child (civil registration + BHXH, 2.001023). */
export function birthWithCardDossier(maHoSo: string): DossierRecord {
  const d = birthDossier(maHoSo);
  const child = d.HoTich!.NguoiDuocKhaiSinh!;
  d.MaTTHC = '2.001023';
  d.TenTTHC = 'Liên thông thủ tục đăng ký khai sinh, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi';
  d.BHXH = {
    MaSoBHXH: '',
    LoaiHoSo: 'CAP_THE_BHYT_TRE_EM',
    HoTen: child.HoTen,
    NgaySinh: child.NgaySinh,
    SoCCCD: '',
  };
  return d;
}

/** Death registration with the funeral allowance (civil registration + BHXH, 2.002510). */
export function deathDossier(maHoSo: string): DossierRecord {
  return { ...structuredClone(feeds.death), MaHoSo: maHoSo };
}

/** Funeral allowance alone (BHXH, 1.008123). */
export function funeralOnlyDossier(maHoSo: string): DossierRecord {
  const d = deathDossier(maHoSo);
  delete d.HoTich;
  d.MaTTHC = '1.008123';
  d.TenTTHC = 'Giải quyết hưởng trợ cấp mai táng';
  return d;
}

/** Registration fee declaration alone (tax, 1.005011). */
export function taxOnlyDossier(maHoSo: string): DossierRecord {
  const d = landDossier(maHoSo);
  delete d.ThongTinThuaDat;
  d.MaTTHC = '1.005011';
  d.TenTTHC = 'Khai lệ phí trước bạ nhà, đất';
  return d;
}

/** Building permit (document management, 1.009975). */
export function documentDossier(maHoSo: string): DossierRecord {
  return { ...structuredClone(feeds.document), MaHoSo: maHoSo };
}

let counter = 0;
/** A fresh dossier code that no other test uses. */
export function nextCode(tag: string): string {
  counter += 1;
  return `H40.22-${tag}-${String(process.pid % 10000).padStart(4, '0')}${String(counter).padStart(4, '0')}`.slice(
    0,
    50,
  );
}

/** True when a list of statuses never goes backwards in the DVCQG order the gateway allows. */
export function monotonic(statuses: string[]): boolean {
  const rank: Record<string, number> = {
    '1': 0,
    '2': 1,
    '4': 2,
    '5': 2,
    '6': 2,
    '9': 3,
    '3': 4,
    '7': 4,
    '8': 4,
    '10': 4,
  };
  for (let i = 1; i < statuses.length; i += 1) {
    if ((rank[statuses[i]!] ?? 0) < (rank[statuses[i - 1]!] ?? 0)) return false;
  }
  return true;
}
