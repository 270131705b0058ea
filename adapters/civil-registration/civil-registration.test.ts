import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryContext, PollContext } from '../../src/adapters/adapter.js';
import { OAuthTokenCache } from '../../src/adapters/oauth-token-cache.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { createLogger } from '../../src/logging/logger.js';
import { createCivilRegistrationSimulator } from '../../src/simulators/civil-registration/index.js';
import type {
  CivilRegistrationSimulator,
  CivilRegistrationSimulatorOptions,
} from '../../src/simulators/civil-registration/index.js';
import { CivilRegistrationAdapter, type CivilRegistrationAdapterOptions } from './index.js';

const EXAMPLES = new URL('../../../shared/specs/examples/', import.meta.url);
const example = (name: string): string => readFileSync(new URL(name, EXAMPLES), 'utf8');
const civil = (name: string): string => example(`civil-registration/${name}`);
const feedRecord = (name: string): DossierRecord =>
  (JSON.parse(example(`portal/${name}`)) as { data: DossierRecord[] }).data[0]!;

const BIRTH = feedRecord('feed-birth.json');
const DEATH = feedRecord('feed-death-bhxh.json');
const KS_CODE = 'H40.22-251105-0002';
const KT_CODE = 'H40.22-251105-0003';
const BASE = 'http://civil.test';
const CLIENT = { clientId: 'motcua_h40', clientSecret: 'Example-Secret-H40' };
const log = createLogger('silent');

function adapterFor(baseUrl: string, options: Partial<CivilRegistrationAdapterOptions> = {}) {
  return new CivilRegistrationAdapter({
    baseUrl,
    ...CLIENT,
    timeoutMs: 2_000,
    maxRequestsPerSecond: 0,
    ...options,
  });
}

function deliveryCtx(record: DossierRecord, overrides: Partial<DeliveryContext> = {}): DeliveryContext {
  return {
    deliveryId: `d-${record.MaHoSo}`,
    operation: 'NhanDKHT',
    params: {},
    record,
    externalId: undefined,
    attempt: 1,
    facts: {},
    log,
    ...overrides,
  };
}

function pollCtx(open: string[], now: Date, cursor?: string): PollContext {
  return { open: open.map((MaHoSo) => ({ MaHoSo })), cursor, now, log };
}

async function failure(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a GatewayError');
}

const XML = { 'Content-Type': 'application/xml; charset=utf-8' };

/** Token endpoint answering the spec's example token; counts the requests. */
function tokenScope(times = 1, token = 'tok-1') {
  const bodies: string[] = [];
  const scope = nock(BASE)
    .post('/oauth/token', (body: unknown) => {
      bodies.push(
        typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString(),
      );
      return true;
    })
    .times(times)
    .reply(200, { ...JSON.parse(civil('token-response.json')), access_token: token });
  return { scope, bodies };
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

describe('civil registration adapter: mapping and errors (nock)', () => {
  it('When the birth dossier of the example feed is delivered, then exactly the example <hoTich> KS body is sent with a Bearer token, and the number is kept', async () => {
    const { bodies } = tokenScope();
    let sent: unknown;
    let headers: Record<string, string | string[] | undefined> = {};
    nock(BASE)
      .post('/api/hotich/NhanDKHT', (body: unknown) => {
        sent = body;
        return true;
      })
      .reply(function () {
        headers = this.req.headers;
        return [200, civil('nhandkht-response-accepted.xml'), XML];
      });
    const result = await adapterFor(BASE).deliver(deliveryCtx(BIRTH));
    expect(sent).toBe(civil('nhandkht-ks-request.xml'));
    expect(headers.authorization).toBe('Bearer tok-1');
    expect(headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(new URLSearchParams(bodies[0]).get('grant_type')).toBe('client_credentials');
    expect(new URLSearchParams(bodies[0]).get('client_id')).toBe('motcua_h40');
    expect(new URLSearchParams(bodies[0]).get('client_secret')).toBe('Example-Secret-H40');
    expect(result.externalId).toBe('KS-2025-0001234');
    expect(result.note).toContain('created');
  });

  it('When the death dossier of the example feed is delivered, then exactly the example <hoTich> KT body is sent', async () => {
    tokenScope();
    let sent: unknown;
    nock(BASE)
      .post('/api/hotich/NhanDKHT', (body: unknown) => {
        sent = body;
        return true;
      })
      .reply(200, civil('nhandkht-response-accepted.xml'), XML);
    await adapterFor(BASE).deliver(deliveryCtx(DEATH));
    expect(sent).toBe(civil('nhandkht-kt-request.xml'));
  });

  it('When the father is not declared and the record holds decomposed text, then <cha> is left out and the text is sent in NFC', () => {
    const record = structuredClone(BIRTH);
    delete record.HoTich!.Cha;
    record.HoTich!.NguoiDuocKhaiSinh!.HoTen = 'Trần Gia Hân'.normalize('NFD');
    const xml = adapterFor(BASE).requestXml(record);
    expect(xml).not.toContain('<cha>');
    expect(xml).toContain('<hoTen>Trần Gia Hân</hoTen>'.normalize('NFC'));
    expect(xml.normalize('NFC')).toBe(xml);
  });

  it('When the system answers maLoi 2 (already exists), then delivery succeeds and adopts the existing number', async () => {
    tokenScope();
    nock(BASE).post('/api/hotich/NhanDKHT').reply(200, civil('nhandkht-response-exists.xml'), XML);
    const result = await adapterFor(BASE).deliver(deliveryCtx(BIRTH));
    expect(result.externalId).toBe('KS-2025-0001234');
    expect(result.note).toMatch(/already held.*adopted KS-2025-0001234/);
  });

  it('When the system answers maLoi 1 (invalid), then the error is GW_ERR_SYSTEM_REJECTED, not retryable, with the message', async () => {
    tokenScope();
    nock(BASE).post('/api/hotich/NhanDKHT').reply(200, civil('nhandkht-response-invalid.xml'), XML);
    const err = await failure(adapterFor(BASE).deliver(deliveryCtx(BIRTH)));
    expect(err.code).toBe('GW_ERR_SYSTEM_REJECTED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('nguoiDuocKhaiSinh/ngaySinh: sai định dạng, yêu cầu dd/MM/yyyy');
  });

  it('When the system answers maLoi 9 (busy), then the error is retryable and nothing was applied', async () => {
    tokenScope();
    nock(BASE).post('/api/hotich/NhanDKHT').reply(200, civil('nhandkht-response-busy.xml'), XML);
    const err = await failure(adapterFor(BASE).deliver(deliveryCtx(BIRTH)));
    expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.outcome).toBe('not-applied');
  });

  it('When a call gets 401 invalid_token, then a new token is obtained and the same request is resent once', async () => {
    nock(BASE)
      .post('/oauth/token')
      .reply(200, { access_token: 'old', token_type: 'Bearer', expires_in: 300 });
    nock(BASE)
      .post('/oauth/token')
      .reply(200, { access_token: 'new', token_type: 'Bearer', expires_in: 300 });
    const bodies: unknown[] = [];
    nock(BASE)
      .post('/api/hotich/NhanDKHT', (b: unknown) => (bodies.push(b), true))
      .matchHeader('authorization', 'Bearer old')
      .reply(401, civil('error-invalid-token.json'), {
        'Content-Type': 'application/json; charset=utf-8',
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    nock(BASE)
      .post('/api/hotich/NhanDKHT', (b: unknown) => (bodies.push(b), true))
      .matchHeader('authorization', 'Bearer new')
      .reply(200, civil('nhandkht-response-accepted.xml'), XML);
    const result = await adapterFor(BASE).deliver(deliveryCtx(BIRTH));
    expect(result.externalId).toBe('KS-2025-0001234');
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toBe(bodies[0]);
    expect(nock.isDone()).toBe(true);
  });

  it('When the token endpoint answers 401 invalid_client, then the error is GW_ERR_SYSTEM_AUTH, not retryable, and nothing is sent', async () => {
    nock(BASE).post('/oauth/token').reply(401, civil('token-response-invalid-client.json'), {
      'Content-Type': 'application/json; charset=utf-8',
    });
    const submit = nock(BASE)
      .post('/api/hotich/NhanDKHT')
      .reply(200, civil('nhandkht-response-accepted.xml'), XML);
    const err = await failure(adapterFor(BASE).deliver(deliveryCtx(BIRTH)));
    expect(err.code).toBe('GW_ERR_SYSTEM_AUTH');
    expect(err.retryable).toBe(false);
    expect(err.outcome).toBe('not-applied');
    expect(err.message).toContain('invalid_client');
    expect(submit.isDone()).toBe(false);
  });

  it('When the system answers 429 with Retry-After, then the error is GW_ERR_SYSTEM_RATE_LIMITED with that delay', async () => {
    tokenScope();
    nock(BASE).post('/api/hotich/NhanDKHT').reply(429, '', { 'Retry-After': '3', 'Content-Length': '0' });
    const err = await failure(adapterFor(BASE).deliver(deliveryCtx(BIRTH)));
    expect(err.code).toBe('GW_ERR_SYSTEM_RATE_LIMITED');
    expect(err.retryAfterSeconds).toBe(3);
    expect(err.retryable).toBe(true);
  });

  it('When the system answers 5xx, then the error is retryable with an unknown outcome', async () => {
    tokenScope();
    nock(BASE).post('/api/hotich/NhanDKHT').reply(503, 'down');
    const err = await failure(adapterFor(BASE).deliver(deliveryCtx(BIRTH)));
    expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.outcome).toBe('unknown');
  });

  it('When no answer comes within the timeout, then the error is GW_ERR_SYSTEM_TIMEOUT with an unknown outcome', async () => {
    tokenScope();
    nock(BASE)
      .post('/api/hotich/NhanDKHT')
      .delay(1_000)
      .reply(200, civil('nhandkht-response-accepted.xml'), XML);
    const err = await failure(adapterFor(BASE, { timeoutMs: 200 }).deliver(deliveryCtx(BIRTH)));
    expect(err.code).toBe('GW_ERR_SYSTEM_TIMEOUT');
    expect(err.outcome).toBe('unknown');
    expect(err.retryable).toBe(true);
  });

  it('When the token request times out, then the outcome is known: the operation was never sent', async () => {
    nock(BASE)
      .post('/oauth/token')
      .delay(1_000)
      .reply(200, JSON.parse(civil('token-response.json')));
    const err = await failure(adapterFor(BASE, { timeoutMs: 200 }).deliver(deliveryCtx(BIRTH)));
    expect(err.code).toBe('GW_ERR_SYSTEM_TIMEOUT');
    expect(err.outcome).toBe('not-applied');
  });

  it('When an answer carries a DOCTYPE, then it is refused unparsed and the outcome is unknown', async () => {
    tokenScope();
    const evil =
      '<?xml version="1.0"?><!DOCTYPE ketQua [<!ENTITY x SYSTEM "file:///etc/passwd">]><ketQua><maLoi>0</maLoi><soHoSoHoTich>&x;</soHoSoHoTich></ketQua>';
    nock(BASE).post('/api/hotich/NhanDKHT').reply(200, evil, XML);
    const err = await failure(adapterFor(BASE).deliver(deliveryCtx(BIRTH)));
    expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(err.outcome).toBe('unknown');
    expect(err.message).toContain('DOCTYPE');
  });

  it('When many deliveries need a token at once, then only one token request is made', async () => {
    const { scope } = tokenScope(1);
    nock(BASE).post('/api/hotich/NhanDKHT').times(8).reply(200, civil('nhandkht-response-accepted.xml'), XML);
    const adapter = adapterFor(BASE);
    await Promise.all(Array.from({ length: 8 }, () => adapter.deliver(deliveryCtx(BIRTH))));
    expect(scope.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('When the lookup finds the dossier, then it is adopted with its number; when not found, then found is false', async () => {
    tokenScope();
    nock(BASE)
      .get('/api/hotich/LayKetQua')
      .query({ maHoSo: KS_CODE })
      .reply(200, civil('layketqua-response.xml'), XML)
      .get('/api/hotich/LayKetQua')
      .query({ maHoSo: KS_CODE })
      .reply(200, civil('layketqua-response-notfound.xml'), XML);
    const adapter = adapterFor(BASE);
    expect(await adapter.lookup(deliveryCtx(BIRTH))).toMatchObject({
      found: true,
      externalId: 'KS-2025-0001234',
    });
    expect(await adapter.lookup(deliveryCtx(BIRTH))).toEqual({ found: false });
  });

  it('When the lookup answers maLoi 1, then the error is GW_ERR_SYSTEM_REJECTED', async () => {
    tokenScope();
    nock(BASE)
      .get('/api/hotich/LayKetQua')
      .query(true)
      .reply(200, civil('layketqua-response-invalid.xml'), XML);
    const err = await failure(adapterFor(BASE).lookup(deliveryCtx(BIRTH)));
    expect(err.code).toBe('GW_ERR_SYSTEM_REJECTED');
    expect(err.message).toContain('denNgay: khoảng thời gian tối đa là 7 ngày');
  });

  it("When few dossiers are open and one is registered, then one event with status 9, the result, the child's soDinhDanh and local times comes out, with the same id on every poll", async () => {
    tokenScope();
    nock(BASE)
      .get('/api/hotich/LayKetQua')
      .query({ maHoSo: KS_CODE })
      .times(2)
      .reply(200, civil('layketqua-response.xml'), XML);
    const adapter = adapterFor(BASE);
    const now = new Date('2025-11-06T11:00:00+07:00');
    const batch = await adapter.poll(pollCtx([KS_CODE], now));
    expect(batch.rejects).toEqual([]);
    expect(batch.nextCursor).toBe('20251106110000');
    expect(batch.events).toEqual([
      {
        system: 'civil-registration',
        eventId: 'H40.22-251105-0002|4|20251106101500',
        MaHoSo: KS_CODE,
        externalId: 'KS-2025-0001234',
        occurredAt: '20251106101500',
        kind: 'trangThai 4',
        status: '9',
        progress: {
          NguoiXuLy: '',
          ChucDanh: '',
          PhongBanXuLy: '',
          NoiDungXuLy: 'Đã đăng ký khai sinh, số đăng ký 215/2025',
          NgayKetThucTheoQuyDinh: '',
        },
        result: {
          NgayKetThucXuLy: '20251106101500',
          documents: [{ TenGiayTo: 'Giấy khai sinh, số đăng ký 215/2025', MaGiayToKetQua: '215/2025' }],
        },
        facts: { soDinhDanh: '040325000815' },
        data: { trangThai: '4' },
      },
    ]);
    const again = await adapter.poll(pollCtx([KS_CODE], new Date(now.getTime() + 60_000), batch.nextCursor));
    expect(again.events.map((e) => e.eventId)).toEqual(batch.events.map((e) => e.eventId));
  });

  it('When many dossiers are open, then the time window is read from the cursor minus the overlap to now, and each item becomes one event', async () => {
    tokenScope();
    let query: Record<string, string> = {};
    nock(BASE)
      .get('/api/hotich/LayKetQua')
      .query((q) => ((query = q as Record<string, string>), true))
      .reply(200, civil('layketqua-window-response.xml'), XML);
    const open = [
      KS_CODE,
      KT_CODE,
      ...Array.from({ length: 20 }, (_, i) => `H40.22-251105-9${String(i).padStart(3, '0')}`),
    ];
    const batch = await adapterFor(BASE).poll(
      pollCtx(open, new Date('2025-11-07T00:00:00+07:00'), '20251106000200'),
    );
    expect(query).toEqual({ tuNgay: '20251106000000', denNgay: '20251107000000', trang: '1' });
    expect(batch.nextCursor).toBe('20251107000000');
    expect(batch.rejects).toEqual([]);
    const [kt, ks] = batch.events;
    expect(kt).toMatchObject({
      MaHoSo: KT_CODE,
      eventId: 'H40.22-251105-0003|3|20251106084000',
      externalId: 'KT-2025-0000567',
      occurredAt: '20251106084000',
      status: '5',
      supplementRequest: { NoiDungYeuCau: 'Bổ sung bản chụp giấy báo tử có xác nhận của cơ sở y tế' },
      progress: { NoiDungXuLy: 'Yêu cầu bổ sung: Bổ sung bản chụp giấy báo tử có xác nhận của cơ sở y tế' },
    });
    expect(kt!.result).toBeUndefined();
    expect(kt!.facts).toBeUndefined();
    expect(ks).toMatchObject({ MaHoSo: KS_CODE, status: '9', facts: { soDinhDanh: '040325000815' } });
  });

  it('When a window spans two pages and an item leaves it between the pages, then the window is read again from page 1 and nothing is missed', async () => {
    tokenScope();
    const item = (n: number, trangThai = 2) =>
      `<hoSo><maHoSo>H40.22-251106-${String(n).padStart(4, '0')}</maHoSo><soHoSoHoTich>KS-2025-${String(n).padStart(7, '0')}</soHoSoHoTich><trangThai>${trangThai}</trangThai><ngayCapNhat>06/11/2025 09:${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}</ngayCapNhat><soDangKy></soDangKy><soDinhDanh></soDinhDanh><ghiChu></ghiChu></hoSo>`;
    const page = (tongSo: number, trang: number, ns: number[]) =>
      `<?xml version="1.0" encoding="UTF-8"?><ketQua><maLoi>0</maLoi><moTa>Thành công</moTa><tongSo>${tongSo}</tongSo><trang>${trang}</trang><danhSach>${ns.map((n) => item(n)).join('')}</danhSach></ketQua>`;
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    const pages: string[] = [];
    nock(BASE)
      .get('/api/hotich/LayKetQua')
      .query(true)
      .times(4)
      .reply(function (uri) {
        const trang = new URL(uri, BASE).searchParams.get('trang')!;
        pages.push(trang);
        // Pass 1: 101 items; item 1 changes after page 1 is read, so item 101 moves up to page 1.
        if (pages.length === 1) return [200, page(101, 1, range(1, 100)), XML];
        if (pages.length === 2) return [200, page(100, 2, []), XML];
        // Pass 2: the window without item 1.
        if (pages.length === 3) return [200, page(100, 1, range(2, 101)), XML];
        return [200, page(100, 2, []), XML];
      });
    const open = range(1, 101).map((n) => `H40.22-251106-${String(n).padStart(4, '0')}`);
    const batch = await adapterFor(BASE).poll(
      pollCtx(open, new Date('2025-11-06T12:00:00+07:00'), '20251106080000'),
    );
    expect(pages).toEqual(['1', '2', '1']);
    expect(new Set(batch.events.map((e) => e.MaHoSo)).size).toBe(101);
    expect(batch.nextCursor).toBe('20251106120000');
  });

  it('When polling is rate limited, then the batch carries Retry-After in ms and the cursor does not move', async () => {
    tokenScope();
    nock(BASE).get('/api/hotich/LayKetQua').query(true).reply(429, '', { 'Retry-After': '2' });
    const open = Array.from({ length: 30 }, (_, i) => `H40.22-251105-9${String(i).padStart(3, '0')}`);
    const batch = await adapterFor(BASE).poll(
      pollCtx(open, new Date('2025-11-07T00:00:00+07:00'), '20251106000000'),
    );
    expect(batch.retryAfterMs).toBe(2_000);
    expect(batch.nextCursor).toBe('20251106000000');
    expect(batch.events).toEqual([]);
  });

  it('When a polled item has a malformed ngayCapNhat, then it is a reject naming the field and no event', async () => {
    tokenScope();
    nock(BASE)
      .get('/api/hotich/LayKetQua')
      .query(true)
      .reply(200, civil('layketqua-response.xml').replace('06/11/2025 10:15:00', '2025-11-06 10:15'), XML);
    const batch = await adapterFor(BASE).poll(pollCtx([KS_CODE], new Date('2025-11-07T00:00:00+07:00')));
    expect(batch.events).toEqual([]);
    expect(batch.rejects).toHaveLength(1);
    expect(batch.rejects[0]!.reason).toContain('/ngayCapNhat');
  });

  it('When a record lacks the HoTich block or the birth date is after reception, then requirements name the field', () => {
    const adapter = adapterFor(BASE);
    expect(adapter.requirements(BIRTH)).toEqual([]);
    expect(adapter.requirements(DEATH)).toEqual([]);
    const noBlock = structuredClone(BIRTH);
    delete noBlock.HoTich;
    expect(adapter.requirements(noBlock).map((r) => r.path)).toEqual(['/HoTich']);
    const late = structuredClone(BIRTH);
    late.HoTich!.NguoiDuocKhaiSinh!.NgaySinh = '20251106000000';
    expect(adapter.requirements(late).map((r) => r.path)).toEqual(['/HoTich/NguoiDuocKhaiSinh/NgaySinh']);
  });

  it('When the same version is planned twice, then the same intent comes out; a dossier first seen refused plans nothing', () => {
    const adapter = adapterFor(BASE);
    const first = adapter.plan({ previous: null, current: BIRTH });
    expect(first).toEqual([{ operation: 'NhanDKHT', intentKey: 'NhanDKHT' }]);
    expect(adapter.plan({ previous: BIRTH, current: { ...BIRTH, TrangThaiHoSo: '10' } })).toEqual(first);
    expect(adapter.plan({ previous: null, current: { ...BIRTH, TrangThaiHoSo: '3' } })).toEqual([]);
  });

  it('When the cached token nears expiry, then it is renewed before it expires, once for concurrent callers', async () => {
    let t = 0;
    let issued = 0;
    const cache = new OAuthTokenCache(
      async () => {
        issued += 1;
        await new Promise((r) => setTimeout(r, 5));
        return { accessToken: `t${issued}`, expiresInSeconds: 300 };
      },
      { refreshMarginMs: 30_000, now: () => t },
    );
    expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual(['t1', 't1', 't1']);
    t = 269_000;
    expect(await cache.get()).toBe('t1');
    t = 271_000; // 30 s before expiry: renewed
    expect(await Promise.all([cache.get(), cache.get()])).toEqual(['t2', 't2']);
    cache.invalidate('t1'); // a late 401 with the old token does not drop the new one
    expect(await cache.get()).toBe('t2');
    expect(issued).toBe(2);
  });
});

describe('civil registration adapter against the simulator (loopback)', () => {
  let sims: CivilRegistrationSimulator[] = [];
  afterEach(async () => {
    await Promise.all(sims.map((s) => s.close()));
    sims = [];
  });
  /** 6 November 2025, 08:00 local. */
  const T0 = new Date('2025-11-06T08:00:00+07:00');

  async function start(options: CivilRegistrationSimulatorOptions = {}) {
    const sim = createCivilRegistrationSimulator(options);
    sims.push(sim);
    const url = await sim.start();
    sim.setTime(T0);
    return { sim, url };
  }

  const withCode = (record: DossierRecord, code: string): DossierRecord => ({
    ...structuredClone(record),
    MaHoSo: code,
  });

  it('When a dossier is delivered, then the simulator holds exactly one entry, built from the example body', async () => {
    const { sim, url } = await start();
    const result = await adapterFor(url).deliver(deliveryCtx(BIRTH));
    expect(sim.entries(KS_CODE)).toBe(1);
    expect(sim.record(KS_CODE)!.xml).toBe(civil('nhandkht-ks-request.xml'));
    expect(sim.record(KS_CODE)!.isNfc).toBe(true);
    expect(result.externalId).toBe(sim.record(KS_CODE)!.soHoSoHoTich);
  });

  it('When the answer is lost after the system applied it, then the outcome is unknown, lookup finds it, and a resend adopts it: still one entry', async () => {
    const { sim, url } = await start();
    const adapter = adapterFor(url);
    sim.setFaults({ dropAfterCommitNext: 1 });
    const err = await failure(adapter.deliver(deliveryCtx(DEATH)));
    expect(err.outcome).toBe('unknown');
    expect(err.retryable).toBe(true);
    const found = await adapter.lookup(deliveryCtx(DEATH));
    expect(found).toMatchObject({ found: true, externalId: sim.record(KT_CODE)!.soHoSoHoTich });
    const again = await adapter.deliver(deliveryCtx(DEATH));
    expect(again.externalId).toBe(sim.record(KT_CODE)!.soHoSoHoTich);
    expect(again.note).toContain('maLoi 2');
    expect(sim.entries(KT_CODE)).toBe(1);
  });

  it('When the system applies the submission but never answers, then the timeout gives an unknown outcome and the lookup settles it', async () => {
    const { sim, url } = await start();
    const adapter = adapterFor(url, { timeoutMs: 300 });
    sim.setFaults({ timeoutAfterCommitNext: 1 });
    const err = await failure(adapter.deliver(deliveryCtx(BIRTH)));
    expect(err.code).toBe('GW_ERR_SYSTEM_TIMEOUT');
    expect(err.outcome).toBe('unknown');
    expect((await adapter.lookup(deliveryCtx(BIRTH))).found).toBe(true);
    expect(sim.entries(KS_CODE)).toBe(1);
  });

  it('When the tokens expire between calls, then the 401 is survived with one new token and the request is resent', async () => {
    const { sim, url } = await start();
    const adapter = adapterFor(url);
    await adapter.deliver(deliveryCtx(BIRTH));
    sim.expireTokens();
    await adapter.deliver(deliveryCtx(DEATH));
    const c = sim.counters;
    expect(c.unauthorized).toBe(1);
    expect(c.tokensIssued).toBe(2);
    expect(sim.entries(KT_CODE)).toBe(1);
  });

  it('When the token lifetime runs out, then a new token is fetched before it expires, without any 401', async () => {
    const { sim, url } = await start({ tokenLifetimeSeconds: 1 });
    sim.setTime(null);
    const adapter = adapterFor(url);
    await adapter.deliver(deliveryCtx(BIRTH));
    await new Promise((r) => setTimeout(r, 950));
    await adapter.deliver(deliveryCtx(DEATH));
    expect(sim.counters.tokensIssued).toBe(2);
    expect(sim.counters.unauthorized).toBe(0);
  });

  it('When ten deliveries start at once, then one token request serves them all', async () => {
    const { sim, url } = await start();
    const adapter = adapterFor(url);
    const codes = Array.from({ length: 10 }, (_, i) => `H40.22-251105-8${String(i).padStart(3, '0')}`);
    await Promise.all(codes.map((c) => adapter.deliver(deliveryCtx(withCode(BIRTH, c)))));
    expect(sim.counters.tokenRequests).toBe(1);
    expect(codes.every((c) => sim.entries(c) === 1)).toBe(true);
  });

  it('When the client secret is wrong, then delivery fails with a non-retryable GW_ERR_SYSTEM_AUTH', async () => {
    const { sim, url } = await start();
    const err = await failure(adapterFor(url, { clientSecret: 'wrong' }).deliver(deliveryCtx(BIRTH)));
    expect(err.code).toBe('GW_ERR_SYSTEM_AUTH');
    expect(err.retryable).toBe(false);
    expect(sim.entries(KS_CODE)).toBe(0);
  });

  it('When dossiers move through their states, then per-dossier polling yields one event per state with local times and DVCQG statuses', async () => {
    const { sim, url } = await start();
    const adapter = adapterFor(url);
    await adapter.deliver(deliveryCtx(BIRTH));
    await adapter.deliver(deliveryCtx(DEATH));
    const open = [KS_CODE, KT_CODE];

    const first = await adapter.poll(pollCtx(open, new Date('2025-11-06T08:05:00+07:00')));
    expect(first.events.map((e) => [e.MaHoSo, e.kind, e.status, e.occurredAt])).toEqual([
      [KS_CODE, 'trangThai 1', '4', '20251106080000'],
      [KT_CODE, 'trangThai 1', '4', '20251106080000'],
    ]);
    expect(first.events[0]!.progress!.NoiDungXuLy).toContain(sim.record(KS_CODE)!.soHoSoHoTich);

    sim.setStatus(KS_CODE, 2, { at: '06/11/2025 09:00:00' });
    sim.setStatus(KS_CODE, 4, {
      at: '06/11/2025 10:15:00',
      soDangKy: '215/2025',
      soDinhDanh: '040325000815',
    });
    sim.setStatus(KT_CODE, 2, { at: '06/11/2025 08:30:00' });
    sim.setStatus(KT_CODE, 3, { at: '06/11/2025 08:40:00', ghiChu: 'Bổ sung bản chụp giấy báo tử' });
    const second = await adapter.poll(pollCtx(open, new Date('2025-11-06T11:00:00+07:00'), first.nextCursor));
    const ks = second.events.find((e) => e.MaHoSo === KS_CODE)!;
    const kt = second.events.find((e) => e.MaHoSo === KT_CODE)!;
    expect(second.events).toHaveLength(2);
    expect(ks).toMatchObject({
      status: '9',
      occurredAt: '20251106101500',
      facts: { soDinhDanh: '040325000815' },
      result: { NgayKetThucXuLy: '20251106101500', documents: [{ MaGiayToKetQua: '215/2025' }] },
    });
    expect(kt).toMatchObject({
      status: '5',
      occurredAt: '20251106084000',
      supplementRequest: { NoiDungYeuCau: 'Bổ sung bản chụp giấy báo tử' },
    });

    sim.setStatus(KT_CODE, 2, { at: '06/11/2025 14:00:00' });
    sim.setStatus(KT_CODE, 4, { at: '06/11/2025 15:30:00', soDangKy: '88/2025' });
    const third = await adapter.poll(pollCtx(open, new Date('2025-11-06T16:00:00+07:00'), second.nextCursor));
    const ktDone = third.events.find((e) => e.MaHoSo === KT_CODE)!;
    expect(ktDone).toMatchObject({ status: '9', occurredAt: '20251106153000' });
    expect(ktDone.facts).toBeUndefined();
    expect(ktDone.result!.documents[0]!.TenGiayTo).toBe('Trích lục khai tử, số đăng ký 88/2025');
    // The unchanged KS dossier comes back with the id it had: the engine drops it as a duplicate.
    expect(third.events.find((e) => e.MaHoSo === KS_CODE)!.eventId).toBe(ks.eventId);
  });

  it('When many dossiers are open, then window polling with the cursor finds every change exactly where it happened, across pages', async () => {
    const { sim, url } = await start({ rateLimitPerSecond: 0 });
    const adapter = adapterFor(url, { windowThreshold: 20 });
    const codes = Array.from({ length: 150 }, (_, i) => `H40.22-251105-7${String(i).padStart(3, '0')}`);
    for (const c of codes) await adapter.deliver(deliveryCtx(withCode(BIRTH, c)));

    const first = await adapter.poll(pollCtx(codes, new Date('2025-11-06T08:10:00+07:00')));
    expect(first.events).toHaveLength(150);
    expect(first.events.every((e) => e.status === '4' && e.occurredAt === '20251106080000')).toBe(true);
    expect(first.nextCursor).toBe('20251106081000');
    const windowCalls = sim.counters.layKetQuaWindow;
    expect(windowCalls).toBeGreaterThanOrEqual(6); // 30 days back in 7-day windows, the last one with 2 pages

    sim.setStatus(codes[3]!, 2, { at: '06/11/2025 09:00:00' });
    sim.setStatus(codes[140]!, 2, { at: '06/11/2025 09:30:00' });
    const second = await adapter.poll(
      pollCtx(codes, new Date('2025-11-06T10:00:00+07:00'), first.nextCursor),
    );
    expect(second.events.map((e) => [e.MaHoSo, e.status, e.occurredAt])).toEqual([
      [codes[3], '4', '20251106090000'],
      [codes[140], '4', '20251106093000'],
    ]);
    expect(second.nextCursor).toBe('20251106100000');
    expect(sim.counters.layKetQuaWindow - windowCalls).toBe(1);
  });

  it('When the system limits the rate during a poll, then the batch asks to wait Retry-After', async () => {
    const { sim, url } = await start();
    const adapter = adapterFor(url);
    await adapter.deliver(deliveryCtx(BIRTH));
    sim.setFaults({ rateLimitNext: 1, retryAfterSeconds: 2 });
    const batch = await adapter.poll(
      pollCtx([KS_CODE], new Date('2025-11-06T09:00:00+07:00'), '20251106080000'),
    );
    expect(batch.retryAfterMs).toBe(2_000);
    expect(batch.nextCursor).toBe('20251106080000');
  });

  it('When requests are spaced at 10 per second, then the simulator never answers 429', async () => {
    const { sim, url } = await start();
    const adapter = adapterFor(url, { maxRequestsPerSecond: 10, windowThreshold: 50 });
    const codes = Array.from({ length: 12 }, (_, i) => `H40.22-251105-6${String(i).padStart(3, '0')}`);
    const started = Date.now();
    await Promise.all(codes.map((c) => adapter.deliver(deliveryCtx(withCode(BIRTH, c)))));
    const batch = await adapter.poll(pollCtx(codes, new Date('2025-11-06T09:00:00+07:00')));
    expect(batch.events).toHaveLength(12);
    expect(sim.counters.rateLimited).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_300);
  });

  it('When the health check runs, then it reports ok against the simulator and not ok with a wrong secret', async () => {
    const { url } = await start();
    expect(await adapterFor(url).health()).toEqual({ ok: true });
    expect((await adapterFor(url, { clientSecret: 'x' }).health()).ok).toBe(false);
  });
});
