import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createPortalSimulator } from '../../src/simulators/portal/index.js';
import type { PortalSimulator, PortalSimulatorOptions } from '../../src/simulators/portal/index.js';

type Rec = Record<string, unknown>;

const examples = new URL('../../../shared/specs/examples/portal/', import.meta.url);
const ex = (name: string): Rec => JSON.parse(readFileSync(new URL(name, examples), 'utf8')) as Rec;
const recordOf = (name: string): Rec => structuredClone((ex(name).data as Rec[])[0] as Rec);

const LAND = 'H40.22-251105-0001';
const BIRTH = 'H40.22-251105-0002';

// ---------------------------------------------------------------------------------------------
// Harness: simulators and feed receivers are closed after every test.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startPortal(
  options: PortalSimulatorOptions = {},
): Promise<{ sim: PortalSimulator; url: string }> {
  const sim = createPortalSimulator({ rateLimitPerSecond: 0, ...options });
  const url = await sim.start();
  cleanups.push(() => sim.close());
  return { sim, url };
}

interface Reply {
  status: number;
  headers: Headers;
  body: Rec;
}

async function post(url: string, path: string, body: unknown, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json');
  return { status: res.status, headers: res.headers, body: json ? (JSON.parse(text) as Rec) : { text } };
}

async function login(url: string): Promise<string> {
  const r = await post(url, '/auth/login', ex('login-request.json'));
  expect(r.body.error_code).toBe('0');
  return r.body.session as string;
}

/** Sends an example request body with a real session. */
const call = (url: string, session: string, body: Rec, init: RequestInit = {}): Promise<Reply> =>
  post(url, '/integration', { ...body, session }, init);

const traCuu = async (url: string, session: string, mahoso: string): Promise<Reply> =>
  call(url, session, { ...ex('tracuuhoso-request.json'), mahoso });

/** The DongBoHoSoMC example request with its record modified. */
function dongBo(mutate: (r: Rec) => void = () => undefined, isUpdating = 'True'): Rec {
  const body = ex('dongbohosomc-request.json');
  mutate((body.data as Rec[])[0] as Rec);
  return { ...body, isUpdating };
}

function progress(rows: Rec[]): Rec {
  return { ...ex('capnhattiendohosomc-request.json'), data: rows };
}

const exampleRow = (i: 0 | 1): Rec =>
  structuredClone((ex('capnhattiendohosomc-request.json').data as Rec[])[i] as Rec);
const row = (maHoSo: string, TrangThai: string, patch: Rec = {}): Rec => ({
  ...exampleRow(0),
  MaHoSo: maHoSo,
  TrangThai,
  ...patch,
});

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: Rec;
}

/** A subscriber endpoint for the feed; `respond` picks the status of the n-th request (1-based). */
async function startReceiver(respond: (n: number, r: Received) => number | Promise<number> = () => 200) {
  const received: Received[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const raw = Buffer.concat(chunks);
      const r: Received = { headers: req.headers, raw, body: JSON.parse(raw.toString('utf8')) as Rec };
      received.push(r);
      void Promise.resolve(respond(received.length, r)).then((status) => {
        inFlight -= 1;
        res.statusCode = status;
        res.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  cleanups.push(close);
  return {
    url: `http://127.0.0.1:${port}/motcua/hoso`,
    received,
    maxInFlight: () => maxInFlight,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------

describe('portal simulator: /auth/login (portal.md §5.2)', () => {
  it('When the example credentials are posted, then a session and expires_in 1800 come back', async () => {
    const { url } = await startPortal();
    const r = await post(url, '/auth/login', ex('login-request.json'));
    const expected = ex('login-response.json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.body).toEqual({ ...expected, session: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(r.body.expires_in).toBe(1800);
  });

  it('When the password or username is wrong, then error_code "1" with the example body', async () => {
    const { sim, url } = await startPortal();
    expect(
      (await post(url, '/auth/login', { ...ex('login-request.json'), password: 'example-passw0rd' })).body,
    ).toEqual(ex('login-response-failed.json'));
    expect(
      (await post(url, '/auth/login', { username: 'other', password: 'Example-Passw0rd' })).body,
    ).toEqual(ex('login-response-failed.json'));
    expect((await post(url, '/auth/login', {})).body.error_code).toBe('1');
    expect(sim.counters().loginFailures).toBe(3);
  });

  it('When the options set other credentials, then only those are accepted', async () => {
    const { url } = await startPortal({ username: 'acc', password: 'pw' });
    expect((await post(url, '/auth/login', ex('login-request.json'))).body.error_code).toBe('1');
    expect((await post(url, '/auth/login', { username: 'acc', password: 'pw' })).body.error_code).toBe('0');
  });

  it('When logging in twice, then both sessions are valid at the same time', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const a = await login(url);
    const b = await login(url);
    expect(a).not.toBe(b);
    expect((await traCuu(url, a, LAND)).body.error_code).toBe('0');
    expect((await traCuu(url, b, LAND)).body.error_code).toBe('0');
  });

  it('When the session lifetime is over, then "-1" with the example body; a new login works again', async () => {
    const { sim, url } = await startPortal({ sessionTtlMs: 150 });
    sim.seed(recordOf('feed-land-tax.json'));
    const first = await post(url, '/auth/login', ex('login-request.json'));
    expect(first.body.expires_in).toBe(1);
    await sleep(250);
    const r = await traCuu(url, first.body.session as string, LAND);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(ex('response-login-expired.json'));
    expect((await traCuu(url, await login(url), LAND)).body.error_code).toBe('0');
  });

  it('When all sessions are expired (method or POST /__sim/sessions/expire), then every session answers "-1"', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const a = await login(url);
    const b = await login(url);
    expect(sim.expireAllSessions()).toBe(2);
    expect((await traCuu(url, a, LAND)).body.error_code).toBe('-1');
    expect((await traCuu(url, b, LAND)).body.error_code).toBe('-1');
    const c = await login(url);
    expect((await post(url, '/__sim/sessions/expire', {})).body).toEqual({ expired: 1 });
    expect((await traCuu(url, c, LAND)).body.error_code).toBe('-1');
    expect(sim.counters().sessionRejected).toBe(3);
  });

  it('When the session fault expireNext is set, then the next request gets "-1" and nothing is applied', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    await post(url, '/__sim/faults', { session: { expireNext: 1 } });
    const r = await call(url, s, progress([row(LAND, '4')]));
    expect(r.body).toEqual(ex('response-login-expired.json'));
    expect(sim.progress(LAND)).toEqual([]);
    expect((await traCuu(url, s, LAND)).body.error_code).toBe('-1');
    const s2 = await login(url);
    expect((await call(url, s2, progress([row(LAND, '4')]))).body.error_code).toBe('0');
  });
});

describe('portal simulator: /integration envelope (portal.md §5.3)', () => {
  it('When the body is not JSON or not an object, then "2" with a message starting "body:"', async () => {
    const { url } = await startPortal();
    for (const body of ['{"session": ', '[1,2]', '"text"', '']) {
      const r = await post(url, '/integration', body);
      expect(r.status).toBe(200);
      expect(r.body.error_code).toBe('2');
      expect(r.body.message).toMatch(/^body: /);
    }
    const bom = await post(url, '/integration', '\uFEFF{}');
    expect(bom.body.message).toBe('body: JSON không hợp lệ');
  });

  it('When the session is missing or unknown, then "-1" is answered before any envelope check', async () => {
    const { url } = await startPortal();
    expect((await post(url, '/integration', { service: 'Nope' })).body).toEqual(
      ex('response-login-expired.json'),
    );
    expect((await post(url, '/integration', { ...ex('tracuuhoso-request.json') })).body.error_code).toBe(
      '-1',
    );
  });

  it('When the envelope is wrong, then "2" names the envelope field', async () => {
    const { url } = await startPortal();
    const s = await login(url);
    const cases: Array<[Rec, RegExp]> = [
      [{ ...ex('tracuuhoso-request.json'), madonvi: undefined }, /^madonvi: /],
      [{ ...ex('tracuuhoso-request.json'), madonvi: 'H40.99' }, /^madonvi: .*H40\.99/],
      [{ ...ex('tracuuhoso-request.json'), service: 'XoaHoSo' }, /^service: /],
      [{ ...dongBo(), isUpdating: 'true' }, /^isUpdating: /],
      [{ ...dongBo(), isUpdating: true }, /^isUpdating: /],
      [{ ...dongBo(), data: {} }, /^data: /],
      [{ ...dongBo(), data: [] }, /^data: /],
      [
        { ...dongBo(), data: [recordOf('dongbohosomc-request.json'), recordOf('dongbohosomc-request.json')] },
        /^data: /,
      ],
      [progress([]), /^data: /],
      [progress(Array.from({ length: 11 }, () => row(LAND, '4'))), /^data: /],
      [{ ...ex('tracuuhoso-request.json'), mahoso: undefined }, /^mahoso: /],
    ];
    for (const [body, message] of cases) {
      const r = await call(url, s, body);
      expect(r.body.error_code, JSON.stringify(body).slice(0, 80)).toBe('2');
      expect(r.body.message).toMatch(message);
    }
  });
});

describe('portal simulator: DongBoHoSoMC (portal.md §5.4)', () => {
  it('When the example request updates a seeded dossier, then "0" and TraCuuHoSo returns the example record', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    const rows = (ex('tracuuhoso-response.json').result as Rec).DanhSachTienDo as Rec[];
    expect((await call(url, s, progress([rows[0] as Rec]))).body.error_code).toBe('0');
    expect((await call(url, s, ex('dongbohosomc-request.json'))).body).toEqual(
      ex('dongbohosomc-response.json'),
    );
    expect((await call(url, s, progress([rows[1] as Rec]))).body.error_code).toBe('0');
    const r = await call(url, s, ex('tracuuhoso-request.json'));
    expect(r.body).toEqual(ex('tracuuhoso-response.json'));
    // Field order as the portal writes it (blocks between DanhSachLePhi and NgayTra).
    expect(Object.keys(r.body.result as Rec)).toEqual(
      Object.keys(ex('tracuuhoso-response.json').result as Rec),
    );
    expect(sim.entries(LAND)).toBe(1);
    expect(sim.statuses(LAND)).toEqual(['2', '4', '5', '5']);
  });

  it('When isUpdating is "False" on an existing record, then "3" with the example body and nothing changes', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const before = sim.record(LAND);
    const s = await login(url);
    const r = await call(url, s, dongBo(undefined, 'False'));
    expect(r.body).toEqual(ex('dongbohosomc-response-exists.json'));
    expect(sim.record(LAND)).toEqual(before);
    expect(sim.counters().alreadyExists).toBe(1);
    expect(sim.statusHistory(LAND)).toHaveLength(1);
  });

  it('When the record does not exist, then "False" and "True" both create it, without specialist blocks', async () => {
    const { sim, url } = await startPortal();
    const s = await login(url);
    const withBlocks = dongBo((r) => {
      r.ThongTinThuaDat = {
        SoThuTuThua: '1',
        SoHieuToBanDo: '1',
        DienTich: '1',
        DiaChiThuaDat: 'x',
        MaXa: '00001',
      };
    }, 'False');
    expect((await call(url, s, withBlocks)).body).toEqual(ex('dongbohosomc-response.json'));
    expect(sim.entries(LAND)).toBe(1);
    expect(sim.record(LAND)).not.toHaveProperty('ThongTinThuaDat');
    expect(sim.record(LAND)).toEqual(recordOf('dongbohosomc-request.json'));
    const other = dongBo((r) => (r.MaHoSo = 'H40.22-251105-0042'), 'True');
    expect((await call(url, s, other)).body.error_code).toBe('0');
    expect(sim.counters()).toMatchObject({ created: 2, replaced: 0 });
    expect(sim.dossier('H40.22-251105-0042')?.origin).toBe('integrator');
  });

  it('When the same record is sent again, then "0", nothing changes and the portal still holds one record', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    await call(url, s, ex('dongbohosomc-request.json'));
    const once = sim.record(LAND);
    expect((await call(url, s, ex('dongbohosomc-request.json'))).body.error_code).toBe('0');
    expect(sim.record(LAND)).toEqual(once);
    expect(sim.entries(LAND)).toBe(1);
    expect(sim.dossier(LAND)?.writes.dongBo).toBe(2);
  });

  it('When the request carries specialist blocks, then they are ignored and the held blocks are kept', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    const r = dongBo((rec) => {
      rec.Thue = { LoaiThue: 'TNCN' };
      rec.ThongTinThuaDat = null;
      rec.HoTich = 'không hợp lệ';
    });
    expect((await call(url, s, r)).body.error_code).toBe('0');
    const held = sim.record(LAND) as Rec;
    expect(held.Thue).toEqual(recordOf('feed-land-tax.json').Thue);
    expect(held.ThongTinThuaDat).toEqual(recordOf('feed-land-tax.json').ThongTinThuaDat);
    expect(held).not.toHaveProperty('HoTich');
  });

  it('When optional fields are absent, null or "", then they become empty; unknown fields are ignored', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-supplement-received.json'));
    const s = await login(url);
    const r = dongBo((rec) => {
      delete rec.Email;
      rec.SoDienThoai = null;
      rec.DiaChiChuHoSo = '';
      delete rec.DanhSachGiayToKetQua;
      rec.DanhSachXinLoi = null;
      rec.TruongLa = 'bỏ qua';
      // NgayTiepNhanBoSung / NoiDungBoSung not sent back: cleared (§5.4).
      const bs = (rec.DanhSachHoSoBoSung as Rec[])[0] as Rec;
      delete bs.NgayTiepNhanBoSung;
      bs.NoiDungBoSung = null;
      bs.GhiChu = 'x';
    });
    expect((await call(url, s, r)).body.error_code).toBe('0');
    const held = sim.record(LAND) as Rec;
    expect(held).toMatchObject({
      Email: '',
      SoDienThoai: '',
      DiaChiChuHoSo: '',
      DanhSachGiayToKetQua: [],
      DanhSachXinLoi: [],
    });
    expect(held).not.toHaveProperty('TruongLa');
    expect((held.DanhSachHoSoBoSung as Rec[])[0]).toEqual(
      (recordOf('dongbohosomc-request.json').DanhSachHoSoBoSung as Rec[])[0] as Rec,
    );
  });

  it('When a required list is absent or null, then "2" names it and nothing is applied', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    for (const list of ['DinhDanhCHS', 'TaiLieuNop', 'DanhSachLePhi']) {
      for (const mutate of [(r: Rec) => delete r[list], (r: Rec) => (r[list] = null)]) {
        const reply = await call(url, s, dongBo(mutate));
        expect(reply.body.error_code).toBe('2');
        expect(reply.body.message).toMatch(new RegExp(`^data\\[0\\]\\.${list}: `));
      }
    }
    // Formats are checked before required lists.
    const both = await call(
      url,
      s,
      dongBo((r) => {
        delete r.DinhDanhCHS;
        r.NgayHenTra = '19/11/2025';
      }),
    );
    expect(both.body.message).toMatch(/^data\[0\]\.NgayHenTra: /);
    expect(sim.statuses(LAND)).toEqual(['2']);
  });

  it('When a field has a wrong format, then "2" with the field path (the example validation error)', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    const r = await call(
      url,
      s,
      dongBo((rec) => (rec.NgayHenTra = '2025-11-19 17:00')),
    );
    expect(r.body).toEqual(ex('response-validation-error.json'));
    expect(
      (
        await call(
          url,
          s,
          dongBo((rec) => (rec.NgayHenTra = '20250230170000')),
        )
      ).body,
    ).toEqual(ex('response-validation-error.json'));
    const cases: Array<[(rec: Rec) => void, RegExp]> = [
      [
        (rec) => (((rec.DanhSachLePhi as Rec[])[0] as Rec).Gia = 100000),
        /^data\[0\]\.DanhSachLePhi\[0\]\.Gia: phải là chuỗi/,
      ],
      [(rec) => (rec.TrangThaiHoSo = 5), /^data\[0\]\.TrangThaiHoSo: phải là chuỗi/],
      [(rec) => (rec.KenhThucHien = '9'), /^data\[0\]\.KenhThucHien: giá trị không hợp lệ/],
      [(rec) => (rec.MaTTHC = '1004227'), /^data\[0\]\.MaTTHC: sai định dạng/],
      [
        (rec) => (((rec.DinhDanhCHS as Rec[])[0] as Rec).SoDinhDanh = '186543210'),
        /^data\[0\]\.DinhDanhCHS\[0\]\.SoDinhDanh: /,
      ],
      [(rec) => (rec.Email = 'abc'), /^data\[0\]\.Email: sai định dạng email/],
      [(rec) => delete rec.ChuHoSo, /^data\[0\]\.ChuHoSo: bắt buộc/],
      [(rec) => (rec.ChuHoSo = null), /^data\[0\]\.ChuHoSo: bắt buộc/],
      [(rec) => (rec.ChuHoSo = ''), /^data\[0\]\.ChuHoSo: bắt buộc/],
      [
        (rec) => (rec.TrichYeuHoSo = 'x'.repeat(2001)),
        /^data\[0\]\.TrichYeuHoSo: vượt quá độ dài tối đa 2000/,
      ],
      [
        (rec) => (((rec.DanhSachHoSoBoSung as Rec[])[0] as Rec).NgayYeuCauBoSung = '20251107'),
        /^data\[0\]\.DanhSachHoSoBoSung\[0\]\.NgayYeuCauBoSung: sai định dạng, yêu cầu yyyyMMddHHmmss$/,
      ],
      [
        (rec) =>
          (rec.DanhSachHoSoBoSung = [
            (rec.DanhSachHoSoBoSung as Rec[])[0],
            (rec.DanhSachHoSoBoSung as Rec[])[0],
          ]),
        /^data\[0\]\.DanhSachHoSoBoSung\[1\]\.MaHoSoBoSung: /,
      ],
    ];
    for (const [mutate, message] of cases) {
      const reply = await call(url, s, dongBo(mutate));
      expect(reply.body.error_code, String(message)).toBe('2');
      expect(reply.body.message).toMatch(message);
    }
    const notObject = await call(url, s, { ...dongBo(), data: ['x'] });
    expect(notObject.body.message).toMatch(/^data\[0\]: /);
    expect(sim.statuses(LAND)).toEqual(['2']);
    expect(sim.counters().replaced).toBe(0);
  });

  it('When a consistency rule R1–R9 is broken, then "2" names the field and the rule', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    const cases: Array<[(rec: Rec) => void, RegExp]> = [
      [(rec) => (rec.NgayTiepNhan = ''), /^data\[0\]\.NgayTiepNhan: .*\(R1\)$/],
      [(rec) => (rec.NgayHenTra = null), /^data\[0\]\.NgayHenTra: .*\(R2\)$/],
      [(rec) => (rec.TrangThaiHoSo = '3'), /^data\[0\]\.NgayTuChoi: .*\(R3\)$/],
      [(rec) => (rec.TrangThaiHoSo = '9'), /^data\[0\]\.NgayKetThucXuLy: .*\(R4\)$/],
      [
        (rec) => Object.assign(rec, { TrangThaiHoSo: '10', NgayKetThucXuLy: '20251124150000' }),
        /^data\[0\]\.NgayTra: .*\(R5\)$/,
      ],
      [(rec) => (rec.DanhSachHoSoBoSung = []), /^data\[0\]\.DanhSachHoSoBoSung: .*\(R6\)$/],
      [(rec) => (rec.NgayTiepNhan = '20251105080000'), /^data\[0\]\.NgayTiepNhan: .*\(R7\)$/],
      [(rec) => (rec.NgayHenTra = '20251105000000'), /^data\[0\]\.NgayHenTra: .*\(R7\)$/],
      [(rec) => (rec.DinhDanhCHS = []), /^data\[0\]\.DinhDanhCHS: .*\(R8\)$/],
    ];
    for (const [mutate, message] of cases) {
      const reply = await call(url, s, dongBo(mutate));
      expect(reply.body.error_code, String(message)).toBe('2');
      expect(reply.body.message).toMatch(message);
    }
    const apology = ex('dongbohosomc-request-apology.json');
    const stale = structuredClone(apology);
    ((stale.data as Rec[])[0] as Rec).NgayHenTra = '20251119170000';
    expect((await call(url, s, stale)).body.message).toMatch(/^data\[0\]\.NgayHenTra: .*\(R9\)$/);
    expect(sim.statuses(LAND)).toEqual(['2']);
    expect((await call(url, s, apology)).body).toEqual(ex('dongbohosomc-response.json'));
    expect((sim.record(LAND) as Rec).DanhSachXinLoi).toEqual(
      ((apology.data as Rec[])[0] as Rec).DanhSachXinLoi,
    );
  });

  it('When the record is in terminal status 7, then a change to 9 gets the example terminal error; 7 again is accepted', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    expect((await call(url, s, progress([row(LAND, '7')]))).body.error_code).toBe('0');
    const to9 = dongBo((rec) =>
      Object.assign(rec, { TrangThaiHoSo: '9', NgayKetThucXuLy: '20251124150000' }),
    );
    expect((await call(url, s, to9)).body).toEqual(ex('dongbohosomc-response-terminal.json'));
    const stay7 = dongBo((rec) => (rec.TrangThaiHoSo = '7'));
    expect((await call(url, s, stay7)).body.error_code).toBe('0');
    expect(sim.statuses(LAND)).toEqual(['2', '7', '7']);
  });

  it('When text is sent decomposed (NFD) or escaped, then it is stored and returned exactly as received', async () => {
    const { sim, url } = await startPortal();
    const s = await login(url);
    const nfd = 'Nguye\u0302\u0303n Va\u0306n Hu\u0300ng';
    // Raw body: NFD owner name, and TenLinhVuc written with JSON \u escapes.
    const raw = JSON.stringify({ ...dongBo((rec) => (rec.ChuHoSo = nfd)), session: s }).replace(
      '"Đất đai"',
      '"\\u0110\\u1ea5t \\u0111ai"',
    );
    expect(raw).toContain('\\u0110');
    expect((await post(url, '/integration', raw)).body.error_code).toBe('0');
    const result = (await traCuu(url, s, LAND)).body.result as Rec;
    expect(Buffer.from(result.ChuHoSo as string, 'utf8').equals(Buffer.from(nfd, 'utf8'))).toBe(true);
    expect(result.ChuHoSo).not.toBe(nfd.normalize('NFC'));
    expect(result.TenLinhVuc).toBe('Đất đai');
    expect(result.TenTTHC).toBe(recordOf('dongbohosomc-request.json').TenTTHC);
    expect((sim.record(LAND) as Rec).ChuHoSo).toBe(nfd);
  });

  it('When the record belongs to a unit the account may not write for, then "2" and nothing changes', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'), { madonvi: 'H40.99' });
    const s = await login(url);
    const r = await call(url, s, dongBo());
    expect(r.body.error_code).toBe('2');
    expect(r.body.message).toMatch(/^data\[0\]\.MaHoSo: /);
    expect(sim.statuses(LAND)).toEqual(['2']);
  });
});

describe('portal simulator: CapNhatTienDoHoSoMC (portal.md §5.5)', () => {
  it('When the example rows are sent, then the example answer and every row is appended in order', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    sim.seed(recordOf('feed-birth.json'));
    const s = await login(url);
    const r = await call(url, s, ex('capnhattiendohosomc-request.json'));
    expect(r.body).toEqual(ex('capnhattiendohosomc-response.json'));
    expect(sim.progress(LAND)).toEqual([exampleRow(0)]);
    expect(sim.progress(BIRTH)).toEqual([exampleRow(1)]);
    expect(sim.statuses(BIRTH)).toEqual(['2', '9']);
    expect((sim.record(BIRTH) as Rec).TrangThaiHoSo).toBe('9');
    expect(sim.statusHistory(BIRTH).map((c) => c.source)).toEqual(['seed', 'CapNhatTienDoHoSoMC']);
    expect(sim.counters().progressRows).toBe(2);
  });

  it('When a row names an unknown dossier, then the example "4" answer and no row is applied', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    const body = ex('capnhattiendohosomc-request.json');
    ((body.data as Rec[])[1] as Rec).MaHoSo = 'H40.22-251105-0099';
    expect((await call(url, s, body)).body).toEqual(ex('capnhattiendohosomc-response-notfound.json'));
    expect(sim.progress(LAND)).toEqual([]);
    expect(sim.statuses(LAND)).toEqual(['2']);
  });

  it('When rows fail several checks, then formats come first, then unknown dossiers, then the terminal rule', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    const unknown = row('H40.22-251105-0099', '4');
    const badTime = row(LAND, '4', { ThoiDiemXuLy: '2025-11-05 09:10' });
    const r1 = await call(url, s, progress([unknown, badTime]));
    expect(r1.body).toEqual({
      error_code: '2',
      message: 'data[1].ThoiDiemXuLy: sai định dạng, yêu cầu yyyyMMddHHmmss',
    });
    const r2 = await call(url, s, progress([row(LAND, '10'), row(LAND, '4'), unknown]));
    expect(r2.body.error_code).toBe('4');
    const r3 = await call(url, s, progress([row(LAND, '10'), row(LAND, '4')]));
    expect(r3.body).toEqual({
      error_code: '2',
      message: `data[1].TrangThai: hồ sơ ${LAND} đang ở trạng thái kết thúc 10, không thể chuyển sang 4`,
    });
    expect(sim.progress(LAND)).toEqual([]);
    const fields: Array<[Rec, RegExp]> = [
      [row(LAND, 4 as unknown as string), /^data\[0\]\.TrangThai: phải là chuỗi/],
      [row(LAND, '11'), /^data\[0\]\.TrangThai: giá trị không hợp lệ/],
      [row(LAND, '4', { NguoiXuLy: '' }), /^data\[0\]\.NguoiXuLy: /],
      [row(LAND, '4', { NoiDungXuLy: undefined }), /^data\[0\]\.NoiDungXuLy: bắt buộc/],
      [row(LAND, '4', { NgayBatDau: '20251131000000' }), /^data\[0\]\.NgayBatDau: sai định dạng/],
    ];
    for (const [bad, message] of fields)
      expect((await call(url, s, progress([bad]))).body.message).toMatch(message);
    const optional = row(LAND, '4', { ChucDanh: null, PhongBanXuLy: undefined, NgayBatDau: '', Extra: 'x' });
    expect((await call(url, s, progress([optional]))).body.error_code).toBe('0');
    expect(sim.progress(LAND)[0]).toEqual({
      ...exampleRow(0),
      ChucDanh: '',
      PhongBanXuLy: '',
      NgayBatDau: '',
    });
  });

  it('When rows keep a terminal status, then they are accepted; a later row leaving it is rejected', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    expect((await call(url, s, progress([row(LAND, '8'), row(LAND, '8')]))).body.error_code).toBe('0');
    expect((await call(url, s, progress([row(LAND, '4')]))).body.message).toBe(
      `data[0].TrangThai: hồ sơ ${LAND} đang ở trạng thái kết thúc 8, không thể chuyển sang 4`,
    );
    expect(sim.statuses(LAND)).toEqual(['2', '8', '8']);
  });

  it('When the same row is sent twice, then it is stored twice (no duplicate detection) and reported as duplicate', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    const body = progress([exampleRow(0)]);
    await call(url, s, body);
    await call(url, s, body);
    expect(sim.progress(LAND)).toEqual([exampleRow(0), exampleRow(0)]);
    expect(sim.duplicateProgressRows()).toEqual([{ maHoSo: LAND, row: exampleRow(0), count: 2 }]);
    expect(sim.dossier(LAND)?.writes.progressRows).toBe(2);
  });

  it('When a late "4" follows a "9", then the last status received wins and the history shows it', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    await call(url, s, progress([row(LAND, '9')]));
    await call(url, s, progress([row(LAND, '4')]));
    expect((sim.record(LAND) as Rec).TrangThaiHoSo).toBe('4');
    expect(sim.statuses(LAND)).toEqual(['2', '9', '4']);
  });
});

describe('portal simulator: TraCuuHoSo (portal.md §5.6)', () => {
  it('When the dossier is unknown or of another unit, then the example "4" answer', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-birth.json'), { madonvi: 'H40.99' });
    const s = await login(url);
    expect((await traCuu(url, s, 'H40.22-251105-0099')).body).toEqual(
      ex('tracuuhoso-response-notfound.json'),
    );
    expect((await traCuu(url, s, BIRTH)).body).toEqual({
      error_code: '4',
      message: `Không tìm thấy hồ sơ ${BIRTH}`,
    });
  });

  it('When a seeded dossier is read, then the full record with its specialist blocks and an empty DanhSachTienDo', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-death-bhxh.json'));
    const s = await login(url);
    const r = await traCuu(url, s, 'H40.22-251105-0003');
    expect(r.body.result).toEqual({ ...recordOf('feed-death-bhxh.json'), DanhSachTienDo: [] });
  });
});

describe('portal simulator: rate limit (portal.md §5.1)', () => {
  it('When an account exceeds its budget per second, then 429 with Retry-After; logins count too', async () => {
    const { sim, url } = await startPortal({ rateLimitPerSecond: 3 });
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    await login(url);
    expect((await traCuu(url, s, LAND)).status).toBe(200);
    const limited = await traCuu(url, s, LAND);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await post(url, '/auth/login', ex('login-request.json'))).status).toBe(429);
    expect(sim.counters().rateLimited).toBe(2);
    await sleep(1050);
    expect((await traCuu(url, s, LAND)).body.error_code).toBe('0');
  });

  it('When the default limit applies, then 20 requests pass and the 21st within the second is refused', async () => {
    const { url } = await startPortal({ rateLimitPerSecond: undefined });
    // A concurrent burst of 21 loopback requests arrives well within one second.
    const replies = await Promise.all(
      Array.from({ length: 21 }, () => post(url, '/auth/login', ex('login-request.json'))),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(20);
    expect(statuses.filter((x) => x === 429)).toHaveLength(1);
  });

  it('When the limit is disabled (0), then a burst passes; POST /__sim/faults can switch it on', async () => {
    const { url } = await startPortal({ rateLimitPerSecond: 0 });
    for (let i = 0; i < 30; i += 1)
      expect((await post(url, '/auth/login', ex('login-request.json'))).status).toBe(200);
    await post(url, '/__sim/faults', { rateLimitPerSecond: 1 });
    expect((await post(url, '/auth/login', ex('login-request.json'))).status).toBe(200);
    expect((await post(url, '/auth/login', ex('login-request.json'))).status).toBe(429);
  });
});

describe('portal simulator: transport faults', () => {
  it('When failNext is set, then the next request gets 503 and nothing is applied', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    sim.setFaults({ failNext: 1 });
    expect((await call(url, s, progress([row(LAND, '4')]))).status).toBe(503);
    expect(sim.progress(LAND)).toEqual([]);
    expect((await call(url, s, progress([row(LAND, '4')]))).body.error_code).toBe('0');
    expect(sim.faults.counts.failed).toBe(1);
  });

  it('When the portal is down, then everything answers 503 until it is back', async () => {
    const { url } = await startPortal();
    await post(url, '/__sim/faults', { down: true });
    expect((await post(url, '/auth/login', ex('login-request.json'))).status).toBe(503);
    await post(url, '/__sim/faults/reset', {});
    expect((await post(url, '/auth/login', ex('login-request.json'))).status).toBe(200);
  });

  it('When latency is set, then answers are delayed by it', async () => {
    const { sim, url } = await startPortal();
    sim.setFaults({ latencyMs: 120 });
    const t0 = Date.now();
    await post(url, '/auth/login', ex('login-request.json'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it('When rateLimitNext is set, then 429 with the configured Retry-After', async () => {
    const { sim, url } = await startPortal();
    sim.setFaults({ rateLimitNext: 1, retryAfterSeconds: 7 });
    const r = await post(url, '/auth/login', ex('login-request.json'));
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
  });

  it('When a progress update is dropped after commit, then the connection fails but the rows were appended', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    sim.setFaults({ dropAfterCommitNext: 1 });
    await expect(call(url, s, progress([exampleRow(0)]))).rejects.toThrow();
    expect(sim.progress(LAND)).toEqual([exampleRow(0)]);
    // The caller settles with a lookup before resending (§5.8).
    expect(((await traCuu(url, s, LAND)).body.result as Rec).DanhSachTienDo).toEqual([exampleRow(0)]);
    expect(sim.faults.counts.droppedAfterCommit).toBe(1);
  });

  it('When a DongBoHoSoMC hangs after commit, then the record is applied and close() releases the connection', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    sim.setFaults({ timeoutAfterCommitNext: 1 });
    await expect(
      call(url, s, ex('dongbohosomc-request.json'), { signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow();
    expect((sim.record(LAND) as Rec).TrangThaiHoSo).toBe('5');
    expect(sim.faults.counts.timedOutAfterCommit).toBe(1);
  });

  it('When a request fails validation, then the after-commit faults are not consumed', async () => {
    const { sim, url } = await startPortal();
    const s = await login(url);
    sim.setFaults({ dropAfterCommitNext: 1 });
    expect((await traCuu(url, s, LAND)).body.error_code).toBe('4');
    expect(sim.faults.settings.dropAfterCommitNext).toBe(1);
  });
});

describe('portal simulator: dossier feed (portal.md §4)', () => {
  it('When a seeded dossier is pushed, then the subscriber receives the example envelope with the key', async () => {
    const rx = await startReceiver();
    const { sim } = await startPortal({ feedUrl: rx.url, feedKey: 'k-123' });
    sim.seed(recordOf('feed-land-tax.json'));
    const d = await sim.push(LAND);
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, deliveries: 1, isUpdating: 'False' });
    expect(rx.received).toHaveLength(1);
    const got = rx.received[0] as Received;
    expect(got.body).toEqual(ex('feed-land-tax.json'));
    expect(got.headers['x-motcua-key']).toBe('k-123');
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(got.raw.equals(Buffer.from(d.body, 'utf8'))).toBe(true);
  });

  it('When the subscriber fails, then the version is retried with a byte-identical body until a 2xx', async () => {
    const rx = await startReceiver((n) => (n === 1 ? 500 : n === 2 ? 401 : 200));
    const { sim } = await startPortal({ feedUrl: rx.url, feedRetryIntervalMs: 20 });
    sim.seed(recordOf('feed-birth.json'));
    const d = await sim.push(BIRTH);
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200 });
    expect(rx.received).toHaveLength(3);
    for (const r of rx.received) expect(r.raw.equals((rx.received[0] as Received).raw)).toBe(true);
  });

  it('When every attempt fails, then the version is marked failed after maxAttempts and the next version follows', async () => {
    const rx = await startReceiver((n) => (n <= 3 ? 503 : 200));
    const { sim } = await startPortal({ feedUrl: rx.url, feedRetryIntervalMs: 10, feedMaxAttempts: 3 });
    sim.seed(recordOf('feed-land-tax.json'));
    const first = sim.push(LAND);
    const second = sim.withdraw(LAND);
    expect(await first).toMatchObject({ status: 'failed', attempts: 3, isUpdating: 'False' });
    // The first version could not be delivered: later versions still say "True" (§4.1).
    expect(await second).toMatchObject({ status: 'delivered', attempts: 1, isUpdating: 'True' });
    expect(rx.received.map((r) => r.body.isUpdating)).toEqual(['False', 'False', 'False', 'True']);
    expect(sim.state().feed.stats).toMatchObject({ versions: 2, failed: 1, delivered: 1, attempts: 4 });
  });

  it('When the subscriber is unreachable, then attempts fail and are bounded', async () => {
    const rx = await startReceiver();
    const { sim } = await startPortal({
      feedUrl: rx.url.replace(/:\d+\//, ':1/'),
      feedRetryIntervalMs: 5,
      feedMaxAttempts: 2,
    });
    sim.seed(recordOf('feed-land-tax.json'));
    const d = await sim.push(LAND);
    expect(d.status).toBe('failed');
    expect(d.attempts).toBe(2);
    expect(d.lastError).toBeTruthy();
  });

  it('When a subscriber answers too slowly, then the attempt counts as failed and is retried', async () => {
    const rx = await startReceiver(async (n) => {
      if (n === 1) await sleep(300);
      return 200;
    });
    const { sim } = await startPortal({ feedUrl: rx.url, feedTimeoutMs: 100, feedRetryIntervalMs: 10 });
    sim.seed(recordOf('feed-land-tax.json'));
    expect(await sim.push(LAND)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('When versions of one dossier queue up, then they are sent one at a time and in order', async () => {
    const rx = await startReceiver(async (n) => {
      await sleep(n === 1 ? 80 : 5);
      return 200;
    });
    const { sim, url } = await startPortal({ feedUrl: rx.url });
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    const v1 = sim.push(LAND);
    // The integrator requests a supplement (the same record the portal pushes), the applicant brings it.
    expect((await call(url, s, ex('dongbohosomc-request.json'))).body.error_code).toBe('0');
    const v2 = sim.handInSupplement(LAND, {
      NgayTiepNhanBoSung: '20251110090000',
      NoiDungBoSung: 'Đã nộp bản sao hợp đồng chuyển nhượng quyền sử dụng đất có công chứng',
    });
    const v3 = sim.withdraw(LAND);
    const done = await Promise.all([v1, v2, v3]);
    expect(done.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(rx.maxInFlight()).toBe(1);
    expect(rx.received.map((r) => ((r.body.data as Rec[])[0] as Rec).TrangThaiHoSo)).toEqual(['2', '4', '7']);
    expect(rx.received[1]?.body).toEqual(ex('feed-supplement-received.json'));
    expect(sim.statusHistory(LAND).map((c) => `${c.status}:${c.source}`)).toEqual([
      '2:seed',
      '5:DongBoHoSoMC',
      '4:desk:supplement',
      '7:desk:withdraw',
    ]);
  });

  it('When the result is handed over, then status "10" and NgayTra are pushed (the example body)', async () => {
    const rx = await startReceiver();
    const { sim, url } = await startPortal({ feedUrl: rx.url });
    sim.seed(recordOf('feed-land-tax.json'));
    const s = await login(url);
    const expected = recordOf('feed-result-returned.json');
    const done = dongBo((rec) => {
      Object.assign(rec, {
        TrangThaiHoSo: '9',
        NgayHenTra: expected.NgayHenTra,
        NgayKetThucXuLy: expected.NgayKetThucXuLy,
        DanhSachHoSoBoSung: expected.DanhSachHoSoBoSung,
        DanhSachGiayToKetQua: expected.DanhSachGiayToKetQua,
      });
    });
    expect((await call(url, s, done)).body.error_code).toBe('0');
    const d = await sim.handOverResult(LAND, '20251125093000');
    expect(d).toMatchObject({ status: 'delivered', isUpdating: 'True', reason: 'result' });
    expect(rx.received[0]?.body).toEqual(ex('feed-result-returned.json'));
    // Terminal now: the desk cannot change the status any more, the API cannot either.
    await expect(sim.withdraw(LAND)).rejects.toThrow(/terminal status 10/);
    expect((await call(url, s, progress([row(LAND, '4')]))).body.error_code).toBe('2');
  });

  it('When duplicates are injected or the last version is redelivered, then the subscriber gets identical bytes', async () => {
    const rx = await startReceiver();
    const { sim } = await startPortal({ feedUrl: rx.url });
    sim.seed(recordOf('feed-document.json'));
    sim.setFaults({ feed: { duplicateNext: 1 } });
    const d = await sim.push('H40.22-251105-0004');
    expect(d).toMatchObject({ deliveries: 2, attempts: 1 });
    const again = await sim.redeliverLast('H40.22-251105-0004');
    expect(again).toMatchObject({ status: 'delivered', reason: 'redeliver', isUpdating: 'False' });
    expect(rx.received).toHaveLength(3);
    for (const r of rx.received) expect(r.raw.equals((rx.received[0] as Received).raw)).toBe(true);
    expect(sim.state().feed.stats.duplicatesSent).toBe(1);
  });

  it('When several dossiers are pushed, then they go in parallel up to the concurrency limit', async () => {
    const rx = await startReceiver(async () => {
      await sleep(60);
      return 200;
    });
    const { sim } = await startPortal({ feedUrl: rx.url, feedConcurrency: 2 });
    for (const f of ['feed-land-tax.json', 'feed-birth.json', 'feed-death-bhxh.json', 'feed-document.json'])
      sim.seed(recordOf(f));
    const all = ['0001', '0002', '0003', '0004'].map((n) => sim.push(`H40.22-251105-${n}`));
    await Promise.all(all);
    expect(rx.maxInFlight()).toBe(2);
    expect(rx.received).toHaveLength(4);
  });

  it('When a desk action is impossible, then it throws and nothing is pushed', async () => {
    const rx = await startReceiver();
    const { sim } = await startPortal({ feedUrl: rx.url });
    sim.seed(recordOf('feed-land-tax.json'));
    await expect(
      sim.handInSupplement(LAND, { NgayTiepNhanBoSung: '20251110090000', NoiDungBoSung: 'x' }),
    ).rejects.toThrow(/no matching supplement/);
    await expect(sim.redeliverLast(LAND)).rejects.toThrow(/never pushed/);
    await expect(sim.push('H40.22-000')).rejects.toThrow(/unknown dossier/);
    expect(() => sim.seed(recordOf('feed-land-tax.json'))).toThrow(/already exists/);
    expect(() => sim.seed({ ...recordOf('feed-birth.json'), NgayHenTra: '' })).toThrow(/R2/);
    await expect(sim.correct(LAND, { NgayHenTra: '20251101000000' })).rejects.toThrow(/R7/);
    expect(rx.received).toHaveLength(0);
  });

  it('When staff correct a field, then the corrected record is pushed as "True"', async () => {
    const rx = await startReceiver();
    const { sim } = await startPortal({ feedUrl: rx.url });
    sim.seed(recordOf('feed-land-tax.json'));
    await sim.push(LAND);
    const d = await sim.correct(LAND, { ChuHoSo: 'Nguyễn Văn Hưng' });
    expect(d).toMatchObject({ status: 'delivered', isUpdating: 'True', reason: 'correction' });
    expect(((rx.received[1]?.body.data as Rec[])[0] as Rec).ChuHoSo).toBe('Nguyễn Văn Hưng');
    expect(sim.statuses(LAND)).toEqual(['2']);
  });

  it('When no feed URL is configured, then pushing fails clearly', async () => {
    const { sim } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    await expect(sim.push(LAND)).rejects.toThrow(/no feed URL/);
  });
});

describe('portal simulator: /__sim controls and files', () => {
  it('When the feed is driven over /__sim, then seed, push, desk actions and state work across processes', async () => {
    const rx = await startReceiver();
    const { url } = await startPortal();
    expect((await post(url, '/__sim/feed/target', { url: rx.url, key: 'remote' })).status).toBe(200);
    const seeded = await post(url, '/__sim/seed', {
      record: recordOf('feed-land-tax.json'),
      push: true,
      wait: true,
    });
    expect(seeded.status).toBe(200);
    expect(seeded.body).toMatchObject({
      maHoSo: LAND,
      delivery: { status: 'delivered', isUpdating: 'False' },
    });
    const w = await post(url, '/__sim/withdraw', { maHoSo: LAND });
    expect(w.status).toBe(202);
    expect((await post(url, '/__sim/feed/idle', { timeoutMs: 2000 })).body).toEqual({ idle: true });
    const again = await post(url, '/__sim/redeliver-last', { maHoSo: LAND, wait: true });
    expect(again.body).toMatchObject({ delivery: { status: 'delivered', isUpdating: 'True' } });
    expect((await post(url, '/__sim/withdraw', { maHoSo: LAND })).status).toBe(400);
    expect(
      (await post(url, '/__sim/hand-over-result', { maHoSo: LAND, NgayTra: '20251125093000' })).body.error,
    ).toMatch(/terminal/);
    expect(rx.received.map((r) => r.headers['x-motcua-key'])).toEqual(['remote', 'remote', 'remote']);
    expect(rx.received[2]?.raw.equals(rx.received[1]?.raw as Buffer)).toBe(true);

    const state = (await fetch(`${url}/__sim/state`).then((r) => r.json())) as Rec;
    const dossier = (state.dossiers as Rec)[LAND] as Rec;
    expect((dossier.record as Rec).TrangThaiHoSo).toBe('7');
    expect((dossier.statusHistory as Rec[]).map((c) => c.status)).toEqual(['2', '7']);
    expect((state.feed as Rec).deliveries).toHaveLength(3);
    expect(state).toHaveProperty('counters.created', 0);
    const one = await fetch(`${url}/__sim/dossiers/${LAND}`).then((r) => r.json());
    expect(one).toEqual(dossier);
    expect((await fetch(`${url}/__sim/dossiers/NOPE`)).status).toBe(404);
  });

  it('When /__sim/state is read after API traffic, then counters, records, rows and history are there; reset clears them', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'));
    sim.seed(recordOf('feed-birth.json'));
    const s = await login(url);
    await call(url, s, ex('capnhattiendohosomc-request.json'));
    await call(url, s, ex('dongbohosomc-request.json'));
    await call(url, s, dongBo(undefined, 'False'));
    const state = (await fetch(`${url}/__sim/state`).then((r) => r.json())) as Rec;
    expect(state.counters).toMatchObject({
      logins: 1,
      requests: 3,
      byService: { DongBoHoSoMC: 2, CapNhatTienDoHoSoMC: 1 },
      byErrorCode: { '0': 3, '3': 1 },
      created: 0,
      replaced: 1,
      alreadyExists: 1,
      progressRows: 2,
    });
    const land = (state.dossiers as Rec)[LAND] as Rec;
    expect(land.DanhSachTienDo).toEqual([exampleRow(0)]);
    expect(land.writes).toEqual({ dongBo: 1, progressRows: 1 });
    expect((land.statusHistory as Rec[]).map((c) => c.source)).toEqual([
      'seed',
      'CapNhatTienDoHoSoMC',
      'DongBoHoSoMC',
    ]);
    expect(state.sessions).toEqual({ issued: 1, valid: 1 });
    await post(url, '/__sim/reset', {});
    expect(sim.entries(LAND)).toBe(0);
    expect(sim.counters().requests).toBe(0);
    expect((await traCuu(url, s, LAND)).body.error_code).toBe('-1');
  });

  it('When /__sim/faults gets a patch, then transport, session and feed switches are set and reported', async () => {
    const { url } = await startPortal();
    const r = await post(url, '/__sim/faults', {
      failNext: 2,
      failStatus: 502,
      session: { expireNext: 1 },
      feed: { duplicateRate: 0.5 },
    });
    expect(r.body).toMatchObject({
      settings: { failNext: 2, failStatus: 502 },
      session: { expireNext: 1 },
      feed: { duplicateRate: 0.5, duplicateNext: 0 },
    });
    expect((await post(url, '/auth/login', ex('login-request.json'))).status).toBe(502);
  });

  it('When a lodged document is downloaded, then a small PDF; unknown files are 404; URLs can point at the simulator', async () => {
    const { sim, url } = await startPortal();
    sim.seed(recordOf('feed-land-tax.json'), { rewriteFileUrls: true });
    const doc = ((sim.record(LAND) as Rec).TaiLieuNop as Rec[])[0] as Rec;
    expect(doc.DuongDanTaiTepTin).toBe(`${url}/files/${LAND}/don-dang-ky-bien-dong.pdf`);
    const res = await fetch(doc.DuongDanTaiTepTin as string);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/pdf/);
    expect((await res.text()).startsWith('%PDF-')).toBe(true);
    expect((await fetch(`${url}/files/${LAND}/khong-co.pdf`)).status).toBe(404);
    expect((await fetch(`${url}/files/H40.22-251105-0099/x.pdf`)).status).toBe(404);
    expect(sim.counters().fileDownloads).toBe(1);
  });

  it('When the simulator closes with a version still retrying, then close returns promptly and the push resolves aborted', async () => {
    const rx = await startReceiver(() => 500);
    const sim = createPortalSimulator({ feedUrl: rx.url, feedRetryIntervalMs: 60_000 });
    await sim.start();
    sim.seed(recordOf('feed-land-tax.json'));
    const pending = sim.push(LAND);
    await sleep(100);
    const t0 = Date.now();
    await sim.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((await pending).status).toBe('aborted');
  });
});
