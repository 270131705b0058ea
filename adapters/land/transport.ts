import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { normaliseHttpError } from '../../src/adapters/http-errors.js';
import { sendCorrelationHeaders } from '../../src/adapters/correlation-headers.js';

/** The land registry's response envelope (land.md §2.1). */
export interface LandEnvelope<T> {
  data: T;
  status: { success: boolean; code: string; type: string; time: string; message: string };
}

export interface LandTransportOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
}

/**
 * The only file of the land adapter that talks HTTP (GUIDE.md §2).
 */
export class LandTransport {
  private readonly http: AxiosInstance;

  constructor(options: LandTransportOptions) {
    this.http = axios.create({
      // An API call is never redirected (a redirect would take the request elsewhere); without
      // redirects axios also skips follow-redirects, a measurable share of each call's CPU.
      maxRedirects: 0,
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      headers: { 'X-VBDLIS-Key': options.apiKey, 'Content-Type': 'application/json; charset=utf-8' },
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      // Every status is handled below: the envelope carries the reason.
      validateStatus: (s) => s >= 200 && s < 300,
      transitional: { clarifyTimeoutError: true },
    });
    sendCorrelationHeaders(this.http);
  }

  private async call<T>(operation: string, fn: () => Promise<{ data: unknown }>): Promise<T> {
    let body: unknown;
    try {
      body = (await fn()).data;
    } catch (err) {
      throw normaliseHttpError(err, {
        system: 'land',
        operation,
        rejectedMessage: (b) => (b as LandEnvelope<unknown> | undefined)?.status?.message,
      });
    }
    const env = body as LandEnvelope<T> | undefined;
    if (!env || typeof env !== 'object' || !env.status || env.status.success !== true) {
      throw new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
        message: `land ${operation}: 2xx without a success envelope; outcome unknown`,
        outcome: 'unknown',
      });
    }
    return env.data;
  }

  tiepnhan(body: unknown): Promise<number> {
    return this.call('tiepnhan', () => this.http.post('/api/motcua/tiepnhan', body));
  }

  lookup(
    maHoSo: string,
  ): Promise<Array<{ hoSoId: number; MaHoSoMotCua: string; TrangThai: number; NgayCapNhat: string }>> {
    return this.call('lookup', () => this.http.get('/api/motcua/hoso', { params: { maHoSoMotCua: maHoSo } }));
  }

  update(
    operation: 'capnhattrangthaibosunghoso' | 'capnhattrangthaitraketquahoso',
    body: unknown,
  ): Promise<boolean> {
    return this.call(operation, () => this.http.post(`/api/motcua/${operation}`, body));
  }
}
