import type { DossierRecordPortalMd3DongBoHoSoMCShape } from '../generated/dossier.js';

/**
 * One dossier record in the DongBoHoSoMC shape (portal.md §3), typed from `schemas/dossier.schema.json`.
 */
export type DossierRecord = DossierRecordPortalMd3DongBoHoSoMCShape;
export type { HoSoBoSung, GiayToKetQua, XinLoi, TaiLieu, ThongTinThuaDat } from '../generated/dossier.js';
