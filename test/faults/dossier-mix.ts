import type { DossierRecord } from '../../src/domain/dossier.js';
import type { SystemId } from '../../src/domain/system-event.js';
import type { World } from '../../src/simulators/world.js';
import {
  birthDossier,
  birthWithCardDossier,
  deathDossier,
  documentDossier,
  funeralOnlyDossier,
  landDossier,
  taxOnlyDossier,
} from '../helpers/dossiers.js';

/** Every route of `mappings/routes.json`, and the land transfer with all three of its systems. */
export const KINDS = [
  'land-transfer',
  'land-transfer-document',
  'land-first',
  'birth',
  'birth-card',
  'death',
  'tax-only',
  'funeral',
  'building-permit',
] as const;
export type Kind = (typeof KINDS)[number];

export interface MixDossier {
  MaHoSo: string;
  kind: Kind;
  systems: SystemId[];
  record: DossierRecord;
  /** How many of its system actions the driver has done (each kind has its own list of steps). */
  step: number;
}

function build(kind: Kind, M: string): { record: DossierRecord; systems: SystemId[] } {
  switch (kind) {
    case 'land-transfer':
      return { record: landDossier(M), systems: ['land', 'tax'] };
    case 'land-transfer-document': {
      const d = landDossier(M);
      d.VanBan = {
        TrichYeu: `Văn bản chuyển hồ sơ chuyển nhượng quyền sử dụng đất thửa số 125 (hồ sơ ${M})`,
        NoiNhan: [{ MaDonVi: '000.12.12.H40', TenDonVi: 'Văn phòng đăng ký đất đai tỉnh Nghệ An' }],
      };
      return { record: d, systems: ['land', 'tax', 'document'] };
    }
    case 'land-first': {
      const d = landDossier(M);
      d.MaTTHC = '1.003003';
      d.TenTTHC = 'Đăng ký đất đai, tài sản gắn liền với đất lần đầu';
      return { record: d, systems: ['land'] };
    }
    case 'birth':
      return { record: birthDossier(M), systems: ['civil-registration'] };
    case 'birth-card':
      return { record: birthWithCardDossier(M), systems: ['civil-registration', 'social-insurance'] };
    case 'death':
      return { record: deathDossier(M), systems: ['civil-registration', 'social-insurance'] };
    case 'tax-only':
      return { record: taxOnlyDossier(M), systems: ['tax'] };
    case 'funeral':
      return { record: funeralOnlyDossier(M), systems: ['social-insurance'] };
    case 'building-permit':
      return { record: documentDossier(M), systems: ['document'] };
  }
}

/** `perKind` dossiers of each kind, interleaved, with codes unique to this run. */
export function buildMix(perKind: number, runTag: string): MixDossier[] {
  const out: MixDossier[] = [];
  for (let i = 0; i < perKind; i += 1) {
    for (const kind of KINDS) {
      const M = `H40.22-${runTag}-${String(out.length + 1).padStart(5, '0')}`;
      out.push({ MaHoSo: M, kind, step: 0, ...build(kind, M) });
    }
  }
  return out;
}

/** The portal status each kind ends in once its systems have acted (a tax-only dossier has no end: 4 once paid). */
export function isFinal(d: MixDossier, world: World): boolean {
  const statuses = world.portal.statuses(d.MaHoSo);
  const now = statuses[statuses.length - 1];
  if (d.kind === 'tax-only') return now === '4' && statuses.includes('6') && d.step >= 2;
  return now === '9';
}

export function entriesIn(world: World, system: SystemId, M: string): number {
  switch (system) {
    case 'land':
      return world.land.entries(M);
    case 'civil-registration':
      return world.civil!.entries(M);
    case 'tax':
      return world.tax!.entries(M);
    case 'social-insurance':
      return world.bhxh!.entries(M);
    case 'document':
      return world.doc!.entries(M, 'dossier');
  }
}

const entered = (world: World, d: MixDossier, ...systems: SystemId[]): boolean =>
  systems.every((s) => entriesIn(world, s, d.MaHoSo) >= 1);

/**
 * The specialist offices at work: each call does the next step of one dossier when the system
 * holding it can (the dossier is entered there), and says whether it did something.
 *
 * @remarks Steps are those of a real office, in its order: the land office moves the file on,
 * the tax authority issues notices and later confirms them paid (sometimes the land office reports
 * the same notices too), the land office ends processing; civil registration registers; BHXH
 * processes then approves; the document management system signs (status 06).
 */
export function act(world: World, d: MixDossier, seq: number): boolean {
  const M = d.MaHoSo;
  const { land, civil, tax, bhxh, doc } = world;
  switch (d.kind) {
    case 'land-transfer':
    case 'land-transfer-document': {
      if (d.step === 0) {
        if (!entered(world, d, ...d.systems)) return false;
        land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
        const notices = tax!.issueNoticesFor(M, 2);
        // Every third dossier: the land registry reports the same notices too (tax.md §4.1).
        if (seq % 3 === 0)
          land.sendTaxResult(
            M,
            notices.soQuyetDinh.map((n) => ({ SoThongBaoThue: n, LoaiThue: 'LPTB', SoTien: 1000 })),
          );
      } else if (d.step === 1) {
        tax!.confirmPayment(M, 'all');
        land.finish(M, { TrangThaiKetThuc: 0 });
      } else return false;
      break;
    }
    case 'land-first':
      if (d.step > 0 || !entered(world, d, 'land')) return false;
      // One batch of two events: with the reorder fault on, the end arrives before the transfer.
      land.act(M, [
        { Operation: 'ChuyenHoSo', NguoiXuLy: 'Lê Văn Bình' },
        { Operation: 'KetThucHoSo', TrangThaiKetThuc: 0 },
      ]);
      break;
    case 'birth':
      if (d.step === 0 && entered(world, d, 'civil-registration')) civil!.setStatus(M, 2);
      else if (d.step === 1) civil!.setStatus(M, 4);
      else return false;
      break;
    case 'birth-card':
      if (d.step === 0 && entered(world, d, 'civil-registration')) civil!.setStatus(M, 4);
      else if (d.step === 1 && entered(world, d, 'social-insurance'))
        bhxh!.emitBatch(M, [{ trangThai: 2 }, { trangThai: 4 }]);
      else return false;
      break;
    case 'death':
      if (d.step > 0 || !entered(world, d, ...d.systems)) return false;
      civil!.setStatus(M, 4);
      bhxh!.emitBatch(M, [{ trangThai: 2 }, { trangThai: 4 }]);
      break;
    case 'tax-only':
      if (d.step === 0 && entered(world, d, 'tax')) tax!.issueNoticesFor(M, 2);
      else if (d.step === 1) tax!.confirmPayment(M, 'all');
      else return false;
      break;
    case 'funeral':
      if (d.step > 0 || !entered(world, d, 'social-insurance')) return false;
      bhxh!.emitBatch(M, [{ trangThai: 2 }, { trangThai: 4 }]);
      break;
    case 'building-permit':
      if (d.step > 0 || !entered(world, d, 'document')) return false;
      doc!.setStatuses(M, [{ StatusCode: '03' }, { StatusCode: '06' }]);
      break;
  }
  d.step += 1;
  return true;
}

/** Steps each kind has in {@link act}. */
export function stepsOf(kind: Kind): number {
  switch (kind) {
    case 'land-transfer':
    case 'land-transfer-document':
    case 'birth':
    case 'birth-card':
    case 'tax-only':
      return 2;
    default:
      return 1;
  }
}
