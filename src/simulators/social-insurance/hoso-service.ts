import { checkNopHoSo } from './business-rules.js';
import type { Clock } from './clock.js';
import type { DossierRecord, DossierStore, StatusEvent } from './dossier-store.js';
import type { NopHoSoRequest, TraCuuHoSoRequest } from './payload-schema.js';
import type { PersonRegistry } from './person-registry.js';
import { MESSAGES } from './protocol.js';
import { responseEnvelope } from './xml-writer.js';

export interface NopHoSoOutcome {
  maKetQua: 0 | 1 | 2;
  xml: string;
  /** Events to send: the `TrangThai` 1 event when a dossier was created (§4.3), else none. */
  events: StatusEvent[];
  record?: DossierRecord;
}

export interface TraCuuHoSoOutcome {
  maKetQua: 0 | 4;
  xml: string;
}

/**
 * The behaviour of `HoSoBHXHService` on schema-valid, authenticated requests (§2, §3).
 */
export class HoSoService {
  constructor(
    private readonly store: DossierStore,
    private readonly persons: PersonRegistry,
    private readonly clock: Clock,
  ) {}

  /**
   * Idempotent on `MaHoSo`: an existing dossier answers `MaKetQua` 1 with its receipt number and the
   * request content is ignored — checked before the business rules, since nothing of the repeated
   * request is evaluated ("the content of this request is ignored").
   */
  nopHoSo(req: NopHoSoRequest, user: string): NopHoSoOutcome {
    const existing = this.store.get(req.MaHoSo);
    if (existing) {
      return {
        maKetQua: 1,
        events: [],
        record: existing,
        xml: responseEnvelope('NopHoSoResponse', [
          ['MaKetQua', 1],
          ['MoTa', MESSAGES.exists],
          ['SoBienNhanBHXH', existing.soBienNhanBHXH],
        ]),
      };
    }
    const now = this.clock.now();
    const invalid = checkNopHoSo(req, this.persons, now);
    if (invalid !== undefined) {
      return {
        maKetQua: 2,
        events: [],
        xml: responseEnvelope('NopHoSoResponse', [
          ['MaKetQua', 2],
          ['MoTa', invalid],
        ]),
      };
    }
    const { record, event } = this.store.create(req, user, now);
    return {
      maKetQua: 0,
      events: [event],
      record,
      xml: responseEnvelope('NopHoSoResponse', [
        ['MaKetQua', 0],
        ['MoTa', MESSAGES.accepted],
        ['SoBienNhanBHXH', record.soBienNhanBHXH],
      ]),
    };
  }

  /**
   * Ambiguity resolved: "not found (never submitted by this client)" — the simulator serves one
   * client account, so every stored dossier is visible to it.
   */
  traCuuHoSo(req: TraCuuHoSoRequest): TraCuuHoSoOutcome {
    const record = this.store.get(req.MaHoSo);
    if (!record) {
      return {
        maKetQua: 4,
        xml: responseEnvelope('TraCuuHoSoResponse', [
          ['MaKetQua', 4],
          ['MoTa', MESSAGES.notFound(req.MaHoSo)],
        ]),
      };
    }
    return {
      maKetQua: 0,
      xml: responseEnvelope('TraCuuHoSoResponse', [
        ['MaKetQua', 0],
        ['MoTa', MESSAGES.found],
        ['TrangThai', record.trangThai],
        ['SoBienNhanBHXH', record.soBienNhanBHXH],
        ['NgayCapNhat', record.ngayCapNhat],
        ['GhiChu', record.ghiChu],
      ]),
    };
  }
}
