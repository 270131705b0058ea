import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import xml2js from 'xml2js';
import { createCivilRegistrationSimulator } from '../../src/simulators/civil-registration/index.js';
import type {
  CivilRegistrationSimulator,
  CivilRegistrationSimulatorOptions,
  CivilRegistrationState,
} from '../../src/simulators/civil-registration/index.js';

const EXAMPLES = new URL('../../../shared/specs/examples/civil-registration/', import.meta.url);
const example = (name: string): string => readFileSync(new URL(name, EXAMPLES), 'utf8');

const KS = example('nhandkht-ks-request.xml');
const KT = example('nhandkht-kt-request.xml');
const KS_CODE = 'H40.22-251105-0002';
const KT_CODE = 'H40.22-251105-0003';
const CLIENT = { id: 'motcua_h40', secret: 'Example-Secret-H40' };
/** 5 November 2025, 08:30 local: the day the example dossiers were received. */
const RECEIVED_AT = new Date('2025-11-05T08:30:00+07:00');

let sims: CivilRegistrationSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

async function startSim(options: CivilRegistrationSimulatorOptions = {}) {
  const sim = createCivilRegistrationSimulator({ clock: () => RECEIVED_AT, ...options });
  sims.push(sim);
  const base = await sim.start();
  return { sim, base };
}

async function requestToken(base: string, body: string, contentType = 'application/x-www-form-urlencoded') {
  return fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

const form = (id = CLIENT.id, secret = CLIENT.secret) =>
  `grant_type=client_credentials&client_id=${encodeURIComponent(id)}&client_secret=${encodeURIComponent(secret)}`;

async function token(base: string, id = CLIENT.id, secret = CLIENT.secret): Promise<string> {
  const res = await requestToken(base, form(id, secret));
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

function submit(
  base: string,
  tok: string,
  body: string | Uint8Array,
  contentType = 'application/xml; charset=utf-8',
) {
  return fetch(`${base}/api/hotich/NhanDKHT`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tok}`, 'content-type': contentType, accept: 'application/xml' },
    body,
  });
}

function lookup(base: string, tok: string, query: string) {
  return fetch(`${base}/api/hotich/LayKetQua?${query}`, {
    headers: { authorization: `Bearer ${tok}`, accept: 'application/xml' },
  });
}

type Answer = Record<string, string | undefined> & { danhSach?: unknown };
async function xml(res: Response): Promise<Answer> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
  const parsed = (await xml2js.parseStringPromise(await res.text(), { explicitArray: false })) as {
    ketQua: Answer;
  };
  return parsed.ketQua;
}

type Item = Record<string, string>;
function itemsOf(answer: Answer): Item[] {
  const list = answer.danhSach as { hoSo?: Item | Item[] } | string | undefined;
  if (!list || typeof list === 'string' || !list.hoSo) return [];
  return Array.isArray(list.hoSo) ? list.hoSo : [list.hoSo];
}

const withCode = (body: string, code: string) => body.replaceAll(KS_CODE, code).replaceAll(KT_CODE, code);

async function json(base: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('civil registration simulator: POST /oauth/token', () => {
  it('When the spec example credentials are posted, then a Bearer token valid 300 s is issued', async () => {
    const { sim, base } = await startSim();
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await requestToken(base, form());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as Record<string, unknown>;
    const expected = JSON.parse(example('token-response.json')) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(Object.keys(expected).sort());
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(300);
    expect(typeof body.access_token).toBe('string');
    expect((body.access_token as string).length).toBeLessThanOrEqual(2048);
    expect(sim.counters.tokenRequests).toBe(1);
    expect(sim.counters.tokensIssued).toBe(1);
  });

  it('When the secret is wrong, then 401 with the documented invalid_client body', async () => {
    const { sim, base } = await startSim();
    const res = await requestToken(base, form(CLIENT.id, 'wrong'));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(JSON.parse(example('token-response-invalid-client.json')));
    const unknown = await requestToken(base, form('other', CLIENT.secret));
    expect(unknown.status).toBe(401);
    expect(sim.counters).toMatchObject({ tokenRequests: 2, tokensIssued: 0 });
  });

  it('When the request is malformed or the grant type unsupported, then 400 with the documented error', async () => {
    const { base } = await startSim();
    const cases: [string, string, string][] = [
      [
        'grant_type=password&client_id=motcua_h40&client_secret=Example-Secret-H40',
        'unsupported_grant_type',
        '',
      ],
      ['client_id=motcua_h40&client_secret=Example-Secret-H40', 'invalid_request', ''],
      ['grant_type=client_credentials&client_secret=Example-Secret-H40', 'invalid_request', ''],
      ['grant_type=client_credentials&client_id=motcua_h40', 'invalid_request', ''],
      [`${form()}&client_id=motcua_h40`, 'invalid_request', ''],
      [JSON.stringify({ grant_type: 'client_credentials' }), 'invalid_request', 'application/json'],
    ];
    for (const [body, error, type] of cases) {
      const res = await requestToken(base, body, type || undefined);
      expect(res.status, body).toBe(400);
      expect(await res.json()).toEqual({ error });
    }
  });

  it('When a client holds several tokens, then all of them are valid at the same time', async () => {
    const { base } = await startSim();
    const [a, b] = [await token(base), await token(base)];
    expect(a).not.toBe(b);
    expect((await xml(await lookup(base, a, `maHoSo=${KS_CODE}`))).maLoi).toBe('4');
    expect((await xml(await lookup(base, b, `maHoSo=${KS_CODE}`))).maLoi).toBe('4');
  });

  it('When a token outlives its lifetime, then the next call gets 401 invalid_token with WWW-Authenticate', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    sim.advanceTime(299_000);
    expect((await submit(base, tok, KS)).status).toBe(200);
    sim.advanceTime(1_000);
    const res = await lookup(base, tok, `maHoSo=${KS_CODE}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual(JSON.parse(example('error-invalid-token.json')));
    expect(sim.counters.unauthorized).toBe(1);
    expect((await lookup(base, await token(base), `maHoSo=${KS_CODE}`)).status).toBe(200);
  });

  it('When the token lifetime option is short, then expires_in and the expiry follow it', async () => {
    const { sim, base } = await startSim({ tokenLifetimeSeconds: 2 });
    const res = await requestToken(base, form());
    const body = (await res.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).toBe(2);
    sim.advanceTime(2_000);
    expect((await lookup(base, body.access_token, `maHoSo=${KS_CODE}`)).status).toBe(401);
  });

  it('When the token is unknown or missing, then 401 invalid_token and nothing is processed', async () => {
    const { sim, base } = await startSim();
    const unknown = await submit(base, 'not-a-token', KS);
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { error: string }).error).toBe('invalid_token');
    const missing = await fetch(`${base}/api/hotich/LayKetQua?maHoSo=${KS_CODE}`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(sim.entries(KS_CODE)).toBe(0);
    expect(sim.counters).toMatchObject({ unauthorized: 2, nhanDKHTCalls: 1, layKetQuaCalls: 1 });
  });

  it('When expireTokens() is called (method or POST /__sim/expire-tokens), then every current token gets 401', async () => {
    const { sim, base } = await startSim();
    const [a, b] = [await token(base), await token(base)];
    expect(sim.expireTokens()).toBe(2);
    for (const t of [a, b]) expect((await lookup(base, t, `maHoSo=${KS_CODE}`)).status).toBe(401);
    const c = await token(base);
    expect((await lookup(base, c, `maHoSo=${KS_CODE}`)).status).toBe(200);
    expect((await json(base, '/__sim/expire-tokens', {})).body).toEqual({ expired: 1 });
    const res = await lookup(base, c, `maHoSo=${KS_CODE}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(JSON.parse(example('error-invalid-token.json')));
  });
});

describe('civil registration simulator: POST /api/hotich/NhanDKHT', () => {
  it('When the KS example is submitted, then it is accepted with a new soHoSoHoTich as in the example', async () => {
    const { sim, base } = await startSim();
    const res = await submit(base, await token(base), KS);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const text = await res.text();
    expect(text).toBe(
      example('nhandkht-response-accepted.xml').replace('KS-2025-0001234', 'KS-2025-0000001'),
    );
    expect(sim.entries(KS_CODE)).toBe(1);
    const record = sim.record(KS_CODE);
    expect(record).toMatchObject({
      module: 'KS',
      trangThai: 1,
      ngayCapNhat: '05/11/2025 08:30:00',
      isNfc: true,
    });
  });

  it('When the KT example is submitted, then it is accepted with a KT number', async () => {
    const { sim, base } = await startSim();
    const answer = await xml(await submit(base, await token(base), KT));
    expect(answer).toEqual({
      maLoi: '0',
      moTa: 'Tiếp nhận hồ sơ thành công',
      soHoSoHoTich: 'KT-2025-0000001',
    });
    expect(sim.record(KT_CODE)?.content.nguoiChet).toEqual({
      hoTen: 'Phạm Văn Đức',
      soDinhDanh: '040052003311',
      ngayChet: '01/11/2025',
      noiChet: 'Tại nhà, khối 7, phường Trường Vinh, tỉnh Nghệ An',
      nguyenNhan: 'Bệnh già',
    });
  });

  it('When the same maHoSo arrives again (even with other content), then maLoi 2 returns the existing number and entries stays 1', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KS);
    for (let i = 0; i < 4; i += 1) {
      const text = await (await submit(base, tok, KS)).text();
      expect(text).toBe(
        example('nhandkht-response-exists.xml').replace('KS-2025-0001234', 'KS-2025-0000001'),
      );
    }
    const changed = KS.replace('Trần Gia Hân', 'Trần Gia Huy').replace(
      '<gioiTinh>2</gioiTinh>',
      '<gioiTinh>9</gioiTinh>',
    );
    expect(await xml(await submit(base, tok, changed))).toMatchObject({
      maLoi: '2',
      soHoSoHoTich: 'KS-2025-0000001',
    });
    expect(sim.entries(KS_CODE)).toBe(1);
    expect(sim.record(KS_CODE)?.content.nguoiDuocKhaiSinh?.hoTen).toBe('Trần Gia Hân');
    expect(sim.counters).toMatchObject({
      nhanDKHTCalls: 6,
      nhanDKHTResults: { '0': 1, '1': 0, '2': 5, '9': 0 },
      records: 1,
    });
  });

  it('When text arrives, then it is stored byte-identical, and NFD text is kept as received (not re-normalised)', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KS);
    const stored = sim.record(KS_CODE);
    expect(stored?.xml).toBe(KS);
    expect(Buffer.from(stored?.content.nguoiDuocKhaiSinh?.hoTen ?? '')).toEqual(Buffer.from('Trần Gia Hân'));
    expect(stored?.content.me?.hoTen).toBe('Lê Thị Thu Hường'.normalize('NFC'));

    const nfdName = 'Trần Gia Hân'.normalize('NFD');
    const nfd = withCode(KS, 'H40.22-251105-0100').replace('Trần Gia Hân', nfdName);
    expect((await xml(await submit(base, tok, nfd))).maLoi).toBe('0');
    const record = sim.record('H40.22-251105-0100');
    expect(record?.content.nguoiDuocKhaiSinh?.hoTen).toBe(nfdName);
    expect(record?.isNfc).toBe(false);
  });

  it('When a field breaks a rule of §3.1, then maLoi 1 with moTa starting with its path, and nothing is stored', async () => {
    const { sim, base } = await startSim({ rateLimitPerSecond: 0 });
    const tok = await token(base);
    const ks = (from: string, to: string) => KS.replace(from, to);
    const kt = (from: string, to: string) => KT.replace(from, to);
    const long = (n: number) => 'ắ'.repeat(n);
    const cases: [string, string, string][] = [
      ['module missing', ks('<module>KS</module>', ''), 'module: '],
      ['module unknown', ks('<module>KS</module>', '<module>KH</module>'), 'module: '],
      ['maHoSo missing', ks(`<maHoSo>${KS_CODE}</maHoSo>`, ''), 'maHoSo: '],
      ['maHoSo with a space', ks(`<maHoSo>${KS_CODE}</maHoSo>`, '<maHoSo>H40 22</maHoSo>'), 'maHoSo: '],
      [
        'maHoSo 51 chars',
        ks(`<maHoSo>${KS_CODE}</maHoSo>`, `<maHoSo>${'A'.repeat(51)}</maHoSo>`),
        'maHoSo: ',
      ],
      ['maHoSo repeated', ks('<maDonVi>', `<maHoSo>${KS_CODE}</maHoSo><maDonVi>`), 'maHoSo: '],
      ['maDonVi 51 chars', ks('000.07.40.H40', 'x'.repeat(51)), 'maDonVi: '],
      ['maDonVi empty', ks('000.07.40.H40', ''), 'maDonVi: '],
      ['ngayTiepNhan ISO', ks('<ngayTiepNhan>05/11/2025', '<ngayTiepNhan>2025-11-05'), 'ngayTiepNhan: '],
      ['ngayTiepNhan 31/02', ks('<ngayTiepNhan>05/11/2025', '<ngayTiepNhan>31/02/2025'), 'ngayTiepNhan: '],
      [
        'KS nguoiDuocKhaiSinh missing',
        ks(/<nguoiDuocKhaiSinh>[\s\S]*<\/nguoiDuocKhaiSinh>/.exec(KS)?.[0] ?? '', ''),
        'nguoiDuocKhaiSinh: ',
      ],
      ['KS hoTen missing', ks('<hoTen>Trần Gia Hân</hoTen>', ''), 'nguoiDuocKhaiSinh/hoTen: '],
      ['KS hoTen 101 chars', ks('Trần Gia Hân', long(101)), 'nguoiDuocKhaiSinh/hoTen: '],
      ['KS gioiTinh 3', ks('<gioiTinh>2<', '<gioiTinh>3<'), 'nguoiDuocKhaiSinh/gioiTinh: '],
      ['KS ngaySinh after ngayTiepNhan', ks('28/10/2025', '06/11/2025'), 'nguoiDuocKhaiSinh/ngaySinh: '],
      ['KS noiSinh 501 chars', ks('Bệnh viện Sản Nhi Nghệ An', long(501)), 'nguoiDuocKhaiSinh/noiSinh: '],
      ['KS danToc 55', ks('<danToc>01<', '<danToc>55<'), 'nguoiDuocKhaiSinh/danToc: '],
      ['KS danToc one digit', ks('<danToc>01<', '<danToc>1<'), 'nguoiDuocKhaiSinh/danToc: '],
      ['KS quocTich lower case', ks('<quocTich>VN<', '<quocTich>vn<'), 'nguoiDuocKhaiSinh/quocTich: '],
      ['KS quocTich not ISO', ks('<quocTich>VN<', '<quocTich>XX<'), 'nguoiDuocKhaiSinh/quocTich: '],
      ['KS me missing', ks(/<me>[\s\S]*<\/me>/.exec(KS)?.[0] ?? '', ''), 'me: '],
      [
        'KS me/soDinhDanh 11 digits',
        ks('<soDinhDanh>040190004567</soDinhDanh>\n  </me>', '<soDinhDanh>04019000456</soDinhDanh></me>'),
        'me/soDinhDanh: ',
      ],
      ['KS cha without hoTen', ks('<hoTen>Trần Đức Mạnh</hoTen>', ''), 'cha/hoTen: '],
      ['KS cha/soDinhDanh letters', ks('040188007890', '04018800789A'), 'cha/soDinhDanh: '],
      [
        'KS with nguoiChet',
        ks('</hoTich>', '<nguoiChet><hoTen>X</hoTen></nguoiChet></hoTich>'),
        'nguoiChet: ',
      ],
      [
        'KT with nguoiDuocKhaiSinh',
        kt('</hoTich>', '<nguoiDuocKhaiSinh><hoTen>X</hoTen></nguoiDuocKhaiSinh></hoTich>'),
        'nguoiDuocKhaiSinh: ',
      ],
      ['KT with me', kt('</hoTich>', '<me><hoTen>X</hoTen></me></hoTich>'), 'me: '],
      ['KT with cha', kt('</hoTich>', '<cha><hoTen>X</hoTen></cha></hoTich>'), 'cha: '],
      ['KT nguoiChet missing', kt(/<nguoiChet>[\s\S]*<\/nguoiChet>/.exec(KT)?.[0] ?? '', ''), 'nguoiChet: '],
      ['KT soDinhDanh missing', kt('<soDinhDanh>040052003311</soDinhDanh>', ''), 'nguoiChet/soDinhDanh: '],
      ['KT ngayChet after ngayTiepNhan', kt('01/11/2025', '07/11/2025'), 'nguoiChet/ngayChet: '],
      ['KT ngayChet malformed', kt('01/11/2025', '1/11/2025'), 'nguoiChet/ngayChet: '],
      ['KT noiChet missing', kt(/<noiChet>[^<]*<\/noiChet>/.exec(KT)?.[0] ?? '', ''), 'nguoiChet/noiChet: '],
      ['KT nguyenNhan 501 chars', kt('Bệnh già', long(501)), 'nguoiChet/nguyenNhan: '],
      [
        'nguoiYeuCau missing',
        ks(/<nguoiYeuCau>[\s\S]*<\/nguoiYeuCau>/.exec(KS)?.[0] ?? '', ''),
        'nguoiYeuCau: ',
      ],
      [
        'nguoiYeuCau quanHe 51',
        ks('<quanHe>Mẹ</quanHe>', `<quanHe>${long(51)}</quanHe>`),
        'nguoiYeuCau/quanHe: ',
      ],
      [
        'nguoiYeuCau soDinhDanh',
        ks('<soDinhDanh>040190004567</soDinhDanh>\n    <quanHe>', '<soDinhDanh>x</soDinhDanh><quanHe>'),
        'nguoiYeuCau/soDinhDanh: ',
      ],
      [
        'hoTen is an element',
        ks('<hoTen>Trần Gia Hân</hoTen>', '<hoTen><b>X</b></hoTen>'),
        'nguoiDuocKhaiSinh/hoTen: ',
      ],
      ['malformed XML', KS.replace('</hoTich>', ''), 'hoTich: '],
      ['DOCTYPE', KS.replace('<hoTich>', '<!DOCTYPE hoTich [<!ENTITY x "y">]><hoTich>'), 'hoTich: '],
      ['HTML entity', ks('Trần Gia Hân', 'Trần&nbsp;Gia Hân'), 'hoTich: '],
      ['other root', KS.replaceAll('hoTich>', 'hoSo>'), 'hoSo: '],
      ['legacy encoding declared', KS.replace('UTF-8', 'ISO-8859-1'), 'hoTich: '],
      ['empty body', '', 'hoTich: '],
    ];
    for (const [name, body, prefix] of cases) {
      const answer = await xml(await submit(base, tok, body));
      expect(answer.maLoi, name).toBe('1');
      expect(answer.moTa?.startsWith(prefix), `${name}: ${answer.moTa}`).toBe(true);
      expect(answer.soHoSoHoTich, name).toBe('');
    }
    expect(sim.entries(KS_CODE) + sim.entries(KT_CODE)).toBe(0);
    expect(sim.counters.nhanDKHTResults['1']).toBe(cases.length);
  });

  it('When ngaySinh is not dd/MM/yyyy, then the answer is exactly the invalid example', async () => {
    const { base } = await startSim();
    const res = await submit(base, await token(base), KS.replace('28/10/2025', '2025-10-28'));
    expect(await res.text()).toBe(example('nhandkht-response-invalid.xml'));
  });

  it('When the bytes are not UTF-8, start with a BOM or the Content-Type is not XML, then maLoi 1', async () => {
    const { base } = await startSim();
    const tok = await token(base);
    const latin1 = Buffer.from(KS.replace('Trần Gia Hân', 'Tr\u00e2n'), 'latin1');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(KS)]);
    for (const [body, type] of [
      [latin1, 'application/xml; charset=utf-8'],
      [bom, 'application/xml; charset=utf-8'],
      [Buffer.from(KS), 'application/json'],
      [Buffer.from(KS), 'application/xml; charset=iso-8859-1'],
    ] as const) {
      expect((await xml(await submit(base, tok, body, type))).maLoi).toBe('1');
    }
  });

  it('When optional parts are omitted or empty, elements are reordered or unknown ones added, then the dossier is accepted', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    const cha = /<cha>[\s\S]*<\/cha>/.exec(KS)?.[0] ?? '';
    const bodies = [
      withCode(KS, 'A-1').replace(cha, ''),
      withCode(KS, 'A-2').replace(cha, '<cha></cha>'),
      withCode(KS, 'A-3').replace('<soDinhDanh>040188007890</soDinhDanh>', '<soDinhDanh/>'),
      withCode(KT, 'A-4').replace('<nguyenNhan>Bệnh già</nguyenNhan>', ''),
      withCode(KT, 'A-5')
        .replace('<module>KT</module>', '')
        .replace('</hoTich>', '<module>KT</module><ghiChuNoiBo>x</ghiChuNoiBo></hoTich>'),
      withCode(KT, 'A-6').replace('<hoTich>', '<hoTich><nguoiDuocKhaiSinh></nguoiDuocKhaiSinh>'),
    ];
    for (const body of bodies) expect((await xml(await submit(base, tok, body))).maLoi, body).toBe('0');
    expect(sim.record('A-1')?.content.cha).toBeUndefined();
    expect(sim.record('A-3')?.content.cha).toEqual({ hoTen: 'Trần Đức Mạnh' });
    expect(sim.record('A-4')?.content.nguoiChet?.nguyenNhan).toBeUndefined();
    expect(sim.records().map((r) => r.soHoSoHoTich)).toEqual([
      'KS-2025-0000001',
      'KS-2025-0000002',
      'KS-2025-0000003',
      'KT-2025-0000001',
      'KT-2025-0000002',
      'KT-2025-0000003',
    ]);
  });

  it('When busyNext(n) is set, then the next n calls answer the busy example and nothing is stored; a resend succeeds', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    sim.busyNext(2);
    for (let i = 0; i < 2; i += 1)
      expect(await (await submit(base, tok, KS)).text()).toBe(example('nhandkht-response-busy.xml'));
    expect(sim.entries(KS_CODE)).toBe(0);
    expect((await xml(await submit(base, tok, KS))).maLoi).toBe('0');
    expect(sim.counters.nhanDKHTResults).toEqual({ '0': 1, '1': 0, '2': 0, '9': 2 });

    expect((await json(base, '/__sim/busy-next', { n: 1 })).status).toBe(200);
    expect((await xml(await submit(base, tok, KT))).maLoi).toBe('9');
    expect((await xml(await submit(base, tok, KT))).maLoi).toBe('0');
  });

  it('When the busy switch or busyRate 1 is on, then every call answers maLoi 9 until it is switched off', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    expect((await json(base, '/__sim/faults', { busy: true })).status).toBe(200);
    expect((await xml(await submit(base, tok, KS))).maLoi).toBe('9');
    expect((await xml(await lookup(base, tok, `maHoSo=${KS_CODE}`))).maLoi).toBe('9');
    sim.setFaults({ busy: false, busyRate: 1 });
    expect((await xml(await submit(base, tok, KS))).maLoi).toBe('9');
    sim.setFaults({ busyRate: 0 });
    expect((await xml(await submit(base, tok, KS))).maLoi).toBe('0');
  });
});

describe('civil registration simulator: GET /api/hotich/LayKetQua?maHoSo=', () => {
  it('When a dossier was just received, then it is in trangThai 1 with empty soDangKy and soDinhDanh', async () => {
    const { base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KS);
    expect(await xml(await lookup(base, tok, `maHoSo=${KS_CODE}`))).toEqual({
      maLoi: '0',
      moTa: 'Thành công',
      maHoSo: KS_CODE,
      soHoSoHoTich: 'KS-2025-0000001',
      trangThai: '1',
      ngayCapNhat: '05/11/2025 08:30:00',
      soDangKy: '',
      soDinhDanh: '',
      ghiChu: '',
    });
  });

  it('When the KS dossier is registered (1 → 2 → 4), then the answer is exactly the example', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KS);
    sim.setStatus(KS_CODE, 2, { at: '06/11/2025 08:00:00' });
    sim.setStatus(KS_CODE, 4, {
      at: '06/11/2025 10:15:00',
      soDangKy: '215/2025',
      soDinhDanh: '040325000815',
    });
    const text = await (await lookup(base, tok, `maHoSo=${KS_CODE}`)).text();
    expect(text).toBe(example('layketqua-response.xml').replace('KS-2025-0001234', 'KS-2025-0000001'));
    expect(sim.record(KS_CODE)?.history.map((h) => h.trangThai)).toEqual([1, 2, 4]);
  });

  it('When a dossier reaches 4 without given numbers, then soDangKy is assigned, and soDinhDanh for KS only', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KS);
    await submit(base, tok, KT);
    sim.setStatus(KS_CODE, 2);
    const ks = sim.setStatus(KS_CODE, 4);
    expect(ks.soDangKy).toMatch(/^\d+\/2025$/);
    expect(ks.soDinhDanh).toMatch(/^040325\d{6}$/);
    sim.setStatus(KT_CODE, 2);
    sim.setStatus(KT_CODE, 4);
    const kt = await xml(await lookup(base, tok, `maHoSo=${KT_CODE}`));
    expect(kt).toMatchObject({ trangThai: '4', soDinhDanh: '' });
    expect(kt.soDangKy).toMatch(/^\d+\/2025$/);
  });

  it('When a dossier needs a supplement or is refused, then ghiChu explains it and the final state cannot be left', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KT);
    sim.setStatus(KT_CODE, 2);
    sim.setStatus(KT_CODE, 3, { ghiChu: 'Bổ sung bản chụp giấy báo tử có xác nhận của cơ sở y tế' });
    expect(await xml(await lookup(base, tok, `maHoSo=${KT_CODE}`))).toMatchObject({
      trangThai: '3',
      soDangKy: '',
      ghiChu: 'Bổ sung bản chụp giấy báo tử có xác nhận của cơ sở y tế',
    });
    sim.setStatus(KT_CODE, 2);
    expect((await xml(await lookup(base, tok, `maHoSo=${KT_CODE}`))).ghiChu).toBe('');
    sim.setStatus(KT_CODE, 5, { ghiChu: 'Người yêu cầu không có quyền' });
    expect(await xml(await lookup(base, tok, `maHoSo=${KT_CODE}`))).toMatchObject({
      trangThai: '5',
      ghiChu: 'Người yêu cầu không có quyền',
    });
    expect(() => sim.setStatus(KT_CODE, 2)).toThrow(/final/);
  });

  it('When the dossier is unknown or belongs to another client, then the answer is the not-found example', async () => {
    const { base } = await startSim({ clients: [{ clientId: 'motcua_h42', clientSecret: 's42' }] });
    const res = await lookup(base, await token(base), 'maHoSo=H40.22-251105-0099');
    expect(await res.text()).toBe(example('layketqua-response-notfound.xml'));
    await submit(base, await token(base), KS);
    const other = await xml(await lookup(base, await token(base, 'motcua_h42', 's42'), `maHoSo=${KS_CODE}`));
    expect(other).toEqual({ maLoi: '4', moTa: `Không tìm thấy hồ sơ ${KS_CODE}` });
  });

  it('When parameters are invalid or combined with a window, then maLoi 1', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    for (const q of [
      'maHoSo=',
      'maHoSo=H40%2022',
      `maHoSo=${KS_CODE}&maHoSo=X`,
      `maHoSo=${KS_CODE}&tuNgay=20251106000000&denNgay=20251107000000`,
      '',
    ]) {
      const answer = await xml(await lookup(base, tok, q));
      expect(answer.maLoi, q).toBe('1');
      expect(Object.keys(answer), q).toEqual(['maLoi', 'moTa']);
    }
    expect(sim.counters.layKetQuaCalls).toBe(5);
  });

  it('When busyNext(n, "LayKetQua") is set, then the next n lookups answer maLoi 9', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    sim.busyNext(1, 'LayKetQua');
    expect(await xml(await lookup(base, tok, `maHoSo=${KS_CODE}`))).toEqual({
      maLoi: '9',
      moTa: 'Hệ thống đang bận, vui lòng gửi lại sau',
    });
    expect((await xml(await lookup(base, tok, `maHoSo=${KS_CODE}`))).maLoi).toBe('4');
    await json(base, '/__sim/busy-next', { n: 1, on: 'LayKetQua' });
    expect((await xml(await lookup(base, tok, 'tuNgay=20251106000000&denNgay=20251107000000'))).maLoi).toBe(
      '9',
    );
  });
});

describe('civil registration simulator: GET /api/hotich/LayKetQua?tuNgay=&denNgay=&trang=', () => {
  const WINDOW = 'tuNgay=20251106000000&denNgay=20251107000000';

  it('When the example dossiers change on 6 November, then the window answer is exactly the example', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KS);
    await submit(base, tok, KT);
    sim.setStatus(KT_CODE, 2, { at: '06/11/2025 08:00:00' });
    sim.setStatus(KT_CODE, 3, {
      at: '06/11/2025 08:40:00',
      ghiChu: 'Bổ sung bản chụp giấy báo tử có xác nhận của cơ sở y tế',
    });
    sim.setStatus(KS_CODE, 2, { at: '06/11/2025 09:00:00' });
    sim.setStatus(KS_CODE, 4, {
      at: '06/11/2025 10:15:00',
      soDangKy: '215/2025',
      soDinhDanh: '040325000815',
    });
    const text = await (await lookup(base, tok, `${WINDOW}&trang=1`)).text();
    const expected = example('layketqua-window-response.xml')
      .replace('KT-2025-0000567', 'KT-2025-0000001')
      .replace('KS-2025-0001234', 'KS-2025-0000001');
    expect(text).toBe(expected);
    expect(sim.counters.layKetQuaWindow).toBe(1);
  });

  it('When a dossier changes several times, then it appears once with its current state, in the window of its last change', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KS);
    await submit(base, tok, KT);
    sim.setStatus(KS_CODE, 2, { at: '06/11/2025 08:00:00' });
    sim.setStatus(KS_CODE, 3, { at: '06/11/2025 09:00:00' });
    sim.setStatus(KS_CODE, 2, { at: '06/11/2025 10:00:00' });
    sim.setStatus(KT_CODE, 2, { at: '06/11/2025 11:00:00' });
    sim.setStatus(KT_CODE, 4, { at: '07/11/2025 09:00:00' });
    const day6 = itemsOf(await xml(await lookup(base, tok, WINDOW)));
    expect(day6.map((i) => [i.maHoSo, i.trangThai, i.ngayCapNhat])).toEqual([
      [KS_CODE, '2', '06/11/2025 10:00:00'],
    ]);
    const day7 = itemsOf(await xml(await lookup(base, tok, 'tuNgay=20251107000000&denNgay=20251108000000')));
    expect(day7.map((i) => [i.maHoSo, i.trangThai])).toEqual([[KT_CODE, '4']]);
    const received = itemsOf(
      await xml(await lookup(base, tok, 'tuNgay=20251105083000&denNgay=20251105083001')),
    );
    expect(received).toEqual([]);
  });

  it('When ngayCapNhat equals tuNgay or denNgay, then tuNgay is inclusive and denNgay exclusive; ties sort by maHoSo', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    for (const code of ['B-2', 'B-1', 'B-3']) await submit(base, tok, withCode(KS, code));
    const answer = await xml(await lookup(base, tok, 'tuNgay=20251105083000&denNgay=20251105083001'));
    expect(answer.tongSo).toBe('3');
    expect(itemsOf(answer).map((i) => i.maHoSo)).toEqual(['B-1', 'B-2', 'B-3']);
    sim.setStatus('B-1', 2, { at: '05/11/2025 08:30:01' });
    expect((await xml(await lookup(base, tok, 'tuNgay=20251105083000&denNgay=20251105083001'))).tongSo).toBe(
      '2',
    );
    expect((await xml(await lookup(base, tok, 'tuNgay=20251105083001&denNgay=20251105083002'))).tongSo).toBe(
      '1',
    );
  });

  it('When more than 100 dossiers are in the window, then pages hold 100, a page past the end is empty, and items move up when one leaves', async () => {
    const { sim, base } = await startSim({ rateLimitPerSecond: 0 });
    const tok = await token(base);
    const codes = Array.from({ length: 205 }, (_, i) => `P-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < codes.length; i += 25)
      await Promise.all(
        codes.slice(i, i + 25).map((c) => submit(base, tok, withCode(KS, c)).then((r) => r.text())),
      );
    const window = 'tuNgay=20251105000000&denNgay=20251106000000';
    const page = async (n: number) => xml(await lookup(base, tok, `${window}&trang=${n}`));
    const p1 = await page(1);
    expect([p1.tongSo, p1.trang, itemsOf(p1).length]).toEqual(['205', '1', 100]);
    expect(itemsOf(p1)[0]?.maHoSo).toBe('P-000');
    const p3 = await page(3);
    expect(itemsOf(p3).map((i) => i.maHoSo)).toEqual(['P-200', 'P-201', 'P-202', 'P-203', 'P-204']);
    const p4 = await page(4);
    expect([p4.maLoi, p4.tongSo, p4.trang, itemsOf(p4).length]).toEqual(['0', '205', '4', 0]);
    expect(await (await lookup(base, tok, `${window}&trang=4`)).text()).toContain('<danhSach></danhSach>');
    expect(itemsOf(await xml(await lookup(base, tok, window)))).toHaveLength(100);

    sim.setStatus('P-050', 2, { at: '06/11/2025 09:00:00' });
    const p2 = await page(2);
    expect(p2.tongSo).toBe('204');
    expect(itemsOf(p2)[0]?.maHoSo).toBe('P-101');
  });

  it('When the window is invalid, then maLoi 1 (the 7-day case is exactly the example); exactly 7 days is accepted', async () => {
    const { base } = await startSim({ rateLimitPerSecond: 0 });
    const tok = await token(base);
    const tooLong = await lookup(base, tok, 'tuNgay=20251101000000&denNgay=20251108000001');
    expect(await tooLong.text()).toBe(example('layketqua-response-invalid.xml'));
    expect((await xml(await lookup(base, tok, 'tuNgay=20251101000000&denNgay=20251108000000'))).maLoi).toBe(
      '0',
    );
    for (const q of [
      'tuNgay=20251106000000&denNgay=20251106000000',
      'tuNgay=20251107000000&denNgay=20251106000000',
      'tuNgay=20251106000000',
      'denNgay=20251107000000',
      'tuNgay=2025110600000&denNgay=20251107000000',
      'tuNgay=20251332000000&denNgay=20251107000000',
      'tuNgay=06/11/2025&denNgay=20251107000000',
      `${WINDOW}&trang=0`,
      `${WINDOW}&trang=abc`,
      `${WINDOW}&trang=`,
      `${WINDOW}&tuNgay=20251106000000`,
    ]) {
      expect(await xml(await lookup(base, tok, q)), q).toMatchObject({ maLoi: '1' });
    }
  });

  it('When another client asks for the window, then it sees only its own dossiers', async () => {
    const { base } = await startSim({ clients: [{ clientId: 'motcua_h42', clientSecret: 's42' }] });
    await submit(base, await token(base), KS);
    const other = await xml(
      await lookup(
        base,
        await token(base, 'motcua_h42', 's42'),
        'tuNgay=20251105000000&denNgay=20251106000000',
      ),
    );
    expect([other.maLoi, other.tongSo, itemsOf(other).length]).toEqual(['0', '0', 0]);
  });
});

describe('civil registration simulator: rate limit', () => {
  it('When a client exceeds 10 requests/s, then 429 with Retry-After and an empty body', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    const answers = await Promise.all(
      Array.from({ length: 14 }, () => lookup(base, tok, `maHoSo=${KS_CODE}`)),
    );
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(4);
    expect(limited[0]?.headers.get('retry-after')).toBe('1');
    expect(await limited[0]?.text()).toBe('');
    expect(sim.counters.rateLimited).toBe(limited.length);
    expect(sim.counters.layKetQuaSingle).toBe(14 - limited.length);
  });

  it('When the limit is lowered, it counts per client over all endpoints and frees up after a second', async () => {
    const { sim, base } = await startSim({
      rateLimitPerSecond: 2,
      clients: [{ clientId: 'motcua_h42', clientSecret: 's42' }],
    });
    const tok = await token(base);
    expect((await submit(base, tok, KS)).status).toBe(200);
    expect((await lookup(base, tok, `maHoSo=${KS_CODE}`)).status).toBe(200);
    expect((await submit(base, tok, KS)).status).toBe(429);
    expect((await lookup(base, await token(base, 'motcua_h42', 's42'), `maHoSo=${KS_CODE}`)).status).toBe(
      200,
    );
    await new Promise((r) => setTimeout(r, 1_050));
    expect((await lookup(base, tok, `maHoSo=${KS_CODE}`)).status).toBe(200);
    expect(sim.entries(KS_CODE)).toBe(1);
    expect(sim.counters.rateLimited).toBe(1);
  });

  it('When the limit is disabled (0, also over POST /__sim/faults), then bursts pass', async () => {
    const { base } = await startSim();
    await json(base, '/__sim/faults', { rateLimitPerSecond: 0 });
    const tok = await token(base);
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => lookup(base, tok, `maHoSo=${KS_CODE}`)),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
  });
});

describe('civil registration simulator: generic faults', () => {
  it('When rateLimitNext is injected, then 429 in this vendor shape, counted', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    sim.faults.set({ rateLimitNext: 1, retryAfterSeconds: 3 });
    const res = await submit(base, tok, KS);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.text()).toBe('');
    expect(sim.entries(KS_CODE)).toBe(0);
    expect(sim.counters.rateLimited).toBe(1);
    expect((await submit(base, tok, KS)).status).toBe(200);
  });

  it('When the system is down or failNext is set, then 5xx before anything is applied', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    await json(base, '/__sim/faults', { down: true });
    expect((await submit(base, tok, KS)).status).toBe(503);
    expect((await requestToken(base, form())).status).toBe(503);
    sim.setFaults({ down: false, failNext: 1, failStatus: 500 });
    expect((await submit(base, tok, KS)).status).toBe(500);
    expect(sim.entries(KS_CODE)).toBe(0);
    expect((await xml(await submit(base, tok, KS))).maLoi).toBe('0');
    expect(sim.faults.counts.failed).toBe(3);
  });

  it('When the answer is lost after commit (hang or reset), then a resend gets maLoi 2 and entries stays 1', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    sim.faults.set({ timeoutAfterCommitNext: 1 });
    await expect(
      fetch(`${base}/api/hotich/NhanDKHT`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/xml; charset=utf-8' },
        body: KS,
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    expect(sim.entries(KS_CODE)).toBe(1);
    sim.faults.set({ dropAfterCommitNext: 1 });
    await expect(submit(base, tok, KS)).rejects.toThrow();
    expect(await xml(await submit(base, tok, KS))).toMatchObject({
      maLoi: '2',
      soHoSoHoTich: 'KS-2025-0000001',
    });
    expect(sim.entries(KS_CODE)).toBe(1);
    expect(sim.faults.counts).toMatchObject({ timedOutAfterCommit: 1, droppedAfterCommit: 1 });
  });

  it('When latency is set, then answers are delayed by it', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    sim.faults.set({ latencyMs: 150 });
    const started = Date.now();
    expect((await lookup(base, tok, `maHoSo=${KS_CODE}`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('civil registration simulator: /__sim controls and counters', () => {
  it('When GET /__sim/state is called, then it returns counters, fault settings and records', async () => {
    const { base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KS);
    await submit(base, tok, KS);
    await lookup(base, tok, `maHoSo=${KS_CODE}`);
    await lookup(base, tok, 'tuNgay=20251105000000&denNgay=20251106000000');
    const { status, body } = await json(base, '/__sim/state');
    const state = body as unknown as CivilRegistrationState;
    expect(status).toBe(200);
    expect(state.counters).toEqual({
      tokenRequests: 1,
      tokensIssued: 1,
      nhanDKHTCalls: 2,
      nhanDKHTResults: { '0': 1, '1': 0, '2': 1, '9': 0 },
      layKetQuaCalls: 2,
      layKetQuaSingle: 1,
      layKetQuaWindow: 1,
      unauthorized: 0,
      rateLimited: 0,
      records: 1,
    });
    expect(state.activeTokens).toBe(1);
    expect(state.civilFaults).toMatchObject({
      rateLimitPerSecond: 10,
      tokenLifetimeSeconds: 300,
      busyNext: 0,
    });
    expect(state.faults.down).toBe(false);
    expect(state.records).toHaveLength(1);
    expect(state.records[0]).toMatchObject({ maHoSo: KS_CODE, clientId: CLIENT.id, trangThai: 1, xml: KS });
  });

  it('When POST /__sim/faults carries an unknown or mistyped key, then 400 and nothing changes', async () => {
    const { sim, base } = await startSim();
    expect((await json(base, '/__sim/faults', { nonsense: 1 })).status).toBe(400);
    expect((await json(base, '/__sim/faults', { down: 'yes' })).status).toBe(400);
    expect(sim.faults.settings.down).toBe(false);
    const ok = await json(base, '/__sim/faults', { latencyMs: 0, busyNext: 1 });
    expect(ok.status).toBe(200);
    expect(sim.civilFaults.busyNext).toBe(1);
    expect(() => sim.setFaults({ bogus: 1 } as never)).toThrow(/unknown/);
  });

  it('When POST /__sim/status moves a dossier, then LayKetQua shows it; unknown → 404, final state → 400', async () => {
    const { base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KS);
    const moved = await json(base, '/__sim/status', {
      maHoSo: KS_CODE,
      trangThai: 2,
      at: '06/11/2025 08:00:00',
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ trangThai: 2, ngayCapNhat: '06/11/2025 08:00:00' });
    const iso = await json(base, '/__sim/status', {
      maHoSo: KS_CODE,
      trangThai: 5,
      at: '2025-11-06T02:00:00Z',
      ghiChu: 'Từ chối',
    });
    expect(iso.body).toMatchObject({ trangThai: 5, ngayCapNhat: '06/11/2025 09:00:00', ghiChu: 'Từ chối' });
    expect(await xml(await lookup(base, tok, `maHoSo=${KS_CODE}`))).toMatchObject({ trangThai: '5' });
    expect((await json(base, '/__sim/status', { maHoSo: 'NOPE', trangThai: 2 })).status).toBe(404);
    expect((await json(base, '/__sim/status', { maHoSo: KS_CODE, trangThai: 2 })).status).toBe(400);
    expect((await json(base, '/__sim/status', { maHoSo: KS_CODE })).status).toBe(400);
  });

  it('When setStatus has no explicit time, then ngayCapNhat is the clock, moved by POST /__sim/clock', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KS);
    await json(base, '/__sim/clock', { now: '2025-11-06T03:15:00.750Z' });
    expect(sim.setStatus(KS_CODE, 2).ngayCapNhat).toBe('06/11/2025 10:15:00');
    await json(base, '/__sim/clock', { advanceMs: 60_000 });
    expect(sim.setStatus(KS_CODE, 3).ngayCapNhat).toBe('06/11/2025 10:16:00');
    await json(base, '/__sim/clock', { now: null });
    expect(sim.setStatus(KS_CODE, 2).ngayCapNhat).toBe('05/11/2025 08:30:00');
  });

  it('When POST /__sim/reset is called, then records, tokens and counters are forgotten', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    await submit(base, tok, KS);
    sim.faults.set({ latencyMs: 5 });
    expect((await json(base, '/__sim/reset', {})).status).toBe(200);
    expect(sim.entries(KS_CODE)).toBe(0);
    expect(sim.counters).toMatchObject({ tokenRequests: 0, nhanDKHTCalls: 0, records: 0 });
    expect(sim.faults.settings.latencyMs).toBe(0);
    expect((await lookup(base, tok, `maHoSo=${KS_CODE}`)).status).toBe(401);
    expect(await xml(await submit(base, await token(base), KS))).toMatchObject({
      soHoSoHoTich: 'KS-2025-0000001',
    });
  });

  it('When the simulator closes with a hanging connection, then close resolves and the port is released', async () => {
    const { sim, base } = await startSim();
    const tok = await token(base);
    sim.faults.set({ timeoutAfterCommitNext: 1 });
    const hanging = submit(base, tok, KS).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await sim.close();
    expect(await hanging).toBeInstanceOf(Error);
    expect(sim.url).toBeUndefined();
    await expect(fetch(`${base}/__sim/state`)).rejects.toThrow();
  });
});
