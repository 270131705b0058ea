import express from 'express';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { FaultInjector } from '../fault-injector.js';
import type { DossierStore } from './dossier-store.js';
import { contentIsNfc, MA_HO_SO, readMaHoSo, validateHoTich } from './dossier-validator.js';
import { parseCompactDateTime } from './local-time.js';
import type { RateLimiter } from './rate-limiter.js';
import type { TokenStore } from './token-store.js';
import type { CivilCounters, CivilFaultSettings, DossierRecord } from './types.js';
import { buildXml, parseXmlBody } from './xml-codec.js';
import type { OutElement } from './xml-codec.js';

/**
 * The vendor's own endpoints (civil-registration.md §2–§5): `POST /oauth/token`,
 * `POST /api/hotich/NhanDKHT`, `GET /api/hotich/LayKetQua`.
 *
 * @remarks Order on `/api/hotich/*`: generic faults (latency, outage, injected 429) → Bearer token
 * (401, nothing processed) → per-client rate limit (429) → busy (`maLoi` 9) → the operation.
 */
export interface ApiContext {
  store: DossierStore;
  tokens: TokenStore;
  limiter: RateLimiter;
  faults: FaultInjector;
  civil: CivilFaultSettings;
  counters: CivilCounters;
  /** client_id → client_secret */
  clients: ReadonlyMap<string, string>;
  now: () => number;
  random: () => number;
}

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;
const BUSY = 'Hệ thống đang bận, vui lòng gửi lại sau';

function sendXml(res: Response, content: OutElement): void {
  res.status(200).set('Content-Type', 'application/xml; charset=utf-8').send(buildXml('ketQua', content));
}

/** HTTP 429 as in §5.4: `Retry-After`, empty body. */
function sendTooMany(res: Response, counters: CivilCounters, retryAfterSeconds: number): void {
  counters.rateLimited += 1;
  res.status(429).set('Retry-After', String(retryAfterSeconds)).set('Content-Length', '0').end();
}

/** `FaultInjector.before()`, with its injected 429 answered in this vendor's shape (empty body). */
function genericFaults(ctx: ApiContext): RequestHandler {
  const inner = ctx.faults.before();
  return (req, res, next) => {
    const json = res.json;
    res.json = function (this: Response, body: unknown) {
      if (this.statusCode !== 429) return json.call(this, body);
      ctx.counters.rateLimited += 1;
      this.set('Content-Length', '0').end();
      return this;
    } as Response['json'];
    return inner(req, res, (err?: unknown) => {
      res.json = json;
      next(err);
    });
  };
}

function takeBusy(ctx: ApiContext, op: 'NhanDKHT' | 'LayKetQua'): boolean {
  const c = ctx.civil;
  if (c.busy) return true;
  if (op === 'NhanDKHT' && c.busyNext > 0) {
    c.busyNext -= 1;
    return true;
  }
  if (op === 'LayKetQua' && c.busyLookupNext > 0) {
    c.busyLookupNext -= 1;
    return true;
  }
  return c.busyRate > 0 && ctx.random() < c.busyRate;
}

function tokenRoute(ctx: ApiContext): RequestHandler {
  return (req, res) => {
    const invalid = (error: string) => res.status(400).set('Cache-Control', 'no-store').json({ error });
    if (!req.is('application/x-www-form-urlencoded')) return void invalid('invalid_request');
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const form = new URLSearchParams(body);
    const field = (name: string): string | undefined | null => {
      const values = form.getAll(name);
      if (values.length > 1) return null;
      return values[0] === '' ? undefined : values[0];
    };
    const grantType = field('grant_type');
    const clientId = field('client_id');
    const clientSecret = field('client_secret');
    if (grantType === null || clientId === null || clientSecret === null || grantType === undefined)
      return void invalid('invalid_request');
    if (grantType !== 'client_credentials') return void invalid('unsupported_grant_type');
    if (clientId === undefined || clientSecret === undefined) return void invalid('invalid_request');
    if (ctx.clients.get(clientId) !== clientSecret) {
      res
        .status(401)
        .set('Cache-Control', 'no-store')
        .json({ error: 'invalid_client', error_description: 'Client authentication failed' });
      return;
    }
    const lifetime = ctx.civil.tokenLifetimeSeconds;
    const accessToken = ctx.tokens.issue(clientId, lifetime * 1000);
    ctx.counters.tokensIssued += 1;
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .json({
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: Math.max(1, Math.ceil(lifetime)),
      });
  };
}

/** Bearer check: 401 JSON + `WWW-Authenticate` (§2), then the per-client rate limit (§1). */
function authAndRate(ctx: ApiContext): RequestHandler {
  const descriptions = {
    missing: 'Missing access token',
    unknown: 'Invalid access token',
    expired: 'Access token expired',
  } as const;
  return (req: Request, res: Response, next: NextFunction) => {
    const check = ctx.tokens.check(req.get('authorization'));
    if (!check.ok) {
      ctx.counters.unauthorized += 1;
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer error="invalid_token"')
        .json({ error: 'invalid_token', error_description: descriptions[check.reason] });
      return;
    }
    res.locals.clientId = check.clientId;
    const rate = ctx.limiter.take(check.clientId);
    if (!rate.ok) return void sendTooMany(res, ctx.counters, rate.retryAfterSeconds);
    next();
  };
}

/** Accepts `application/xml`, `text/xml` or `+xml`; a declared charset must be UTF-8. */
function contentTypeProblem(req: Request): string | undefined {
  const header = req.get('content-type');
  if (header === undefined) return undefined;
  const [type = '', ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/xml' && type !== 'text/xml' && !type.endsWith('+xml'))
    return 'Content-Type phải là application/xml; charset=utf-8';
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8') return 'charset phải là UTF-8';
  return undefined;
}

function nhanDKHT(ctx: ApiContext): RequestHandler {
  return async (req, res) => {
    const clientId = res.locals.clientId as string;
    const answer = (maLoi: '0' | '1' | '2' | '9', moTa: string, soHoSoHoTich = '') => {
      ctx.counters.nhanDKHTResults[maLoi] += 1;
      if ((maLoi === '0' || maLoi === '2') && ctx.faults.afterCommit(res)) return;
      sendXml(res, { maLoi, moTa, soHoSoHoTich });
    };
    if (takeBusy(ctx, 'NhanDKHT')) return answer('9', BUSY);
    const typeProblem = contentTypeProblem(req);
    if (typeProblem) return answer('1', `hoTich: ${typeProblem}`);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const parsed = parseXmlBody(body);
    if (!parsed.ok) return answer('1', `hoTich: ${parsed.reason}`);
    if (parsed.root !== 'hoTich')
      return answer('1', `${parsed.root}: phần tử gốc không hợp lệ, yêu cầu hoTich`);
    // Idempotency first: "whatever its content", the content of a repeated maHoSo is ignored (§3.2).
    const maHoSo = readMaHoSo(parsed.value);
    const existing = maHoSo === undefined ? undefined : ctx.store.find(clientId, maHoSo);
    if (existing) return answer('2', 'Hồ sơ đã tồn tại', existing.soHoSoHoTich);
    const validation = validateHoTich(parsed.value);
    if (!validation.ok) return answer('1', validation.moTa);
    const xml = body.toString('utf8');
    const record = ctx.store.create(
      clientId,
      validation.content,
      xml,
      contentIsNfc(validation.content),
      ctx.now(),
    );
    ctx.counters.records = ctx.store.size;
    answer('0', 'Tiếp nhận hồ sơ thành công', record.soHoSoHoTich);
  };
}

const itemOf = (r: DossierRecord): OutElement => ({
  maHoSo: r.maHoSo,
  soHoSoHoTich: r.soHoSoHoTich,
  trangThai: String(r.trangThai),
  ngayCapNhat: r.ngayCapNhat,
  soDangKy: r.soDangKy,
  soDinhDanh: r.soDinhDanh,
  ghiChu: r.ghiChu,
});

function layKetQua(ctx: ApiContext): RequestHandler {
  return (req, res) => {
    const clientId = res.locals.clientId as string;
    const params = new URL(req.originalUrl, 'http://simulator.invalid').searchParams;
    const error = (moTa: string) => sendXml(res, { maLoi: '1', moTa });
    const one = (name: string): { value?: string; problem?: string } => {
      const values = params.getAll(name);
      if (values.length > 1) return { problem: `${name}: tham số bị lặp lại` };
      if (values.length === 0 || values[0] === '') return {};
      return { value: values[0] };
    };
    const maHoSo = one('maHoSo');
    const windowAsked = params.has('tuNgay') || params.has('denNgay');
    if (params.has('maHoSo') && windowAsked) return void error('maHoSo: không được dùng cùng tuNgay/denNgay');

    if (params.has('maHoSo')) {
      ctx.counters.layKetQuaSingle += 1;
      if (takeBusy(ctx, 'LayKetQua')) return void sendXml(res, { maLoi: '9', moTa: BUSY });
      if (maHoSo.problem) return void error(maHoSo.problem);
      if (maHoSo.value === undefined) return void error('maHoSo: thiếu tham số bắt buộc');
      if (!MA_HO_SO.test(maHoSo.value))
        return void error('maHoSo: sai định dạng, yêu cầu 1..50 ký tự [A-Za-z0-9.-]');
      const record = ctx.store.find(clientId, maHoSo.value);
      if (!record) return void sendXml(res, { maLoi: '4', moTa: `Không tìm thấy hồ sơ ${maHoSo.value}` });
      return void sendXml(res, { maLoi: '0', moTa: 'Thành công', ...itemOf(record) });
    }

    ctx.counters.layKetQuaWindow += 1;
    if (takeBusy(ctx, 'LayKetQua')) return void sendXml(res, { maLoi: '9', moTa: BUSY });
    const bounds: number[] = [];
    for (const name of ['tuNgay', 'denNgay']) {
      const p = one(name);
      if (p.problem) return void error(p.problem);
      if (p.value === undefined) return void error(`${name}: thiếu tham số bắt buộc`);
      const at = parseCompactDateTime(p.value);
      if (at === undefined) return void error(`${name}: sai định dạng, yêu cầu yyyyMMddHHmmss`);
      bounds.push(at);
    }
    const [from = 0, to = 0] = bounds;
    if (to <= from) return void error('denNgay: phải sau tuNgay');
    if (to - from > SEVEN_DAYS_MS) return void error('denNgay: khoảng thời gian tối đa là 7 ngày');
    const trang = one('trang');
    if (trang.problem) return void error(trang.problem);
    if (params.has('trang') && (trang.value === undefined || !/^[1-9]\d{0,8}$/.test(trang.value)))
      return void error('trang: sai định dạng, yêu cầu số nguyên ≥ 1');
    const page = trang.value === undefined ? 1 : Number(trang.value);
    const { total, items } = ctx.store.window(clientId, from, to, page);
    sendXml(res, {
      maLoi: '0',
      moTa: 'Thành công',
      tongSo: String(total),
      trang: String(page),
      danhSach: items.length > 0 ? { hoSo: items.map(itemOf) } : '',
    });
  };
}

/** Mounts the vendor endpoints. */
export function apiRouter(ctx: ApiContext): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: '1mb' });
  router.post(
    '/oauth/token',
    (_req, _res, next) => {
      ctx.counters.tokenRequests += 1;
      next();
    },
    genericFaults(ctx),
    raw,
    tokenRoute(ctx),
  );
  router.use('/api/hotich', (req, _res, next) => {
    if (req.path === '/NhanDKHT') ctx.counters.nhanDKHTCalls += 1;
    if (req.path === '/LayKetQua') ctx.counters.layKetQuaCalls += 1;
    next();
  });
  router.use('/api/hotich', genericFaults(ctx), authAndRate(ctx));
  router.post('/api/hotich/NhanDKHT', raw, nhanDKHT(ctx));
  router.get('/api/hotich/LayKetQua', layKetQua(ctx));
  return router;
}
