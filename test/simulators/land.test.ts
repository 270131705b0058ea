import { readFileSync } from 'node:fs';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from '../../src/simulators/http-harness.js';
import { createLandSimulator, type LandSimulatorOptions } from '../../src/simulators/land/index.js';

// ------------------------------------------------------------------ helpers

type Json = Record<string, unknown>;

const exampleText = (name: string): string =>
  readFileSync(new URL(`../../../shared/specs/examples/land/${name}`, import.meta.url), 'utf8');
const example = (name: string): Json => JSON.parse(exampleText(name)) as Json;

const KEY = '4b1e7c2a-land-key-example';
const SECURITY_CODE = 'Xk29Qm7Lp4Tz';
const MA = 'H40.22-251105-0001';
const UUID_V4_LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UTC_NO_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

const utc = (s: string): number => Date.parse(`${s}Z`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms, at most `timeoutMs`. */
async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  for (let i = 0; i < timeoutMs / 10 && !cond(); i += 1) await sleep(10);
  expect(cond()).toBe(true);
}

interface Received {
  code: string;
  op: string;
  path: string;
  raw: string;
  body: Json;
}

/** A tiny callback receiver on loopback; `answer(n)` gives the HTTP status of the n-th call (1-based). */
async function startReceiver(answer: (n: number, r: Received) => number = () => 200) {
  const received: Received[] = [];
  const app = express();
  app.post('/callbacks/land/:code/:op', express.text({ type: () => true }), (req, res) => {
    const raw = String(req.body);
    const r: Received = {
      code: String(req.params.code),
      op: String(req.params.op),
      path: req.path,
      raw,
      body: JSON.parse(raw) as Json,
    };
    received.push(r);
    res.status(answer(received.length, r)).end();
  });
  const l = await listen(app);
  cleanups.push(() => l.close());
  return { base: `${l.url}/callbacks/land`, received };
}

interface Answer {
  status: number;
  text: string;
  json: Json;
  headers: Headers;
}

async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = { 'X-VBDLIS-Key': KEY },
  signal?: AbortSignal,
): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers }, signal: signal ?? AbortSignal.timeout(5000) };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json; charset=utf-8';
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // non-JSON bodies (5xx) are allowed by land.md §2.2
  }
  return { status: res.status, text, json, headers: res.headers };
}

const post = (base: string, path: string, body: unknown, headers?: Record<string, string>) =>
  call(base, 'POST', path, body, headers);
const lookup = (base: string, ma: string) =>
  call(base, 'GET', `/api/motcua/hoso?maHoSoMotCua=${encodeURIComponent(ma)}`);
const intake = (base: string, body: unknown = example('tiepnhan-request.json')) =>
  post(base, '/api/motcua/tiepnhan', body);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A started simulator with a settable clock (`clock.set('2025-11-05T01:31:02')`). */
async function startSim(options: LandSimulatorOptions = {}) {
  let now = Date.now();
  const sim = createLandSimulator({ now: () => now, ...options });
  const url = await sim.start();
  cleanups.push(() => sim.close());
  return { sim, url, clock: { set: (s: string) => (now = utc(s)), advance: (ms: number) => (now += ms) } };
}

/** A simulator whose callbacks go to a fresh receiver. */
async function startSimWithReceiver(
  options: LandSimulatorOptions = {},
  answer?: (n: number, r: Received) => number,
) {
  const receiver = await startReceiver(answer);
  const s = await startSim({ callbackBase: receiver.base, securityCode: SECURITY_CODE, ...options });
  return { ...s, receiver };
}

const withoutKeys = (o: Json, ...keys: string[]): Json => {
  const copy = { ...o };
  for (const k of keys) delete copy[k];
  return copy;
};

const tiepNhan = (patch: (b: Json) => void = () => {}): Json => {
  const b = example('tiepnhan-request.json');
  patch(b);
  return b;
};

// ------------------------------------------------------------------ intake and lookup

describe('land simulator: intake (§3) and lookup (§4)', () => {
  it('When the example intake is sent, then the example response comes back and the dossier is entered once', async () => {
    const { sim, url, clock } = await startSim();
    clock.set('2025-11-05T01:31:02');
    const res = await intake(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.json).toEqual(example('tiepnhan-response.json'));
    expect(sim.entries(MA)).toBe(1);
    expect(sim.dossier(152347)?.TrangThai).toBe(1);
    expect(sim.counters()).toMatchObject({ tiepnhanCalls: 1, dossiersCreated: 1 });
  });

  it('When the same MaHoSoMotCua is sent twice, then two land dossiers exist and the lookup lists both (example "two")', async () => {
    const { sim, url, clock } = await startSim();
    clock.set('2025-11-05T01:31:02');
    expect((await intake(url)).json.data).toBe(152347);
    for (const n of [2, 3, 4]) {
      const other = `H40.22-251105-000${n + 4}`;
      await intake(
        url,
        tiepNhan((b) => Object.assign(b, { SoBienNhan: other, MaHoSoMotCua: other })),
      );
    }
    clock.set('2025-11-05T01:33:15');
    expect((await intake(url)).json.data).toBe(152351);
    clock.set('2025-11-05T02:10:00');
    sim.transfer(152347);
    clock.set('2025-11-05T02:20:00');
    const res = await lookup(url, MA);
    expect(res.json).toEqual(example('hoso-response-two.json'));
    expect(sim.entries(MA)).toBe(2);
    expect(sim.counters()).toMatchObject({ tiepnhanCalls: 5, dossiersCreated: 5, lookupCalls: 1 });
  });

  it('When nothing was received for a code, then the lookup answers the example empty list', async () => {
    const { sim, url, clock } = await startSim();
    clock.set('2025-11-05T01:31:40');
    expect((await lookup(url, MA)).json).toEqual(example('hoso-response-empty.json'));
    expect(sim.entries(MA)).toBe(0);
  });

  it('When the lookup code differs only in case, then nothing matches (exact, case-sensitive)', async () => {
    const { url } = await startSim();
    await intake(url);
    expect((await lookup(url, MA.toLowerCase())).json.data).toEqual([]);
    expect((await lookup(url, MA)).json.data).toHaveLength(1);
  });

  it('When the lookup has no maHoSoMotCua, then 400 INVALID naming the parameter', async () => {
    const { url } = await startSim();
    for (const path of [
      '/api/motcua/hoso',
      '/api/motcua/hoso?maHoSoMotCua=',
      '/api/motcua/hoso?maHoSoMotCua=a&maHoSoMotCua=b',
    ]) {
      const res = await call(url, 'GET', path);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        data: null,
        status: { success: false, code: 'INVALID', type: 'error' },
      });
      expect((res.json.status as Json).message).toMatch(/^maHoSoMotCua/);
    }
  });

  it('When Vietnamese text is received, then it is stored byte-identical and non-NFC values are reported', async () => {
    const { sim, url } = await startSim();
    const nfd = 'Nguyễn Văn Hùng'.normalize('NFD');
    const raw = JSON.stringify(tiepNhan((b) => ((b.ChuSuDung as Json).DiaChi = nfd)));
    expect((await post(url, '/api/motcua/tiepnhan', raw)).status).toBe(200);
    const d = sim.dossiers(MA)[0];
    expect(d?.rawBody).toBe(raw);
    expect(d?.request.ChuSuDung.HoTen).toBe('Nguyễn Văn Hùng');
    expect(
      Buffer.from(d?.request.ChuSuDung.HoTen ?? '', 'utf8').equals(
        Buffer.from('Nguyễn Văn Hùng'.normalize('NFC')),
      ),
    ).toBe(true);
    expect(d?.request.ChuSuDung.DiaChi).toBe(nfd);
    expect(d?.nonNfcFields).toEqual(['ChuSuDung.DiaChi']);
  });
});

// ------------------------------------------------------------------ authentication

describe('land simulator: X-VBDLIS-Key (§2)', () => {
  it('When the key is missing, then 401 with the example UNAUTHORIZED body and nothing is created', async () => {
    const { sim, url, clock } = await startSim();
    clock.set('2025-11-05T01:31:02');
    const res = await post(url, '/api/motcua/tiepnhan', example('tiepnhan-request.json'), {});
    expect(res.status).toBe(401);
    expect(res.json).toEqual(example('error-unauthorized.json'));
    expect(sim.entries(MA)).toBe(0);
    expect(sim.counters()).toMatchObject({ unauthorized: 1, tiepnhanCalls: 0 });
  });

  it('When the key is wrong on any operation, then 401 UNAUTHORIZED', async () => {
    const { sim, url } = await startSim({ apiKey: 'right-key' });
    const wrong = { 'X-VBDLIS-Key': KEY };
    const answers = [
      await post(url, '/api/motcua/tiepnhan', example('tiepnhan-request.json'), wrong),
      await call(url, 'GET', `/api/motcua/hoso?maHoSoMotCua=${MA}`, undefined, wrong),
      await post(
        url,
        '/api/motcua/capnhattrangthaibosunghoso',
        example('capnhattrangthaibosunghoso-request.json'),
        wrong,
      ),
      await post(
        url,
        '/api/motcua/capnhattrangthaitraketquahoso',
        example('capnhattrangthaitraketquahoso-request.json'),
        wrong,
      ),
      await call(url, 'GET', '/api/motcua/tep/x.pdf', undefined, wrong),
      await call(url, 'GET', `/api/motcua/hoso?maHoSoMotCua=${MA}`, undefined, {
        'X-VBDLIS-Key': 'RIGHT-KEY',
      }),
    ];
    for (const a of answers) {
      expect(a.status).toBe(401);
      expect(a.json).toMatchObject({
        data: null,
        status: { success: false, code: 'UNAUTHORIZED', type: 'error' },
      });
    }
    expect(sim.counters().unauthorized).toBe(6);
    const ok = await post(url, '/api/motcua/tiepnhan', example('tiepnhan-request.json'), {
      'X-VBDLIS-Key': 'right-key',
    });
    expect(ok.status).toBe(200);
  });
});

// ------------------------------------------------------------------ validation

describe('land simulator: validation of tiepnhan (§3.1)', () => {
  it('When NgayHenTra carries a Z, then 400 with exactly the example INVALID body', async () => {
    const { sim, url, clock } = await startSim();
    clock.set('2025-11-05T01:31:02');
    const res = await intake(
      url,
      tiepNhan((b) => (b.NgayHenTra = '2025-11-19T10:00:00Z')),
    );
    expect(res.status).toBe(400);
    expect(res.json).toEqual(example('error-invalid.json'));
    expect(sim.entries(MA)).toBe(0);
    expect(sim.counters()).toMatchObject({ invalid: 1, dossiersCreated: 0 });
  });

  const chu = (b: Json) => b.ChuSuDung as Json;
  const thua = (b: Json) => b.ThongTinThuaDat as Json;
  const tep = (b: Json) => b.TepDinhKem as Json[];
  const cases: [string, string, (b: Json) => void][] = [
    ['SoBienNhan missing', 'SoBienNhan', (b) => delete b.SoBienNhan],
    ['SoBienNhan differs from MaHoSoMotCua', 'SoBienNhan', (b) => (b.SoBienNhan = 'H40.22-251105-0002')],
    ['MaHoSoMotCua missing', 'MaHoSoMotCua', (b) => delete b.MaHoSoMotCua],
    ['MaHoSoMotCua with a space', 'MaHoSoMotCua', (b) => (b.MaHoSoMotCua = b.SoBienNhan = 'H40.22 251105')],
    ['MaHoSoMotCua of 51 chars', 'MaHoSoMotCua', (b) => (b.MaHoSoMotCua = b.SoBienNhan = 'A'.repeat(51))],
    ['MaThuTuc 1.00422', 'MaThuTuc', (b) => (b.MaThuTuc = '1.00422')],
    ['MaThuTuc as a number', 'MaThuTuc', (b) => (b.MaThuTuc = 1.004227)],
    ['TinhId as a string', 'TinhId', (b) => (b.TinhId = '40')],
    ['TinhId 0', 'TinhId', (b) => (b.TinhId = 0)],
    ['TinhId 100', 'TinhId', (b) => (b.TinhId = 100)],
    ['TinhId 40.5', 'TinhId', (b) => (b.TinhId = 40.5)],
    ['TinhId missing', 'TinhId', (b) => delete b.TinhId],
    ['HuyenId as a string', 'HuyenId', (b) => (b.HuyenId = '412')],
    ['XaId 0', 'XaId', (b) => (b.XaId = 0)],
    ['XaId 100000', 'XaId', (b) => (b.XaId = 100000)],
    ['XaId "16681"', 'XaId', (b) => (b.XaId = '16681')],
    ['NgayTiepNhan with +07:00', 'NgayTiepNhan', (b) => (b.NgayTiepNhan = '2025-11-05T08:30:00+07:00')],
    ['NgayTiepNhan with a fraction', 'NgayTiepNhan', (b) => (b.NgayTiepNhan = '2025-11-05T01:30:00.000')],
    ['NgayTiepNhan date only', 'NgayTiepNhan', (b) => (b.NgayTiepNhan = '2025-11-05')],
    ['NgayTiepNhan on 30 February', 'NgayTiepNhan', (b) => (b.NgayTiepNhan = '2025-02-30T01:30:00')],
    ['NgayTiepNhan in portal format', 'NgayTiepNhan', (b) => (b.NgayTiepNhan = '20251105083000')],
    ['NgayHenTra before NgayTiepNhan', 'NgayHenTra', (b) => (b.NgayHenTra = '2025-11-05T01:29:59')],
    ['ChuSuDung missing', 'ChuSuDung', (b) => delete b.ChuSuDung],
    ['ChuSuDung as an array', 'ChuSuDung', (b) => (b.ChuSuDung = [])],
    ['HoTen empty', 'ChuSuDung.HoTen', (b) => (chu(b).HoTen = '')],
    ['HoTen of 256 chars', 'ChuSuDung.HoTen', (b) => (chu(b).HoTen = 'ễ'.repeat(256))],
    ['SoGiayTo with a slash', 'ChuSuDung.SoGiayTo', (b) => (chu(b).SoGiayTo = '0400/85')],
    ['SoGiayTo of 51 chars', 'ChuSuDung.SoGiayTo', (b) => (chu(b).SoGiayTo = '1'.repeat(51))],
    ['DiaChi of 501 chars', 'ChuSuDung.DiaChi', (b) => (chu(b).DiaChi = 'a'.repeat(501))],
    ['ThongTinThuaDat missing', 'ThongTinThuaDat', (b) => delete b.ThongTinThuaDat],
    ['SoThuTuThua 0', 'ThongTinThuaDat.SoThuTuThua', (b) => (thua(b).SoThuTuThua = 0)],
    ['SoHieuToBanDo 1.5', 'ThongTinThuaDat.SoHieuToBanDo', (b) => (thua(b).SoHieuToBanDo = 1.5)],
    ['DienTich 0', 'ThongTinThuaDat.DienTich', (b) => (thua(b).DienTich = 0)],
    ['DienTich negative', 'ThongTinThuaDat.DienTich', (b) => (thua(b).DienTich = -3)],
    ['DienTich with 3 decimals', 'ThongTinThuaDat.DienTich', (b) => (thua(b).DienTich = 150.555)],
    ['DienTich as a string', 'ThongTinThuaDat.DienTich', (b) => (thua(b).DienTich = '150.5')],
    ['DiaChiThuaDat empty', 'ThongTinThuaDat.DiaChiThuaDat', (b) => (thua(b).DiaChiThuaDat = '')],
    ['TepDinhKem missing', 'TepDinhKem', (b) => delete b.TepDinhKem],
    ['TepDinhKem as an object', 'TepDinhKem', (b) => (b.TepDinhKem = {})],
    ['TepDinhKem with 51 items', 'TepDinhKem', (b) => (b.TepDinhKem = Array(51).fill(tep(b)[0]))],
    ['TenTep empty', 'TepDinhKem[1].TenTep', (b) => ((tep(b)[1] as Json).TenTep = '')],
    ['DuongDan relative', 'TepDinhKem[0].DuongDan', (b) => ((tep(b)[0] as Json).DuongDan = '/files/a.pdf')],
    [
      'DuongDan ftp',
      'TepDinhKem[0].DuongDan',
      (b) => ((tep(b)[0] as Json).DuongDan = 'ftp://localhost/a.pdf'),
    ],
  ];

  it.each(cases)(
    'When %s, then 400 INVALID with a message starting with %s and nothing is created',
    async (_c, field, patch) => {
      const { sim, url } = await startSim();
      const res = await intake(url, tiepNhan(patch));
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        data: null,
        status: { success: false, code: 'INVALID', type: 'error' },
      });
      const message = (res.json.status as Json).message as string;
      expect(message.startsWith(`${field}:`)).toBe(true);
      expect((res.json.status as Json).time).toMatch(UTC_NO_OFFSET);
      expect(sim.counters().dossiersCreated).toBe(0);
    },
  );

  const accepted: [string, (b: Json) => void][] = [
    ['HuyenId is omitted', (b) => delete b.HuyenId],
    ['DiaChi is omitted', (b) => delete (b.ChuSuDung as Json).DiaChi],
    ['TepDinhKem is empty', (b) => (b.TepDinhKem = [])],
    ['DienTich has 2 decimals', (b) => ((b.ThongTinThuaDat as Json).DienTich = 150.55)],
    ['NgayHenTra equals NgayTiepNhan', (b) => (b.NgayHenTra = b.NgayTiepNhan)],
    ['an unknown field is present', (b) => (b.TruongLa = 'x')],
    ['TinhId and XaId are at their bounds', (b) => Object.assign(b, { TinhId: 99, XaId: 99999 })],
  ];
  it.each(accepted)('When %s, then the intake is accepted', async (_c, patch) => {
    const { url } = await startSim();
    expect((await intake(url, tiepNhan(patch))).status).toBe(200);
  });

  const badBodies: [string, string | Uint8Array][] = [
    ['malformed JSON', '{"SoBienNhan":'],
    ['a JSON array', '[]'],
    ['a byte order mark', `\uFEFF${exampleText('tiepnhan-request.json')}`],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xc3, 0x28, 0x7d])],
    ['an empty body', ''],
  ];
  it.each(badBodies)('When the body is %s, then 400 INVALID naming the body', async (_c, raw) => {
    const { sim, url } = await startSim();
    const res = await post(url, '/api/motcua/tiepnhan', raw);
    expect(res.status).toBe(400);
    expect((res.json.status as Json).message).toMatch(/^body:/);
    expect(sim.counters().dossiersCreated).toBe(0);
  });
});

// ------------------------------------------------------------------ the example journey (callbacks + updates)

describe('land simulator: the example dossier from intake to hand-over (§3–§7)', () => {
  it('When the land office processes the example dossier, then every body matches the examples and the lookup follows', async () => {
    const { sim, url, clock, receiver } = await startSimWithReceiver();
    const exampleCallback = (op: string) => withoutKeys(example(`callback-${op}.json`), 'EventId');
    const lastBody = () => receiver.received.at(-1)?.body ?? {};

    clock.set('2025-11-05T01:31:02');
    expect((await intake(url)).json).toEqual(example('tiepnhan-response.json'));

    clock.set('2025-11-05T02:10:00');
    sim.transfer(MA, {
      BuocXuLy: 'Thẩm định hồ sơ',
      PhongBan: 'Phòng Đăng ký và Cấp giấy chứng nhận',
      NguoiXuLy: 'Trần Thị Mai',
    });
    await until(() => receiver.received.length === 1);
    expect(receiver.received[0]?.path).toBe(`/callbacks/land/${SECURITY_CODE}/ChuyenHoSo`);
    expect(withoutKeys(lastBody(), 'EventId')).toEqual(exampleCallback('ChuyenHoSo'));

    clock.set('2025-11-07T03:00:00');
    const yc = example('callback-YeuCauBoSungHoSo.json');
    sim.requestSupplement(MA, {
      NoiDungYeuCau: yc.NoiDungYeuCau as string,
      HanBoSung: yc.HanBoSung as string,
    });
    await until(() => receiver.received.length === 2);
    expect(receiver.received[1]?.op).toBe('YeuCauBoSungHoSo');
    expect(withoutKeys(lastBody(), 'EventId')).toEqual(exampleCallback('YeuCauBoSungHoSo'));

    clock.set('2025-11-08T01:00:00');
    expect((await lookup(url, MA)).json).toEqual(example('hoso-response.json'));

    clock.set('2025-11-10T02:00:41');
    const bs = await post(
      url,
      '/api/motcua/capnhattrangthaibosunghoso',
      example('capnhattrangthaibosunghoso-request.json'),
    );
    expect(bs.json).toEqual(example('capnhattrangthaibosunghoso-response.json'));
    await until(() => receiver.received.length === 3);
    expect(receiver.received[2]?.op).toBe('NhanBoSungHoSo');
    expect(withoutKeys(lastBody(), 'EventId', 'ThoiDiem')).toEqual(
      withoutKeys(exampleCallback('NhanBoSungHoSo'), 'ThoiDiem'),
    );
    expect(lastBody().ThoiDiem).toBe('2025-11-10T02:00:41');
    expect(sim.dossier(152347)?.TrangThai).toBe(2);

    clock.set('2025-11-12T07:05:00');
    const thue = example('callback-GuiKetQuaThue.json');
    sim.sendTaxResult(152347, thue.DanhSachThongBaoThue as never);
    await until(() => receiver.received.length === 4);
    expect(withoutKeys(lastBody(), 'EventId')).toEqual(exampleCallback('GuiKetQuaThue'));
    expect(sim.dossier(152347)?.TrangThai).toBe(4);

    clock.set('2025-11-24T08:00:00');
    const kt = example('callback-KetThucHoSo.json');
    sim.finish(152347, { TrangThaiKetThuc: 0, GiayToKetQua: kt.GiayToKetQua as never, GhiChu: '' });
    await until(() => receiver.received.length === 5);
    expect(withoutKeys(lastBody(), 'EventId')).toEqual(exampleCallback('KetThucHoSo'));
    expect(sim.dossier(152347)?.TrangThai).toBe(5);

    clock.set('2025-11-25T02:30:12');
    const tr = await post(
      url,
      '/api/motcua/capnhattrangthaitraketquahoso',
      example('capnhattrangthaitraketquahoso-request.json'),
    );
    expect(tr.json).toEqual(example('capnhattrangthaitraketquahoso-response.json'));
    expect((await lookup(url, MA)).json.data).toEqual([
      { hoSoId: 152347, MaHoSoMotCua: MA, TrangThai: 8, NgayCapNhat: '2025-11-25T02:30:12' },
    ]);

    // Every event: fresh lowercase UUID, ThoiDiem increasing, the right securityCode.
    const ids = receiver.received.map((r) => r.body.EventId as string);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(id).toMatch(UUID_V4_LOWER);
    expect(receiver.received.every((r) => r.code === SECURITY_CODE)).toBe(true);
    const history = sim.dossier(152347)?.history.map((h) => [h.TrangThai, h.cause]);
    expect(history).toEqual([
      [1, 'tiepnhan'],
      [2, 'ChuyenHoSo'],
      [3, 'YeuCauBoSungHoSo'],
      [2, 'NhanBoSungHoSo'],
      [4, 'GuiKetQuaThue'],
      [5, 'KetThucHoSo'],
      [8, 'capnhattrangthaitraketquahoso'],
    ]);
    expect(sim.counters()).toMatchObject({
      tiepnhanCalls: 1,
      supplementCalls: 1,
      resultCalls: 1,
      updateCalls: 2,
      eventsCreated: 5,
      callbacks: { emitted: 5, delivered: 5, duplicatesSent: 0, dropped: 0 },
    });

    // The files named in the callbacks are downloadable with the key.
    const file = await call(url, 'GET', '/api/motcua/tep/TB2511120001.pdf');
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.text.startsWith('%PDF-')).toBe(true);
    expect((await call(url, 'GET', '/api/motcua/tep/152347-gcn.pdf')).status).toBe(200);
    expect((await call(url, 'GET', '/api/motcua/tep/TB2511120001.pdf', undefined, {})).status).toBe(401);
    expect((await call(url, 'GET', '/api/motcua/tep/khong-co.pdf')).status).toBe(404);
    expect(sim.counters().fileDownloads).toBe(2);
  });
});

// ------------------------------------------------------------------ update calls

describe('land simulator: supplement handed in (§5)', () => {
  async function waitingForSupplement(options: LandSimulatorOptions = {}) {
    const s = await startSimWithReceiver(options);
    await intake(s.url);
    s.sim.requestSupplement(152347);
    await until(() => s.receiver.received.length === 1);
    return s;
  }
  const request = (patch: Json = {}) => ({ ...example('capnhattrangthaibosunghoso-request.json'), ...patch });

  it('When the same supplement is sent again, then 200 true and nothing changes (no second NhanBoSungHoSo)', async () => {
    const { sim, url, receiver } = await waitingForSupplement();
    expect((await post(url, '/api/motcua/capnhattrangthaibosunghoso', request())).json.data).toBe(true);
    await until(() => receiver.received.length === 2);
    const again = await post(url, '/api/motcua/capnhattrangthaibosunghoso', request({ NoiDung: 'khác' }));
    expect(again.status).toBe(200);
    expect(again.json.data).toBe(true);
    await sim.idle();
    expect(receiver.received.map((r) => r.op)).toEqual(['YeuCauBoSungHoSo', 'NhanBoSungHoSo']);
    expect(sim.dossier(152347)?.supplements).toHaveLength(1);
    expect(sim.counters()).toMatchObject({ supplementCalls: 2, supplementsRecorded: 1 });
  });

  it('When the dossier is not waiting and this NgayBoSung is new, then 400 INVALID', async () => {
    const { sim, url } = await waitingForSupplement();
    await post(url, '/api/motcua/capnhattrangthaibosunghoso', request());
    const res = await post(
      url,
      '/api/motcua/capnhattrangthaibosunghoso',
      request({ NgayBoSung: '2025-11-10T03:00:00' }),
    );
    expect(res.status).toBe(400);
    expect((res.json.status as Json).message).toMatch(/^hoSoId:/);
    expect(sim.dossier(152347)?.TrangThai).toBe(2);
  });

  const errors: [string, Json, string][] = [
    ['the hoSoId is unknown', { hoSoId: 999 }, 'hoSoId'],
    ['MaHoSoMotCua does not match the hoSoId', { MaHoSoMotCua: 'H40.22-251105-0002' }, 'MaHoSoMotCua'],
    ['hoSoId is a string', { hoSoId: '152347' }, 'hoSoId'],
    ['NgayBoSung has an offset', { NgayBoSung: '2025-11-10T09:00:00+07:00' }, 'NgayBoSung'],
    ['NoiDung has 2001 chars', { NoiDung: 'x'.repeat(2001) }, 'NoiDung'],
    ['NoiDung is empty', { NoiDung: '' }, 'NoiDung'],
  ];
  it.each(errors)('When %s, then 400 INVALID naming %s', async (_c, patch, field) => {
    const { sim, url } = await waitingForSupplement();
    const res = await post(url, '/api/motcua/capnhattrangthaibosunghoso', request(patch));
    expect(res.status).toBe(400);
    expect(((res.json.status as Json).message as string).startsWith(`${field}:`)).toBe(true);
    expect(sim.dossier(152347)?.TrangThai).toBe(3);
  });
});

describe('land simulator: result handed over (§6)', () => {
  const request = (patch: Json = {}) => ({
    ...example('capnhattrangthaitraketquahoso-request.json'),
    ...patch,
  });
  const handOver = (url: string, patch?: Json) =>
    post(url, '/api/motcua/capnhattrangthaitraketquahoso', request(patch));

  it('When the dossier has not ended, then 400 INVALID and the status stays', async () => {
    const { sim, url } = await startSim();
    await intake(url);
    sim.transfer(152347);
    const res = await handOver(url);
    expect(res.status).toBe(400);
    expect((res.json.status as Json).message).toMatch(/^hoSoId:/);
    expect(sim.dossier(152347)?.TrangThai).toBe(2);
  });

  it('When the dossier was returned without result (6), then 200 and 8; again, then 200 and nothing changes', async () => {
    const { sim, url } = await startSim();
    await intake(url);
    sim.finish(MA, { TrangThaiKetThuc: 1, GhiChu: 'Thửa đất đang tranh chấp' });
    expect(sim.dossier(152347)?.TrangThai).toBe(6);
    expect((await handOver(url)).json.data).toBe(true);
    const d1 = sim.dossier(152347);
    expect(d1?.TrangThai).toBe(8);
    const again = await handOver(url, { NgayTraKetQua: '2025-11-26T02:30:00' });
    expect(again.status).toBe(200);
    expect(sim.dossier(152347)?.history).toEqual(d1?.history);
    expect(sim.counters()).toMatchObject({ resultCalls: 2, resultsRecorded: 1 });
  });

  const errors: [string, Json, string][] = [
    ['the dossier was withdrawn (7)', {}, 'hoSoId'],
    ['the hoSoId is unknown', { hoSoId: 1 }, 'hoSoId'],
    ['MaHoSoMotCua does not match', { MaHoSoMotCua: 'X' }, 'MaHoSoMotCua'],
    ['NgayTraKetQua has a fraction', { NgayTraKetQua: '2025-11-25T02:30:00.5' }, 'NgayTraKetQua'],
    ['NgayTraKetQua is missing', { NgayTraKetQua: undefined }, 'NgayTraKetQua'],
  ];
  it.each(errors)('When %s, then 400 INVALID naming %s', async (_c, patch, field) => {
    const { sim, url } = await startSim();
    await intake(url);
    sim.finish(152347, { TrangThaiKetThuc: 2 });
    const res = await handOver(url, patch);
    expect(res.status).toBe(400);
    expect(((res.json.status as Json).message as string).startsWith(`${field}:`)).toBe(true);
    expect(sim.dossier(152347)?.TrangThai).toBe(7);
  });
});

// ------------------------------------------------------------------ callbacks and their faults

describe('land simulator: callbacks (§7)', () => {
  it('When the land office acts several times within a second, then ThoiDiem still increases by ≥ 1 s per dossier', async () => {
    const { sim, url, receiver } = await startSimWithReceiver({ now: () => utc('2025-11-05T01:31:02') });
    await intake(url);
    sim.transfer(MA);
    sim.requestSupplement(MA);
    sim.sendTaxResult(MA, [{ LoaiThue: 'LPTB', SoTien: 4750000 }]);
    sim.finish(MA, { TrangThaiKetThuc: 0 });
    await until(() => receiver.received.length === 4);
    const times = sim.emittedEvents().map((e) => e.ThoiDiem);
    expect(times).toEqual([
      '2025-11-05T01:31:03',
      '2025-11-05T01:31:04',
      '2025-11-05T01:31:05',
      '2025-11-05T01:31:06',
    ]);
    expect((await lookup(url, MA)).json.data).toEqual([
      { hoSoId: 152347, MaHoSoMotCua: MA, TrangThai: 5, NgayCapNhat: '2025-11-05T01:31:06' },
    ]);
    // Generated values: notice number (local date), taxpayer from the intake, downloadable files.
    const tax = receiver.received.find((r) => r.op === 'GuiKetQuaThue')?.body.DanhSachThongBaoThue as Json[];
    expect(tax[0]).toEqual({
      HoTenChu: 'Nguyễn Văn Hùng',
      LoaiThue: 'LPTB',
      SoThongBaoThue: 'TB2511050001',
      SoTien: 4750000,
      DuongDanThongBaoThue: `${url}/api/motcua/tep/TB2511050001.pdf`,
    });
    const end = receiver.received.find((r) => r.op === 'KetThucHoSo')?.body;
    const doc = (end?.GiayToKetQua as Json[])[0];
    expect(end?.GhiChu).toBe('');
    expect((await call(url, 'GET', new URL(doc?.DuongDan as string).pathname)).status).toBe(200);
    expect((await call(url, 'GET', '/api/motcua/tep/TB2511050001.pdf')).status).toBe(200);
  });

  it('When a MaHoSo was entered twice, then acting on the MaHoSo sends a callback for each land dossier', async () => {
    const { sim, url, receiver } = await startSimWithReceiver();
    await intake(url);
    await intake(url);
    const events = sim.transfer(MA);
    expect(events.map((e) => e.hoSoId)).toEqual([152347, 152348]);
    await until(() => receiver.received.length === 2);
    expect(receiver.received.map((r) => r.body.hoSoId).sort()).toEqual([152347, 152348]);
    expect(sim.transfer({ maHoSo: MA, which: 'last' }).map((e) => e.hoSoId)).toEqual([152348]);
  });

  it('When an action does not fit the dossier, then it is refused and nothing is emitted', async () => {
    const { sim, url } = await startSim();
    await intake(url);
    expect(() => sim.finish(MA, { TrangThaiKetThuc: 1, GiayToKetQua: [{ TenGiayTo: 'x' }] })).toThrow(
      /GiayToKetQua/,
    );
    expect(() => sim.finish(MA, { TrangThaiKetThuc: 0, GiayToKetQua: [] })).toThrow(/GiayToKetQua/);
    expect(() => sim.sendTaxResult(MA, [{ LoaiThue: 'VAT', SoTien: 1 }])).toThrow(/LoaiThue/);
    expect(() => sim.act(MA, [{ Operation: 'NhanBoSungHoSo' }])).toThrow(/không chờ bổ sung/);
    expect(() => sim.transfer('H40.22-251105-9999')).toThrow(/không có hồ sơ/);
    sim.finish(MA, { TrangThaiKetThuc: 2 });
    expect(() => sim.transfer(MA)).toThrow(/đã kết thúc/);
    expect(sim.emittedEvents()).toHaveLength(1);
  });

  it('When the receiver fails twice, then the event is retried and delivered on the third attempt', async () => {
    const { sim, url, receiver } = await startSimWithReceiver({ retryIntervalMs: 20 }, (n) =>
      n <= 2 ? 500 : 200,
    );
    await intake(url);
    const [event] = sim.transfer(MA);
    await until(() => receiver.received.length === 3);
    expect(new Set(receiver.received.map((r) => r.raw)).size).toBe(1);
    await sim.idle();
    expect(sim.emittedEvents()[0]).toMatchObject({
      EventId: event?.EventId,
      attempts: 3,
      delivered: 1,
      lastStatus: 200,
    });
    expect(sim.counters().callbacks).toMatchObject({ emitted: 1, attempts: 3, delivered: 1, dropped: 0 });
  });

  it('When the receiver rejects the securityCode every time, then the event is dropped after maxAttempts', async () => {
    const { sim, url, receiver } = await startSimWithReceiver(
      { retryIntervalMs: 10, maxAttempts: 4 },
      (_n, r) => (r.code === 'RightCode123' ? 200 : 401),
    );
    sim.setCallbackTarget(receiver.base, 'WrongCode123');
    await intake(url);
    sim.transfer(MA);
    await sim.idle();
    expect(receiver.received).toHaveLength(4);
    expect(receiver.received.every((r) => r.path === '/callbacks/land/WrongCode123/ChuyenHoSo')).toBe(true);
    expect(sim.counters().callbacks).toMatchObject({ attempts: 4, delivered: 0, dropped: 1 });
    // The lookup still shows the current status (§7.2).
    expect(((await lookup(url, MA)).json.data as Json[])[0]?.TrangThai).toBe(2);
  });

  it('When duplicateNext is set, then the same event (same EventId, identical body) arrives twice', async () => {
    const { sim, url, receiver } = await startSimWithReceiver();
    await intake(url);
    sim.setFaults({ duplicateNext: 1 });
    sim.transfer(MA);
    sim.requestSupplement(MA);
    await until(() => receiver.received.length === 3);
    await sim.idle();
    const byId = new Map<string, string[]>();
    for (const r of receiver.received)
      byId.set(r.body.EventId as string, [...(byId.get(r.body.EventId as string) ?? []), r.raw]);
    const dup = [...byId.values()].find((raws) => raws.length === 2);
    expect(dup?.[0]).toBe(dup?.[1]);
    expect(receiver.received[0]?.op).toBe('ChuyenHoSo');
    expect(sim.counters().callbacks).toMatchObject({ emitted: 2, delivered: 2, duplicatesSent: 1 });
  });

  it('When reorder is on and events are emitted as one batch, then they arrive newest first', async () => {
    const { sim, url, receiver } = await startSimWithReceiver({ callbackMaxSockets: 1 });
    await intake(url);
    sim.setFaults({ reorder: true });
    const events = sim.emitBatch(MA, [
      { Operation: 'ChuyenHoSo' },
      { Operation: 'YeuCauBoSungHoSo' },
      { Operation: 'KetThucHoSo', TrangThaiKetThuc: 2, GhiChu: 'Người nộp rút hồ sơ' },
    ]);
    await until(() => receiver.received.length === 3);
    expect(receiver.received.map((r) => r.op)).toEqual(['KetThucHoSo', 'YeuCauBoSungHoSo', 'ChuyenHoSo']);
    const arrived = receiver.received.map((r) => utc(r.body.ThoiDiem as string));
    expect(arrived[0]).toBeGreaterThan(arrived[1] ?? Infinity);
    expect(arrived[1]).toBeGreaterThan(arrived[2] ?? Infinity);
    // Sorting by ThoiDiem restores the order in which the events happened.
    const sorted = [...receiver.received].sort(
      (a, b) => utc(a.body.ThoiDiem as string) - utc(b.body.ThoiDiem as string),
    );
    expect(sorted.map((r) => r.body.EventId)).toEqual(events.map((e) => e.EventId));
    expect(sim.dossier(152347)?.TrangThai).toBe(7);
    expect(sim.deliveryLog().map((d) => d.Operation)).toEqual([
      'KetThucHoSo',
      'YeuCauBoSungHoSo',
      'ChuyenHoSo',
    ]);
  });

  it('When no callback target is configured, then events are recorded unsent and can be resent later', async () => {
    const { sim, url } = await startSim();
    await intake(url);
    const [event] = sim.transfer(MA);
    expect(sim.emittedEvents()[0]).toMatchObject({ sent: false, attempts: 0 });
    const receiver = await startReceiver();
    sim.setCallbackTarget(receiver.base, SECURITY_CODE);
    sim.resend(event?.EventId ?? '');
    await until(() => receiver.received.length === 1);
    expect(receiver.received[0]?.raw).toBe(event?.json);
  });

  it('When the callback configuration is malformed, then the simulator refuses it', () => {
    expect(() =>
      createLandSimulator({ callbackBase: 'http://127.0.0.1:1/cb/', securityCode: SECURITY_CODE }),
    ).toThrow(/callbackBase/);
    expect(() =>
      createLandSimulator({ callbackBase: 'http://127.0.0.1:1/cb', securityCode: 'short' }),
    ).toThrow(/securityCode/);
    expect(() => createLandSimulator({ callbackBase: '/cb', securityCode: SECURITY_CODE })).toThrow(
      /callbackBase/,
    );
  });
});

// ------------------------------------------------------------------ files

describe('land simulator: files (§3.1 attachments, §7.3 result files)', () => {
  it('When downloadAttachments is on, then TepDinhKem are fetched without the key in the background', async () => {
    const seen: { path: string; key: string | undefined }[] = [];
    const app = express();
    app.get('/files/ok.pdf', (req, res) => {
      seen.push({ path: req.path, key: req.get('X-VBDLIS-Key') });
      res.type('application/pdf').send(Buffer.from('%PDF-1.4 ok'));
    });
    const files = await listen(app);
    cleanups.push(() => files.close());
    const { sim, url } = await startSim({ downloadAttachments: true });
    const body = tiepNhan((b) => {
      b.TepDinhKem = [
        { TenTep: 'ok.pdf', DuongDan: `${files.url}/files/ok.pdf` },
        { TenTep: 'missing.pdf', DuongDan: `${files.url}/files/missing.pdf` },
      ];
    });
    expect((await intake(url, body)).status).toBe(200);
    expect(await sim.idle(3000)).toBe(true);
    expect(sim.dossier(152347)?.attachments).toEqual([
      { TenTep: 'ok.pdf', DuongDan: `${files.url}/files/ok.pdf`, state: 'ok', httpStatus: 200, bytes: 11 },
      {
        TenTep: 'missing.pdf',
        DuongDan: `${files.url}/files/missing.pdf`,
        state: 'failed',
        httpStatus: 404,
        bytes: expect.any(Number),
      },
    ]);
    expect(seen).toEqual([{ path: '/files/ok.pdf', key: undefined }]);
  });

  it('When a result file is older than 30 days, then it is no longer served', async () => {
    const { sim, url, clock } = await startSim();
    clock.set('2025-11-24T08:00:00');
    const fileUrl = sim.addFile('152347-gcn.pdf');
    expect(fileUrl).toBe(`${url}/api/motcua/tep/152347-gcn.pdf`);
    clock.set('2025-12-24T07:59:59');
    expect((await call(url, 'GET', '/api/motcua/tep/152347-gcn.pdf')).status).toBe(200);
    clock.set('2025-12-24T08:00:00');
    const gone = await call(url, 'GET', '/api/motcua/tep/152347-gcn.pdf');
    expect(gone.status).toBe(404);
    expect((gone.json.status as Json).message).toMatch(/^name:/);
  });
});

// ------------------------------------------------------------------ HTTP faults

describe('land simulator: HTTP faults', () => {
  it('When the system is down, then every call answers 503 without JSON and nothing is created', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ down: true });
    const res = await intake(url);
    expect(res.status).toBe(503);
    expect(res.json).toEqual({});
    sim.setFaults({ down: false });
    expect(sim.entries(MA)).toBe(0);
    expect((await intake(url)).status).toBe(200);
    expect(sim.faults.counts.failed).toBe(1);
  });

  it('When failNext and rateLimitNext are set, then the next calls fail before anything is applied', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ rateLimitNext: 1, retryAfterSeconds: 7, failNext: 1, failStatus: 502 });
    const limited = await intake(url);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await intake(url)).status).toBe(502);
    expect(sim.entries(MA)).toBe(0);
    expect((await intake(url)).status).toBe(200);
    expect(sim.entries(MA)).toBe(1);
  });

  it('When latencyMs is set, then the answer is delayed', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ latencyMs: 150 });
    const t0 = Date.now();
    expect((await lookup(url, MA)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('When the connection drops after commit, then the call fails but the dossier exists (the lookup shows it)', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ dropAfterCommitNext: 1 });
    await expect(intake(url)).rejects.toThrow();
    expect(sim.entries(MA)).toBe(1);
    expect(((await lookup(url, MA)).json.data as Json[])[0]?.hoSoId).toBe(152347);
    expect(sim.faults.counts.droppedAfterCommit).toBe(1);
  });

  it('When the answer hangs after commit, then the client times out, the dossier exists and close releases it', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ timeoutAfterCommitNext: 1 });
    const pending = call(
      url,
      'POST',
      '/api/motcua/tiepnhan',
      example('tiepnhan-request.json'),
      undefined,
      AbortSignal.timeout(300),
    );
    await expect(pending).rejects.toThrow();
    expect(sim.entries(MA)).toBe(1);
    expect(sim.faults.counts.timedOutAfterCommit).toBe(1);
  });

  it('When failAfterCommitNext is set, then the call is applied and answered 503; a retried update is idempotent', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ failAfterCommitNext: 2 });
    const res = await intake(url);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(sim.entries(MA)).toBe(1);
    sim.finish(MA, { TrangThaiKetThuc: 0 });
    const req = example('capnhattrangthaitraketquahoso-request.json');
    expect((await post(url, '/api/motcua/capnhattrangthaitraketquahoso', req)).status).toBe(503);
    expect(sim.dossier(152347)?.TrangThai).toBe(8);
    expect((await post(url, '/api/motcua/capnhattrangthaitraketquahoso', req)).status).toBe(200);
    expect(sim.counters()).toMatchObject({ failedAfterCommit: 2, resultsRecorded: 1 });
  });

  it('When an unknown fault switch is patched, then it is refused', async () => {
    const { sim } = await startSim();
    expect(() => sim.setFaults({ tokenExpiry: 1 })).toThrow(/tokenExpiry/);
    expect(() => sim.setFaults({ down: 'yes' })).toThrow(/down/);
    expect(() => sim.setFaults({ toString: 1 })).toThrow(/toString/);
    expect(() => sim.setFaults({ failNext: -1 })).toThrow(/failNext/);
  });
});

// ------------------------------------------------------------------ /__sim routes

describe('land simulator: /__sim control routes', () => {
  it('When steered over HTTP, then state, faults, actions, resend, idle and reset behave like the methods', async () => {
    const receiver = await startReceiver();
    const { url } = await startSim();
    const sim = (path: string, body: unknown = {}) => call(url, 'POST', `/__sim${path}`, body, {});

    expect(
      (await sim('/callback-target', { callbackBase: receiver.base, securityCode: SECURITY_CODE })).status,
    ).toBe(200);
    expect(
      (await sim('/callback-target', { callbackBase: 'nope', securityCode: SECURITY_CODE })).status,
    ).toBe(400);

    expect((await sim('/faults', { down: true })).json).toMatchObject({ http: { down: true } });
    expect((await intake(url)).status).toBe(503);
    expect((await sim('/faults', { down: false, duplicateNext: 1 })).json).toMatchObject({
      callbacks: { duplicateNext: 1 },
    });
    expect((await sim('/faults', { nope: 1 })).status).toBe(400);

    await intake(url);
    await intake(url);
    const entries = await call(url, 'GET', `/__sim/entries?maHoSo=${MA}`, undefined, {});
    expect(entries.json).toEqual({ maHoSo: MA, entries: 2, hoSoIds: [152347, 152348] });

    const t = await sim('/transfer', { maHoSo: MA, which: 'first', NguoiXuLy: 'Lê Văn An' });
    expect((t.json.events as Json[]).map((e) => (e.body as Json).NguoiXuLy)).toEqual(['Lê Văn An']);
    await sim('/request-supplement', { hoSoId: 152347, HanBoSung: '2025-11-14T10:00:00' });
    await sim('/send-tax-result', {
      hoSoId: 152347,
      DanhSachThongBaoThue: [{ LoaiThue: 'TNCN', SoTien: 19000000 }],
    });
    const act = await sim('/act', {
      hoSoId: 152348,
      actions: [{ Operation: 'ChuyenHoSo' }, { Operation: 'KetThucHoSo', TrangThaiKetThuc: 0 }],
    });
    expect((act.json.events as Json[]).map((e) => e.Operation)).toEqual(['ChuyenHoSo', 'KetThucHoSo']);
    expect((await sim('/finish', { hoSoId: 152348, TrangThaiKetThuc: 1 })).status).toBe(409);
    expect((await sim('/transfer', { hoSoId: 1 })).status).toBe(404);
    expect((await sim('/finish', { hoSoId: 152347, TrangThaiKetThuc: 5 })).status).toBe(400);

    expect((await sim('/idle', { timeoutMs: 3000 })).json).toEqual({ idle: true });
    const state = (await call(url, 'GET', '/__sim/state', undefined, {})).json;
    expect(state).toMatchObject({
      entries: { [MA]: 2 },
      counters: {
        tiepnhanCalls: 2,
        dossiersCreated: 2,
        eventsCreated: 5,
        callbacks: { emitted: 5, delivered: 5, duplicatesSent: 1 },
      },
      callbackTarget: { callbackBase: receiver.base, securityCode: SECURITY_CODE },
    });
    const records = state.records as Json[];
    expect(records.map((r) => r.TrangThai)).toEqual([4, 5]);
    expect(receiver.received).toHaveLength(6);

    const first = (state.events as Json[])[0]?.EventId;
    expect((await sim('/resend', { EventId: first })).status).toBe(200);
    await until(() => receiver.received.length === 7);
    expect(receiver.received[6]?.body.EventId).toBe(first);
    expect((await sim('/resend', { EventId: 'x' })).status).toBe(404);

    expect((await sim('/reset')).status).toBe(200);
    const after = (await call(url, 'GET', '/__sim/state', undefined, {})).json;
    expect(after).toMatchObject({ entries: {}, records: [], events: [], counters: { tiepnhanCalls: 0 } });
    expect((await intake(url)).json.data).toBe(152349);
  });
});
