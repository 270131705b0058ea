import type { DossierRecord, HoSoBoSung } from './dossier.js';
import { canTransition, isStatus, type TrangThaiHoSo } from './status-machine.js';

interface ExistingState {
  record: DossierRecord;
  portalRecord: DossierRecord;
  status: TrangThaiHoSo;
}

/**
 * Combines a new version pushed by the portal with what the gateway already wrote to the record.
 *
 * @remarks `DongBoHoSoMC` replaces the portal's whole record (portal.md §5.4), so the record the
 * gateway sends must carry both what the portal pushed (the applicant's data, NgayTiepNhanBoSung,
 * NgayTra…) and what the gateway wrote (supplement requests, results, apology letters). The portal
 * owns its fields; the gateway keeps its entries when a push lacks them (a push built before the
 * gateway's last write). A status change made at the portal (supplement handed in, result handed
 * over, withdrawal) is taken when the state machine allows it.
 */
export function mergePortalVersion(
  existing: ExistingState | null,
  pushed: DossierRecord,
): { merged: DossierRecord; status: TrangThaiHoSo } {
  const pushedStatus = isStatus(pushed.TrangThaiHoSo) ? pushed.TrangThaiHoSo : '2';
  if (!existing) return { merged: structuredClone(pushed), status: pushedStatus };
  const merged: DossierRecord = structuredClone(pushed);
  const ours = existing.record;

  const pushedBs = new Map((pushed.DanhSachHoSoBoSung ?? []).map((e) => [e.MaHoSoBoSung, e]));
  const bs: HoSoBoSung[] = [];
  for (const e of ours.DanhSachHoSoBoSung ?? []) {
    const p = pushedBs.get(e.MaHoSoBoSung);
    bs.push(p ? { ...e, ...p } : e);
    pushedBs.delete(e.MaHoSoBoSung);
  }
  bs.push(...pushedBs.values());
  merged.DanhSachHoSoBoSung = bs;

  if ((pushed.DanhSachGiayToKetQua ?? []).length === 0 && (ours.DanhSachGiayToKetQua ?? []).length > 0) {
    merged.DanhSachGiayToKetQua = ours.DanhSachGiayToKetQua;
  }
  if (!pushed.NgayKetThucXuLy && ours.NgayKetThucXuLy) merged.NgayKetThucXuLy = ours.NgayKetThucXuLy;
  if ((pushed.DanhSachXinLoi ?? []).length < (ours.DanhSachXinLoi ?? []).length) {
    merged.DanhSachXinLoi = ours.DanhSachXinLoi;
    merged.NgayHenTra = ours.NgayHenTra;
  }

  let status = existing.status;
  const portalChanged = pushedStatus !== existing.portalRecord.TrangThaiHoSo;
  if (portalChanged && canTransition(existing.status, pushedStatus)) status = pushedStatus;
  merged.TrangThaiHoSo = status;
  return { merged, status };
}
