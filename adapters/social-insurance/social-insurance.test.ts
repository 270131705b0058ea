import { readFileSync } from 'node:fs';
import nock from 'nock';
import { parseStringPromise } from 'xml2js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryContext } from '../../src/adapters/adapter.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { createLogger } from '../../src/logging/logger.js';
import { createSocialInsuranceSimulator } from '../../src/simulators/social-insurance/index.js';
import type { SocialInsuranceSimulator } from '../../src/simulators/social-insurance/index.js';
import { SocialInsuranceAdapter, type SocialInsuranceAdapterOptions } from './index.js';
import { SocialInsuranceCallbackParser } from './callback-parser.js';
import { portalToXsDate, portalToXsDateTime, xsDateTimeToPortal } from './xs-dates.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: the spec's example files and dossiers
// ---------------------------------------------------------------------------------------------

const spec = (rel: string): string =>
  readFileSync(new URL(`../../../shared/specs/${rel}`, import.meta.url), 'utf8');
const ex = (name: string): string => spec(`examples/social-insurance/${name}`);
const feedRecord = (name: string): DossierRecord =>
  (JSON.parse(spec(`examples/portal/${name}`)) as { data: DossierRecord[] }).data[0] as DossierRecord;

/** H40.22-251105-0003: death registration with funeral allowance (MAI_TANG). */
const deathRecord = (): DossierRecord => feedRecord('feed-death-bhxh.json');

/**
 * H40.22-251105-0002: the birth registration, carrying the child's card block as portal.md §3.3
 * describes it (`MaSoBHXH` and `SoCCCD` empty at reception).
 */
const childRecord = (): DossierRecord => ({
  ...feedRecord('feed-birth.json'),
  BHXH: {
    MaSoBHXH: '',
    LoaiHoSo: 'CAP_THE_BHYT_TRE_EM',
    HoTen: 'Trần Gia Hân',
    NgaySinh: '20251028000000',
    SoCCCD: '',
  },
});

/** The child's personal identification number assigned by birth registration (civil-registration.md §4.1). */
const SO_DINH_DANH = '040325000815';
/** 5 November 2025, 10:30 local: after reception of the example dossiers (the simulator checks NgayHenTra). */
const CLOCK = '2025-11-05T10:30:00+07:00';

const BASE = 'http://bhxh.test';
const SERVICE = `${BASE}/bhxh/hoso`;
const log = createLogger('silent');

const options = (o: Partial<SocialInsuranceAdapterOptions> = {}): SocialInsuranceAdapterOptions => ({
  serviceUrl: SERVICE,
  username: 'motcua_h40',
  password: 'Example-Passw0rd',
  timeoutMs: 2_000,
  ...o,
});

function ctxFor(record: DossierRecord, facts: Record<string, string> = {}, attempt = 1): DeliveryContext {
  return {
    deliveryId: `d-${record.MaHoSo}-NopHoSo`,
    operation: 'NopHoSo',
    params: {},
    record,
    externalId: undefined,
    attempt,
    facts,
    log,
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

interface Canonical {
  username: string | undefined;
  password: string | undefined;
  passwordType: string | undefined;
  mustUnderstand: string | undefined;
  operation: string;
  namespace: string;
  fields: Array<[string, string]>;
}

/** Namespace-aware reading of a request envelope, so prefixes and indentation do not matter. */
async function canonical(xml: string): Promise<Canonical> {
  type N = {
    $ns: { uri: string; local: string };
    $$?: N[];
    _?: string;
    $?: Record<string, { local: string; value: string }>;
  };
  const doc = (await parseStringPromise(xml, {
    xmlns: true,
    explicitChildren: true,
    preserveChildrenOrder: true,
    explicitCharkey: true,
    trim: false,
  })) as Record<string, N>;
  const env = Object.values(doc)[0] as N;
  const find = (n: N | undefined, local: string): N | undefined => n?.$$?.find((c) => c.$ns.local === local);
  const security = find(find(env, 'Header'), 'Security');
  const token = find(security, 'UsernameToken');
  const password = find(token, 'Password');
  const payload = find(env, 'Body')?.$$?.[0] as N;
  return {
    username: find(token, 'Username')?._,
    password: password?._,
    passwordType: password?.$?.Type?.value,
    mustUnderstand: Object.values(security?.$ ?? {}).find((a) => a.local === 'mustUnderstand')?.value,
    operation: payload.$ns.local,
    namespace: payload.$ns.uri,
    fields: (payload.$$ ?? []).map((c) => {
      expect(c.$ns.uri).toBe('urn:bhxh:hoso:v1');
      return [c.$ns.local, c._ ?? ''];
    }),
  };
}

/** Captures the next POST to the service and answers it with `body`. */
function capture(status: number, body: string, headers: Record<string, string> = {}) {
  const seen: { body?: string; headers?: Record<string, string | string[] | undefined> } = {};
  nock(BASE)
    .post('/bhxh/hoso')
    .reply(function (_uri, requestBody) {
      seen.body = String(requestBody);
      seen.headers = this.req.headers;
      return [status, body, { 'Content-Type': 'text/xml; charset=utf-8', ...headers }];
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

// ---------------------------------------------------------------------------------------------
// Mapping and the request on the wire
// ---------------------------------------------------------------------------------------------

describe('social-insurance adapter: the NopHoSo request', () => {
  it('When the example death dossier is delivered, then the envelope carries exactly the example NopHoSo and its UsernameToken', async () => {
    const seen = capture(200, ex('nophoso-response.xml'));
    const adapter = new SocialInsuranceAdapter(options());
    const result = await adapter.deliver(ctxFor(deathRecord()));
    expect(result).toEqual({ externalId: 'BN40-251105-000123', note: 'BHXH receipt BN40-251105-000123' });

    expect(seen.headers?.['content-type']).toBe('text/xml; charset=utf-8');
    expect(seen.headers?.soapaction).toBe('"urn:bhxh:hoso:v1/NopHoSo"');
    expect(await canonical(seen.body as string)).toEqual(await canonical(ex('nophoso-request.xml')));

    const wsse = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
    const wsu = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
    const text =
      'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';
    expect((seen.body as string).replace(/wsu:Id="SecurityToken-[^"]*"/, 'wsu:Id="SecurityToken-X"')).toBe(
      '<?xml version="1.0" encoding="utf-8"?>' +
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"  xmlns:tns="urn:bhxh:hoso:v1">' +
        '<soap:Header>' +
        `<wsse:Security soap:mustUnderstand="1" xmlns:wsse="${wsse}" xmlns:wsu="${wsu}">` +
        `<wsse:UsernameToken xmlns:wsu="${wsu}" wsu:Id="SecurityToken-X">` +
        '<wsse:Username>motcua_h40</wsse:Username>' +
        `<wsse:Password Type="${text}">Example-Passw0rd</wsse:Password>` +
        '</wsse:UsernameToken></wsse:Security></soap:Header>' +
        '<soap:Body><NopHoSo xmlns="urn:bhxh:hoso:v1">' +
        '<MaHoSo>H40.22-251105-0003</MaHoSo>' +
        '<MaThuTuc>2.002510</MaThuTuc>' +
        '<MaSoBHXH>4005123456</MaSoBHXH>' +
        '<HoTen>Phạm Văn Đức</HoTen>' +
        '<NgaySinh>1952-03-14</NgaySinh>' +
        '<SoCCCD>040052003311</SoCCCD>' +
        '<LoaiHoSo>MAI_TANG</LoaiHoSo>' +
        '<NoiDung>Đăng ký khai tử và hưởng trợ cấp mai táng cho ông Phạm Văn Đức</NoiDung>' +
        '<NgayHenTra>2025-11-12T17:00:00+07:00</NgayHenTra>' +
        '</NopHoSo></soap:Body></soap:Envelope>',
    );
  });

  it("When the child's card is delivered after birth registration assigned soDinhDanh, then the request equals the example with SoCCCD from that fact and MaSoBHXH empty", async () => {
    const seen = capture(200, ex('nophoso-response.xml'));
    const adapter = new SocialInsuranceAdapter(options());
    await adapter.deliver(ctxFor(childRecord(), { soDinhDanh: SO_DINH_DANH }));
    expect(await canonical(seen.body as string)).toEqual(
      await canonical(ex('nophoso-request-bhyt-tre-em.xml')),
    );
    expect(seen.body).toContain('<MaSoBHXH></MaSoBHXH>');
  });

  it("When the child's card is due but civil registration has not assigned soDinhDanh yet, then delivery is postponed (prerequisite) and nothing is sent", async () => {
    const scope = nock(BASE).post('/bhxh/hoso').reply(200, ex('nophoso-response.xml'));
    const adapter = new SocialInsuranceAdapter(options());
    const err = await failure(adapter.deliver(ctxFor(childRecord(), {})));
    expect(err.code).toBe('GW_ERR_DELIVERY_PREREQUISITE');
    expect(err.message).toContain('soDinhDanh');
    expect(scope.isDone()).toBe(false);
  });

  it('When the record holds decomposed (NFD) Vietnamese text, then it is sent in NFC', async () => {
    const seen = capture(200, ex('nophoso-response.xml'));
    const record = deathRecord();
    record.BHXH = { ...record.BHXH!, HoTen: 'Phạm Văn Đức'.normalize('NFD') };
    await new SocialInsuranceAdapter(options()).deliver(ctxFor(record));
    expect(seen.body).toContain('<HoTen>Phạm Văn Đức</HoTen>');
  });

  it('When dates are converted, then portal local times become xs:date / xs:dateTime +07:00 and back', () => {
    expect(portalToXsDate('19520314000000')).toBe('1952-03-14');
    expect(portalToXsDate('19520230000000')).toBeNull();
    expect(portalToXsDateTime('20251112170000')).toBe('2025-11-12T17:00:00+07:00');
    expect(xsDateTimeToPortal('2025-11-11T15:00:00+07:00')).toBe('20251111150000');
    expect(xsDateTimeToPortal('2025-11-11T08:00:00Z')).toBe('20251111150000');
    expect(xsDateTimeToPortal('2025-11-10T20:00:00-05:00')).toBe('20251111080000');
    expect(xsDateTimeToPortal('2025-11-11T15:00:00')).toBeNull();
    expect(xsDateTimeToPortal('2025-02-30T15:00:00+07:00')).toBeNull();
  });
});

describe('social-insurance adapter: configuration', () => {
  it('When the WSDL path does not exist, then the adapter refuses to start (config error, not a failed delivery)', () => {
    expect(
      () => new SocialInsuranceAdapter(options({ wsdlPath: '/nonexistent/social-insurance.wsdl' })),
    ).toThrow(/WSDL not found/);
  });

  it('When BHXH cannot be reached, then health says so without throwing', async () => {
    const health = await new SocialInsuranceAdapter(
      options({ serviceUrl: 'http://127.0.0.1:1/bhxh/hoso' }),
    ).health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('ECONNREFUSED');
  });
});

describe('social-insurance adapter: plan and requirements', () => {
  const adapter = new SocialInsuranceAdapter(options());

  it('When a version is planned twice, then it maps to the same single NopHoSo intent', () => {
    const current = deathRecord();
    const first = adapter.plan({ previous: null, current });
    expect(first).toEqual([{ operation: 'NopHoSo', intentKey: 'NopHoSo' }]);
    expect(adapter.plan({ previous: current, current: { ...current, TrangThaiHoSo: '4' } })).toEqual(first);
  });

  it('When a dossier is first seen already refused or withdrawn, then nothing is planned', () => {
    expect(adapter.plan({ previous: null, current: { ...deathRecord(), TrangThaiHoSo: '3' } })).toEqual([]);
    expect(adapter.plan({ previous: null, current: { ...deathRecord(), TrangThaiHoSo: '7' } })).toEqual([]);
  });

  it('When the record has the BHXH block and NgayHenTra, then there is nothing to refuse', () => {
    expect(adapter.requirements(deathRecord())).toEqual([]);
    expect(adapter.requirements(childRecord())).toEqual([]);
  });

  it('When BHXH, NgayHenTra or (for a child card) the birth registration is missing, then intake is told which path', () => {
    const { BHXH: _drop, ...noBlock } = deathRecord();
    expect(adapter.requirements({ ...noBlock, NgayHenTra: '' } as DossierRecord).map((v) => v.path)).toEqual([
      '/BHXH',
      '/NgayHenTra',
    ]);
    const { HoTich: _h, ...child } = childRecord();
    expect(adapter.requirements(child as DossierRecord).map((v) => v.path)).toEqual(['/HoTich/Module']);
  });
});

// ---------------------------------------------------------------------------------------------
// Every documented answer, normalised (nock)
// ---------------------------------------------------------------------------------------------

describe('social-insurance adapter: answers and error normalisation', () => {
  it('When BHXH answers MaKetQua 1 (already exists), then it is success and the existing receipt is adopted', async () => {
    capture(200, ex('nophoso-response-exists.xml'));
    const result = await new SocialInsuranceAdapter(options()).deliver(ctxFor(deathRecord()));
    expect(result.externalId).toBe('BN40-251105-000123');
    expect(result.note).toContain('MaKetQua 1');
  });

  it('When BHXH answers MaKetQua 2 (business validation), then it is rejected, not retryable, naming the element', async () => {
    capture(200, ex('nophoso-response-invalid.xml'));
    const err = await failure(new SocialInsuranceAdapter(options()).deliver(ctxFor(deathRecord())));
    expect(err.code).toBe('GW_ERR_SYSTEM_REJECTED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('SoCCCD: không khớp');
    expect(err.details).toMatchObject({ MaKetQua: '2', element: 'SoCCCD' });
  });

  it('When BHXH answers a soap:Client fault (HTTP 500), then it is rejected and not retried', async () => {
    capture(500, ex('fault-client.xml'));
    const err = await failure(new SocialInsuranceAdapter(options()).deliver(ctxFor(deathRecord())));
    expect(err.code).toBe('GW_ERR_SYSTEM_REJECTED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('MaSoBHXH: phải gồm đúng 10 chữ số');
  });

  it('When BHXH answers the authentication fault, then it is an auth error, not retried', async () => {
    capture(500, ex('fault-authentication.xml'));
    const err = await failure(new SocialInsuranceAdapter(options()).deliver(ctxFor(deathRecord())));
    expect(err.code).toBe('GW_ERR_SYSTEM_AUTH');
    expect(err.retryable).toBe(false);
  });

  it('When BHXH answers a soap:Server fault (busy), then it is retryable with an unknown outcome', async () => {
    capture(500, ex('fault-server.xml'));
    const err = await failure(new SocialInsuranceAdapter(options()).deliver(ctxFor(deathRecord())));
    expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.outcome).toBe('unknown');
  });

  it('When BHXH answers 429 with Retry-After, then it is rate limited with that delay', async () => {
    nock(BASE).post('/bhxh/hoso').reply(429, '{"error":"rate limited"}', { 'Retry-After': '7' });
    const err = await failure(new SocialInsuranceAdapter(options()).deliver(ctxFor(deathRecord())));
    expect(err.code).toBe('GW_ERR_SYSTEM_RATE_LIMITED');
    expect(err.retryAfterSeconds).toBe(7);
    expect(err.retryable).toBe(true);
  });

  it('When BHXH answers 503 without a SOAP body, then the outcome is unknown and retried', async () => {
    nock(BASE).post('/bhxh/hoso').reply(503, 'Service Unavailable', { 'Content-Type': 'text/plain' });
    const err = await failure(new SocialInsuranceAdapter(options()).deliver(ctxFor(deathRecord())));
    expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(err.outcome).toBe('unknown');
    expect(err.upstreamStatus).toBe(503);
  });

  it('When BHXH does not answer within timeoutMs, then it is a timeout with an unknown outcome', async () => {
    nock(BASE).post('/bhxh/hoso').delay(1_000).reply(200, ex('nophoso-response.xml'));
    const err = await failure(
      new SocialInsuranceAdapter(options({ timeoutMs: 100 })).deliver(ctxFor(deathRecord())),
    );
    expect(err.code).toBe('GW_ERR_SYSTEM_TIMEOUT');
    expect(err.outcome).toBe('unknown');
  });

  it('When the connection is lost mid-request, then the outcome is unknown; when it is refused, then nothing was applied', async () => {
    // A real reset after commit is exercised against the simulator below (dropAfterCommitNext).
    nock(BASE).post('/bhxh/hoso').replyWithError('socket hang up');
    const reset = await failure(new SocialInsuranceAdapter(options()).deliver(ctxFor(deathRecord())));
    expect(reset.outcome).toBe('unknown');
    expect(reset.retryable).toBe(true);
    const refused = await failure(
      new SocialInsuranceAdapter(options({ serviceUrl: 'http://127.0.0.1:1/bhxh/hoso' })).deliver(
        ctxFor(deathRecord()),
      ),
    );
    expect(refused.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(refused.outcome).toBe('not-applied');
  });

  it('When the answer carries a DOCTYPE, then it is refused before parsing (outcome unknown)', async () => {
    capture(
      200,
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&e;</soap:Body></soap:Envelope>',
    );
    const err = await failure(new SocialInsuranceAdapter(options()).deliver(ctxFor(deathRecord())));
    expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(err.message).toContain('DTD');
    expect(err.outcome).toBe('unknown');
  });

  it('When TraCuuHoSo finds the dossier, then lookup adopts its receipt; when it answers 4, then it is not found', async () => {
    const seen = capture(200, ex('tracuuhoso-response.xml'));
    const adapter = new SocialInsuranceAdapter(options());
    expect(await adapter.lookup(ctxFor(deathRecord()))).toMatchObject({
      found: true,
      externalId: 'BN40-251105-000123',
    });
    expect(seen.headers?.soapaction).toBe('"urn:bhxh:hoso:v1/TraCuuHoSo"');
    expect(await canonical(seen.body as string)).toEqual(await canonical(ex('tracuuhoso-request.xml')));
    capture(200, ex('tracuuhoso-response-notfound.xml'));
    expect(await adapter.lookup(ctxFor(deathRecord()))).toEqual({ found: false });
  });
});

// ---------------------------------------------------------------------------------------------
// Callback parsing (the event a status callback becomes)
// ---------------------------------------------------------------------------------------------

describe('social-insurance callback parser', () => {
  const parser = new SocialInsuranceCallbackParser();
  const withField = (name: string, value: string): string =>
    ex('callback-request.xml').replace(
      new RegExp(`<tns:${name}>[^<]*</tns:${name}>`),
      `<tns:${name}>${value}</tns:${name}>`,
    );
  const eventOf = async (xml: string) => parser.toEvent((await parser.read(xml)).payload);

  it('When the example callback is read, then it becomes a SystemEvent with local time, status 9 and a progress row', async () => {
    const envelope = await parser.read(Buffer.from(ex('callback-request.xml'), 'utf8'));
    expect(envelope.token).toEqual({
      username: 'bhxh_nghean',
      password: 'Example-Callback-Passw0rd',
      passwordType:
        'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText',
    });
    expect(envelope.notUnderstood).toEqual([]);
    const event = parser.toEvent(envelope.payload);
    expect(event).toMatchObject({
      system: 'social-insurance',
      eventId: '3c2b1a09-8f7e-4d6c-b5a4-93827160fedc',
      MaHoSo: 'H40.22-251105-0003',
      externalId: 'BN40-251105-000123',
      occurredAt: '20251111150000',
      kind: 'TrangThai 4',
      status: '9',
      progress: {
        PhongBanXuLy: 'Cơ quan Bảo hiểm xã hội',
        NoiDungXuLy:
          'Bảo hiểm xã hội đã giải quyết xong hồ sơ. Đã giải quyết trợ cấp mai táng: 23.400.000 đồng',
      },
    });
    expect(event.supplementRequest).toBeUndefined();
  });

  it('When TrangThai is 1..5, then the DVCQG status is 4, 4, 5, 9, 8 and 3 carries the supplement request', async () => {
    const statuses = [];
    for (const t of ['1', '2', '3', '4', '5'])
      statuses.push((await eventOf(withField('TrangThai', t))).status);
    expect(statuses).toEqual(['4', '4', '5', '9', '8']);
    const supplement = await eventOf(
      withField('TrangThai', '3').replace(
        /<tns:GhiChu>[^<]*<\/tns:GhiChu>/,
        '<tns:GhiChu>Bổ sung bản sao giấy chứng tử</tns:GhiChu>',
      ),
    );
    expect(supplement.supplementRequest).toEqual({ NoiDungYeuCau: 'Bổ sung bản sao giấy chứng tử' });
    const bare = await eventOf(withField('TrangThai', '3').replace(/\s*<tns:GhiChu>[^<]*<\/tns:GhiChu>/, ''));
    expect(bare.supplementRequest).toEqual({ NoiDungYeuCau: 'Bảo hiểm xã hội yêu cầu bổ sung hồ sơ' });
    expect(bare.progress?.NoiDungXuLy).toBe('Bảo hiểm xã hội yêu cầu bổ sung hồ sơ.');
  });

  it('When ThoiDiem is in UTC (Z), then occurredAt is still local portal time', async () => {
    expect((await eventOf(withField('ThoiDiem', '2025-11-11T08:00:00Z'))).occurredAt).toBe('20251111150000');
  });

  it.each([
    ['ThoiDiem without offset', withField('ThoiDiem', '2025-11-11T15:00:00'), /^ThoiDiem: thiếu múi giờ/],
    ['TrangThai 6', withField('TrangThai', '6'), /^TrangThai: /],
    ['MaHoSo with a space', withField('MaHoSo', 'H40 22'), /^MaHoSo: /],
    [
      'MaSuKien missing',
      ex('callback-request.xml').replace(/\s*<tns:MaSuKien>[^<]*<\/tns:MaSuKien>/, ''),
      /^MaSuKien: thiếu/,
    ],
    [
      'elements out of order',
      ex('callback-request.xml').replace(
        /(<tns:MaHoSo>[^<]*<\/tns:MaHoSo>)(\s*)(<tns:SoBienNhanBHXH>[^<]*<\/tns:SoBienNhanBHXH>)/,
        '$3$2$1',
      ),
      /^MaHoSo: sai thứ tự/,
    ],
  ])('When the callback has %s, then it is refused naming the element', async (_what, xml, message) => {
    const err = await failure(eventOf(xml));
    expect(err.code).toBe('GW_ERR_CALLBACK_INVALID');
    expect(err.message).toMatch(message);
  });

  it('When the XML carries a DOCTYPE, is malformed or too large, then it is refused before anything is parsed', async () => {
    const doctype = ex('callback-request.xml').replace(
      '<soap:Envelope',
      '<!DOCTYPE soap:Envelope [<!ENTITY x "y">]>\n<soap:Envelope',
    );
    expect((await failure(parser.read(doctype))).message).toContain('DOCTYPE');
    expect((await failure(parser.read('<soap:Envelope'))).code).toBe('GW_ERR_CALLBACK_INVALID');
    const small = new SocialInsuranceCallbackParser({ maxBytes: 100 });
    expect((await failure(small.read(ex('callback-request.xml')))).message).toContain('vượt quá');
  });
});

// ---------------------------------------------------------------------------------------------
// Against the simulator (real SOAP over loopback)
// ---------------------------------------------------------------------------------------------

describe('social-insurance adapter against the BHXH simulator', () => {
  let sim: SocialInsuranceSimulator;
  let url: string;

  beforeAll(async () => {
    sim = createSocialInsuranceSimulator({ receiptSeqStart: 123 });
    sim.setClock(CLOCK);
    url = await sim.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/bhxh\/hoso$/);
  });
  afterEach(() => {
    sim.reset();
  });
  afterAll(async () => {
    await sim.close();
  });

  const adapterFor = (o: Partial<SocialInsuranceAdapterOptions> = {}) =>
    new SocialInsuranceAdapter(options({ serviceUrl: url, ...o }));

  it('When the death dossier is delivered, then BHXH holds exactly one entry with the example content; delivered again, then MaKetQua 1 and still one', async () => {
    const adapter = adapterFor();
    const first = await adapter.deliver(ctxFor(deathRecord()));
    expect(first.externalId).toBe('BN40-251105-000123');
    expect(sim.entries('H40.22-251105-0003')).toBe(1);
    expect(sim.record('H40.22-251105-0003')?.request).toEqual({
      MaHoSo: 'H40.22-251105-0003',
      MaThuTuc: '2.002510',
      MaSoBHXH: '4005123456',
      HoTen: 'Phạm Văn Đức',
      NgaySinh: '1952-03-14',
      SoCCCD: '040052003311',
      LoaiHoSo: 'MAI_TANG',
      NoiDung: 'Đăng ký khai tử và hưởng trợ cấp mai táng cho ông Phạm Văn Đức',
      NgayHenTra: '2025-11-12T17:00:00+07:00',
    });
    const again = await adapter.deliver(ctxFor(deathRecord(), {}, 2));
    expect(again.externalId).toBe('BN40-251105-000123');
    expect(again.note).toContain('MaKetQua 1');
    expect(sim.entries('H40.22-251105-0003')).toBe(1);
    expect(sim.counters().nopHoSo).toMatchObject({ accepted: 1, exists: 1 });
    expect(await adapter.health()).toEqual({ ok: true });
  });

  it('When BHXH applies the dossier and the connection drops before the answer, then the outcome is unknown, lookup finds it and a resend adopts it: one entry', async () => {
    const adapter = adapterFor();
    sim.setFaults({ dropAfterCommitNext: 1 });
    const err = await failure(adapter.deliver(ctxFor(deathRecord())));
    expect(err.outcome).toBe('unknown');
    expect(err.retryable).toBe(true);
    expect(sim.entries('H40.22-251105-0003')).toBe(1);
    const found = await adapter.lookup(ctxFor(deathRecord(), {}, 2));
    expect(found).toMatchObject({ found: true, externalId: 'BN40-251105-000123' });
    const resent = await adapter.deliver(ctxFor(deathRecord(), {}, 2));
    expect(resent.externalId).toBe('BN40-251105-000123');
    expect(sim.entries('H40.22-251105-0003')).toBe(1);
  });

  it('When BHXH applies the dossier and never answers, then the timeout leaves the outcome unknown and lookup settles it', async () => {
    const adapter = adapterFor({ timeoutMs: 300 });
    sim.setFaults({ timeoutAfterCommitNext: 1 });
    const err = await failure(adapter.deliver(ctxFor(deathRecord())));
    expect(err.code).toBe('GW_ERR_SYSTEM_TIMEOUT');
    expect(err.outcome).toBe('unknown');
    expect(await adapter.lookup(ctxFor(deathRecord(), {}, 2))).toMatchObject({ found: true });
    expect(sim.entries('H40.22-251105-0003')).toBe(1);
  });

  it('When nothing was submitted, then lookup says not found', async () => {
    expect(await adapterFor().lookup(ctxFor(deathRecord()))).toEqual({ found: false });
  });

  it('When BHXH answers soap:Server (busy), then the error is retryable and the retry enters the dossier once', async () => {
    const adapter = adapterFor();
    sim.serverFaultNext(1);
    const err = await failure(adapter.deliver(ctxFor(deathRecord())));
    expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(sim.entries('H40.22-251105-0003')).toBe(0);
    await adapter.deliver(ctxFor(deathRecord(), {}, 2));
    expect(sim.entries('H40.22-251105-0003')).toBe(1);
  });

  it('When the request violates the schema (soap:Client), then it is rejected, not retried, and nothing is entered', async () => {
    const err = await failure(adapterFor().deliver(ctxFor({ ...deathRecord(), MaTTHC: '2.00251' })));
    expect(err.code).toBe('GW_ERR_SYSTEM_REJECTED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('MaThuTuc');
    expect(sim.entries('H40.22-251105-0003')).toBe(0);
  });

  it('When the person does not match the register (MaKetQua 2), then it is rejected naming the element', async () => {
    const record = deathRecord();
    record.BHXH = { ...record.BHXH!, SoCCCD: '040052009999' };
    const err = await failure(adapterFor().deliver(ctxFor(record)));
    expect(err.code).toBe('GW_ERR_SYSTEM_REJECTED');
    expect(err.details).toMatchObject({ MaKetQua: '2', element: 'SoCCCD' });
  });

  it('When the BHXH credentials are wrong, then it is an auth error and not retried', async () => {
    const err = await failure(adapterFor({ password: 'wrong' }).deliver(ctxFor(deathRecord())));
    expect(err.code).toBe('GW_ERR_SYSTEM_AUTH');
    expect(err.retryable).toBe(false);
  });

  it("When the child's card waits for soDinhDanh and then gets it, then it is entered once with SoCCCD = soDinhDanh", async () => {
    const adapter = adapterFor();
    expect((await failure(adapter.deliver(ctxFor(childRecord())))).code).toBe('GW_ERR_DELIVERY_PREREQUISITE');
    expect(sim.entries('H40.22-251105-0002')).toBe(0);
    const result = await adapter.deliver(ctxFor(childRecord(), { soDinhDanh: SO_DINH_DANH }));
    expect(result.externalId).toBe('BN40-251105-000123');
    expect(sim.record('H40.22-251105-0002')?.request).toMatchObject({
      MaSoBHXH: '',
      SoCCCD: SO_DINH_DANH,
      LoaiHoSo: 'CAP_THE_BHYT_TRE_EM',
      NgaySinh: '2025-10-28',
      NgayHenTra: '2025-11-06T17:00:00+07:00',
    });
  });
});
