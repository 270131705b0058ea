/** Tax type codes (tax.md §2.2). */
export const LOAI_THUE_CODES = ['TNCN', 'LPTB', 'TSDD', 'TTD', 'SDDPNN'] as const;
export type LoaiThue = (typeof LOAI_THUE_CODES)[number];

export interface TaxSimulatorOptions {
  /** Shared key checked on `SecurityKey` and sent on every push (tax.md §2). Default: the spec's example key. */
  securityKey?: string;
  /** Key sent on pushes when it must differ from `securityKey` (to test a receiver's 401). */
  pushSecurityKey?: string;
  /** Sender unit codes registered with the tax authority (`MA_DVI_GUI`). Default `['H40.22']`. */
  unitCodes?: string[];
  /** `URL_THONG_BAO_THUE`: where tax notices (XML) are pushed. */
  noticeUrl?: string;
  /** `URL_XAC_NHAN_NOP_THUE`: where payment confirmations (JSON) are pushed. */
  paymentUrl?: string;
  /** Seeds the fault and duplicate randomness. Default 1. */
  seed?: number;
  /** Interval between push attempts. Spec: 60 000 ms (default). */
  retryIntervalMs?: number;
  /** Push attempts in total. Spec: 11 (1 + 10 retries, default). */
  maxAttempts?: number;
  /** A push without a complete answer within this time is retried. Spec: 30 000 ms (default). */
  pushTimeoutMs?: number;
  /** Clock used for NGAY_GUI, NGAY_QUYET_DINH, ThoiGianThanhToan and generated numbers. */
  now?: () => Date;
  /** First number of the generated sequences (MA_GDICH, SO_QUYET_DINH, receipts). Default 1. */
  sequenceStart?: number;
  /** Base of `UrlFileChungTu`. Default: this simulator's own base URL once started. */
  receiptBaseUrl?: string;
}

/** One transfer form accepted by the tax authority = one tax record (tax.md §3.2). */
export interface TaxRecord {
  /** 1-based creation order. */
  id: number;
  MA_GDICH: string;
  NGAY_GUI: string;
  MA_DVI_GUI: string;
  MA_HSO: string;
  /** Optional elements are omitted when the form had no value (absent or empty). */
  MA_SO_THUE?: string;
  HO_TEN: string;
  SO_GIAY_TO: string;
  LOAI_THUE: LoaiThue;
  DIA_CHI?: string;
  GIA_TRI_KE_KHAI?: string;
  /** The body as received (decoded UTF-8, byte-identical to the request). */
  rawXml: string;
  receivedAt: string;
}

/** One tax notice row as pushed (tax.md §4.3). */
export interface NoticeRow {
  MA_HSO: string;
  MA_SO_THUE: string;
  SO_QUYET_DINH: string;
  NGAY_QUYET_DINH: string;
  SO_TIEN: string;
  TEN_TIEUMUC: string;
}

/** Input of `issueNotices`: anything left out is filled from the held record and the clock. */
export interface NoticeRowInput {
  MA_HSO: string;
  MA_SO_THUE?: string;
  SO_QUYET_DINH?: string;
  NGAY_QUYET_DINH?: string;
  /** Whole VND; digits-only string or integer. */
  SO_TIEN: string | number;
  TEN_TIEUMUC?: string;
}

export interface IssueNoticesOptions {
  /** Reuse this MA_GDICH (simulates a repeat); default: a fresh `TCT-TB-yyyyMMdd-NNNNNN`. */
  maGdich?: string;
  /** Skip the §4.3 checks, to push a message a receiver must reject with 01. */
  unchecked?: boolean;
}

/** A notice the tax authority issued, with its payment state. */
export interface IssuedNotice extends NoticeRow {
  /** MA_GDICH of the one message carrying it. */
  maGdich: string;
  /** Last TrangThaiThanhToan pushed for it, if any. */
  trangThaiThanhToan?: 0 | 1;
}

export interface PaymentOptions {
  /** 1 = paid (default); 0 = the treasury rejected the payment reported by the bank. */
  trangThaiThanhToan?: 0 | 1;
}

/** Body of the payment confirmation push (tax.md §4.4). */
export interface PaymentConfirmation {
  MaHoSo: string;
  MaSoThue: string;
  ThongTinThanhToan: {
    SoTien: number;
    ThoiGianThanhToan: string;
    MaThongBaoThue: string;
    TrangThaiThanhToan: 0 | 1;
  };
  UrlFileChungTu: string;
}

export type PushKind = 'notice' | 'payment';

/** pending → delivered (2xx + 00) | rejected (2xx + 01, not resent) | given-up (attempts exhausted). */
export type PushOutcome = 'pending' | 'delivered' | 'rejected' | 'given-up';

/** One HTTP attempt of a push and what the receiver answered. */
export interface PushAttempt {
  /** Order of this attempt among all push attempts of the simulator (1-based). */
  seq: number;
  at: string;
  /** HTTP status, absent on a connection error or timeout. */
  status?: number;
  /** MA_LOI parsed from the answer's KQ envelope, absent when unparseable. */
  maLoi?: string;
  moTa?: string;
  error?: string;
  /** Sent on purpose after delivery (duplicate fault). */
  duplicate: boolean;
}

/** One pushed message (a repeat is a new push carrying the same bytes). */
export interface PushRecord {
  id: number;
  kind: PushKind;
  url: string;
  contentType: string;
  /** Exact body sent on every attempt. */
  body: string;
  /** MA_GDICH for notices; '' for payment confirmations. */
  maGdich: string;
  maHoSo: string[];
  soQuyetDinh: string[];
  /** Id of the push this one repeats byte-identically. */
  repeatOf?: number;
  outcome: PushOutcome;
  attempts: PushAttempt[];
}

/** Tax-specific fault switches (the FaultInjector covers transport faults). */
export interface TaxFaults {
  /** Answer every transfer form with MA_LOI 99 (nothing created) while true. */
  busy: boolean;
  /** Answer the next N transfer forms with MA_LOI 99. */
  busyNext: number;
}

export interface TaxCounters {
  /** Tax records held (all dossiers). */
  records: number;
  /** Requests that reached `POST /api/thue/phieuchuyen` (including faulted ones). */
  phieuchuyenCalls: number;
  /** Forms that created a record. */
  accepted: number;
  /** Forms answered as a repeat of an accepted MA_GDICH. */
  duplicates: number;
  invalid: number;
  unauthorized: number;
  busy: number;
  /** Messages handed to delivery (repeats included). */
  pushesSent: number;
  /** HTTP attempts made for pushes (retries and duplicates included). */
  pushAttempts: number;
  pushesDelivered: number;
  pushesRejected: number;
  pushesGivenUp: number;
  pushesPending: number;
  /** Extra deliveries sent by the duplicate fault. */
  duplicatesSent: number;
}
