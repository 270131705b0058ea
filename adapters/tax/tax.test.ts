import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryContext } from '../../src/adapters/adapter.js';
import { deliveryId } from '../../src/domain/delivery.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { createLogger } from '../../src/logging/logger.js';
import {
  createTaxSimulator,
  EXAMPLE_SECURITY_KEY,
  type TaxSimulator,
} from '../../src/simulators/tax/index.js';
import { maGdichFor, pushRejectionOf, TaxAdapter, type TaxAdapterOptions } from './index.js';
import { MA_GDICH_RE } from './ma-gdich.js';

const EXAMPLES = new URL('../../../shared/specs/examples/', import.meta.url);
const example = (name: string): string => readFileSync(new URL(name, EXAMPLES), 'utf8');
const tax = (name: string): string => example(`tax/${name}`);
const RECORD = (JSON.parse(example('portal/feed-land-tax.json')) as { data: DossierRecord[] }).data[0]!;
const MA_HSO = 'H40.22-251105-0001';
const GDICH = 'PC-H40.22-251105-0001-01';
const BASE = 'http://tax.test';
const KEY = EXAMPLE_SECURITY_KEY;
const XML = { 'Content-Type': 'application/xml; charset=utf-8' };
/** 05/11/2025 08:32:10 local: the NGAY_GUI of the spec's example form. */
const SENT_AT = new Date('2025-11-05T08:32:10+07:00');
const log = createLogger('silent');

function adapterFor(baseUrl: string, options: Partial<TaxAdapterOptions> = {}): TaxAdapter {
  return new TaxAdapter({
    baseUrl,
    securityKey: KEY,
    inboundSecurityKey: KEY,
    maDviGui: 'H40.22',
    timeoutMs: 2_000,
    now: () => SENT_AT,
    ...options,
  });
}

function ctx(record: DossierRecord = RECORD, overrides: Partial<DeliveryContext> = {}): DeliveryContext {
  return {
    deliveryId: deliveryId(record.MaHoSo, 'tax', 'phieuchuyen'),
    operation: 'phieuchuyen',
    params: {},
    record,
    externalId: undefined,
    attempt: 1,
    facts: {},
    log,
    ...overrides,
  };
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

/** One nock answer to the transfer form; the bodies and keys received are collected. */
function formScope(status: number, body: string, headers: Record<string, string> = XML) {
  const seen: Array<{ body: string; key: string | undefined; type: string | undefined }> = [];
  nock(BASE)
    .post('/api/thue/phieuchuyen', (b: unknown) => {
      seen.push({ body: String(b), key: undefined, type: undefined });
      return true;
    })
    .reply(function (this: { req: { headers: Record<string, string | string[] | undefined> } }) {
      const last = seen[seen.length - 1]!;
      last.key = this.req.headers['securitykey'] as string | undefined;
      last.type = this.req.headers['content-type'] as string | undefined;
      return [status, body, headers];
    });
  return seen;
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
});

describe('tax adapter: the transfer form (nock)', () => {
  it("When the spec's example dossier is delivered, then the exact example XML is sent with the SecurityKey", async () => {
    const seen = formScope(200, tax('phieuchuyen-response.xml'));
    const result = await adapterFor(BASE).deliver(ctx());
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toBe(tax('phieuchuyen-request.xml'));
    expect(seen[0]!.key).toBe(KEY);
    expect(seen[0]!.type).toBe('application/xml; charset=utf-8');
    expect(result).toEqual({ externalId: GDICH, note: `tax form ${GDICH}: Tiếp nhận thành công` });
  });

  it('When the authority answers the duplicate 00, then it is success and the MA_GDICH is adopted', async () => {
    formScope(200, tax('phieuchuyen-response-duplicate.xml'));
    const result = await adapterFor(BASE).deliver(ctx());
    expect(result.externalId).toBe(GDICH);
    expect(result.note).toContain('Giao dịch đã được tiếp nhận trước đó');
  });

  it('When the authority answers 01, then the delivery fails for good with the MO_TA naming the element', async () => {
    formScope(200, tax('phieuchuyen-response-invalid.xml'));
    const err = await failure(adapterFor(BASE).deliver(ctx()));
    expect(err.code).toBe('GW_ERR_SYSTEM_REJECTED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('MA_SO_THUE: mã số thuế không hợp lệ');
    expect(err.details).toMatchObject({ MA_LOI: '01', element: 'MA_SO_THUE' });
  });

  it('When the authority answers 99, then it is retryable and known not to have created anything', async () => {
    formScope(200, tax('phieuchuyen-response-error.xml'));
    const err = await failure(adapterFor(BASE).deliver(ctx()));
    expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.outcome).toBe('not-applied');
  });

  it('When the authority answers 401 with 02, then it is an authentication failure, not retryable', async () => {
    formScope(401, tax('response-unauthorized.xml'));
    const err = await failure(adapterFor(BASE).deliver(ctx()));
    expect(err.code).toBe('GW_ERR_SYSTEM_AUTH');
    expect(err.retryable).toBe(false);
  });

  it('When the authority answers 429 with Retry-After, then the wait it asked for is kept', async () => {
    formScope(429, 'slow down', { 'Retry-After': '7' });
    const err = await failure(adapterFor(BASE).deliver(ctx()));
    expect(err.code).toBe('GW_ERR_SYSTEM_RATE_LIMITED');
    expect(err.retryable).toBe(true);
    expect(err.retryAfterSeconds).toBe(7);
  });

  it('When the authority answers 5xx, then the outcome is unknown and the error retryable', async () => {
    formScope(502, 'bad gateway', { 'Content-Type': 'text/plain' });
    const err = await failure(adapterFor(BASE).deliver(ctx()));
    expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(err.outcome).toBe('unknown');
    expect(err.retryable).toBe(true);
  });

  it('When no answer comes within the timeout, then the outcome is unknown', async () => {
    nock(BASE).post('/api/thue/phieuchuyen').delay(500).reply(200, tax('phieuchuyen-response.xml'), XML);
    const err = await failure(adapterFor(BASE, { timeoutMs: 100 }).deliver(ctx()));
    expect(err.code).toBe('GW_ERR_SYSTEM_TIMEOUT');
    expect(err.outcome).toBe('unknown');
    expect(err.retryable).toBe(true);
  });

  it('When a 200 carries no KQ envelope (or a DOCTYPE), then the outcome is unknown', async () => {
    formScope(200, '<html>proxy page</html>');
    const a = await failure(adapterFor(BASE).deliver(ctx()));
    expect([a.code, a.outcome]).toEqual(['GW_ERR_SYSTEM_UNAVAILABLE', 'unknown']);
    formScope(200, '<!DOCTYPE x [<!ENTITY e "00">]><DATA><BODY><KQ><MA_LOI>&e;</MA_LOI></KQ></BODY></DATA>');
    const b = await failure(adapterFor(BASE).deliver(ctx()));
    expect([b.code, b.outcome]).toEqual(['GW_ERR_SYSTEM_UNAVAILABLE', 'unknown']);
  });

  it('When a 00 echoes another MA_GDICH, then the outcome is unknown (the resend settles it)', async () => {
    formScope(200, tax('phieuchuyen-response.xml').replace(GDICH, 'PC-OTHER-01'));
    const err = await failure(adapterFor(BASE).deliver(ctx()));
    expect([err.code, err.outcome]).toEqual(['GW_ERR_SYSTEM_UNAVAILABLE', 'unknown']);
  });

  it('When the same delivery is attempted again later, then the MA_GDICH is the same and only NGAY_GUI may differ', async () => {
    const first = formScope(200, tax('phieuchuyen-response-error.xml'));
    await failure(adapterFor(BASE).deliver(ctx()));
    const second = formScope(200, tax('phieuchuyen-response.xml'));
    const later = adapterFor(BASE, { now: () => new Date('2025-11-05T09:00:00+07:00') });
    await later.deliver(ctx(RECORD, { attempt: 2 }));
    const gd = (s: string) => /<MA_GDICH>([^<]*)</.exec(s)?.[1];
    expect(gd(first[0]!.body)).toBe(GDICH);
    expect(gd(second[0]!.body)).toBe(GDICH);
    expect(second[0]!.body).toContain('<NGAY_GUI>05/11/2025 09:00:00</NGAY_GUI>');
  });

  it('When optional values are empty and text is decomposed, then the elements are omitted and the text sent in NFC', async () => {
    const seen = formScope(200, tax('phieuchuyen-response.xml'));
    const record: DossierRecord = {
      ...RECORD,
      ChuHoSo: 'Nguyễn Văn Hùng'.normalize('NFD'),
      DiaChiChuHoSo: '',
      Thue: { LoaiThue: 'TNCN', MaSoThue: '', GiaTriKeKhai: '' },
    };
    await adapterFor(BASE).deliver(ctx(record));
    const body = seen[0]!.body;
    expect(body).toContain('<HO_TEN>Nguyễn Văn Hùng</HO_TEN>');
    expect(body).toContain('<LOAI_THUE>TNCN</LOAI_THUE>');
    expect(body).not.toMatch(/MA_SO_THUE|DIA_CHI|GIA_TRI_KE_KHAI/);
  });
});

describe('tax adapter: MA_GDICH, plan, requirements, lookup', () => {
  it('When the MA_GDICH is derived, then it follows the spec example and the 50-character rule, and never changes', () => {
    expect(maGdichFor(deliveryId(MA_HSO, 'tax', 'phieuchuyen'))).toBe(GDICH);
    const long = `${'A'.repeat(46)}.001`;
    const id = deliveryId(long, 'tax', 'phieuchuyen');
    expect(maGdichFor(id)).toMatch(MA_GDICH_RE);
    expect(maGdichFor(id)).toBe(maGdichFor(id));
    expect(maGdichFor(id)).not.toBe(maGdichFor(deliveryId(`${'A'.repeat(46)}.002`, 'tax', 'phieuchuyen')));
    expect(maGdichFor('not-a-delivery-id')).toMatch(MA_GDICH_RE);
  });

  it('When a dossier is received and in progress, then one phieuchuyen intent is planned, the same every time', () => {
    const a = adapterFor(BASE);
    for (const s of ['2', '4', '5', '6'] as const) {
      expect(a.plan({ previous: null, current: { ...RECORD, TrangThaiHoSo: s } })).toEqual([
        { operation: 'phieuchuyen', intentKey: 'phieuchuyen' },
      ]);
    }
    for (const s of ['1', '3', '7', '8', '9', '10'] as const) {
      expect(a.plan({ previous: RECORD, current: { ...RECORD, TrangThaiHoSo: s } })).toEqual([]);
    }
    const { Thue: _omit, ...noTax } = RECORD;
    expect(a.plan({ previous: null, current: noTax })).toEqual([]);
  });

  it('When a dossier has no Thue block, then the intake is told what is missing', () => {
    const a = adapterFor(BASE);
    const { Thue: _omit, ...noTax } = RECORD;
    expect(a.requirements(noTax)).toEqual([
      { path: '/Thue', message: 'is required by the tax authority (tax.md §3.1)' },
    ]);
    expect(a.requirements(RECORD)).toEqual([]);
  });

  it('When asked to look up an earlier attempt, then it says not found (no query operation; the resend is idempotent)', async () => {
    const a = adapterFor(BASE);
    expect(a.operations.phieuchuyen).toEqual({ idempotent: true, needsExternalId: false });
    await expect(a.lookup(ctx())).resolves.toEqual({ found: false });
  });

  it('When a key or the unit code is missing, then the adapter refuses to start', () => {
    expect(() => adapterFor(BASE, { inboundSecurityKey: '' })).toThrow(/inboundSecurityKey/);
    expect(() => adapterFor(BASE, { maDviGui: '' })).toThrow(/maDviGui/);
  });
});

describe('tax adapter: parsing the pushes', () => {
  const parser = adapterFor(BASE).inbound;

  it("When the spec's notice push is parsed, then one status-6 event lists both notices with local times", async () => {
    const m = await parser.parseNotices(Buffer.from(tax('thongbaothue-push.xml')));
    expect(m.maGdich).toBe('TCT-TB-20251112-000045');
    expect(m.dossiers).toEqual([{ MaHoSo: MA_HSO, row: 1 }]);
    expect(m.events).toHaveLength(1);
    const e = m.events[0]!;
    expect(e).toMatchObject({
      system: 'tax',
      eventId: `thongbaothue~TCT-TB-20251112-000045~${MA_HSO}`,
      MaHoSo: MA_HSO,
      occurredAt: '20251112140005',
      kind: 'ThongBaoThue',
      status: '6',
      taxNotices: [
        { SoThongBaoThue: 'TB2511120001', LoaiThue: 'TNCN', SoTien: '19000000' },
        { SoThongBaoThue: 'TB2511120002', LoaiThue: 'LPTB', SoTien: '4750000' },
      ],
    });
    expect(e.progress?.NoiDungXuLy).toBe(
      'Thông báo thuế TB2511120001 (Thuế thu nhập cá nhân từ chuyển nhượng bất động sản): 19000000 đồng; ' +
        'Thông báo thuế TB2511120002 (Lệ phí trước bạ nhà, đất): 4750000 đồng',
    );
    expect(e.paidNotices).toBeUndefined();
  });

  it('When a message names two dossiers, then there is one event per (MA_GDICH, MA_HSO), and a repeat gives the same ids', async () => {
    let n = 0;
    const xml = tax('thongbaothue-push.xml').replace(/<MA_HSO>[^<]*<\/MA_HSO>/g, (m) =>
      ++n === 2 ? '<MA_HSO>H40.22-251105-0004</MA_HSO>' : m,
    );
    const a = await parser.parseNotices(xml);
    const b = await parser.parseNotices(xml);
    expect(a.events.map((e) => [e.MaHoSo, e.taxNotices?.map((n) => n.SoThongBaoThue)])).toEqual([
      [MA_HSO, ['TB2511120001']],
      ['H40.22-251105-0004', ['TB2511120002']],
    ]);
    expect(a.dossiers).toEqual([
      { MaHoSo: MA_HSO, row: 1 },
      { MaHoSo: 'H40.22-251105-0004', row: 2 },
    ]);
    expect(b.events.map((e) => e.eventId)).toEqual(a.events.map((e) => e.eventId));
  });

  it('When a notice body is wrong, then it is refused naming the element (and echoing MA_GDICH when read)', async () => {
    const push = tax('thongbaothue-push.xml');
    const cases: Array<[string | Buffer, string, string]> = [
      [
        push.replace('<SO_TIEN>4750000</SO_TIEN>', '<SO_TIEN>4.750.000</SO_TIEN>'),
        'ROW[2]/SO_TIEN',
        'TCT-TB-20251112-000045',
      ],
      [
        push.replace(
          '<NGAY_QUYET_DINH>12/11/2025</NGAY_QUYET_DINH>',
          '<NGAY_QUYET_DINH>31/02/2025</NGAY_QUYET_DINH>',
        ),
        'ROW[1]/NGAY_QUYET_DINH',
        'TCT-TB-20251112-000045',
      ],
      [
        push.replace(/<TEN_TIEUMUC>Lệ phí[^<]*<\/TEN_TIEUMUC>/, ''),
        'ROW[2]/TEN_TIEUMUC',
        'TCT-TB-20251112-000045',
      ],
      [push.replace('12/11/2025 14:00:05', '2025-11-12 14:00'), 'NGAY_GUI', 'TCT-TB-20251112-000045'],
      [push.replace('<MA_GDICH>TCT-TB-20251112-000045</MA_GDICH>', ''), 'MA_GDICH', ''],
      [
        push.replace(/<ROW_LIST>[\s\S]*<\/ROW_LIST>/, '<ROW_LIST></ROW_LIST>'),
        'ROW_LIST',
        'TCT-TB-20251112-000045',
      ],
      [
        '<?xml version="1.0"?><!DOCTYPE DATA [<!ENTITY x SYSTEM "file:///etc/passwd">]><DATA>&x;</DATA>',
        'DATA',
        '',
      ],
      ['<DATA><HEADER>', 'DATA', ''],
      [Buffer.from([0x3c, 0x44, 0xff, 0xfe]), 'DATA', ''],
      [`<DATA>${' '.repeat(1024 * 1024)}</DATA>`, 'DATA', ''],
    ];
    for (const [body, element, maGdich] of cases) {
      const err = await failure(parser.parseNotices(body));
      expect(err.code).toBe('GW_ERR_CALLBACK_INVALID');
      expect(pushRejectionOf(err)).toMatchObject({ element, maGdich });
      expect(pushRejectionOf(err)!.moTa.startsWith(`${element}: `)).toBe(true);
    }
  });

  it("When the spec's payment confirmation is parsed, then one event marks the notice paid, with no status", () => {
    const e = parser.parsePayment(Buffer.from(tax('xacnhannopthue-push.json')));
    expect(e).toMatchObject({
      system: 'tax',
      eventId: 'xacnhannopthue~TB2511120001~1',
      MaHoSo: MA_HSO,
      occurredAt: '20251113101500',
      kind: 'XacNhanNopThue',
      paidNotices: ['TB2511120001'],
      progress: { NoiDungXuLy: 'Đã nộp thuế theo thông báo thuế TB2511120001: 19000000 đồng' },
    });
    expect(e.status).toBeUndefined();
  });

  it('When a payment is reported refused (TrangThaiThanhToan 0), then the event pays nothing and adds no progress row', () => {
    const body = JSON.parse(tax('xacnhannopthue-push.json')) as {
      ThongTinThanhToan: Record<string, unknown>;
      UrlFileChungTu: string;
    };
    body.ThongTinThanhToan['TrangThaiThanhToan'] = 0;
    body.UrlFileChungTu = '';
    const e = parser.parsePayment(JSON.stringify(body));
    expect(e.eventId).toBe('xacnhannopthue~TB2511120001~0');
    expect(e.paidNotices).toBeUndefined();
    expect(e.progress).toBeUndefined();
    expect(e.status).toBeUndefined();
    expect(e.data).toMatchObject({ TrangThaiThanhToan: 0 });
  });

  it('When a payment body has wrong types or values, then it is refused naming the field', () => {
    const good = JSON.parse(tax('xacnhannopthue-push.json')) as Record<string, unknown>;
    const tt = good['ThongTinThanhToan'] as Record<string, unknown>;
    const cases: Array<[string, string]> = [
      [
        JSON.stringify({ ...good, ThongTinThanhToan: { ...tt, SoTien: '19000000' } }),
        'ThongTinThanhToan.SoTien',
      ],
      [
        JSON.stringify({ ...good, ThongTinThanhToan: { ...tt, TrangThaiThanhToan: '1' } }),
        'ThongTinThanhToan.TrangThaiThanhToan',
      ],
      [
        JSON.stringify({ ...good, ThongTinThanhToan: { ...tt, ThoiGianThanhToan: '20251131101500' } }),
        'ThongTinThanhToan.ThoiGianThanhToan',
      ],
      [JSON.stringify({ ...good, MaHoSo: 42 }), 'MaHoSo'],
      [JSON.stringify({ ...good, ThongTinThanhToan: undefined }), 'ThongTinThanhToan'],
      ['{"MaHoSo": ', 'body'],
      ['[]', 'body'],
    ];
    for (const [body, element] of cases) {
      let err: unknown;
      try {
        parser.parsePayment(body);
      } catch (e) {
        err = e;
      }
      expect(pushRejectionOf(err)?.element).toBe(element);
    }
  });
});

describe('tax adapter against the tax simulator (loopback)', () => {
  let sim: TaxSimulator;
  let url: string;

  beforeAll(async () => {
    sim = createTaxSimulator({ retryIntervalMs: 20, maxAttempts: 2, pushTimeoutMs: 1_000 });
    url = await sim.start();
  });
  afterEach(() => {
    sim.reset();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('When the example dossier is delivered, then the authority holds exactly one record under the derived MA_GDICH', async () => {
    const result = await adapterFor(url).deliver(ctx());
    expect(result.externalId).toBe(GDICH);
    expect(sim.entries(MA_HSO)).toBe(1);
    expect(sim.records(MA_HSO)[0]).toMatchObject({
      MA_GDICH: GDICH,
      NGAY_GUI: '05/11/2025 08:32:10',
      MA_DVI_GUI: 'H40.22',
      HO_TEN: 'Nguyễn Văn Hùng',
      LOAI_THUE: 'LPTB',
      GIA_TRI_KE_KHAI: '950000000',
    });
    expect(sim.records(MA_HSO)[0]!.rawXml).toBe(tax('phieuchuyen-request.xml'));
  });

  it('When the form is applied and then the connection drops, then the resend is answered "already accepted" and there is still one record', async () => {
    sim.setFaults({ dropAfterCommitNext: 1 });
    const a = adapterFor(url);
    const err = await failure(a.deliver(ctx()));
    expect(err.outcome).toBe('unknown');
    expect(err.retryable).toBe(true);
    expect(sim.entries(MA_HSO)).toBe(1);
    await expect(a.lookup(ctx())).resolves.toEqual({ found: false });
    const again = await a.deliver(ctx(RECORD, { attempt: 2 }));
    expect(again.note).toContain('Giao dịch đã được tiếp nhận trước đó');
    expect(sim.entries(MA_HSO)).toBe(1);
    expect(sim.counters()).toMatchObject({ accepted: 1, duplicates: 1 });
  });

  it('When the form is applied and the answer never comes, then a restarted worker (new adapter) resends the same MA_GDICH: one record', async () => {
    sim.setFaults({ timeoutAfterCommitNext: 1 });
    const err = await failure(adapterFor(url, { timeoutMs: 300 }).deliver(ctx()));
    expect([err.code, err.outcome]).toEqual(['GW_ERR_SYSTEM_TIMEOUT', 'unknown']);
    const restarted = adapterFor(url, { now: () => new Date() });
    await restarted.deliver(ctx(RECORD, { attempt: 2 }));
    expect(sim.entries(MA_HSO)).toBe(1);
    expect(sim.records(MA_HSO)[0]!.NGAY_GUI).toBe('05/11/2025 08:32:10');
  });

  it('When the authority is busy (99), then nothing is created and the retry creates one record', async () => {
    sim.setFaults({ busyNext: 1 });
    const err = await failure(adapterFor(url).deliver(ctx()));
    expect([err.code, err.outcome, err.retryable]).toEqual([
      'GW_ERR_SYSTEM_UNAVAILABLE',
      'not-applied',
      true,
    ]);
    expect(sim.entries(MA_HSO)).toBe(0);
    await adapterFor(url).deliver(ctx());
    expect(sim.entries(MA_HSO)).toBe(1);
  });

  it('When the key is wrong, a unit is not registered, the authority is down or rate-limits, then each is classified', async () => {
    const auth = await failure(adapterFor(url, { securityKey: 'wrong' }).deliver(ctx()));
    expect([auth.code, auth.retryable]).toEqual(['GW_ERR_SYSTEM_AUTH', false]);
    const unit = await failure(adapterFor(url, { maDviGui: 'H99.99' }).deliver(ctx()));
    expect([unit.code, unit.retryable]).toEqual(['GW_ERR_SYSTEM_REJECTED', false]);
    expect(unit.message).toContain('MA_DVI_GUI');
    sim.setFaults({ rateLimitNext: 1, retryAfterSeconds: 3 });
    const limited = await failure(adapterFor(url).deliver(ctx()));
    expect([limited.code, limited.retryAfterSeconds]).toEqual(['GW_ERR_SYSTEM_RATE_LIMITED', 3]);
    sim.setFaults({ down: true });
    const down = await failure(adapterFor(url).deliver(ctx()));
    expect([down.code, down.outcome]).toEqual(['GW_ERR_SYSTEM_UNAVAILABLE', 'unknown']);
    sim.setFaults({ down: false });
    expect(sim.entries(MA_HSO)).toBe(0);
  });

  it('When the health is checked, then a reachable authority is ok and an unreachable one is not (nothing is sent)', async () => {
    expect(await adapterFor(url).health()).toEqual({ ok: true });
    const unreachable = await adapterFor('http://127.0.0.1:9').health();
    expect(unreachable.ok).toBe(false);
    expect(sim.counters().phieuchuyenCalls).toBe(0);
  });
});
