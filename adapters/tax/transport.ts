import axios, { isAxiosError, type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { normaliseHttpError } from '../../src/adapters/http-errors.js';
import { sendCorrelationHeaders } from '../../src/adapters/correlation-headers.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { MAX_XML_BYTES } from '../../src/xml/safe-xml.js';
import { parseKq, type Kq } from './kq-envelope.js';

export interface TaxTransportOptions {
  baseUrl: string;
  securityKey: string;
  timeoutMs: number;
}

/** What came back from one HTTP exchange, before any interpretation. */
export type TaxExchange = { ok: true; status: number; text: string } | { ok: false; error: unknown };

/**
 * Turns every answer of `POST /api/thue/phieuchuyen` into an accepted KQ or a GatewayError, in one
 * place (tax.md §3.3).
 *
 * @remarks `00` is success whether the form was created now or earlier under the same MA_GDICH
 * (§3.2). `01` is a data problem: not retryable, the MO_TA (which starts with the offending
 * element) is kept. `99` means "nothing created", so its outcome is known. A 2xx whose body is not
 * a KQ envelope, or a `00` that echoes another MA_GDICH, proves nothing about our form: the outcome
 * is unknown and the retry (same MA_GDICH, so harmless) settles it. HTTP failures go through the
 * shared {@link normaliseHttpError}: 401 → GW_ERR_SYSTEM_AUTH, 429 honours Retry-After, 5xx and
 * timeouts are outcome-unknown.
 */
export async function normaliseTaxAnswer(
  exchange: TaxExchange,
  options: { operation: string; maGdich: string },
): Promise<Kq> {
  const what = `tax ${options.operation}`;
  if (!exchange.ok) {
    const err = exchange.error;
    const body = isAxiosError(err) ? err.response?.data : undefined;
    const kq = typeof body === 'string' ? await parseKq(body) : undefined;
    throw normaliseHttpError(err, {
      system: 'tax',
      operation: options.operation,
      rejectedMessage: () => (kq ? `${kq.MA_LOI} ${kq.MO_TA}` : undefined),
    });
  }
  const kq = await parseKq(exchange.text);
  if (!kq) {
    throw new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
      message: `${what}: HTTP ${exchange.status} without a KQ envelope; outcome unknown`,
      outcome: 'unknown',
      upstreamStatus: exchange.status,
    });
  }
  const details = { MA_LOI: kq.MA_LOI, MO_TA: kq.MO_TA, MA_GDICH: kq.MA_GDICH };
  switch (kq.MA_LOI) {
    case '00':
      if (kq.MA_GDICH !== '' && kq.MA_GDICH !== options.maGdich) {
        throw new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
          message: `${what}: 00 answered for MA_GDICH ${kq.MA_GDICH}, not ${options.maGdich}; outcome unknown`,
          outcome: 'unknown',
          details,
        });
      }
      return kq;
    case '01':
      throw new GatewayError('GW_ERR_SYSTEM_REJECTED', {
        message: `${what}: 01 ${kq.MO_TA}`,
        upstreamStatus: exchange.status,
        details: { ...details, element: kq.MO_TA.split(':')[0]?.trim() ?? '' },
      });
    case '02':
      throw new GatewayError('GW_ERR_SYSTEM_AUTH', {
        message: `${what}: 02 ${kq.MO_TA}`,
        upstreamStatus: exchange.status,
        details,
      });
    case '99':
      throw new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
        message: `${what}: 99 ${kq.MO_TA}; nothing was created, retry with the same MA_GDICH`,
        outcome: 'not-applied',
        upstreamStatus: exchange.status,
        details,
      });
    default:
      throw new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
        message: `${what}: unexpected MA_LOI ${JSON.stringify(kq.MA_LOI)}; outcome unknown`,
        outcome: 'unknown',
        upstreamStatus: exchange.status,
        details,
      });
  }
}

/**
 * The only file of the tax adapter that talks HTTP (GUIDE.md §2).
 */
export class TaxTransport {
  private readonly http: AxiosInstance;

  constructor(options: TaxTransportOptions) {
    this.http = axios.create({
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      headers: { SecurityKey: options.securityKey, 'Content-Type': 'application/xml; charset=utf-8' },
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
      // The body is read as text and parsed by the hardened XML parser, never by axios.
      responseType: 'text',
      responseEncoding: 'utf8',
      transformResponse: [(data: unknown) => data],
      maxContentLength: MAX_XML_BYTES,
      maxRedirects: 0,
      validateStatus: (s) => s >= 200 && s < 300,
      transitional: { clarifyTimeoutError: true },
    });
    sendCorrelationHeaders(this.http);
  }

  private async exchange(send: () => Promise<{ status: number; data: unknown }>): Promise<TaxExchange> {
    try {
      const res = await send();
      return { ok: true, status: res.status, text: typeof res.data === 'string' ? res.data : '' };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Sends a transfer form; resolves with the accepting KQ, throws GatewayError otherwise. */
  async phieuchuyen(xml: string, maGdich: string, signal?: AbortSignal): Promise<Kq> {
    const exchange = await this.exchange(() => this.http.post('/api/thue/phieuchuyen', xml, { signal }));
    return normaliseTaxAnswer(exchange, { operation: 'phieuchuyen', maGdich });
  }

  /**
   * Reachability only: tax.md defines no status or query operation, and sending a form to test
   * would create a tax record. Any HTTP answer below 500 means the authority's server is there.
   */
  async probe(): Promise<void> {
    try {
      await this.http.get('/', { validateStatus: (s) => s < 500 });
    } catch (err) {
      throw normaliseHttpError(err, { system: 'tax', operation: 'health' });
    }
  }
}
