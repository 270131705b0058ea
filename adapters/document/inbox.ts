import type { PollBatch } from '../../src/adapters/adapter.js';
import { isStatus } from '../../src/domain/status-machine.js';
import type { ProgressRow, SystemEvent } from '../../src/domain/system-event.js';
import { applyMapping, MappingError } from '../../src/mapping/template.js';
import { recoverFromCode } from './document-identity.js';
import { DOCUMENT_OPERATIONS, type DocumentMappingFile, type DocumentOperation } from './mapping.js';
import { readStatus, StatusParseError, type StatusMessage } from './status-edxml.js';

/** An acknowledgement to send once the batch is stored (§5.4). */
export interface InboxAck {
  id: number;
  trangThai: 'DONE' | 'FAIL';
}

export interface InterpretedInbox {
  events: SystemEvent[];
  rejects: PollBatch['rejects'];
  acks: InboxAck[];
  /** Items acknowledged DONE without an event: codes outside §5.3, repeats of an item in the same page. */
  ignored: number;
}

export interface InboxContext {
  mapping: DocumentMappingFile;
  /** Open dossiers with the `docId` of their dossier document, for statuses this adapter did not number. */
  open: ReadonlyArray<{ MaHoSo: string; externalId?: string }>;
}

/** Raw text kept with a reject for the administrator, bounded. */
const MAX_RAW = 64 * 1024;

class Unusable extends Error {}

function rawOf(item: unknown): string | undefined {
  const noiDung = (item as { noiDung?: unknown } | null)?.noiDung;
  return typeof noiDung === 'string' ? noiDung.slice(0, MAX_RAW) : undefined;
}

/** Which dossier and which of our documents a status is about. */
function subject(
  status: StatusMessage,
  docId: string,
  ctx: InboxContext,
): { operation: DocumentOperation; maHoSo: string } {
  const prefixes = DOCUMENT_OPERATIONS.map((operation) => ({
    operation,
    prefix: ctx.mapping.documents[operation].identity.CodeNotationPrefix,
  }));
  const fromCode = recoverFromCode(status.ResponseFor.Code, prefixes);
  if (fromCode) return fromCode;
  // A document numbered otherwise (e.g. before this numbering existed) can still be the dossier
  // document the gateway sent: its docId is the dossier's externalId for this system.
  const open = ctx.open.find((o) => o.externalId !== undefined && o.externalId === docId);
  if (open) return { operation: 'guivanban', maHoSo: open.MaHoSo };
  throw new Unusable(
    `status about document ${status.ResponseFor.DocumentId} (docId ${docId}), which the gateway did not send`,
  );
}

function toProgress(p: Partial<ProgressRow>, fallback: string): NonNullable<SystemEvent['progress']> {
  return {
    NguoiXuLy: p.NguoiXuLy ?? '',
    ChucDanh: p.ChucDanh ?? '',
    PhongBanXuLy: p.PhongBanXuLy ?? '',
    NoiDungXuLy: (p.NoiDungXuLy ?? fallback).trim(),
    NgayKetThucTheoQuyDinh: p.NgayKetThucTheoQuyDinh ?? '',
  };
}

function toEvent(item: { id: number; docId: string }, status: StatusMessage, ctx: InboxContext): SystemEvent {
  const { operation, maHoSo } = subject(status, item.docId, ctx);
  const template = ctx.mapping.statuses[operation];
  const code = status.StatusCode;
  const source = {
    ...status,
    SoVanBan: status.ResponseFor.Code,
    DocumentId: status.ResponseFor.DocumentId,
    docId: item.docId,
    inboxId: item.id,
    NgayHenTraMoi: status.NgayHenTraMoi ?? '',
  };
  const name = ctx.mapping.statuses.names[code] ?? '';
  // Facts first: a missing fact is the reason to give, before any text that would quote it.
  const facts = applyMapping(template.facts, source) as Record<string, unknown> | null;
  if (facts) {
    for (const [key, value] of Object.entries(facts)) {
      if (typeof value !== 'string' || value === '') {
        throw new Unusable(`StatusCode ${code} of ${operation} must carry ${key} (Status/Description)`);
      }
    }
  }
  const progress = applyMapping(template.progress, source) as Partial<ProgressRow> | null;
  const data = applyMapping(template.data, source) as Record<string, unknown> | null;
  const event: SystemEvent = {
    system: 'document',
    // The status itself, not the inbox item: a recipient that resends a status produces a second
    // item with another id (§5.1 "Repeats"), which must not become a second event.
    eventId: `${status.ResponseFor.DocumentId}~${code}~${status.occurredAt}`,
    MaHoSo: maHoSo,
    occurredAt: status.occurredAt,
    kind: `${operation} ${code}${name ? ` (${name})` : ''}`,
    data: {
      inboxId: item.id,
      docId: item.docId,
      DocumentId: status.ResponseFor.DocumentId,
      SoVanBan: status.ResponseFor.Code,
      StatusCode: code,
      Description: status.Description,
      From: status.From,
      ...(data ?? {}),
    },
  };
  // The dossier document's docId is the dossier's id at this system; an apology letter's is not.
  if (operation === 'guivanban') event.externalId = item.docId;
  const mapped = template.status[code];
  if (mapped !== undefined && isStatus(mapped)) event.status = mapped;
  if (progress) event.progress = toProgress(progress, event.kind);
  if (facts) event.facts = facts as Record<string, string>;
  return event;
}

/**
 * Turns one page of the status inbox (§5.1) into events, rejects and the acknowledgements to send
 * once they are stored: DONE for every item read (an event, a repeat, a code to ignore), FAIL for
 * an item that cannot be read or related to a dossier. Pure: no I/O.
 */
export function interpretInbox(items: readonly unknown[], ctx: InboxContext): InterpretedInbox {
  const out: InterpretedInbox = { events: [], rejects: [], acks: [], ignored: 0 };
  const seen = new Set<string>();
  for (const raw of items) {
    const item = raw as { id?: unknown; docId?: unknown } | null;
    const id = item?.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
      // Without an id the item cannot be acknowledged; the administrator sees it.
      out.rejects.push({
        ref: `inbox:${String(id)}`,
        reason: 'inbox item without an integer id',
        raw: rawOf(raw),
      });
      continue;
    }
    const ref = `inbox:${id}`;
    try {
      const docId = typeof item?.docId === 'string' ? item.docId : '';
      const status = readStatus((raw as { noiDung?: unknown }).noiDung);
      if (!ctx.mapping.statuses.known.includes(status.StatusCode)) {
        // §5.3: codes of future versions are acknowledged and otherwise ignored.
        out.ignored += 1;
        out.acks.push({ id, trangThai: 'DONE' });
        continue;
      }
      const event = toEvent({ id, docId }, status, ctx);
      out.acks.push({ id, trangThai: 'DONE' });
      if (seen.has(event.eventId)) {
        out.ignored += 1;
        continue;
      }
      seen.add(event.eventId);
      out.events.push(event);
    } catch (err) {
      if (!(err instanceof StatusParseError || err instanceof Unusable || err instanceof MappingError))
        throw err;
      out.rejects.push({ ref, reason: err.message, raw: rawOf(raw) });
      out.acks.push({ id, trangThai: 'FAIL' });
    }
  }
  // §5.1: arrival order need not follow Timestamp; the statuses of a document go by Timestamp.
  out.events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  return out;
}
