import { LandSimulator, type LandSimulatorOptions } from './land-simulator.js';

export { LandSimulator } from './land-simulator.js';
export type {
  DeliveryAttempt,
  LandCounters,
  LandEvent,
  LandFaultPatch,
  LandFaultSettings,
  LandFaultState,
  LandSimState,
  LandSimulatorOptions,
  LandTarget,
} from './land-simulator.js';
export type {
  CallbackOperation,
  ChuyenHoSoFields,
  GiayToKetQua,
  KetThucHoSoFields,
  LandAction,
  LandCallbackBody,
  ThongBaoThue,
  ThongBaoThueInput,
  YeuCauBoSungFields,
} from './callback-events.js';
export { CALLBACK_OPERATIONS, LandSimError, TAX_TYPES } from './callback-events.js';
export type { AttachmentDownload, LandDossier, StatusChange } from './dossier-store.js';
export { LandStatus, landStatusName, landStatusToNational, type LandStatusCode } from './land-status.js';
export type { BoSungRequest, TiepNhanRequest, TraKetQuaRequest } from './request-validation.js';
export { formatUtc, parseUtc } from './utc-time.js';

/** Creates the land registry (VBDLIS) simulator; call `start()` to listen on 127.0.0.1. */
export function createLandSimulator(options: LandSimulatorOptions = {}): LandSimulator {
  return new LandSimulator(options);
}
