import type {
  AdapterHealth,
  DeliveryContext,
  DeliveryResult,
  DossierChange,
  LookupResult,
  PlannedOperation,
  PollBatch,
  PollContext,
  SystemAdapter,
} from '../../src/adapters/adapter.js';
import { probeHealth } from '../../src/adapters/health-probe.js';
import { mappingProblems, mapOrReject } from '../../src/adapters/mapping-errors.js';
import { onePerDossier } from '../../src/adapters/plan-rules.js';
import { deliveryId } from '../../src/domain/delivery.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { parsePortalDateTime } from '../../src/domain/time.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import type { Logger } from '../../src/logging/logger.js';
import { applyMapping, MappingError } from '../../src/mapping/template.js';
import { buildApologyPdf } from './apology-pdf.js';
import { deriveIdentity, type DocumentIdentity } from './document-identity.js';
import { buildDocumentXml, type EdxmlAttachment } from './edxml-builder.js';
import { formatTimestamp } from './edxml-time.js';
import { interpretInbox, type InboxAck } from './inbox.js';
import {
  DOCUMENT_OPERATIONS,
  loadDocumentMapping,
  type DocumentMappingFile,
  type DocumentOperation,
} from './mapping.js';
import { DocumentTransport } from './transport.js';

export { interpretInbox } from './inbox.js';
export type { InboxAck, InterpretedInbox } from './inbox.js';
export { readStatus, StatusParseError } from './status-edxml.js';
export type { StatusMessage } from './status-edxml.js';
export { deriveIdentity, recoverFromCode } from './document-identity.js';
export type { DocumentIdentity } from './document-identity.js';

/** An organisation registered on the axis (edXML `OrganId`, `OrganName`). */
export interface DocumentOrgan {
  OrganId: string;
  OrganName: string;
}

/** `SignerInfo` (§3.1): who is expected to sign; `FullName` may be unknown. */
export interface DocumentSigner {
  Competence?: string;
  Position: string;
  FullName?: string;
}

/** Where an apology letter goes when a given agency is responsible for the delay (§6 (b)). */
export interface ApologyAgency {
  receivers: DocumentOrgan[];
  /** Who signs; when absent, the signer of dossier documents (the one-stop centre) signs. */
  signer?: DocumentSigner;
}

export interface DocumentAdapterOptions {
  /** Base address of the axis (e.g. `http://localhost:8086`). */
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  /** The sender's `OrganId`, fixed at onboarding for the consumer key (§1). */
  organId: string;
  /** `From/OrganName` (§3.1). */
  organName: string;
  organAdd?: string;
  email?: string;
  telephone?: string;
  /** `PromulgationInfo/Place`, e.g. `Nghệ An`. */
  place: string;
  /** `OtherInfo/TyperNotation`, initials of the drafter (optional). */
  typerNotation?: string;
  /** Per request; no complete answer in this time = outcome unknown (README §2: 30 s). */
  timeoutMs: number;
  /** Signer of dossier documents (§6 (a)), e.g. `TM. ỦY BAN NHÂN DÂN` / `Chủ tịch`. */
  dossierSigner: DocumentSigner;
  /**
   * Receivers and signer of the apology letter by responsible agency (the letter's `agency`
   * param); the key `default` serves a letter that names none.
   */
  apologyAgencies: Record<string, ApologyAgency>;
  /** Embed the dossier's lodged files (TaiLieuNop, downloaded from their URLs) in dossier documents. Default false. */
  attachLodgedDocuments?: boolean;
  /** Cap on the lodged files embedded in one document, in bytes. Default 10 MiB (the axis takes 20 MB per package). */
  maxAttachmentBytes?: number;
  /** Client-side pacing of API calls; the axis allows 20/s per consumer key (§2). Default 15; 0 disables. */
  maxRequestsPerSecond?: number;
  /** Renew the token this long before it expires. Default 60. */
  tokenRefreshMarginSeconds?: number;
  /** How often one acknowledgement is retried after a 429 within a commit. Default 3. */
  ackRetries?: number;
  /** Source of "now" (TraceHeader timestamps, token expiry). Default the system clock. */
  clock?: () => Date;
}

/** Params of `guiphieuxinloi` (§6 (b)), set by whoever plans the letter. */
export interface ApologyLetterParams {
  /** Reason for the delay (Content `LyDo`). */
  LyDo: string;
  /** The current appointment date, portal `yyyyMMddHHmmss` (Content `NgayHenTra`, `DueDate`). */
  NgayHenTraTruoc: string;
  /** The proposed new appointment date, portal `yyyyMMddHHmmss` (Content `NgayHenTraDeXuat`). */
  NgayHenTraDeXuat: string;
  /** The agency responsible: a key of `apologyAgencies`, or the organisation itself. */
  agency?: string | (DocumentOrgan & Partial<DocumentSigner>);
}

/** The edXML package of one delivery, as it is sent. */
export interface BuiltDocument {
  xml: string;
  identity: DocumentIdentity;
}

/** §3.4: decoded `noiDung` ≤ 20 MB. */
const MAX_PACKAGE_BYTES = 20 * 1024 * 1024;
const SUBJECT_MAX = 1000;
const DESCRIPTION_MAX = 500;
const MIME = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;
const MIME_BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  xml: 'application/xml',
  zip: 'application/zip',
};

function rejected(operation: string, message: string, details?: unknown): GatewayError {
  return new GatewayError('GW_ERR_SYSTEM_REJECTED', {
    message: `document ${operation}: ${message}`,
    details,
  });
}

function codePoints(s: string): number {
  return [...s].length;
}

/**
 * The document management adapter (LGSP axis, document-management.md).
 *
 * @remarks Sending is idempotent on the edXML `DocumentId` (§4.3), and the DocumentId is derived
 * from the delivery id and the record only (document-identity.ts), so a retry after an unknown
 * outcome resends the same package and the axis answers `DUPLICATE` with the first `docId`, which
 * is adopted. Statuses are pulled from the inbox (§5) and acknowledged only after the engine has
 * stored them (`PollBatch.commit`).
 */
export class DocumentAdapter implements SystemAdapter {
  readonly system = 'document' as const;
  readonly protocol = 'edxml' as const;
  readonly statusSource = 'poll' as const;
  readonly operations = {
    guivanban: { idempotent: true, needsExternalId: false },
    guiphieuxinloi: { idempotent: true, needsExternalId: false },
  } as const;
  readonly mapping: DocumentMappingFile;
  private readonly transport: DocumentTransport;
  private readonly clock: () => Date;

  constructor(private readonly options: DocumentAdapterOptions) {
    this.mapping = loadDocumentMapping();
    this.clock = options.clock ?? (() => new Date());
    this.transport = new DocumentTransport({
      baseUrl: options.baseUrl,
      consumerKey: options.consumerKey,
      consumerSecret: options.consumerSecret,
      timeoutMs: options.timeoutMs,
      maxRequestsPerSecond: options.maxRequestsPerSecond ?? 15,
      tokenRefreshMarginMs: (options.tokenRefreshMarginSeconds ?? 60) * 1000,
      now: () => this.clock().getTime(),
    });
  }

  /**
   * Only the dossier document is planned from portal versions, once per dossier (intent
   * `guivanban`). The apology letter is planned by the deadline logic with its params.
   */
  plan(change: DossierChange): PlannedOperation[] {
    return onePerDossier(change, 'guivanban');
  }

  requirements(record: DossierRecord): Array<{ path: string; message: string }> {
    const why = 'is required by document management (portal.md §3.3, document-management.md §6)';
    const out: Array<{ path: string; message: string }> = [];
    if (!record.VanBan) out.push({ path: '/VanBan', message: why });
    else if (!Array.isArray(record.VanBan.NoiNhan) || record.VanBan.NoiNhan.length === 0) {
      out.push({ path: '/VanBan/NoiNhan', message: 'needs at least one receiving unit (edXML To)' });
    }
    if (!record.NgayTiepNhan) out.push({ path: '/NgayTiepNhan', message: `${why}: it dates the document` });
    if (!record.NgayHenTra)
      out.push({ path: '/NgayHenTra', message: `${why}: it is the document's DueDate` });
    if (out.length > 0) return out;
    // A dry run of the mapping; the delivery id only sets the number, which is not checked here.
    return mappingProblems(
      'document management',
      () => this.header('guivanban', record, deliveryId(record.MaHoSo, 'document', 'guivanban'), {}),
      { failsWith: GatewayError },
    );
  }

  /**
   * The MessageHeader of a delivery and the identity it carries. Pure: the same delivery, record
   * and params give the same header, hence the same DocumentId.
   */
  private header(
    operation: DocumentOperation,
    record: DossierRecord,
    deliveryId: string,
    params: Record<string, unknown>,
  ): { messageHeader: Record<string, unknown>; identity: DocumentIdentity; extra: Record<string, unknown> } {
    const template = this.mapping.documents[operation];
    const config = this.mappingConfig();
    const extra: Record<string, unknown> = { params };
    if (operation === 'guiphieuxinloi') Object.assign(extra, this.apologyAddressees(params));
    return mapOrReject(`document ${operation}`, () => {
      const promulgationDate = applyMapping(
        template.identity.PromulgationDate,
        record,
        { config, extra },
        '$.identity',
      );
      const identity = deriveIdentity({
        deliveryId,
        organId: this.options.organId,
        maHoSo: record.MaHoSo,
        promulgationDate: String(promulgationDate),
        prefix: template.identity.CodeNotationPrefix,
      });
      extra.id = identity;
      const messageHeader = applyMapping(
        template.MessageHeader,
        record,
        { config, extra },
        '$.MessageHeader',
      ) as Record<string, unknown>;
      if (template.subjectMustContainMaHoSo !== undefined) {
        messageHeader.Subject = this.withDossierCode(
          String(messageHeader.Subject ?? ''),
          record.MaHoSo,
          String(applyMapping(template.subjectMustContainMaHoSo, record, { config, extra })),
        );
      }
      return { messageHeader, identity, extra };
    });
  }

  private mappingConfig(): Record<string, unknown> {
    const o = this.options;
    return {
      organId: o.organId,
      organName: o.organName,
      organAdd: o.organAdd ?? '',
      email: o.email ?? '',
      telephone: o.telephone ?? '',
      place: o.place,
      typerNotation: o.typerNotation ?? '',
      dossierSigner: o.dossierSigner,
    };
  }

  /** §6: `Subject` must contain the dossier code literally; added (within 1000 characters) when missing. */
  private withDossierCode(subject: string, maHoSo: string, suffix: string): string {
    if (subject.includes(maHoSo)) return subject;
    const room = SUBJECT_MAX - codePoints(suffix);
    const head = codePoints(subject) > room ? [...subject].slice(0, room).join('').trimEnd() : subject;
    return `${head}${suffix}`;
  }

  /** Receivers and signer of an apology letter, from its `agency` param and the options. */
  private apologyAddressees(params: Record<string, unknown>): {
    receivers: DocumentOrgan[];
    signer: DocumentSigner;
  } {
    const agency = params.agency;
    const fallback = this.options.apologyAgencies.default;
    if (agency !== null && typeof agency === 'object') {
      const a = agency as Partial<DocumentOrgan & DocumentSigner>;
      if (!a.OrganId || !a.OrganName)
        throw rejected('guiphieuxinloi', 'params.agency needs OrganId and OrganName');
      const signer = a.Position
        ? { Competence: a.Competence, Position: a.Position, FullName: a.FullName }
        : (fallback?.signer ?? this.options.dossierSigner);
      if (!signer)
        throw rejected('guiphieuxinloi', 'params.agency has no Position and no default signer is configured');
      return { receivers: [{ OrganId: a.OrganId, OrganName: a.OrganName }], signer };
    }
    const key = typeof agency === 'string' && agency !== '' ? agency : 'default';
    const configured = this.options.apologyAgencies[key];
    if (!configured || configured.receivers.length === 0) {
      throw new GatewayError('GW_ERR_CONFIG_INVALID', {
        message: `document guiphieuxinloi: no receivers configured for agency ${JSON.stringify(key)} (apologyAgencies)`,
      });
    }
    return { receivers: configured.receivers, signer: configured.signer ?? this.options.dossierSigner };
  }

  /** Checks an apology letter's params before anything is built (§6: dates, reason). */
  private checkApologyParams(params: Record<string, unknown>): ApologyLetterParams {
    const p = params as Partial<ApologyLetterParams>;
    if (typeof p.LyDo !== 'string' || p.LyDo.trim() === '')
      throw rejected('guiphieuxinloi', 'params.LyDo is required');
    for (const key of ['NgayHenTraTruoc', 'NgayHenTraDeXuat'] as const) {
      if (typeof p[key] !== 'string' || parsePortalDateTime(p[key]) === null) {
        throw rejected('guiphieuxinloi', `params.${key} must be a yyyyMMddHHmmss date-time`);
      }
    }
    if ((p.NgayHenTraDeXuat as string) <= (p.NgayHenTraTruoc as string)) {
      throw rejected('guiphieuxinloi', 'params.NgayHenTraDeXuat must be later than NgayHenTraTruoc');
    }
    return p as ApologyLetterParams;
  }

  /** The generated form 04 (§6 (b): exactly one PDF). */
  private apologyForm(record: DossierRecord, extra: Record<string, unknown>): EdxmlAttachment {
    const form = this.mapping.documents.guiphieuxinloi.form;
    if (!form)
      throw new GatewayError('GW_ERR_CONFIG_INVALID', {
        message: 'mappings/document.json: guiphieuxinloi.form is missing',
      });
    const ctx = { config: this.mappingConfig(), extra };
    try {
      const lines = applyMapping(form.lines, record, ctx, '$.form.lines') as unknown[];
      return {
        ContentId: form.ContentId,
        ContentType: form.ContentType,
        Description: String(applyMapping(form.Description, record, ctx)).normalize('NFC'),
        AttachmentName: String(applyMapping(form.AttachmentName, record, ctx)),
        bytes: buildApologyPdf(lines.map(String)),
      };
    } catch (err) {
      if (err instanceof MappingError)
        throw rejected('guiphieuxinloi', `the letter cannot be mapped: ${err.message}`);
      throw err;
    }
  }

  /**
   * The dossier's lodged files, downloaded from the URLs of the record through the transport (and
   * from nowhere else). The same record gives the same files on a resend; the axis ignores the
   * content of a resend anyway (§4.3).
   */
  private async lodgedFiles(
    record: DossierRecord,
    signal: AbortSignal | undefined,
  ): Promise<EdxmlAttachment[]> {
    const template = this.mapping.documents.guivanban.lodgedAttachment;
    if (!this.options.attachLodgedDocuments || template === undefined) return [];
    let budget = this.options.maxAttachmentBytes ?? 10 * 1024 * 1024;
    const out: EdxmlAttachment[] = [];
    for (const [i, doc] of (record.TaiLieuNop ?? []).entries()) {
      let meta: { Description: string; AttachmentName: string; url: string };
      try {
        meta = applyMapping(template, doc, {}, `$.TaiLieuNop[${i}]`) as typeof meta;
      } catch (err) {
        if (err instanceof MappingError) throw rejected('guivanban', `lodged file ${i + 1}: ${err.message}`);
        throw err;
      }
      const { bytes, contentType } = await this.transport.download(meta.url, budget, signal);
      budget -= bytes.length;
      if (budget < 0) throw rejected('guivanban', 'the lodged files exceed maxAttachmentBytes');
      const extension = /\.([A-Za-z0-9]+)$/.exec(meta.AttachmentName)?.[1]?.toLowerCase() ?? '';
      const type =
        contentType && MIME.test(contentType) && contentType !== 'application/octet-stream'
          ? contentType
          : (MIME_BY_EXTENSION[extension] ?? 'application/octet-stream');
      out.push({
        ContentId: `cid:tl-${String(i + 1).padStart(2, '0')}`,
        ContentType: type,
        Description: [...meta.Description].slice(0, DESCRIPTION_MAX).join(''),
        AttachmentName: meta.AttachmentName,
        bytes,
      });
    }
    return out;
  }

  /** Builds the edXML package of a delivery exactly as `deliver` sends it. */
  async build(
    ctx: Pick<DeliveryContext, 'operation' | 'record' | 'deliveryId' | 'params' | 'signal'>,
  ): Promise<BuiltDocument> {
    if (!DOCUMENT_OPERATIONS.includes(ctx.operation as DocumentOperation)) {
      throw new GatewayError('GW_ERR_INTERNAL', { message: `document: unknown operation ${ctx.operation}` });
    }
    const operation = ctx.operation as DocumentOperation;
    const params = ctx.params ?? {};
    if (operation === 'guiphieuxinloi') this.checkApologyParams(params);
    const { messageHeader, identity, extra } = this.header(operation, ctx.record, ctx.deliveryId, params);
    const attachments =
      this.mapping.documents[operation].attachments === 'apologyForm'
        ? [this.apologyForm(ctx.record, extra)]
        : await this.lodgedFiles(ctx.record, ctx.signal);
    const xml = buildDocumentXml({
      messageHeader,
      trace: { OrganId: this.options.organId, Timestamp: formatTimestamp(this.clock()) },
      attachments,
    });
    if (Buffer.byteLength(xml, 'utf8') > MAX_PACKAGE_BYTES) {
      throw rejected(operation, `the package exceeds ${MAX_PACKAGE_BYTES} bytes (§3.4)`);
    }
    return { xml, identity };
  }

  async deliver(ctx: DeliveryContext): Promise<DeliveryResult> {
    const { xml, identity } = await this.build(ctx);
    ctx.recordPayload?.(xml, 'application/xml');
    const noiDung = Buffer.from(xml, 'utf8').toString('base64');
    const { docId, duplicate } = await this.transport.sendDocument(ctx.operation, noiDung, ctx.signal);
    const note = duplicate
      ? `${identity.DocumentId} had already been sent; adopted docId ${docId}`
      : `${identity.DocumentId} sent, docId ${docId}`;
    // The dossier's id at this system is its dossier document's docId; an apology letter's docId
    // is kept in the note only, so that it never takes that place (statuses name their dossier
    // through the Code, see document-identity.ts).
    return ctx.operation === 'guivanban' ? { externalId: docId, note } : { note };
  }

  /**
   * Never needed and never able to tell: the axis has no query by DocumentId, and both operations
   * are idempotent on it (§4.3), so the engine resends instead of looking up, and a package
   * already applied comes back `DUPLICATE` with its docId.
   */
  async lookup(_ctx: DeliveryContext): Promise<LookupResult> {
    return { found: false };
  }

  /** A real read of the inbox (a cached token alone would say nothing about the axis); acknowledges nothing. */
  health(): Promise<AdapterHealth> {
    return probeHealth(() => this.transport.readInbox());
  }

  /**
   * One page of the status inbox (§5.1). Nothing is acknowledged here: `commit` does it once the
   * engine has stored the batch, so a crash in between only means the items are read again (and
   * deduplicated by eventId). A 429 returns an empty batch with the delay asked for.
   */
  async poll(ctx: PollContext): Promise<PollBatch> {
    let items: unknown[];
    try {
      items = await this.transport.readInbox();
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'GW_ERR_SYSTEM_RATE_LIMITED') {
        return { events: [], rejects: [], retryAfterMs: (err.retryAfterSeconds ?? 1) * 1000 };
      }
      throw err;
    }
    const result = interpretInbox(items, { mapping: this.mapping, open: ctx.open });
    if (result.rejects.length > 0 || result.ignored > 0) {
      ctx.log.info(
        {
          items: items.length,
          events: result.events.length,
          rejects: result.rejects.length,
          ignored: result.ignored,
        },
        'document inbox read',
      );
    }
    return {
      events: result.events,
      rejects: result.rejects,
      commit: () => this.acknowledgeAll(result.acks, ctx.log),
    };
  }

  /**
   * §5.4, one item at a time. A 409 (already acknowledged, e.g. DONE by an earlier commit) and a
   * 404 are fine. A 429 waits as asked and tries again; any other failure leaves the item in the
   * inbox, to be read again and deduplicated, and is reported after the other items are done.
   */
  private async acknowledgeAll(acks: readonly InboxAck[], log: Logger): Promise<void> {
    const retries = this.options.ackRetries ?? 3;
    let firstError: unknown;
    for (const ack of acks) {
      for (let attempt = 0; ; attempt += 1) {
        try {
          const answer = await this.transport.acknowledge(ack.id, ack.trangThai);
          if (answer === 'not-found')
            log.warn({ inboxId: ack.id }, 'document inbox item unknown to the axis');
          break;
        } catch (err) {
          if (err instanceof GatewayError && err.code === 'GW_ERR_SYSTEM_RATE_LIMITED' && attempt < retries) {
            await new Promise((r) => setTimeout(r, Math.min(30, err.retryAfterSeconds ?? 1) * 1000));
            continue;
          }
          firstError ??= err;
          break;
        }
      }
    }
    if (firstError !== undefined) throw firstError;
  }
}
