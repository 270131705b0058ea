import type { FaultSettings } from '../fault-injector.js';

/** Module of a registration dossier: `KS` birth (khai sinh), `KT` death (khai tử). */
export type Module = 'KS' | 'KT';

/** `trangThai` (civil-registration.md §4.2): 1 received, 2 processing, 3 supplement, 4 registered, 5 refused. */
export type TrangThai = 1 | 2 | 3 | 4 | 5;

/** A client of the registry (issued at onboarding). */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface CivilRegistrationSimulatorOptions {
  /** Default `motcua_h40` (the spec's example). */
  clientId?: string;
  /** Default `Example-Secret-H40` (the spec's example). */
  clientSecret?: string;
  /** Further clients, e.g. to test that dossiers of another client are invisible. */
  clients?: readonly ClientCredentials[];
  /** Token lifetime in seconds (default 300); fractions allowed for fast tests, `expires_in` is rounded up. */
  tokenLifetimeSeconds?: number;
  /** Requests per second per client_id over all `/api/hotich/*` (default 10); 0 disables the limit. */
  rateLimitPerSecond?: number;
  /** Seeds tokens, assigned identification numbers and random faults (default 1). */
  seed?: number;
  /** Wall clock for `ngayCapNhat`, numbering and token expiry (default: real time). */
  clock?: () => Date;
  /** Initial generic fault settings. */
  faults?: Partial<FaultSettings>;
  /** Initial protocol fault settings. */
  civilFaults?: Partial<CivilFaultSettings>;
}

/** Protocol-specific fault switches (the generic ones live in `FaultInjector`). */
export interface CivilFaultSettings {
  /** The next N `NhanDKHT` calls answer `maLoi` 9 (busy) without applying anything. */
  busyNext: number;
  /** The next N `LayKetQua` calls answer `maLoi` 9. */
  busyLookupNext: number;
  /** Share (0..1) of all `/api/hotich/*` calls answered `maLoi` 9 (seeded). */
  busyRate: number;
  /** Every `/api/hotich/*` call answers `maLoi` 9 while true. */
  busy: boolean;
  /** Requests per second per client_id; 0 disables the limit. */
  rateLimitPerSecond: number;
  /** Lifetime of tokens issued from now on, in seconds. */
  tokenLifetimeSeconds: number;
}

/** Text fields of a received `<hoTich>`, stored exactly as received (absent optional elements omitted). */
export interface PersonFields {
  [field: string]: string;
}

export interface DossierContent {
  module: Module;
  maHoSo: string;
  maDonVi: string;
  ngayTiepNhan: string;
  nguoiDuocKhaiSinh?: PersonFields;
  me?: PersonFields;
  cha?: PersonFields;
  nguoiChet?: PersonFields;
  nguoiYeuCau: PersonFields;
}

/** One civil registration dossier held by the simulated system. */
export interface DossierRecord {
  clientId: string;
  maHoSo: string;
  module: Module;
  soHoSoHoTich: string;
  trangThai: TrangThai;
  /** Epoch ms of the last status change (second precision). */
  updatedAt: number;
  /** `dd/MM/yyyy HH:mm:ss` local, as answered by `LayKetQua`. */
  ngayCapNhat: string;
  soDangKy: string;
  soDinhDanh: string;
  ghiChu: string;
  /** Every state the dossier went through, oldest first (the API only shows the current one). */
  history: { trangThai: TrangThai; ngayCapNhat: string }[];
  content: DossierContent;
  /** The request body exactly as received (decoded UTF-8). */
  xml: string;
  /** Whether every text of the request was already Unicode NFC (the sender's duty, README §2). */
  isNfc: boolean;
}

/** Extra data for a status change made by the test (control action). */
export interface StatusExtra {
  /** Time of the change: a Date, or `dd/MM/yyyy HH:mm:ss` local; default: the clock. */
  at?: Date | string;
  ghiChu?: string;
  soDangKy?: string;
  soDinhDanh?: string;
  /** Which client's dossier, when several clients submitted the same `maHoSo`. */
  clientId?: string;
}

export interface CivilCounters {
  /** HTTP requests to `POST /oauth/token`, whatever the outcome. */
  tokenRequests: number;
  /** Tokens issued (HTTP 200). */
  tokensIssued: number;
  /** HTTP requests to `POST /api/hotich/NhanDKHT`, whatever the outcome (faults, 401, 429 included). */
  nhanDKHTCalls: number;
  /** `NhanDKHT` answers by `maLoi`. */
  nhanDKHTResults: Record<'0' | '1' | '2' | '9', number>;
  /** HTTP requests to `GET /api/hotich/LayKetQua`, both forms, whatever the outcome. */
  layKetQuaCalls: number;
  /** `LayKetQua?maHoSo=` requests answered by the API (any `maLoi`). */
  layKetQuaSingle: number;
  /** `LayKetQua?tuNgay=&denNgay=` requests answered by the API (any `maLoi`). */
  layKetQuaWindow: number;
  /** HTTP 401 `invalid_token` answers. */
  unauthorized: number;
  /** HTTP 429 answers (per-client limit and injected `rateLimitNext`). */
  rateLimited: number;
  /** Dossiers held. */
  records: number;
}
