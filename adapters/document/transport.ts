import axios, { isAxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { normaliseHttpError } from '../../src/adapters/http-errors.js';
import { sendCorrelationHeaders } from '../../src/adapters/correlation-headers.js';
import { OAuthTokenCache, type IssuedToken } from '../../src/adapters/oauth-token-cache.js';
import { RequestPacer } from '../../src/adapters/request-pacer.js';
import { GatewayError } from '../../src/errors/gateway-error.js';

/** The axis' answer envelope (§4.2, §5.1, §5.4). */
export interface AxisEnvelope<T> {
  status: 'OK' | 'FAIL';
  errorCode: string;
  errorDesc: string;
  data: T;
}

/** One item of the status inbox (§5.1). */
export interface InboxItem {
  id: number;
  docId: string;
  noiDung: string;
}

export interface DocumentTransportOptions {
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  timeoutMs: number;
  /** Client-side pacing of API calls (the axis allows 20/s per consumer key); 0 disables. */
  maxRequestsPerSecond: number;
  /** Renew the token this long before it expires (capped at a tenth of its lifetime). */
  tokenRefreshMarginMs: number;
  now: () => number;
}

export const API_BASE = '/truclienthong/v1.0.0';
const SYSTEM = 'document';
/** §4.2: answers that say the request is wrong; resending it unchanged cannot help. */
const REJECTED_CODES = new Set(['INVALID_REQUEST', 'INVALID_EDXML', 'UNKNOWN_RECEIVER']);

function envelope(body: unknown): AxisEnvelope<unknown> | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as Partial<AxisEnvelope<unknown>>;
  return typeof b.status === 'string' && typeof b.errorCode === 'string'
    ? (b as AxisEnvelope<unknown>)
    : undefined;
}

/** Text of an axis envelope or of an API manager body (`{code, message}`), for error messages. */
function upstreamMessage(body: unknown): string | undefined {
  const env = envelope(body);
  if (env) return `${env.errorCode}: ${env.errorDesc}`;
  if (body !== null && typeof body === 'object') {
    const b = body as { code?: unknown; message?: unknown; error?: unknown };
    if (typeof b.code === 'string') return `${b.code} ${String(b.message ?? '')}`.trim();
    if (typeof b.error === 'string') return b.error;
  }
  return undefined;
}

/** The same error, now known not to have been applied (it failed before the API request left). */
function notApplied(err: GatewayError): GatewayError {
  return new GatewayError(err.code, {
    message: err.message,
    details: err.details,
    retryable: err.retryable,
    outcome: 'not-applied',
    retryAfterSeconds: err.retryAfterSeconds,
    upstreamStatus: err.upstreamStatus,
  });
}

/**
 * Every failure of this adapter's HTTP calls becomes a GatewayError here, and only here.
 *
 * @remarks Failures of `token` and `download` happen before the document leaves, so their outcome
 * is always known (`not-applied`). The axis names its own failures in the envelope (§4.2): `INVALID_*` and
 * `UNKNOWN_RECEIVER` are not retryable; `SYSTEM_ERROR` (HTTP 500) says "nothing stored", so its
 * outcome is known; `DUPLICATE` is not a failure and never reaches this function. Transport-level
 * failures (timeout, reset, 502–504, 429 with Retry-After, 401) follow the common rules of
 * normaliseHttpError: a timeout or reset leaves the outcome unknown.
 */
export function normaliseAxisError(
  err: unknown,
  operation: string,
  answered?: { status: number; body: unknown },
): GatewayError {
  if (err instanceof GatewayError) return err;
  const res = isAxiosError(err) ? err.response : undefined;
  const status = res?.status ?? answered?.status;
  if (operation === 'token') {
    // invalid_client / unsupported_grant_type (§2): configuration, not a passing condition.
    if (status === 400 || status === 401) {
      return new GatewayError('GW_ERR_SYSTEM_AUTH', {
        message: `${SYSTEM} token: HTTP ${status} ${upstreamMessage(res?.data) ?? ''}`.trim(),
        upstreamStatus: status,
      });
    }
    // The token is fetched before the API call, which therefore was not made.
    return notApplied(
      normaliseHttpError(err, { system: SYSTEM, operation, rejectedMessage: upstreamMessage }),
    );
  }
  if (operation === 'download') {
    // A lodged file that is too large, missing or moved will not get better by asking again.
    if (isAxiosError(err) && /maxContentLength/i.test(err.message)) {
      return new GatewayError('GW_ERR_SYSTEM_REJECTED', { message: `${SYSTEM} download: ${err.message}` });
    }
    if (status !== undefined && status >= 300 && status < 500 && status !== 429) {
      return new GatewayError('GW_ERR_SYSTEM_REJECTED', {
        message: `${SYSTEM} download: ${isAxiosError(err) ? (err.config?.url ?? '') : ''} answered HTTP ${status}`,
        upstreamStatus: status,
      });
    }
    // Nothing has been sent to the axis yet.
    return notApplied(normaliseHttpError(err, { system: SYSTEM, operation }));
  }
  const env = envelope(res ? res.data : answered?.body);
  if (env && status !== 401 && status !== 429) {
    const what = `${SYSTEM} ${operation}: ${env.errorCode}: ${env.errorDesc}`;
    if (REJECTED_CODES.has(env.errorCode)) {
      return new GatewayError('GW_ERR_SYSTEM_REJECTED', {
        message: what,
        upstreamStatus: status,
        details: { upstreamStatus: status ?? null, errorCode: env.errorCode, errorDesc: env.errorDesc },
      });
    }
    if (env.errorCode === 'SYSTEM_ERROR') {
      return new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
        message: `${what} (nothing stored)`,
        outcome: 'not-applied',
        upstreamStatus: status,
      });
    }
  }
  if (answered) {
    // A 2xx carrying an answer this document does not define: what happened is not known.
    return new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
      message: `${SYSTEM} ${operation}: HTTP ${answered.status} with an unexpected answer (${upstreamMessage(answered.body) ?? 'no envelope'}); outcome unknown`,
      outcome: 'unknown',
      upstreamStatus: answered.status,
    });
  }
  return normaliseHttpError(err, { system: SYSTEM, operation, rejectedMessage: upstreamMessage });
}

/**
 * The only file of the document adapter that talks HTTP (GUIDE.md §2): the token endpoint, the
 * three API calls, and downloading a lodged file from the URL the dossier record gives.
 */
export class DocumentTransport {
  private readonly api: AxiosInstance;
  private readonly files: AxiosInstance;
  private readonly tokens: OAuthTokenCache;
  private readonly pacer: RequestPacer;

  constructor(private readonly options: DocumentTransportOptions) {
    const agents = {
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 32 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 32 }),
    };
    this.api = axios.create({
      // An API call is never redirected (a redirect would take the request elsewhere); without
      // redirects axios also skips follow-redirects, a measurable share of each call's CPU.
      maxRedirects: 0,
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      ...agents,
      validateStatus: (s) => s >= 200 && s < 300,
      transitional: { clarifyTimeoutError: true },
    });
    sendCorrelationHeaders(this.api);
    // Lodged files are fetched without credentials (portal.md §3.2) and never from a redirect target.
    this.files = axios.create({
      timeout: options.timeoutMs,
      ...agents,
      maxRedirects: 0,
      transitional: { clarifyTimeoutError: true },
    });
    this.tokens = new OAuthTokenCache(() => this.requestToken(), {
      refreshMarginMs: options.tokenRefreshMarginMs,
      now: options.now,
    });
    // §2: 20 requests per second per consumer key, counted by the axis in real seconds (beyond: 429 `900802`).
    this.pacer = RequestPacer.perSecond(options.maxRequestsPerSecond);
  }

  /** §2 `POST /token`. Any failure here happened before the API call: its outcome is `not-applied`. */
  private async requestToken(): Promise<IssuedToken> {
    const basic = Buffer.from(`${this.options.consumerKey}:${this.options.consumerSecret}`, 'utf8').toString(
      'base64',
    );
    let res: AxiosResponse<unknown>;
    try {
      res = await this.api.post('/token', 'grant_type=client_credentials', {
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    } catch (err) {
      throw normaliseAxisError(err, 'token');
    }
    const body = res.data as { access_token?: unknown; expires_in?: unknown } | null;
    if (!body || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
        message: `${SYSTEM} token: 200 without access_token`,
        outcome: 'not-applied',
      });
    }
    const expires = Number(body.expires_in);
    // A missing or odd lifetime is taken as short rather than trusted as long.
    return {
      accessToken: body.access_token,
      expiresInSeconds: Number.isFinite(expires) && expires > 0 ? expires : 60,
    };
  }

  /**
   * Runs one API call with the Bearer token; a 401 (`900901`: expired, unknown) renews the token and
   * sends the same request once more (§2). A token refused twice in a row is reported as an
   * authentication failure that may pass (a key rotation in progress), never as an unknown outcome:
   * the API manager answered before the axis saw the request.
   */
  private async authorised<T>(operation: string, call: (authorization: string) => Promise<T>): Promise<T> {
    for (let round = 0; ; round += 1) {
      const token = await this.tokens.get();
      await this.pacer.take();
      try {
        return await call(`Bearer ${token}`);
      } catch (err) {
        if (isAxiosError(err) && err.response?.status === 401) {
          this.tokens.invalidate(token);
          if (round === 0) continue;
          throw new GatewayError('GW_ERR_SYSTEM_AUTH', {
            message: `${SYSTEM} ${operation}: a fresh token was refused (${upstreamMessage(err.response.data) ?? 'HTTP 401'})`,
            retryable: true,
            upstreamStatus: 401,
          });
        }
        throw normaliseAxisError(err, operation);
      }
    }
  }

  /** §4 `POST …/vanbans`. `DUPLICATE` is success-equivalent: the existing `docId` is returned. */
  async sendDocument(
    operation: string,
    noiDung: string,
    signal?: AbortSignal,
  ): Promise<{ docId: string; duplicate: boolean }> {
    const res = await this.authorised(operation, (authorization) =>
      this.api.post(
        `${API_BASE}/vanbans`,
        { loaiVanBan: 'edoc', noiDung },
        {
          headers: { Authorization: authorization, 'Content-Type': 'application/json; charset=utf-8' },
          signal,
          maxBodyLength: Infinity,
        },
      ),
    );
    const env = envelope(res.data);
    const docId = (env?.data as { docId?: unknown } | null | undefined)?.docId;
    if (env && typeof docId === 'string' && docId !== '') {
      if (env.status === 'OK' && env.errorCode === '0') return { docId, duplicate: false };
      if (env.errorCode === 'DUPLICATE') return { docId, duplicate: true };
    }
    throw normaliseAxisError(undefined, operation, { status: res.status, body: res.data });
  }

  /** §5.1: one page (at most 50 items, oldest first) of statuses not yet acknowledged. */
  async readInbox(): Promise<InboxItem[]> {
    const res = await this.authorised('inbox', (authorization) =>
      this.api.get(`${API_BASE}/vanbans`, {
        params: { loaiVanBan: 'status', trangThai: 'INITIAL' },
        headers: { Authorization: authorization },
      }),
    );
    const env = envelope(res.data);
    if (!env || env.status !== 'OK' || !Array.isArray(env.data)) {
      throw new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
        message: `${SYSTEM} inbox: HTTP ${res.status} without a list of items`,
        upstreamStatus: res.status,
      });
    }
    return env.data as InboxItem[];
  }

  /**
   * §5.4 `PUT …/vanbans/{id}`. 409 (already acknowledged with the other value) and 404 (unknown
   * item) are answers, not failures: the item has left the inbox either way, or never was ours.
   */
  async acknowledge(id: number, trangThai: 'DONE' | 'FAIL'): Promise<'ok' | 'conflict' | 'not-found'> {
    const res = await this.authorised('acknowledge', (authorization) =>
      this.api.put(
        `${API_BASE}/vanbans/${encodeURIComponent(String(id))}`,
        { trangThai },
        {
          headers: { Authorization: authorization, 'Content-Type': 'application/json; charset=utf-8' },
          validateStatus: (s) => (s >= 200 && s < 300) || s === 404 || s === 409,
        },
      ),
    );
    if (res.status === 409) return 'conflict';
    if (res.status === 404) return 'not-found';
    return 'ok';
  }

  /**
   * Downloads a file lodged with the dossier from the URL in the record (portal.md §3.2: `GET`
   * without authentication), and from nowhere else: http/https only, no redirects, size capped.
   * Nothing has been sent to the axis yet, so every failure is `not-applied`.
   */
  async download(
    url: string,
    maxBytes: number,
    signal?: AbortSignal,
  ): Promise<{ bytes: Buffer; contentType: string | undefined }> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new GatewayError('GW_ERR_SYSTEM_REJECTED', { message: `${SYSTEM} download: not a URL: ${url}` });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new GatewayError('GW_ERR_SYSTEM_REJECTED', {
        message: `${SYSTEM} download: only http/https URLs are fetched: ${url}`,
      });
    }
    try {
      const res = await this.files.get<ArrayBuffer>(parsed.toString(), {
        responseType: 'arraybuffer',
        maxContentLength: maxBytes,
        signal,
      });
      const type = res.headers['content-type'];
      return {
        bytes: Buffer.from(res.data),
        contentType: typeof type === 'string' ? type.split(';')[0]?.trim() : undefined,
      };
    } catch (err) {
      throw normaliseAxisError(err, 'download');
    }
  }
}
