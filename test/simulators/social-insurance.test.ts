import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as soap from 'soap';
import { parseStringPromise, processors } from 'xml2js';
import { afterEach, describe, expect, it } from 'vitest';
import { createSocialInsuranceSimulator } from '../../src/simulators/social-insurance/index.js';
import type {
  SocialInsuranceSimulator,
  SocialInsuranceSimulatorOptions,
} from '../../src/simulators/social-insurance/index.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const specFile = (rel: string): string =>
  readFileSync(new URL(`../../../shared/specs/${rel}`, import.meta.url), 'utf8');
const ex = (name: string): string => specFile(`examples/social-insurance/${name}`);

/** 5 November 2025, 08:30 local: the day the example dossiers were received (README §7.1). */
const CLOCK = '2025-11-05T08:30:00+07:00';
const MA_HO_SO = 'H40.22-251105-0003';
const CHILD_MA_HO_SO = 'H40.22-251105-0002';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function startSim(
  options: SocialInsuranceSimulatorOptions = {},
): Promise<{ sim: SocialInsuranceSimulator; url: string }> {
  const sim = createSocialInsuranceSimulator({ receiptSeqStart: 123, ...options });
  sim.setClock(CLOCK);
  const url = await sim.start();
  closers.push(() => sim.close());
  return { sim, url };
}

interface Answer {
  status: number;
  text: string;
  contentType: string | null;
}

async function post(
  url: string,
  body: string | Uint8Array,
  action: string | null = 'NopHoSo',
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'text/xml; charset=utf-8',
      ...(action === null ? {} : { SOAPAction: `"urn:bhxh:hoso:v1/${action}"` }),
      ...headers,
    },
    body,
  });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The example request with one element's content replaced (value given unescaped). */
function withField(xml: string, name: string, value: string): string {
  const re = new RegExp(`<tns:${name}>[^<]*</tns:${name}>`);
  expect(re.test(xml)).toBe(true);
  return xml.replace(re, `<tns:${name}>${escapeXml(value)}</tns:${name}>`);
}

function withoutField(xml: string, name: string): string {
  return xml.replace(new RegExp(`\\s*<tns:${name}>[^<]*</tns:${name}>`), '');
}

function faultOf(text: string): { faultcode: string; faultstring: string } | undefined {
  const code = /<faultcode>([^<]*)<\/faultcode>/.exec(text)?.[1];
  const str = /<faultstring>([^<]*)<\/faultstring>/.exec(text)?.[1];
  return code === undefined || str === undefined ? undefined : { faultcode: code, faultstring: str };
}

const field = (text: string, name: string): string | undefined =>
  new RegExp(`<tns:${name}>([^<]*)</tns:${name}>`).exec(text)?.[1];

/** Polls until `cond` holds; bounded in time. */
async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface ReceivedCallback {
  raw: string;
  soapAction: string | undefined;
  contentType: string | undefined;
  username: string;
  password: string;
  mustUnderstand: string | undefined;
  fields: Record<string, string>;
}

type Reply = { status: number; body: string } | 'hang';

/**
 * A tiny loopback `CapNhatTrangThaiService`: parses each call and answers with
 * `callback-response.xml` unless `reply` says otherwise.
 */
async function startReceiver(
  reply: (cb: ReceivedCallback, index: number) => Reply = () => ({
    status: 200,
    body: ex('callback-response.xml'),
  }),
) {
  const received: ReceivedCallback[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const doc = (await parseStringPromise(raw, {
          explicitArray: false,
          tagNameProcessors: [processors.stripPrefix],
        })) as {
          Envelope: {
            Header: {
              Security: {
                $: Record<string, string>;
                UsernameToken: { Username: string; Password: { _: string } };
              };
            };
            Body: { CapNhatTrangThaiHoSo: Record<string, string> };
          };
        };
        const security = doc.Envelope.Header.Security;
        const cb: ReceivedCallback = {
          raw,
          soapAction: req.headers.soapaction as string | undefined,
          contentType: req.headers['content-type'],
          username: security.UsernameToken.Username,
          password: security.UsernameToken.Password._,
          mustUnderstand: security.$['soap:mustUnderstand'],
          fields: { ...doc.Envelope.Body.CapNhatTrangThaiHoSo },
        };
        delete cb.fields.$;
        received.push(cb);
        const r = reply(cb, received.length - 1);
        if (r === 'hang') return;
        res.writeHead(r.status, { 'Content-Type': 'text/xml; charset=utf-8' }).end(r.body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bhxh/capnhattrangthai`;
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url, received };
}

const soapFault = (code: string, text: string) => ({
  status: 500,
  body:
    '<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<soap:Body><soap:Fault><faultcode>${code}</faultcode><faultstring>${text}</faultstring></soap:Fault></soap:Body></soap:Envelope>`,
});

async function simPost(url: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

// ---------------------------------------------------------------------------------------------
// Service description and interoperability
// ---------------------------------------------------------------------------------------------

describe('social-insurance simulator: WSDL and SOAP clients', () => {
  it('When the client GETs ?wsdl, then the WSDL of the spec is returned with the simulator address as soap:address', async () => {
    const { url } = await startSim();
    const res = await fetch(`${url}?wsdl`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    const text = await res.text();
    const spec = specFile('social-insurance.wsdl');
    expect(text).toBe(spec.replace('http://localhost:8084/bhxh/hoso', url));
  });

  it('When a soap client built from the served WSDL submits and looks up a dossier, then it gets MaKetQua 0, then TrangThai 1', async () => {
    const { sim, url } = await startSim();
    const client = await soap.createClientAsync(`${url}?wsdl`);
    client.setSecurity(new soap.WSSecurity('motcua_h40', 'Example-Passw0rd', { mustUnderstand: true }));
    const [nop] = (await client.NopHoSoAsync({
      MaHoSo: CHILD_MA_HO_SO,
      MaThuTuc: '1.001193',
      MaSoBHXH: '',
      HoTen: 'Trần Gia Hân',
      NgaySinh: '2025-10-28',
      SoCCCD: '040325000815',
      LoaiHoSo: 'CAP_THE_BHYT_TRE_EM',
      NoiDung: 'Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi',
      NgayHenTra: '2025-11-06T17:00:00+07:00',
    })) as [Record<string, string>];
    expect(nop).toEqual({
      MaKetQua: '0',
      MoTa: 'Tiếp nhận hồ sơ thành công',
      SoBienNhanBHXH: 'BN40-251105-000123',
    });
    const [tra] = (await client.TraCuuHoSoAsync({ MaHoSo: CHILD_MA_HO_SO })) as [Record<string, string>];
    expect(tra).toEqual({
      MaKetQua: '0',
      MoTa: 'Thành công',
      TrangThai: '1',
      SoBienNhanBHXH: 'BN40-251105-000123',
      NgayCapNhat: CLOCK,
    });
    expect(sim.entries(CHILD_MA_HO_SO)).toBe(1);
    expect(sim.record(CHILD_MA_HO_SO)?.request.HoTen).toBe('Trần Gia Hân');
  });

  it('When a soap client sends a schema-invalid value, then it receives a soap:Client fault naming the element', async () => {
    const { url } = await startSim();
    const client = await soap.createClientAsync(`${url}?wsdl`);
    client.setSecurity(new soap.WSSecurity('motcua_h40', 'Example-Passw0rd'));
    const error = (await client.TraCuuHoSoAsync({ MaHoSo: 'H40 22' }).catch((e: unknown) => e)) as {
      response?: { status: number };
      root?: { Envelope: { Body: { Fault: { faultcode: string; faultstring: string } } } };
    };
    expect(error.response?.status).toBe(500);
    expect(error.root?.Envelope.Body.Fault.faultcode).toBe('soap:Client');
    expect(error.root?.Envelope.Body.Fault.faultstring).toMatch(/^MaHoSo: /);
  });
});

// ---------------------------------------------------------------------------------------------
// NopHoSo
// ---------------------------------------------------------------------------------------------

describe('social-insurance simulator: NopHoSo', () => {
  it('When the example request is submitted, then the answer is nophoso-response.xml byte for byte and the dossier is stored as received', async () => {
    const { sim, url } = await startSim();
    const res = await post(url, ex('nophoso-request.xml'));
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('text/xml; charset=utf-8');
    expect(res.text).toBe(ex('nophoso-response.xml'));
    expect(sim.entries(MA_HO_SO)).toBe(1);
    const record = sim.record(MA_HO_SO);
    expect(record).toMatchObject({
      soBienNhanBHXH: 'BN40-251105-000123',
      trangThai: 1,
      ngayCapNhat: CLOCK,
      submittedBy: 'motcua_h40',
      request: {
        MaHoSo: MA_HO_SO,
        MaThuTuc: '2.002510',
        MaSoBHXH: '4005123456',
        HoTen: 'Phạm Văn Đức',
        NgaySinh: '1952-03-14',
        SoCCCD: '040052003311',
        LoaiHoSo: 'MAI_TANG',
        NoiDung: 'Đăng ký khai tử và hưởng trợ cấp mai táng cho ông Phạm Văn Đức',
        NgayHenTra: '2025-11-12T17:00:00+07:00',
      },
    });
    expect(sim.counters().nopHoSo).toMatchObject({ calls: 1, accepted: 1, exists: 0, invalid: 0 });
    expect(sim.counters().records).toBe(1);
  });

  it('When the same MaHoSo is submitted again, even with other content, then MaKetQua 1 returns the existing receipt, entries stays 1 and no event follows', async () => {
    const { sim, url } = await startSim();
    expect((await post(url, ex('nophoso-request.xml'))).text).toBe(ex('nophoso-response.xml'));
    const changed = withField(ex('nophoso-request.xml'), 'NoiDung', 'Nội dung khác');
    const again = await post(url, changed);
    expect(again.status).toBe(200);
    expect(again.text).toBe(ex('nophoso-response-exists.xml'));
    // Also a request that would now fail the business rules: the content is ignored.
    const invalidToo = await post(url, withField(ex('nophoso-request.xml'), 'SoCCCD', '040052009999'));
    expect(invalidToo.text).toBe(ex('nophoso-response-exists.xml'));
    expect(sim.entries(MA_HO_SO)).toBe(1);
    expect(sim.record(MA_HO_SO)?.request.NoiDung).toBe(
      'Đăng ký khai tử và hưởng trợ cấp mai táng cho ông Phạm Văn Đức',
    );
    expect(sim.record(MA_HO_SO)?.history).toHaveLength(1);
    expect(sim.counters().nopHoSo).toMatchObject({ calls: 3, accepted: 1, exists: 2 });
    expect(sim.counters().callbacks.emitted).toBe(1);
  });

  it('When SoCCCD does not match the person registered under MaSoBHXH, then the answer is nophoso-response-invalid.xml and nothing is created', async () => {
    const { sim, url } = await startSim();
    const res = await post(url, withField(ex('nophoso-request.xml'), 'SoCCCD', '040052009999'));
    expect(res.status).toBe(200);
    expect(res.text).toBe(ex('nophoso-response-invalid.xml'));
    expect(sim.entries(MA_HO_SO)).toBe(0);
    expect(sim.counters().nopHoSo).toMatchObject({ calls: 1, invalid: 1, accepted: 0 });
    // Corrected data is accepted afterwards: the refused request created nothing.
    expect((await post(url, ex('nophoso-request.xml'))).text).toBe(ex('nophoso-response.xml'));
  });

  const child = () => ex('nophoso-request-bhyt-tre-em.xml');
  const adult = () => ex('nophoso-request.xml');
  it.each([
    ['MaSoBHXH empty for MAI_TANG', () => withField(adult(), 'MaSoBHXH', ''), /^MaSoBHXH: /],
    [
      'MaSoBHXH given for CAP_THE_BHYT_TRE_EM',
      () => withField(child(), 'MaSoBHXH', '4005123456'),
      /^MaSoBHXH: /,
    ],
    [
      'MaSoBHXH unknown to BHXH',
      () => withField(adult(), 'MaSoBHXH', '4005999999'),
      /^MaSoBHXH: .*4005999999/,
    ],
    ['HoTen not matching', () => withField(adult(), 'HoTen', 'Phạm Văn Đúc'), /^HoTen: không khớp/],
    [
      'HoTen sent decomposed (NFD)',
      () => withField(adult(), 'HoTen', 'Phạm Văn Đức'.normalize('NFD')),
      /^HoTen: /,
    ],
    ['NgaySinh not matching', () => withField(adult(), 'NgaySinh', '1952-03-15'), /^NgaySinh: không khớp/],
    ['a child six years old', () => withField(child(), 'NgaySinh', '2019-11-05'), /^NgaySinh: /],
    ['a child born after the submission', () => withField(child(), 'NgaySinh', '2025-11-06'), /^NgaySinh: /],
    [
      'NgayHenTra before the submission',
      () => withField(adult(), 'NgayHenTra', '2025-11-05T08:29:59+07:00'),
      /^NgayHenTra: /,
    ],
    [
      'NgayHenTra before the submission in UTC',
      () => withField(adult(), 'NgayHenTra', '2025-11-05T01:29:00Z'),
      /^NgayHenTra: /,
    ],
  ])('When %s, then MaKetQua 2 names the element and nothing is created', async (_name, build, moTa) => {
    const { sim, url } = await startSim();
    const body = build();
    const res = await post(url, body);
    expect(res.status).toBe(200);
    expect(field(res.text, 'MaKetQua')).toBe('2');
    expect(field(res.text, 'MoTa')).toMatch(moTa);
    expect(field(res.text, 'SoBienNhanBHXH')).toBeUndefined();
    expect(sim.counters().records).toBe(0);
    expect(sim.counters().nopHoSo.invalid).toBe(1);
    expect(sim.counters().callbacks.emitted).toBe(0);
  });

  it('When the CAP_THE_BHYT_TRE_EM example is submitted, then it is accepted with the child identity and an empty MaSoBHXH', async () => {
    const { sim, url } = await startSim();
    const res = await post(url, ex('nophoso-request-bhyt-tre-em.xml'));
    expect(res.text).toBe(ex('nophoso-response.xml'));
    expect(sim.record(CHILD_MA_HO_SO)?.request).toMatchObject({
      MaSoBHXH: '',
      SoCCCD: '040325000815',
      HoTen: 'Trần Gia Hân',
      LoaiHoSo: 'CAP_THE_BHYT_TRE_EM',
    });
  });

  it('When the child turns six tomorrow, then CAP_THE_BHYT_TRE_EM is still accepted', async () => {
    const { sim, url } = await startSim();
    const res = await post(url, withField(ex('nophoso-request-bhyt-tre-em.xml'), 'NgaySinh', '2019-11-06'));
    expect(field(res.text, 'MaKetQua')).toBe('0');
    expect(sim.entries(CHILD_MA_HO_SO)).toBe(1);
  });

  it('When NgayHenTra is equal to the submission time given in UTC, then the dossier is accepted', async () => {
    const { url } = await startSim();
    const res = await post(url, withField(ex('nophoso-request.xml'), 'NgayHenTra', '2025-11-05T01:30:00Z'));
    expect(field(res.text, 'MaKetQua')).toBe('0');
  });

  const long = (n: number) => 'ả'.repeat(n);
  it.each([
    [
      'MaSoBHXH has 9 digits',
      () => withField(adult(), 'MaSoBHXH', '400512345'),
      'MaSoBHXH: phải gồm đúng 10 chữ số',
    ],
    [
      'MaSoBHXH has letters',
      () => withField(adult(), 'MaSoBHXH', '40051234AB'),
      'MaSoBHXH: phải gồm đúng 10 chữ số',
    ],
    ['MaHoSo has a space', () => withField(adult(), 'MaHoSo', 'H40.22 251105'), /^MaHoSo: /],
    ['MaHoSo has 51 characters', () => withField(adult(), 'MaHoSo', 'A'.repeat(51)), /^MaHoSo: /],
    ['MaThuTuc is 2.00251', () => withField(adult(), 'MaThuTuc', '2.00251'), /^MaThuTuc: /],
    ['HoTen is empty', () => withField(adult(), 'HoTen', ''), /^HoTen: /],
    ['HoTen has 101 characters', () => withField(adult(), 'HoTen', long(101)), /^HoTen: /],
    ['NgaySinh is 14/03/1952', () => withField(adult(), 'NgaySinh', '14/03/1952'), /^NgaySinh: /],
    ['NgaySinh is 1952-02-30', () => withField(adult(), 'NgaySinh', '1952-02-30'), /^NgaySinh: /],
    ['SoCCCD has 11 digits', () => withField(adult(), 'SoCCCD', '04005200331'), /^SoCCCD: /],
    ['SoCCCD is empty for CAP_THE_BHYT_TRE_EM', () => withField(child(), 'SoCCCD', ''), /^SoCCCD: /],
    ['LoaiHoSo is unknown', () => withField(adult(), 'LoaiHoSo', 'TU_TUAT'), /^LoaiHoSo: /],
    ['LoaiHoSo is lower case', () => withField(adult(), 'LoaiHoSo', 'mai_tang'), /^LoaiHoSo: /],
    ['NoiDung is empty', () => withField(adult(), 'NoiDung', ''), /^NoiDung: /],
    ['NoiDung has 2001 characters', () => withField(adult(), 'NoiDung', long(2001)), /^NoiDung: /],
    [
      'NgayHenTra has no offset',
      () => withField(adult(), 'NgayHenTra', '2025-11-12T17:00:00'),
      /^NgayHenTra: thiếu múi giờ/,
    ],
    ['NgayHenTra is a date only', () => withField(adult(), 'NgayHenTra', '2025-11-12'), /^NgayHenTra: /],
    [
      'NgayHenTra is local format',
      () => withField(adult(), 'NgayHenTra', '12/11/2025 17:00:00'),
      /^NgayHenTra: /,
    ],
    ['SoCCCD is missing', () => withoutField(adult(), 'SoCCCD'), 'SoCCCD: thiếu phần tử bắt buộc'],
    [
      'NgayHenTra is missing',
      () => withoutField(adult(), 'NgayHenTra'),
      'NgayHenTra: thiếu phần tử bắt buộc',
    ],
    [
      'HoTen comes before MaSoBHXH',
      () =>
        adult().replace(/(\s*<tns:MaSoBHXH>[^<]*<\/tns:MaSoBHXH>)(\s*<tns:HoTen>[^<]*<\/tns:HoTen>)/, '$2$1'),
      /^HoTen: sai thứ tự/,
    ],
    [
      'MaHoSo is repeated',
      () => adult().replace('<tns:MaThuTuc>', `<tns:MaHoSo>${MA_HO_SO}</tns:MaHoSo><tns:MaThuTuc>`),
      /^MaHoSo: /,
    ],
    [
      'an element is not namespace-qualified',
      () => adult().replace(/tns:MaThuTuc>/g, 'MaThuTuc>'),
      /^MaThuTuc: .*urn:bhxh:hoso:v1/,
    ],
    [
      'an undeclared element is added',
      () => adult().replace('<tns:NgayHenTra>', '<tns:GhiChu>x</tns:GhiChu><tns:NgayHenTra>'),
      /^GhiChu: /,
    ],
  ])(
    'When %s, then a soap:Client fault (HTTP 500) names the element and nothing is processed',
    async (_n, build, message) => {
      const { sim, url } = await startSim();
      const res = await post(url, build());
      expect(res.status).toBe(500);
      expect(res.contentType).toBe('text/xml; charset=utf-8');
      const fault = faultOf(res.text);
      expect(fault?.faultcode).toBe('soap:Client');
      if (typeof message === 'string') expect(fault?.faultstring).toBe(message);
      else expect(fault?.faultstring).toMatch(message);
      expect(sim.counters().records).toBe(0);
      expect(sim.counters().nopHoSo).toMatchObject({ calls: 1, clientFaults: 1, accepted: 0, invalid: 0 });
    },
  );

  it('When MaSoBHXH has 9 digits, then the fault is fault-client.xml byte for byte', async () => {
    const { url } = await startSim();
    const res = await post(url, withField(ex('nophoso-request.xml'), 'MaSoBHXH', '400512345'));
    expect(res.status).toBe(500);
    expect(res.text).toBe(ex('fault-client.xml'));
  });

  it.each([
    [
      'the XML is malformed',
      () => ex('nophoso-request.xml').replace('</tns:HoTen>', '</tns:HoTenX>'),
      {},
      'NopHoSo',
    ],
    ['the body is empty', () => '', {}, 'NopHoSo'],
    [
      'the body is not UTF-8',
      () => Buffer.from(ex('nophoso-request.xml').replace('Phạm', 'Ph\u00e1m'), 'latin1'),
      {},
      'NopHoSo',
    ],
    [
      'the charset is not UTF-8',
      () => ex('nophoso-request.xml'),
      { 'Content-Type': 'text/xml; charset=iso-8859-1' },
      'NopHoSo',
    ],
    ['the body starts with a byte order mark', () => `\ufeff${ex('nophoso-request.xml')}`, {}, 'NopHoSo'],
    [
      'the content type is application/json',
      () => ex('nophoso-request.xml'),
      { 'Content-Type': 'application/json' },
      'NopHoSo',
    ],
    [
      'the envelope is SOAP 1.2',
      () =>
        ex('nophoso-request.xml').replace(
          /http:\/\/schemas.xmlsoap.org\/soap\/envelope\//g,
          'http://www.w3.org/2003/05/soap-envelope',
        ),
      {},
      'NopHoSo',
    ],
    ['the SOAPAction names the other operation', () => ex('nophoso-request.xml'), {}, 'TraCuuHoSo'],
    ['the SOAPAction header is missing', () => ex('nophoso-request.xml'), {}, null],
    [
      'the XML declares another encoding',
      () => ex('tracuuhoso-request.xml').replace('UTF-8', 'ISO-8859-1'),
      {},
      'TraCuuHoSo',
    ],
  ])(
    'When %s, then the answer is a soap:Client fault and nothing is processed',
    async (_n, build, headers, action) => {
      const { sim, url } = await startSim();
      const res = await post(url, build(), action, headers);
      expect(res.status).toBe(500);
      expect(faultOf(res.text)?.faultcode).toBe('soap:Client');
      expect(sim.counters().records).toBe(0);
    },
  );

  it('When SOAPAction is unquoted or empty, then the request is dispatched on the body element', async () => {
    const { url } = await startSim();
    const a = await post(url, ex('nophoso-request.xml'), null, { SOAPAction: 'urn:bhxh:hoso:v1/NopHoSo' });
    expect(field(a.text, 'MaKetQua')).toBe('0');
    const b = await post(url, ex('tracuuhoso-request.xml'), null, { SOAPAction: '""' });
    expect(field(b.text, 'MaKetQua')).toBe('0');
  });

  it('When text contains markup characters, inner spaces and decomposed letters, then it is stored byte-identical, not re-normalised', async () => {
    const { sim, url } = await startSim();
    const noiDung = '  Trợ cấp  mai táng <lần 1> & "khác"\tcho ông Đức  '.normalize('NFD');
    const res = await post(url, withField(ex('nophoso-request.xml'), 'NoiDung', noiDung));
    expect(field(res.text, 'MaKetQua')).toBe('0');
    const stored = sim.record(MA_HO_SO)?.request.NoiDung;
    expect(stored).toBe(noiDung);
    expect(Buffer.from(stored ?? '', 'utf8').equals(Buffer.from(noiDung, 'utf8'))).toBe(true);
    expect(stored).not.toBe(noiDung.normalize('NFC'));
  });

  it('When a CDATA section carries the text, then the decoded text is stored', async () => {
    const { sim, url } = await startSim();
    const body = ex('nophoso-request.xml').replace(
      /<tns:NoiDung>[^<]*<\/tns:NoiDung>/,
      '<tns:NoiDung><![CDATA[Trợ cấp <mai táng> & khác]]></tns:NoiDung>',
    );
    expect(field((await post(url, body)).text, 'MaKetQua')).toBe('0');
    expect(sim.record(MA_HO_SO)?.request.NoiDung).toBe('Trợ cấp <mai táng> & khác');
  });
});

// ---------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------

describe('social-insurance simulator: WS-Security UsernameToken', () => {
  it('When the password is wrong, then the answer is fault-authentication.xml and nothing is created', async () => {
    const { sim, url } = await startSim();
    const res = await post(url, ex('nophoso-request.xml').replace('>Example-Passw0rd<', '>wrong<'));
    expect(res.status).toBe(500);
    expect(res.text).toBe(ex('fault-authentication.xml'));
    expect(sim.entries(MA_HO_SO)).toBe(0);
    expect(sim.counters().nopHoSo).toMatchObject({ calls: 1, authFailures: 1, clientFaults: 1 });
  });

  it.each([
    ['the username differs in case', (x: string) => x.replace('>motcua_h40<', '>MOTCUA_H40<')],
    ['the soap:Header is missing', (x: string) => x.replace(/<soap:Header>[\s\S]*<\/soap:Header>/, '')],
    ['the password is a PasswordDigest', (x: string) => x.replace('#PasswordText', '#PasswordDigest')],
    [
      'the Security header is in another namespace',
      (x: string) => x.replace(/oasis-200401-wss-wssecurity-secext-1\.0\.xsd/, 'urn:other'),
    ],
  ])(
    'When %s, then a soap:Client fault starting with "Xác thực không thành công" answers',
    async (_n, mutate) => {
      const { sim, url } = await startSim();
      const res = await post(url, mutate(ex('nophoso-request.xml')));
      expect(res.status).toBe(500);
      const fault = faultOf(res.text);
      expect(fault?.faultcode).toBe('soap:Client');
      expect(fault?.faultstring.startsWith('Xác thực không thành công')).toBe(true);
      expect(sim.counters().records).toBe(0);
    },
  );

  it('When Type and mustUnderstand are absent and Nonce/Created are present, then the request is accepted', async () => {
    const { url } = await startSim();
    const body = ex('nophoso-request.xml')
      .replace(' soap:mustUnderstand="1"', '')
      .replace(/ Type="[^"]*"/, '')
      .replace(
        '</wsse:Password>',
        '</wsse:Password><wsse:Nonce>bm9uY2U=</wsse:Nonce><wsu:Created xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">2025-11-05T01:30:00Z</wsu:Created>',
      );
    expect((await post(url, body)).text).toBe(ex('nophoso-response.xml'));
  });

  it('When the credentials are configured, then only those are accepted (and can be rotated over /__sim)', async () => {
    const { sim, url } = await startSim({ credentials: { username: 'u1', password: 'p1' } });
    expect((await post(url, ex('tracuuhoso-request.xml'), 'TraCuuHoSo')).text).toBe(
      ex('fault-authentication.xml'),
    );
    const body = ex('tracuuhoso-request.xml')
      .replace('>motcua_h40<', '>u1<')
      .replace('>Example-Passw0rd<', '>p1<');
    expect((await post(url, body, 'TraCuuHoSo')).status).toBe(200);
    expect((await simPost(url, '/__sim/credentials', { username: 'u2', password: 'p2' })).status).toBe(200);
    expect((await post(url, body, 'TraCuuHoSo')).status).toBe(500);
    expect(sim.counters().traCuuHoSo.authFailures).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// TraCuuHoSo
// ---------------------------------------------------------------------------------------------

describe('social-insurance simulator: TraCuuHoSo', () => {
  it('When the dossier is being processed, then the lookup answers tracuuhoso-response.xml byte for byte', async () => {
    const { sim, url } = await startSim();
    await post(url, ex('nophoso-request.xml'));
    sim.setStatus(MA_HO_SO, 2, {
      ghiChu: 'Đang thẩm định hồ sơ hưởng trợ cấp mai táng',
      thoiDiem: '2025-11-06T08:30:00+07:00',
    });
    const res = await post(url, ex('tracuuhoso-request.xml'), 'TraCuuHoSo');
    expect(res.status).toBe(200);
    expect(res.text).toBe(ex('tracuuhoso-response.xml'));
    expect(sim.counters().traCuuHoSo).toMatchObject({ calls: 1, found: 1 });
  });

  it('When the dossier was never submitted, then the answer is tracuuhoso-response-notfound.xml', async () => {
    const { sim, url } = await startSim();
    const body = ex('tracuuhoso-request.xml').replace(MA_HO_SO, 'H40.22-251105-0099');
    const res = await post(url, body, 'TraCuuHoSo');
    expect(res.status).toBe(200);
    expect(res.text).toBe(ex('tracuuhoso-response-notfound.xml'));
    expect(sim.counters().traCuuHoSo).toMatchObject({ calls: 1, notFound: 1 });
  });

  it('When the status has no note, then GhiChu is absent; when MaHoSo differs in case, then it is not found', async () => {
    const { url } = await startSim();
    await post(url, ex('nophoso-request.xml'));
    const res = await post(url, ex('tracuuhoso-request.xml'), 'TraCuuHoSo');
    expect(field(res.text, 'TrangThai')).toBe('1');
    expect(res.text).not.toContain('GhiChu');
    const lower = await post(
      url,
      ex('tracuuhoso-request.xml').replace(MA_HO_SO, MA_HO_SO.toLowerCase()),
      'TraCuuHoSo',
    );
    expect(field(lower.text, 'MaKetQua')).toBe('4');
  });

  it('When MaHoSo is missing or invalid, then a soap:Client fault names MaHoSo', async () => {
    const { sim, url } = await startSim();
    const missing = await post(
      url,
      ex('tracuuhoso-request.xml').replace(/<tns:MaHoSo>[^<]*<\/tns:MaHoSo>/, ''),
      'TraCuuHoSo',
    );
    expect(faultOf(missing.text)).toEqual({
      faultcode: 'soap:Client',
      faultstring: 'MaHoSo: thiếu phần tử bắt buộc',
    });
    const bad = await post(url, ex('tracuuhoso-request.xml').replace(MA_HO_SO, 'H40/22'), 'TraCuuHoSo');
    expect(faultOf(bad.text)?.faultstring).toMatch(/^MaHoSo: /);
    expect(sim.counters().traCuuHoSo).toMatchObject({ calls: 2, clientFaults: 2 });
  });
});

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

describe('social-insurance simulator: fault switches', () => {
  it('When serverFaultNext(1) is set, then the next request gets fault-server.xml with nothing processed and the resend succeeds', async () => {
    const { sim, url } = await startSim();
    sim.serverFaultNext(1);
    const first = await post(url, ex('nophoso-request.xml'));
    expect(first.status).toBe(500);
    expect(first.text).toBe(ex('fault-server.xml'));
    expect(sim.entries(MA_HO_SO)).toBe(0);
    const second = await post(url, ex('nophoso-request.xml'));
    expect(second.text).toBe(ex('nophoso-response.xml'));
    expect(sim.entries(MA_HO_SO)).toBe(1);
    expect(sim.counters().nopHoSo).toMatchObject({ calls: 2, serverFaults: 1, accepted: 1 });
    expect(sim.faultState().injected.serverFaults).toBe(1);
  });

  it('When serverFaultRate is 1, then every request gets soap:Server until it is reset', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ serverFaultRate: 1 });
    for (let i = 0; i < 3; i += 1)
      expect(faultOf((await post(url, ex('tracuuhoso-request.xml'), 'TraCuuHoSo')).text)?.faultcode).toBe(
        'soap:Server',
      );
    sim.setFaults({ serverFaultRate: 0 });
    expect((await post(url, ex('tracuuhoso-request.xml'), 'TraCuuHoSo')).status).toBe(200);
  });

  it('When failNext is set on the FaultInjector, then an HTTP 503 without SOAP body answers and nothing is created', async () => {
    const { sim, url } = await startSim();
    sim.faults.set({ failNext: 1 });
    const res = await post(url, ex('nophoso-request.xml'));
    expect(res.status).toBe(503);
    expect(res.text).not.toContain('Envelope');
    expect(sim.entries(MA_HO_SO)).toBe(0);
    expect(sim.faults.counts.failed).toBe(1);
    expect(sim.counters().requests).toBe(0);
  });

  it('When the system is down or rate limiting, then 503 / 429 with Retry-After answer', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ rateLimitNext: 1, retryAfterSeconds: 7 });
    const limited = await fetch(url, { method: 'POST', body: ex('nophoso-request.xml') });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    sim.setFaults({ down: true });
    expect((await post(url, ex('nophoso-request.xml'))).status).toBe(503);
    sim.setFaults({ down: false });
    expect((await post(url, ex('nophoso-request.xml'))).status).toBe(200);
    expect(sim.entries(MA_HO_SO)).toBe(1);
  });

  it('When dropAfterCommitNext is set, then the dossier is created but the connection is reset; the resend gets MaKetQua 1 with the same receipt', async () => {
    const { sim, url } = await startSim();
    sim.faults.set({ dropAfterCommitNext: 1 });
    await expect(post(url, ex('nophoso-request.xml'))).rejects.toThrow();
    expect(sim.entries(MA_HO_SO)).toBe(1);
    const again = await post(url, ex('nophoso-request.xml'));
    expect(again.text).toBe(ex('nophoso-response-exists.xml'));
    expect(sim.entries(MA_HO_SO)).toBe(1);
    expect(sim.faults.counts.droppedAfterCommit).toBe(1);
  });

  it('When timeoutAfterCommitNext is set, then the dossier is created and the answer never comes, until close releases it', async () => {
    const { sim, url } = await startSim();
    sim.faults.set({ timeoutAfterCommitNext: 1 });
    const hanging = post(url, ex('nophoso-request.xml'));
    await waitFor(() => sim.entries(MA_HO_SO) === 1);
    const outcome = await Promise.race([
      hanging.then(() => 'answered').catch(() => 'failed'),
      new Promise((r) => setTimeout(() => r('pending'), 300)),
    ]);
    expect(outcome).toBe('pending');
    expect(sim.faults.counts.timedOutAfterCommit).toBe(1);
    await sim.close();
    await expect(hanging).rejects.toThrow();
  });

  it('When latency is set, then the answer is delayed by it', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ latencyMs: 150 });
    const t0 = Date.now();
    await post(url, ex('tracuuhoso-request.xml'), 'TraCuuHoSo');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

// ---------------------------------------------------------------------------------------------
// Callbacks
// ---------------------------------------------------------------------------------------------

describe('social-insurance simulator: CapNhatTrangThaiHoSo callbacks', () => {
  const fast = { callbackRetryIntervalMs: 30, callbackMaxAttempts: 4, callbackTimeoutMs: 500 };

  it('When a dossier is accepted, then TrangThai 1 is sent with the BHXH credentials, SOAPAction and a fresh MaSuKien', async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim({ ...fast, callbackUrl: receiver.url });
    await post(url, ex('nophoso-request.xml'));
    await sim.callbacksIdle();
    expect(receiver.received).toHaveLength(1);
    const cb = receiver.received[0];
    expect(cb?.soapAction).toBe('"urn:bhxh:hoso:v1/CapNhatTrangThaiHoSo"');
    expect(cb?.contentType).toBe('text/xml; charset=utf-8');
    expect(cb?.username).toBe('bhxh_nghean');
    expect(cb?.password).toBe('Example-Callback-Passw0rd');
    expect(cb?.mustUnderstand).toBe('1');
    expect(cb?.fields).toMatchObject({
      MaHoSo: MA_HO_SO,
      SoBienNhanBHXH: 'BN40-251105-000123',
      TrangThai: '1',
      ThoiDiem: CLOCK,
    });
    expect(cb?.fields.MaSuKien).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(cb?.fields ?? {})).toEqual([
      'MaHoSo',
      'SoBienNhanBHXH',
      'TrangThai',
      'ThoiDiem',
      'MaSuKien',
    ]);
    expect(sim.counters().callbacks).toMatchObject({
      emitted: 1,
      attempts: 1,
      delivered: 1,
      failedAttempts: 0,
    });
  });

  it('When setStatus(4) is called, then the callback is callback-request.xml byte for byte except the fresh MaSuKien, and TraCuuHoSo shows 4', async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim({ ...fast, callbackUrl: receiver.url });
    await post(url, ex('nophoso-request.xml'));
    const event = sim.setStatus(MA_HO_SO, 4, {
      ghiChu: 'Đã giải quyết trợ cấp mai táng: 23.400.000 đồng',
      thoiDiem: '2025-11-11T15:00:00+07:00',
    });
    await sim.callbacksIdle();
    const last = receiver.received.at(-1);
    expect(last?.raw).toBe(
      ex('callback-request.xml').replace('3c2b1a09-8f7e-4d6c-b5a4-93827160fedc', event.maSuKien),
    );
    const ids = receiver.received.map((c) => c.fields.MaSuKien);
    expect(new Set(ids).size).toBe(2);
    const lookup = await post(url, ex('tracuuhoso-request.xml'), 'TraCuuHoSo');
    expect(field(lookup.text, 'TrangThai')).toBe('4');
    expect(field(lookup.text, 'NgayCapNhat')).toBe('2025-11-11T15:00:00+07:00');
  });

  it('When the receiver answers a SOAP fault, then the event is resent with the same MaSuKien and identical content', async () => {
    const receiver = await startReceiver((_cb, i) =>
      i === 0 ? soapFault('soap:Client', 'bận') : { status: 200, body: ex('callback-response.xml') },
    );
    const { sim, url } = await startSim({ ...fast, callbackUrl: receiver.url });
    await post(url, ex('nophoso-request.xml'));
    await sim.callbacksIdle();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.raw).toBe(receiver.received[0]?.raw);
    expect(sim.counters().callbacks).toMatchObject({ attempts: 2, failedAttempts: 1, delivered: 1 });
    expect(sim.callbackLog().map((a) => [a.kind, a.outcome])).toEqual([
      ['first', 'soap-fault'],
      ['retry', 'delivered'],
    ]);
  });

  it('When the receiver answers HTTP 200 with MaKetQua other than 0, then the event is logged as not accepted and not resent', async () => {
    const refused = ex('callback-response.xml').replace(
      '<tns:MaKetQua>0</tns:MaKetQua>',
      '<tns:MaKetQua>9</tns:MaKetQua>',
    );
    const receiver = await startReceiver(() => ({ status: 200, body: refused }));
    const { sim, url } = await startSim({ ...fast, callbackUrl: receiver.url });
    await post(url, ex('nophoso-request.xml'));
    await sim.callbacksIdle();
    expect(receiver.received).toHaveLength(1);
    expect(sim.counters().callbacks).toMatchObject({ notAccepted: 1, delivered: 0, attempts: 1 });
  });

  it('When the receiver keeps failing (HTTP 503, invalid body), then attempts stop at callbackMaxAttempts and the event is dropped, TraCuuHoSo still answering', async () => {
    const receiver = await startReceiver((_cb, i) =>
      i % 2 === 0 ? { status: 503, body: 'down' } : { status: 200, body: 'ok' },
    );
    const { sim, url } = await startSim({ ...fast, callbackUrl: receiver.url });
    await post(url, ex('nophoso-request.xml'));
    await sim.callbacksIdle();
    expect(receiver.received).toHaveLength(4);
    expect(sim.counters().callbacks).toMatchObject({
      attempts: 4,
      failedAttempts: 4,
      dropped: 1,
      delivered: 0,
    });
    expect(sim.callbackLog().map((a) => a.outcome)).toEqual([
      'http-error',
      'invalid-response',
      'http-error',
      'invalid-response',
    ]);
    expect(field((await post(url, ex('tracuuhoso-request.xml'), 'TraCuuHoSo')).text, 'TrangThai')).toBe('1');
  });

  it('When the receiver does not answer within callbackTimeoutMs, then the attempt counts as a timeout and is retried', async () => {
    const receiver = await startReceiver((_cb, i) =>
      i === 0 ? 'hang' : { status: 200, body: ex('callback-response.xml') },
    );
    const { sim, url } = await startSim({ ...fast, callbackTimeoutMs: 100, callbackUrl: receiver.url });
    await post(url, ex('nophoso-request.xml'));
    await sim.callbacksIdle();
    expect(sim.callbackLog().map((a) => a.outcome)).toEqual(['timeout', 'delivered']);
  });

  it('When no callback address is registered yet, then attempts fail and the event is delivered once the address is set', async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim({ ...fast, callbackMaxAttempts: 50 });
    await post(url, ex('nophoso-request.xml'));
    await waitFor(() => sim.counters().callbacks.failedAttempts >= 1);
    expect((await simPost(url, '/__sim/callback', { url: receiver.url })).status).toBe(200);
    await sim.callbacksIdle();
    expect(receiver.received).toHaveLength(1);
    expect(sim.callbackLog()[0]?.outcome).toBe('no-target');
  });

  it('When the duplicate fault is on, then the event is delivered twice with the same MaSuKien and identical content', async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim({ ...fast, callbackUrl: receiver.url });
    sim.duplicateNextCallbacks(1);
    await post(url, ex('nophoso-request.xml'));
    await sim.callbacksIdle();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]?.raw).toBe(receiver.received[1]?.raw);
    expect(sim.counters().callbacks).toMatchObject({ delivered: 1, acknowledgements: 2, duplicatesSent: 1 });
    expect(sim.callbackLog().map((a) => a.kind)).toEqual(['first', 'repeat']);
  });

  it('When resendEvent is called for a delivered event, then it is sent again unchanged', async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim({ ...fast, callbackUrl: receiver.url });
    await post(url, ex('nophoso-request.xml'));
    await sim.callbacksIdle();
    const id = receiver.received[0]?.fields.MaSuKien ?? '';
    expect((await simPost(url, '/__sim/resend', { maSuKien: id })).status).toBe(200);
    await sim.callbacksIdle();
    expect(receiver.received.map((c) => c.fields.MaSuKien)).toEqual([id, id]);
    expect((await simPost(url, '/__sim/resend', { maSuKien: 'nope' })).status).toBe(404);
  });

  it('When the reorder fault is on and a batch is emitted, then the newest event is sent first while ThoiDiem keeps the real order', async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim({ ...fast, callbackUrl: receiver.url });
    await post(url, ex('nophoso-request.xml'));
    await sim.callbacksIdle();
    sim.reorderCallbacks(true);
    const events = sim.emitBatch(MA_HO_SO, [
      { trangThai: 2, ghiChu: 'Đang xử lý' },
      { trangThai: 3, ghiChu: 'Bổ sung giấy chứng tử' },
      { trangThai: 2 },
    ]);
    await sim.callbacksIdle();
    const sent = sim
      .callbackLog()
      .filter((a) => a.kind === 'first')
      .slice(1);
    expect(sent.map((a) => a.maSuKien)).toEqual(events.map((e) => e.maSuKien).reverse());
    const times = events.map((e) => Date.parse(e.thoiDiem));
    expect(times[0]).toBeGreaterThan(Date.parse(CLOCK));
    expect(times[1]).toBeGreaterThan(times[0] ?? 0);
    expect(times[2]).toBeGreaterThan(times[1] ?? 0);
    expect(receiver.received).toHaveLength(4);
    // The receiver restores the real order from ThoiDiem.
    const byTime = [...receiver.received].sort(
      (a, b) => Date.parse(a.fields.ThoiDiem ?? '') - Date.parse(b.fields.ThoiDiem ?? ''),
    );
    expect(byTime.map((c) => c.fields.TrangThai)).toEqual(['1', '2', '3', '2']);
    expect(sim.record(MA_HO_SO)?.trangThai).toBe(2);
  });

  it('When an earlier event is retried, then a later event of the same dossier arrives before it', async () => {
    let failedOnce = false;
    const receiver = await startReceiver((cb) => {
      if (cb.fields.TrangThai === '2' && !failedOnce) {
        failedOnce = true;
        return soapFault('soap:Server', 'tạm thời');
      }
      return { status: 200, body: ex('callback-response.xml') };
    });
    const { sim, url } = await startSim({ ...fast, callbackRetryIntervalMs: 150, callbackUrl: receiver.url });
    await post(url, ex('nophoso-request.xml'));
    await sim.callbacksIdle();
    sim.emitBatch(MA_HO_SO, [{ trangThai: 2 }, { trangThai: 4, ghiChu: 'Hoàn thành' }]);
    await sim.callbacksIdle();
    const delivered = sim
      .callbackLog()
      .filter((a) => a.outcome === 'delivered')
      .map((a) => a.trangThai);
    expect(delivered).toEqual([1, 4, 2]);
  });

  it('When the status is final, then setStatus is refused and nothing is sent', async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim({ ...fast, callbackUrl: receiver.url });
    await post(url, ex('nophoso-request.xml'));
    sim.setStatus(MA_HO_SO, 5, { ghiChu: 'Không đủ điều kiện hưởng' });
    const refused = await simPost(url, '/__sim/status', { maHoSo: MA_HO_SO, trangThai: 2 });
    expect(refused.status).toBe(409);
    expect(() => sim.setStatus('H40.22-251105-0099', 2)).toThrow();
    await sim.callbacksIdle();
    expect(receiver.received.map((c) => c.fields.TrangThai)).toEqual(['1', '5']);
    expect(receiver.received[1]?.fields.GhiChu).toBe('Không đủ điều kiện hưởng');
  });

  it('When the client implements CapNhatTrangThaiService with the soap package from the callback WSDL, then it receives every field and its answer counts as delivered', async () => {
    const calls: Array<Record<string, unknown>> = [];
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const soapServer = soap.listen(
      server,
      '/bhxh/capnhattrangthai',
      {
        CapNhatTrangThaiService: {
          CapNhatTrangThaiPort: {
            CapNhatTrangThaiHoSo: (args: Record<string, unknown>) => {
              calls.push(args);
              return { MaKetQua: 0, MoTa: 'Đã nhận' };
            },
          },
        },
      },
      specFile('social-insurance-callback.wsdl'),
    );
    let security: { UsernameToken?: { Username?: string } } | undefined;
    soapServer.authenticate = (sec: typeof security) => {
      security = sec;
      return true;
    };
    const port = (server.address() as AddressInfo).port;
    const { sim, url } = await startSim({
      ...fast,
      callbackUrl: `http://127.0.0.1:${port}/bhxh/capnhattrangthai`,
    });
    await post(url, ex('nophoso-request.xml'));
    await sim.callbacksIdle();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      MaHoSo: MA_HO_SO,
      SoBienNhanBHXH: 'BN40-251105-000123',
      ThoiDiem: CLOCK,
    });
    expect(String(calls[0]?.TrangThai)).toBe('1');
    expect(security?.UsernameToken?.Username).toBe('bhxh_nghean');
    expect(sim.counters().callbacks.delivered).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// /__sim control over HTTP
// ---------------------------------------------------------------------------------------------

describe('social-insurance simulator: /__sim control routes', () => {
  it('When GET /__sim/state is called, then counters, records and faults are returned (also under the service path)', async () => {
    const { sim, url } = await startSim();
    await post(url, ex('nophoso-request.xml'));
    await post(url, ex('nophoso-request.xml'));
    const origin = sim.origin ?? '';
    for (const stateUrl of [`${origin}/__sim/state`, `${url}/__sim/state`]) {
      const state = (await (await fetch(stateUrl)).json()) as {
        counters: { records: number; nopHoSo: { calls: number; accepted: number; exists: number } };
        records: Array<{ maHoSo: string; request: { HoTen: string } }>;
        faults: { transport: { failNext: number } };
        serviceUrl: string;
      };
      expect(state.serviceUrl).toBe(url);
      expect(state.counters.records).toBe(1);
      expect(state.counters.nopHoSo).toMatchObject({ calls: 2, accepted: 1, exists: 1 });
      expect(state.records.map((r) => [r.maHoSo, r.request.HoTen])).toEqual([[MA_HO_SO, 'Phạm Văn Đức']]);
      expect(state.faults.transport.failNext).toBe(0);
    }
  });

  it('When POST /__sim/faults patches settings, then they take effect; an unknown key is refused with 400', async () => {
    const { sim, url } = await startSim();
    const patched = await simPost(url, '/__sim/faults', {
      serverFaultNext: 1,
      failStatus: 502,
      duplicateNext: 2,
      reorder: true,
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      soap: { serverFaultNext: 1 },
      transport: { failStatus: 502 },
      callbacks: { duplicateNext: 2, reorder: true },
    });
    expect((await post(url, ex('nophoso-request.xml'))).text).toBe(ex('fault-server.xml'));
    expect((await simPost(url, '/__sim/faults', { bogus: 1 })).status).toBe(400);
    expect((await simPost(url, '/__sim/faults', { failNext: -1 })).status).toBe(400);
    expect((await simPost(url, '/__sim/faults/reset', {})).json).toMatchObject({
      soap: { serverFaultNext: 0 },
      transport: { failStatus: 503 },
      callbacks: { duplicateNext: 0, reorder: false },
    });
    expect(sim.faultState().injected.serverFaults).toBe(1);
  });

  it('When /__sim/clock, /__sim/persons, /__sim/status and /__sim/batch are posted, then the simulator follows them', async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim({ callbackRetryIntervalMs: 30, callbackUrl: receiver.url });
    expect((await simPost(url, '/__sim/clock', { now: '2026-01-10T09:00:00+07:00' })).status).toBe(200);
    const person = {
      maSoBHXH: '0101234567',
      hoTen: 'Nguyễn Thị Lan',
      ngaySinh: '1960-01-01',
      soCCCD: '001160000001',
    };
    expect((await simPost(url, '/__sim/persons', person)).status).toBe(200);
    let body = ex('nophoso-request.xml').replace(MA_HO_SO, 'H40.22-260110-0001');
    body = withField(body, 'MaSoBHXH', person.maSoBHXH);
    body = withField(body, 'HoTen', person.hoTen);
    body = withField(body, 'NgaySinh', person.ngaySinh);
    body = withField(body, 'SoCCCD', person.soCCCD);
    body = withField(body, 'NgayHenTra', '2026-01-20T17:00:00+07:00');
    const res = await post(url, body);
    expect(field(res.text, 'SoBienNhanBHXH')).toBe('BN40-260110-000123');
    const status = await simPost(url, '/__sim/status', {
      maHoSo: 'H40.22-260110-0001',
      trangThai: 2,
      ghiChu: 'Đang xử lý',
    });
    expect(status.json).toMatchObject({
      trangThai: 2,
      thoiDiem: '2026-01-10T09:00:01+07:00',
      ghiChu: 'Đang xử lý',
    });
    const batch = await simPost(url, '/__sim/batch', {
      maHoSo: 'H40.22-260110-0001',
      steps: [{ trangThai: 3, ghiChu: 'Thiếu giấy tờ' }, { trangThai: 2 }, { trangThai: 4 }],
    });
    expect((batch.json as Array<{ trangThai: number }>).map((e) => e.trangThai)).toEqual([3, 2, 4]);
    expect((await simPost(url, '/__sim/status', { maHoSo: 'H40.22-260110-0001', trangThai: 2 })).status).toBe(
      409,
    );
    expect((await simPost(url, '/__sim/status', { maHoSo: 'H40.22-260110-0001', trangThai: 9 })).status).toBe(
      400,
    );
    expect((await simPost(url, '/__sim/status', { maHoSo: 'nope', trangThai: 2 })).status).toBe(404);
    const idle = await simPost(url, '/__sim/idle', { timeoutMs: 3000 });
    expect(idle.json).toMatchObject({ idle: true, callbacks: { delivered: 5 } });
    expect(receiver.received.map((c) => c.fields.TrangThai)).toHaveLength(5);
    expect(sim.record('H40.22-260110-0001')?.history.map((h) => h.trangThai)).toEqual([1, 2, 3, 2, 4]);
  });

  it('When POST /__sim/reset is called, then dossiers, counters and faults are forgotten', async () => {
    const { sim, url } = await startSim();
    await post(url, ex('nophoso-request.xml'));
    sim.setFaults({ latencyMs: 10, serverFaultNext: 3 });
    expect((await simPost(url, '/__sim/reset', {})).status).toBe(200);
    expect(sim.entries(MA_HO_SO)).toBe(0);
    expect(sim.counters().nopHoSo.calls).toBe(0);
    expect(sim.faultState().soap.serverFaultNext).toBe(0);
    expect(sim.faultState().transport.latencyMs).toBe(0);
    expect((await post(url, ex('nophoso-request.xml'))).text).toBe(ex('nophoso-response.xml'));
  });

  it('When autoProgress is configured, then an accepted dossier moves through its steps with a callback for each', async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim({
      callbackUrl: receiver.url,
      callbackRetryIntervalMs: 30,
      autoProgress: { intervalMs: 20, steps: [{ trangThai: 2 }, { trangThai: 4, ghiChu: 'Hoàn thành' }] },
    });
    await post(url, ex('nophoso-request.xml'));
    await waitFor(() => receiver.received.length === 3);
    expect(receiver.received.map((c) => c.fields.TrangThai).sort()).toEqual(['1', '2', '4']);
    expect(sim.record(MA_HO_SO)?.trangThai).toBe(4);
  });

  it('When the simulator closes with callbacks waiting for a retry, then close returns promptly', async () => {
    const receiver = await startReceiver(() => ({ status: 503, body: 'down' }));
    const { sim, url } = await startSim({ callbackUrl: receiver.url }); // spec timing: 5 minutes between attempts
    await post(url, ex('nophoso-request.xml'));
    await waitFor(() => sim.counters().callbacks.failedAttempts === 1);
    const t0 = Date.now();
    await sim.close();
    await sim.callbacksIdle();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(sim.counters().callbacks.attempts).toBe(1);
  });
});
