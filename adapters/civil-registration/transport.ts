import axios, { isAxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { normaliseHttpError } from '../../src/adapters/http-errors.js';
import { sendCorrelationHeaders } from '../../src/adapters/correlation-headers.js';
import { OAuthTokenCache, type IssuedToken } from '../../src/adapters/oauth-token-cache.js';
import { RequestPacer } from '../../src/adapters/request-pacer.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { MAX_XML_BYTES, XmlRefused } from '../../src/xml/safe-xml.js';
import { parseXmlDocument, textOf, type XmlObject } from './xml.js';

export interface CivilRegistrationTransportOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  maxRequestsPerSecond: number;
}

/** §2: tokens live 300 s; renew this long before expiry (at most a tenth of the lifetime). */
const CIVIL_TOKEN_MARGIN_MS = 30_000;

/**
 * §1 allows 10 requests per second per client_id over every `/api/hotich/*` endpoint together.
 * Requests are spaced evenly, not burst, so the server's sliding one-second window never sees more
 * than the limit; the 10 % margin absorbs the jitter between when we send and when it counts.
 */
const CIVIL_SPACING_MARGIN = 1.1;

/** A `<ketQua>` answer whose `maLoi` the caller handles (the others are errors, see below). */
export type KetQua = XmlObject;

type ApiOperation = 'NhanDKHT' | 'LayKetQua';

/** §2: the system's lifetime when a token answer omits `expires_in`. */
const DOCUMENTED_LIFETIME_S = 300;

/**
 * The only file of the civil registration adapter that talks HTTP (GUIDE.md §2): the OAuth2 token
 * (§2), `NhanDKHT` (§3) and both forms of `LayKetQua` (§4, §5).
 *
 * @remarks Every `/api/hotich/*` request carries a cached Bearer token, waits for its rate slot,
 * and on a 401 (`invalid_token`: nothing was processed, §2) gets a new token and is sent once more.
 * Every failure leaves through {@link civilError}.
 */
export class CivilRegistrationTransport {
  private readonly http: AxiosInstance;
  private readonly tokens: OAuthTokenCache;
  private readonly pacer: RequestPacer;

  constructor(private readonly options: CivilRegistrationTransportOptions) {
    this.http = axios.create({
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 32 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 32 }),
      // Bodies stay raw text: XML is parsed by the hardened parser, JSON only where §2 says so.
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxContentLength: MAX_XML_BYTES,
      maxRedirects: 0,
      validateStatus: (s) => s >= 200 && s < 300,
      transitional: { clarifyTimeoutError: true },
    });
    sendCorrelationHeaders(this.http);
    this.tokens = new OAuthTokenCache(() => this.requestToken(), { refreshMarginMs: CIVIL_TOKEN_MARGIN_MS });
    this.pacer = RequestPacer.evenlySpaced(options.maxRequestsPerSecond, CIVIL_SPACING_MARGIN);
  }

  /** `POST /api/hotich/NhanDKHT`: resolves for `maLoi` 0 (new) and 2 (already received). */
  nhanDKHT(xml: string, signal?: AbortSignal): Promise<KetQua> {
    return this.api('NhanDKHT', ['0', '2'], (token) =>
      this.http.post('/api/hotich/NhanDKHT', xml, {
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/xml; charset=utf-8',
          Accept: 'application/xml',
        },
        signal,
      }),
    );
  }

  /** `GET /api/hotich/LayKetQua?maHoSo=`: resolves for `maLoi` 0 (found) and 4 (not found). */
  layKetQua(maHoSo: string, signal?: AbortSignal): Promise<KetQua> {
    return this.api('LayKetQua', ['0', '4'], (token) =>
      this.http.get('/api/hotich/LayKetQua', {
        params: { maHoSo },
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/xml' },
        signal,
      }),
    );
  }

  /** `GET /api/hotich/LayKetQua?tuNgay=&denNgay=&trang=` (§5): resolves for `maLoi` 0. */
  layKetQuaWindow(tuNgay: string, denNgay: string, trang: number, signal?: AbortSignal): Promise<KetQua> {
    return this.api('LayKetQua', ['0'], (token) =>
      this.http.get('/api/hotich/LayKetQua', {
        params: { tuNgay, denNgay, trang },
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/xml' },
        signal,
      }),
    );
  }

  /** Fetches a token without using it (health check). */
  async token(): Promise<void> {
    await this.tokens.get();
  }

  private async api(
    operation: ApiOperation,
    handled: readonly string[],
    send: (token: string) => Promise<AxiosResponse<unknown>>,
  ): Promise<KetQua> {
    for (let resent = false; ; resent = true) {
      const token = await this.tokens.get();
      await this.pacer.take();
      let body: unknown;
      try {
        body = (await send(token)).data;
      } catch (err) {
        if (isAxiosError(err) && err.response?.status === 401) {
          this.tokens.invalidate(token);
          if (!resent) continue;
          throw civilError(operation, { kind: 'token-refused-twice' });
        }
        throw civilError(operation, { kind: 'http', err });
      }
      let ketQua: KetQua;
      try {
        ketQua = parseXmlDocument(typeof body === 'string' ? body : '', 'ketQua');
      } catch (err) {
        throw civilError(operation, { kind: 'unreadable', err });
      }
      if (handled.includes(textOf(ketQua, 'maLoi'))) return ketQua;
      throw civilError(operation, { kind: 'answer', ketQua });
    }
  }

  /** §2: `POST /oauth/token` with the client credentials as a form. */
  private async requestToken(): Promise<IssuedToken> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
    });
    let body: unknown;
    try {
      body = (
        await this.http.post('/oauth/token', form.toString(), {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        })
      ).data;
    } catch (err) {
      throw civilError('token', { kind: 'token', err });
    }
    const parsed = parseJson(body) as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (!parsed || typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw civilError('token', { kind: 'token', err: new Error('token answer without access_token') });
    }
    const expires = Number(parsed.expires_in);
    return {
      accessToken: parsed.access_token,
      expiresInSeconds: Number.isFinite(expires) && expires > 0 ? expires : DOCUMENTED_LIFETIME_S,
    };
  }
}

function parseJson(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

type Failure =
  | { kind: 'http'; err: unknown }
  | { kind: 'token'; err: unknown }
  | { kind: 'token-refused-twice' }
  | { kind: 'unreadable'; err: unknown }
  | { kind: 'answer'; ketQua: KetQua };

/**
 * Every failure of the civil registration system as a GatewayError, in one place (GUIDE.md §2),
 * following the outcome table of civil-registration.md §6.
 */
export function civilError(operation: ApiOperation | 'token', failure: Failure): GatewayError {
  const what = `civil-registration ${operation}`;
  switch (failure.kind) {
    case 'http':
      // 429 (Retry-After) → rate limited; 5xx, timeout, reset → outcome unknown; refused → not applied.
      return normaliseHttpError(failure.err, {
        system: 'civil-registration',
        operation,
        rejectedMessage: describeJson,
      });
    case 'token': {
      const err = failure.err;
      const status = isAxiosError(err) ? err.response?.status : undefined;
      if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
        // 401 invalid_client or 400 invalid_request: the configuration is wrong, resending cannot help.
        const detail = describeJson(isAxiosError(err) ? err.response?.data : undefined);
        return new GatewayError('GW_ERR_SYSTEM_AUTH', {
          message: `${what}: HTTP ${status}${detail ? `: ${detail}` : ''}; check clientId/clientSecret`,
          upstreamStatus: status,
          retryable: false,
        });
      }
      const g = normaliseHttpError(err, { system: 'civil-registration', operation });
      // Whatever happened to the token request, the operation itself was never sent.
      return new GatewayError(g.code, {
        message: g.message.replace(/; outcome unknown$/, ''),
        retryable: g.retryable,
        outcome: 'not-applied',
        ...(g.retryAfterSeconds !== undefined ? { retryAfterSeconds: g.retryAfterSeconds } : {}),
        ...(g.upstreamStatus !== undefined ? { upstreamStatus: g.upstreamStatus } : {}),
      });
    }
    case 'token-refused-twice':
      // A fresh token refused too: nothing was processed (§2). Retryable, because the token
      // endpoint did accept the credentials; an administrator sees it if it persists.
      return new GatewayError('GW_ERR_SYSTEM_AUTH', {
        message: `${what}: HTTP 401 invalid_token even with a freshly issued token`,
        upstreamStatus: 401,
        retryable: true,
      });
    case 'unreadable':
      return new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
        message: `${what}: HTTP 200 with an unreadable body (${(failure.err as Error).message}); outcome unknown`,
        outcome: 'unknown',
        cause: failure.err instanceof XmlRefused ? undefined : failure.err,
      });
    case 'answer': {
      const maLoi = textOf(failure.ketQua, 'maLoi');
      const moTa = textOf(failure.ketQua, 'moTa');
      const details = { maLoi, moTa };
      if (maLoi === '1') {
        // §3.2: validation error; moTa starts with the path of the offending element.
        return new GatewayError('GW_ERR_SYSTEM_REJECTED', {
          message: `${what}: ${moTa || 'maLoi 1'}`,
          details,
        });
      }
      if (maLoi === '9') {
        // "System busy": nothing was applied; resend the same body later.
        return new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
          message: `${what}: busy (maLoi 9)${moTa ? `: ${moTa}` : ''}`,
          outcome: 'not-applied',
          details,
        });
      }
      return new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
        message: `${what}: unexpected maLoi ${JSON.stringify(maLoi)}${moTa ? ` (${moTa})` : ''}; outcome unknown`,
        outcome: 'unknown',
        details,
      });
    }
  }
}

/** `error` / `error_description` of a JSON error body (§2), for messages. */
function describeJson(body: unknown): string | undefined {
  const b = parseJson(body) as { error?: unknown; error_description?: unknown } | undefined;
  if (!b || typeof b !== 'object') return undefined;
  const parts = [b.error, b.error_description].filter((x): x is string => typeof x === 'string' && x !== '');
  return parts.length > 0 ? parts.join(': ') : undefined;
}
