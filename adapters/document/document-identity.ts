import { createHash } from 'node:crypto';
import type { DocumentOperation } from './mapping.js';
import { isoDateToDocumentIdDate } from './edxml-time.js';

/** The parts of a document's identity on the axis (§3.1): `DocumentId` and what it is made of. */
export interface DocumentIdentity {
  CodeNumber: string;
  CodeNotation: string;
  /** `{CodeNumber}/{CodeNotation}`: the document's number as statuses quote it (`ResponseFor/Code`). */
  Code: string;
  /** `yyyy-MM-dd`. */
  PromulgationDate: string;
  /** `{From/OrganId},{PromulgationDate as yyyy/MM/dd},{CodeNumber}/{CodeNotation}`. */
  DocumentId: string;
}

const MA_HO_SO = /^[A-Za-z0-9.-]{1,50}$/;

/**
 * `CodeNumber`: ten digits of a hash of the delivery id, so the same delivery (the same intent for
 * the same dossier) always carries the same `DocumentId` and the axis answers `DUPLICATE` to a
 * resend, whatever attempt, worker or day it comes from; another intent gets another number.
 */
export function codeNumberFor(deliveryId: string): string {
  const digest = createHash('sha256').update(deliveryId, 'utf8').digest();
  return (digest.readBigUInt64BE(0) % 10_000_000_000n).toString().padStart(10, '0');
}

/**
 * Derives the identity of a document. `CodeNotation` is `{prefix}-{MaHoSo}`: statuses (§5.2) carry
 * only `ResponseFor/Code` and `DocumentId`, never `Subject` or `Content`, so the dossier code and the
 * kind of document (dossier document or apology letter) travel in the notation, which has room for
 * them (1..100 characters without `/` or `,`; a MaHoSo is `[A-Za-z0-9.-]{1,50}`).
 */
export function deriveIdentity(input: {
  deliveryId: string;
  organId: string;
  maHoSo: string;
  promulgationDate: string;
  prefix: string;
}): DocumentIdentity {
  const CodeNumber = codeNumberFor(input.deliveryId);
  const CodeNotation = `${input.prefix}-${input.maHoSo}`;
  const Code = `${CodeNumber}/${CodeNotation}`;
  return {
    CodeNumber,
    CodeNotation,
    Code,
    PromulgationDate: input.promulgationDate,
    DocumentId: `${input.organId},${isoDateToDocumentIdDate(input.promulgationDate)},${Code}`,
  };
}

/**
 * The dossier and operation a status is about, read back from `ResponseFor/Code` (the inverse of
 * {@link deriveIdentity}); undefined for a document this adapter did not number.
 */
export function recoverFromCode(
  code: string,
  prefixes: ReadonlyArray<{ operation: DocumentOperation; prefix: string }>,
): { operation: DocumentOperation; maHoSo: string } | undefined {
  const slash = code.indexOf('/');
  if (slash <= 0 || !/^\d{10}$/.test(code.slice(0, slash))) return undefined;
  const notation = code.slice(slash + 1);
  // Longest prefix first, so that a prefix that begins another one cannot capture its documents.
  const ordered = [...prefixes].sort((a, b) => b.prefix.length - a.prefix.length);
  for (const { operation, prefix } of ordered) {
    if (!notation.startsWith(`${prefix}-`)) continue;
    const maHoSo = notation.slice(prefix.length + 1);
    return MA_HO_SO.test(maHoSo) ? { operation, maHoSo } : undefined;
  }
  return undefined;
}
