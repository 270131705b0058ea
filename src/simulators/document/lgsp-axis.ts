import { seededRandom } from '../fault-injector.js';
import { fail, ok, tokenError } from './answers.js';
import { emptyCounters } from './counters.js';
import type { DocumentCounters } from './counters.js';
import { readDocumentPackage } from './edxml-document.js';
import type { EdxmlDocument } from './edxml-document.js';
import { DocumentStore } from './document-store.js';
import { IdSource } from './ids.js';
import { checkOneStopProfile } from './one-stop-profile.js';
import type { OneStopProfile } from './one-stop-profile.js';
import type { AxisClient, ResolvedOptions } from './options.js';
import { defaultDocumentFaults } from './protocol-faults.js';
import type { DocumentFaultSettings } from './protocol-faults.js';
import { Rejection } from './rejection.js';
import { RequestQuota } from './request-quota.js';
import { StatusInbox } from './status-inbox.js';
import type { ItemState } from './status-inbox.js';
import { TokenStore } from './token-store.js';

/** An HTTP answer decided by the axis; `committed` marks a change the fault injector may then "lose". */
export interface HttpAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  committed?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The interconnection axis, without HTTP: the token endpoint, document sending with its checks
 * and deduplication, the status inbox and acknowledgements. Routes only translate to and from
 * HTTP; the simulator's control actions work on the same state.
 */
export class LgspAxis {
  counters: DocumentCounters = emptyCounters();
  readonly documents = new DocumentStore();
  readonly inbox: StatusInbox;
  readonly tokens: TokenStore;
  readonly quota: RequestQuota;
  protocol: DocumentFaultSettings;
  readonly ids: IdSource;
  readonly random: () => number;
  private readonly clients: Map<string, AxisClient>;

  constructor(readonly options: ResolvedOptions) {
    this.ids = new IdSource(options.seed);
    this.random = seededRandom(options.seed + 101);
    this.inbox = new StatusInbox(options.firstInboxId, options.pageSize);
    this.tokens = new TokenStore(this.ids, options.tokenLifetimeMs);
    this.quota = new RequestQuota(options.quotaPerSecond);
    this.protocol = defaultDocumentFaults(options.quotaPerSecond);
    this.clients = new Map(options.clients.map((c) => [c.consumerKey, c]));
  }

  nowMs(): number {
    return this.options.clock().getTime();
  }

  setProtocolFaults(patch: Partial<DocumentFaultSettings>): void {
    this.protocol = { ...this.protocol, ...patch };
    this.quota.perSecond = this.protocol.quotaPerSecond;
  }

  /**
   * §2. The client authenticates with HTTP Basic (consumer key and secret) first, then the grant is
   * checked: a wrong secret is 401 `invalid_client` whatever the body; a right client with a body
   * that is not `grant_type=client_credentials` form data is 400 `unsupported_grant_type`.
   */
  requestToken(
    authorization: string | undefined,
    contentType: string | undefined,
    body: unknown,
  ): HttpAnswer {
    this.counters.tokenRequests += 1;
    const client = this.basicClient(authorization);
    if (!client) {
      this.counters.tokenRejections += 1;
      return {
        status: 401,
        body: tokenError('invalid_client'),
        headers: { 'WWW-Authenticate': 'Basic realm="lgsp"' },
      };
    }
    const form = /^application\/x-www-form-urlencoded\b/i.test(contentType ?? '');
    if (!form || !isObject(body) || body.grant_type !== 'client_credentials') {
      this.counters.tokenRejections += 1;
      return { status: 400, body: tokenError('unsupported_grant_type') };
    }
    const { token, expiresIn } = this.tokens.issue(client.consumerKey, this.nowMs());
    this.counters.tokensIssued += 1;
    return {
      status: 200,
      body: { access_token: token, scope: 'default', token_type: 'Bearer', expires_in: expiresIn },
      headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    };
  }

  private basicClient(authorization: string | undefined): AxisClient | undefined {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    if (!m?.[1]) return undefined;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const client = this.clients.get(decoded.slice(0, colon));
    return client && client.consumerSecret === decoded.slice(colon + 1) ? client : undefined;
  }

  /** The consumer key of a valid `Authorization: Bearer` token; undefined for missing, unknown or expired. */
  authenticate(authorization: string | undefined): string | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return m?.[1] ? this.tokens.verify(m[1], this.nowMs()) : undefined;
  }

  /** §4: checks of §3.4 (and §6), in the order of the table, `DUPLICATE` last. */
  send(consumerKey: string, body: unknown): HttpAnswer {
    this.counters.sends += 1;
    const client = this.clients.get(consumerKey);
    try {
      if (!client) throw new Rejection('INVALID_REQUEST', 'consumer key không được đăng ký');
      if (!isObject(body)) throw new Rejection('INVALID_REQUEST', 'thân yêu cầu phải là đối tượng JSON');
      if (body.loaiVanBan !== 'edoc') throw new Rejection('INVALID_REQUEST', 'loaiVanBan: phải là "edoc"');
      if (typeof body.noiDung !== 'string' || body.noiDung === '') {
        throw new Rejection('INVALID_REQUEST', 'noiDung: bắt buộc, chuỗi base64 của gói edXML');
      }
      const pkg = readDocumentPackage(body.noiDung, {
        senderOrganId: client.organId,
        maxBytes: this.options.maxEdxmlBytes,
      });
      const profile = this.options.enforceOneStopProfile ? checkOneStopProfile(pkg) : lenientProfile(pkg);
      const unknown = pkg.to.find((t) => !this.options.registeredOrganIds.has(t.OrganId));
      if (unknown) {
        throw new Rejection(
          'UNKNOWN_RECEIVER',
          `edXMLHeader/MessageHeader/To/OrganId: ${unknown.OrganId} chưa được đăng ký trên trục liên thông`,
        );
      }
      const existing = this.documents.withDocumentId(pkg.documentId);
      if (existing) {
        this.counters.duplicates += 1;
        return {
          status: 200,
          body: fail('DUPLICATE', `Văn bản có DocumentId ${pkg.documentId} đã được gửi trước đó`, {
            docId: existing.docId,
          }),
        };
      }
      const docId = this.ids.uuid();
      this.documents.add({
        docId,
        DocumentId: pkg.documentId,
        consumerKey,
        maHoSo: profile?.maHoSo,
        kind: profile?.kind,
        from: pkg.from,
        to: pkg.to,
        code: `${pkg.codeNumber}/${pkg.codeNotation}`,
        promulgationDate: pkg.promulgationDate,
        subject: pkg.subject,
        content: pkg.content,
        dueDate: pkg.dueDate,
        contentSegments: profile?.segments ?? {},
        attachments: pkg.attachments.map(({ head: _head, ...rest }) => rest),
        edxml: pkg.xml,
        noiDung: body.noiDung,
        nfc: pkg.xml === pkg.xml.normalize('NFC'),
        receivedAt: new Date(this.nowMs()).toISOString(),
      });
      this.counters.accepted += 1;
      return { status: 200, body: ok({ docId }), committed: true };
    } catch (err) {
      if (!(err instanceof Rejection)) throw err;
      this.counters.rejected += 1;
      return { status: 400, body: fail(err.errorCode, err.errorDesc) };
    }
  }

  /** §5.1 */
  readInbox(consumerKey: string, query: Record<string, unknown>): HttpAnswer {
    if (query.loaiVanBan !== 'status') {
      return { status: 400, body: fail('INVALID_REQUEST', 'loaiVanBan: phải là "status"') };
    }
    const state = query.trangThai;
    if (state !== 'INITIAL' && state !== 'DONE' && state !== 'FAIL') {
      return { status: 400, body: fail('INVALID_REQUEST', 'trangThai: phải là INITIAL, DONE hoặc FAIL') };
    }
    const items = this.inbox.read(consumerKey, state as ItemState, this.nowMs());
    this.counters.inboxPolls += 1;
    this.counters.itemsDelivered += items.length;
    return { status: 200, body: ok(items.map((i) => ({ id: i.id, docId: i.docId, noiDung: i.noiDung }))) };
  }

  /** §5.4: the body is checked first (400), then the item is looked up (404), then the conflict rule (409). */
  acknowledge(consumerKey: string, idText: string, body: unknown): HttpAnswer {
    this.counters.ackRequests += 1;
    const result = isObject(body) ? body.trangThai : undefined;
    if (result !== 'DONE' && result !== 'FAIL') {
      return { status: 400, body: fail('INVALID_REQUEST', 'trangThai: phải là DONE hoặc FAIL') };
    }
    const id = /^\d{1,15}$/.test(idText) ? Number(idText) : undefined;
    const outcome =
      id === undefined ? undefined : this.inbox.acknowledge(consumerKey, id, result, this.nowMs());
    if (!outcome || outcome.kind === 'not-found') {
      this.counters.ackNotFound += 1;
      return { status: 404, body: fail('NOT_FOUND', `Không tìm thấy mục ${idText}`) };
    }
    const data = { id: outcome.item.id, trangThai: outcome.item.trangThai };
    if (outcome.kind === 'conflict') {
      this.counters.ackConflicts += 1;
      return {
        status: 409,
        body: fail(
          'ALREADY_ACKNOWLEDGED',
          `Mục ${outcome.item.id} đã được xác nhận với trạng thái ${outcome.item.trangThai}`,
          data,
        ),
      };
    }
    if (outcome.changed) this.counters.acks[result] += 1;
    return { status: 200, body: ok(data), committed: outcome.changed };
  }

  /** Back to a fresh axis: documents, inbox, tokens, counters and protocol faults. */
  reset(): void {
    this.documents.clear();
    this.inbox.clear();
    this.tokens.expireAll(this.nowMs());
    this.quota.clear();
    this.counters = emptyCounters();
    this.setProtocolFaults(defaultDocumentFaults(this.options.quotaPerSecond));
  }
}

/** Without the §6 profile: the dossier code is still read from a `MaHoSo=` segment when there is one. */
function lenientProfile(pkg: EdxmlDocument): OneStopProfile | undefined {
  const m = /(?:^|;)MaHoSo=([^;]*)/.exec(pkg.content ?? '');
  return m?.[1] ? { kind: 'dossier', maHoSo: m[1], segments: {} } : undefined;
}
