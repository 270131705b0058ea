import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import type { Redis } from 'ioredis';
import { GatewayError } from '../errors/gateway-error.js';
import { normaliseHttpError } from '../adapters/http-errors.js';
import { sendCorrelationHeaders } from '../adapters/correlation-headers.js';
import type { DossierRecord } from '../domain/dossier.js';
import type { ProgressRow } from '../domain/system-event.js';
import type { Logger } from '../logging/logger.js';
import { RELEASE_LOCK } from '../store/lua-script.js';

export interface PortalReply {
  error_code: string;
  message: string;
  session?: string;
  expires_in?: number;
  result?: DossierRecord & { DanhSachTienDo?: Array<ProgressRow & { MaHoSo: string }> };
}

export interface PortalTransportOptions {
  baseUrl: string;
  username: string;
  password: string;
  madonvi: string;
  timeoutMs: number;
  /** Shared session cache so every worker process reuses one session (portal.md §5.2). */
  redis: Redis;
  sessionKey: string;
  log: Logger;
}

/**
 * The only module that talks HTTP to the portal's status API (portal.md §5).
 *
 * @remarks The session is cached in Redis for all workers and renewed on "-1" (expired or unknown)
 * by at most one login per process at a time; the request that met "-1" is then resent once, as
 * the portal's outcome table says (nothing was applied).
 */
export class PortalTransport {
  private readonly http: AxiosInstance;
  private login: Promise<string> | null = null;

  constructor(private readonly o: PortalTransportOptions) {
    this.http = axios.create({
      // An API call is never redirected (a redirect would take the request elsewhere); without
      // redirects axios also skips follow-redirects, a measurable share of each call's CPU.
      maxRedirects: 0,
      baseURL: o.baseUrl,
      timeout: o.timeoutMs,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 32 }),
      transitional: { clarifyTimeoutError: true },
    });
    sendCorrelationHeaders(this.http);
  }

  private async post(path: string, body: unknown, operation: string): Promise<PortalReply> {
    try {
      const res = await this.http.post<PortalReply>(path, body);
      if (!res.data || typeof res.data.error_code !== 'string') {
        throw new GatewayError('GW_ERR_PORTAL_UNAVAILABLE', {
          message: `portal ${operation}: answer without error_code; outcome unknown`,
          outcome: 'unknown',
        });
      }
      return res.data;
    } catch (err) {
      const g = normaliseHttpError(err, { system: 'portal', operation });
      if (g.code === 'GW_ERR_SYSTEM_RATE_LIMITED') return Promise.reject(g);
      if (g.code === 'GW_ERR_SYSTEM_UNAVAILABLE' || g.code === 'GW_ERR_SYSTEM_TIMEOUT') {
        throw new GatewayError('GW_ERR_PORTAL_UNAVAILABLE', {
          message: g.message,
          outcome: g.outcome,
          cause: g,
        });
      }
      throw g;
    }
  }

  private async session(): Promise<string> {
    const cached = await this.o.redis.get(this.o.sessionKey);
    if (cached) return cached;
    return this.renew(null);
  }

  /** Logs in once per process at a time; `stale` is the session that just failed, if any. */
  private renew(stale: string | null): Promise<string> {
    if (this.login) return this.login;
    this.login = (async () => {
      try {
        const current = await this.o.redis.get(this.o.sessionKey);
        if (current && current !== stale) return current; // another worker renewed it already
        const reply = await this.post(
          '/auth/login',
          { username: this.o.username, password: this.o.password },
          'login',
        );
        if (reply.error_code !== '0' || !reply.session) {
          throw new GatewayError('GW_ERR_PORTAL_LOGIN', {
            message: `portal login refused: ${reply.message}`,
          });
        }
        const ttl = Math.max(1, Math.floor((reply.expires_in ?? 1800) * 0.9));
        await this.o.redis.set(this.o.sessionKey, reply.session, 'EX', ttl);
        this.o.log.info({ expiresIn: reply.expires_in }, 'portal session opened');
        return reply.session;
      } finally {
        this.login = null;
      }
    })();
    return this.login;
  }

  /** Sends one /integration request with the session, renewing it once on "-1". */
  async integration(service: string, fields: Record<string, unknown>): Promise<PortalReply> {
    let session = await this.session();
    for (let i = 0; i < 2; i += 1) {
      const reply = await this.post(
        '/integration',
        { session, madonvi: this.o.madonvi, service, ...fields },
        service,
      );
      if (reply.error_code !== '-1') return reply;
      this.o.log.warn({ service }, 'portal session expired; logging in again');
      await RELEASE_LOCK.run(this.o.redis, [this.o.sessionKey], [session]);
      session = await this.renew(session);
    }
    throw new GatewayError('GW_ERR_PORTAL_UNAVAILABLE', {
      message: 'portal: session rejected twice in a row; nothing was applied',
      outcome: 'not-applied',
    });
  }

  async syncRecord(record: DossierRecord, isUpdating: boolean, madonvi: string): Promise<PortalReply> {
    return this.integration('DongBoHoSoMC', {
      madonvi,
      isUpdating: isUpdating ? 'True' : 'False',
      data: [record],
    });
  }

  async appendProgress(rows: Array<ProgressRow & { MaHoSo: string }>, madonvi: string): Promise<PortalReply> {
    return this.integration('CapNhatTienDoHoSoMC', { madonvi, data: rows });
  }

  async read(maHoSo: string, madonvi: string): Promise<PortalReply> {
    return this.integration('TraCuuHoSo', { madonvi, mahoso: maHoSo });
  }
}
