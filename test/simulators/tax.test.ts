import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import express from 'express';
import { listen } from '../../src/simulators/http-harness.js';
import { createTaxSimulator, EXAMPLE_SECURITY_KEY } from '../../src/simulators/tax/index.js';
import type { TaxSimulator, TaxSimulatorOptions } from '../../src/simulators/tax/index.js';

const example = (name: string): string =>
  readFileSync(new URL(`../../../shared/specs/examples/tax/${name}`, import.meta.url), 'utf8');

const KEY = EXAMPLE_SECURITY_KEY;
const XML = 'application/xml; charset=utf-8';
const REQUEST = example('phieuchuyen-request.xml');
const MA_HSO = 'H40.22-251105-0001';
const GDICH = 'PC-H40.22-251105-0001-01';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** 12/11/2025 14:00:05 local, the time of the spec's notice example; tests may move it. */
let clock = new Date('2025-11-12T14:00:05+07:00');

async function startSim(options: TaxSimulatorOptions = {}): Promise<{ sim: TaxSimulator; url: string }> {
  clock = new Date('2025-11-12T14:00:05+07:00');
  const sim = createTaxSimulator({
    retryIntervalMs: 20,
    maxAttempts: 4,
    pushTimeoutMs: 1_000,
    now: () => clock,
    ...options,
  });
  const url = await sim.start();
  closers.push(() => sim.close());
  return { sim, url };
}

interface Answer {
  status: number;
  maLoi?: string;
  raw?: string;
}
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A tiny receiver for the pushes: 401/02 on a wrong key, else scripted KQ envelopes, then `fallback`. */
async function startReceiver(script: Answer[] = [], fallback: Answer = { status: 200, maLoi: '00' }) {
  const received: Received[] = [];
  const app = express();
  app.use(express.raw({ type: () => true }));
  app.post('/thue/:kind', (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    received.push({ path: req.path, headers: req.headers, body });
    const a: Answer =
      req.get('SecurityKey') !== KEY ? { status: 401, maLoi: '02' } : (script.shift() ?? fallback);
    res.status(a.status).type(XML);
    if (a.raw !== undefined) res.send(a.raw);
    else {
      const gd = /<MA_GDICH>([^<]*)<\/MA_GDICH>/.exec(body)?.[1] ?? '';
      res.send(
        `<DATA><BODY><KQ><MA_LOI>${a.maLoi}</MA_LOI><MO_TA>x</MO_TA><MA_GDICH>${gd}</MA_GDICH></KQ></BODY></DATA>`,
      );
    }
  });
  const l = await listen(app);
  closers.push(() => l.close());
  return { received, noticeUrl: `${l.url}/thue/thongbao`, paymentUrl: `${l.url}/thue/thanhtoan` };
}

async function postForm(
  base: string,
  body: string | Buffer,
  headers: Record<string, string> = { 'Content-Type': XML, SecurityKey: KEY },
): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${base}/api/thue/phieuchuyen`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

/** The example request with one element's content replaced (or the element removed with null). */
function withEl(xml: string, name: string, value: string | null): string {
  const re = new RegExp(`( *)<${name}>[^<]*</${name}>\\n`);
  if (!re.test(xml)) throw new Error(`no ${name} in request`);
  return xml.replace(re, (_m, indent: string) =>
    value === null ? '' : `${indent}<${name}>${value}</${name}>\n`,
  );
}

const maLoi = (xml: string): string | undefined => /<MA_LOI>([^<]*)<\/MA_LOI>/.exec(xml)?.[1];
const moTa = (xml: string): string => /<MO_TA>([^<]*)<\/MO_TA>/.exec(xml)?.[1] ?? '';

describe('tax simulator: transfer form POST /api/thue/phieuchuyen', () => {
  it('When the spec example is sent with the right key, then it answers the example 00 body and holds one record', async () => {
    const { sim, url } = await startSim();
    const res = await postForm(url, REQUEST);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/xml; charset=utf-8$/i);
    expect(res.text).toBe(example('phieuchuyen-response.xml'));
    expect(sim.entries(MA_HSO)).toBe(1);
    const [rec] = sim.records(MA_HSO);
    expect(rec).toMatchObject({
      MA_GDICH: GDICH,
      NGAY_GUI: '05/11/2025 08:32:10',
      MA_DVI_GUI: 'H40.22',
      MA_SO_THUE: '040085001234',
      HO_TEN: 'Nguyễn Văn Hùng',
      SO_GIAY_TO: '040085001234',
      LOAI_THUE: 'LPTB',
      DIA_CHI: 'Số 12, đường Lê Lợi, phường Trường Vinh, tỉnh Nghệ An',
      GIA_TRI_KE_KHAI: '950000000',
    });
    expect(rec!.rawXml).toBe(REQUEST);
    expect(sim.counters()).toMatchObject({ records: 1, phieuchuyenCalls: 1, accepted: 1 });
  });

  it('When the same MA_GDICH comes again with any body, then it answers the duplicate example and creates nothing', async () => {
    const { sim, url } = await startSim();
    await postForm(url, REQUEST);
    const again = await postForm(url, REQUEST);
    expect(again.text).toBe(example('phieuchuyen-response-duplicate.xml'));
    const changed = await postForm(url, withEl(withEl(REQUEST, 'HO_TEN', 'Khác'), 'MA_SO_THUE', 'bad'));
    expect(changed.text).toBe(example('phieuchuyen-response-duplicate.xml'));
    expect(sim.entries(MA_HSO)).toBe(1);
    expect(sim.records(MA_HSO)[0]!.HO_TEN).toBe('Nguyễn Văn Hùng');
    expect(sim.counters()).toMatchObject({ records: 1, phieuchuyenCalls: 3, accepted: 1, duplicates: 2 });
  });

  it('When a NEW MA_GDICH is sent for a dossier already held, then a second tax record is created', async () => {
    const { sim, url } = await startSim();
    await postForm(url, REQUEST);
    const second = await postForm(url, withEl(REQUEST, 'MA_GDICH', 'PC-H40.22-251105-0001-02'));
    expect(maLoi(second.text)).toBe('00');
    expect(moTa(second.text)).toBe('Tiếp nhận thành công');
    expect(sim.entries(MA_HSO)).toBe(2);
    expect(sim.state().entries).toEqual({ [MA_HSO]: 2 });
    expect(sim.entries('H40.22-251105-0002')).toBe(0);
  });

  it('When SecurityKey is missing or wrong, then it answers HTTP 401 with the unauthorized example and creates nothing', async () => {
    const { sim, url } = await startSim({ securityKey: 'k-123' });
    const missing = await postForm(url, REQUEST, { 'Content-Type': XML });
    const wrong = await postForm(url, REQUEST, { 'Content-Type': XML, SecurityKey: 'K-123' });
    for (const r of [missing, wrong]) {
      expect(r.status).toBe(401);
      expect(r.text).toBe(example('response-unauthorized.xml'));
    }
    expect(sim.counters()).toMatchObject({ records: 0, unauthorized: 2, phieuchuyenCalls: 2 });
    expect((await postForm(url, REQUEST, { 'Content-Type': XML, SecurityKey: 'k-123' })).status).toBe(200);
  });

  it('When MA_SO_THUE is invalid, then it answers the invalid example and the MA_GDICH can be reused once corrected', async () => {
    const { sim, url } = await startSim();
    const bad = await postForm(url, withEl(REQUEST, 'MA_SO_THUE', '04008500123'));
    expect(bad.status).toBe(200);
    expect(bad.text).toBe(example('phieuchuyen-response-invalid.xml'));
    expect(sim.entries(MA_HSO)).toBe(0);
    const fixed = await postForm(url, REQUEST);
    expect(fixed.text).toBe(example('phieuchuyen-response.xml'));
    expect(sim.entries(MA_HSO)).toBe(1);
  });

  const invalid: Array<[string, string, string]> = [
    ['MA_GDICH missing', withEl(REQUEST, 'MA_GDICH', null), 'MA_GDICH:'],
    ['MA_GDICH empty', withEl(REQUEST, 'MA_GDICH', ''), 'MA_GDICH:'],
    ['MA_GDICH with a space', withEl(REQUEST, 'MA_GDICH', 'PC 1'), 'MA_GDICH:'],
    ['MA_GDICH of 51 chars', withEl(REQUEST, 'MA_GDICH', 'A'.repeat(51)), 'MA_GDICH:'],
    ['NGAY_GUI missing', withEl(REQUEST, 'NGAY_GUI', null), 'NGAY_GUI:'],
    ['NGAY_GUI in ISO format', withEl(REQUEST, 'NGAY_GUI', '2025-11-05T08:32:10'), 'NGAY_GUI:'],
    ['NGAY_GUI not a calendar date', withEl(REQUEST, 'NGAY_GUI', '31/02/2025 08:32:10'), 'NGAY_GUI:'],
    ['NGAY_GUI hour 24', withEl(REQUEST, 'NGAY_GUI', '05/11/2025 24:00:00'), 'NGAY_GUI:'],
    ['MA_DVI_GUI missing', withEl(REQUEST, 'MA_DVI_GUI', null), 'MA_DVI_GUI:'],
    ['MA_DVI_GUI not registered', withEl(REQUEST, 'MA_DVI_GUI', 'H99.99'), 'MA_DVI_GUI:'],
    ['no ROW', REQUEST.replace(/<ROW>[\s\S]*<\/ROW>/, ''), 'ROW:'],
    ['two ROWs', REQUEST.replace(/(<ROW>[\s\S]*<\/ROW>)/, '$1$1'), 'ROW:'],
    ['no BODY', REQUEST.replace(/<BODY>[\s\S]*<\/BODY>/, ''), 'BODY:'],
    ['no HEADER', REQUEST.replace(/<HEADER>[\s\S]*<\/HEADER>/, ''), 'HEADER:'],
    ['MA_HSO missing', withEl(REQUEST, 'MA_HSO', null), 'MA_HSO:'],
    ['MA_HSO with a slash', withEl(REQUEST, 'MA_HSO', 'H40/22'), 'MA_HSO:'],
    ['MA_SO_THUE of 13 digits', withEl(REQUEST, 'MA_SO_THUE', '0400850012345'), 'MA_SO_THUE:'],
    ['HO_TEN missing', withEl(REQUEST, 'HO_TEN', null), 'HO_TEN:'],
    ['HO_TEN only spaces', withEl(REQUEST, 'HO_TEN', '   '), 'HO_TEN:'],
    ['HO_TEN of 256 chars', withEl(REQUEST, 'HO_TEN', 'ễ'.repeat(256)), 'HO_TEN:'],
    ['SO_GIAY_TO missing', withEl(REQUEST, 'SO_GIAY_TO', null), 'SO_GIAY_TO:'],
    ['SO_GIAY_TO with a dot', withEl(REQUEST, 'SO_GIAY_TO', '0400.85'), 'SO_GIAY_TO:'],
    ['LOAI_THUE unknown', withEl(REQUEST, 'LOAI_THUE', 'VAT'), 'LOAI_THUE:'],
    ['LOAI_THUE lower case', withEl(REQUEST, 'LOAI_THUE', 'lptb'), 'LOAI_THUE:'],
    ['DIA_CHI of 501 chars', withEl(REQUEST, 'DIA_CHI', 'a'.repeat(501)), 'DIA_CHI:'],
    [
      'GIA_TRI_KE_KHAI with separators',
      withEl(REQUEST, 'GIA_TRI_KE_KHAI', '950.000.000'),
      'GIA_TRI_KE_KHAI:',
    ],
    ['an element repeated', REQUEST.replace('<HO_TEN>', '<HO_TEN>A</HO_TEN><HO_TEN>'), 'HO_TEN:'],
    ['malformed XML', REQUEST.replace('</DATA>', ''), 'DATA:'],
    ['a DOCTYPE', REQUEST.replace('<DATA>', '<!DOCTYPE DATA [<!ENTITY x "y">]><DATA>'), 'DATA:'],
    ['an undeclared entity', withEl(REQUEST, 'HO_TEN', '&xxe;'), 'DATA:'],
    ['a non-UTF-8 encoding declared', REQUEST.replace('UTF-8', 'ISO-8859-1'), 'DATA:'],
  ];
  it.each(invalid)(
    'When the form has %s, then it answers 01 naming the element and creates nothing',
    async (_c, body, prefix) => {
      const { sim, url } = await startSim();
      const res = await postForm(url, body);
      expect(res.status).toBe(200);
      expect(maLoi(res.text)).toBe('01');
      expect(moTa(res.text).startsWith(prefix)).toBe(true);
      expect(sim.counters()).toMatchObject({ records: 0, invalid: 1 });
    },
  );

  it('When the body is Latin-1 bytes, has a BOM or the wrong Content-Type, then it answers 01 DATA', async () => {
    const { sim, url } = await startSim();
    const latin1 = Buffer.from(REQUEST, 'latin1');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(REQUEST)]);
    const results = [
      await postForm(url, latin1),
      await postForm(url, bom),
      await postForm(url, REQUEST, { 'Content-Type': 'application/json', SecurityKey: KEY }),
      await postForm(url, REQUEST, {
        'Content-Type': 'application/xml; charset=windows-1258',
        SecurityKey: KEY,
      }),
    ];
    for (const r of results) {
      expect(maLoi(r.text)).toBe('01');
      expect(moTa(r.text)).toMatch(/^DATA:/);
    }
    expect(sim.entries(MA_HSO)).toBe(0);
  });

  it('When optional elements are empty or omitted and MA_SO_THUE has the 10-3 form, then the form is accepted', async () => {
    const { sim, url } = await startSim();
    let body = withEl(REQUEST, 'DIA_CHI', '');
    body = withEl(body, 'GIA_TRI_KE_KHAI', null);
    body = withEl(body, 'MA_SO_THUE', '0100109106-001');
    expect(maLoi((await postForm(url, body)).text)).toBe('00');
    const rec = sim.records(MA_HSO)[0]!;
    expect(rec.MA_SO_THUE).toBe('0100109106-001');
    expect(rec).not.toHaveProperty('DIA_CHI');
    expect(rec).not.toHaveProperty('GIA_TRI_KE_KHAI');
    const noTaxCode = withEl(withEl(REQUEST, 'MA_GDICH', 'PC-2'), 'MA_SO_THUE', null);
    expect(maLoi((await postForm(url, noTaxCode)).text)).toBe('00');
    expect(sim.entries(MA_HSO)).toBe(2);
  });

  it('When text is decomposed (NFD) or has inner spaces, then it is stored exactly as received', async () => {
    const { sim, url } = await startSim();
    const nfd = 'Nguyễn  Văn Hùng '.normalize('NFD');
    await postForm(url, withEl(REQUEST, 'HO_TEN', nfd));
    const stored = sim.records(MA_HSO)[0]!.HO_TEN;
    expect(stored).toBe(nfd);
    expect(Buffer.from(stored)).toEqual(Buffer.from(nfd));
    expect(stored).not.toBe(stored.normalize('NFC'));
  });
});

describe('tax simulator: fault switches on the transfer form', () => {
  it('When busyNext is set, then it answers the 99 example, creates nothing, and the same MA_GDICH succeeds later', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ busyNext: 1 });
    const busy = await postForm(url, REQUEST);
    expect(busy.status).toBe(200);
    expect(busy.text).toBe(example('phieuchuyen-response-error.xml'));
    expect(sim.entries(MA_HSO)).toBe(0);
    expect((await postForm(url, REQUEST)).text).toBe(example('phieuchuyen-response.xml'));
    expect(sim.counters()).toMatchObject({ busy: 1, accepted: 1, records: 1 });
  });

  it('When busy is switched on over /__sim/faults, then every form gets 99 until it is switched off', async () => {
    const { sim, url } = await startSim();
    const on = await fetch(`${url}/__sim/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ busy: true }),
    });
    expect(((await on.json()) as { busy: boolean }).busy).toBe(true);
    for (let i = 0; i < 3; i += 1) expect(maLoi((await postForm(url, REQUEST)).text)).toBe('99');
    sim.setFaults({ busy: false });
    expect(maLoi((await postForm(url, REQUEST)).text)).toBe('00');
    expect(sim.counters()).toMatchObject({ busy: 3, records: 1 });
  });

  it('When dropAfterCommitNext is set, then the record is created, the connection drops, and the retry gets the duplicate answer', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ dropAfterCommitNext: 1 });
    await expect(postForm(url, REQUEST)).rejects.toThrow();
    expect(sim.entries(MA_HSO)).toBe(1);
    expect((await postForm(url, REQUEST)).text).toBe(example('phieuchuyen-response-duplicate.xml'));
    expect(sim.entries(MA_HSO)).toBe(1);
    expect(sim.faults.counts.droppedAfterCommit).toBe(1);
  });

  it('When timeoutAfterCommitNext is set, then the record is created, no answer comes, and close() releases it', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ timeoutAfterCommitNext: 1 });
    const hung = fetch(`${url}/api/thue/phieuchuyen`, {
      method: 'POST',
      headers: { 'Content-Type': XML, SecurityKey: KEY },
      body: REQUEST,
      signal: AbortSignal.timeout(300),
    });
    await expect(hung).rejects.toThrow();
    expect(sim.entries(MA_HSO)).toBe(1);
    expect(sim.faults.counts.timedOutAfterCommit).toBe(1);
    const t0 = Date.now();
    await sim.close();
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('When failNext or rateLimitNext is set, then nothing is created and the call is still counted', async () => {
    const { sim, url } = await startSim();
    sim.setFaults({ failNext: 1, failStatus: 503 });
    expect((await postForm(url, REQUEST)).status).toBe(503);
    sim.setFaults({ rateLimitNext: 1, retryAfterSeconds: 3 });
    const limited = await fetch(`${url}/api/thue/phieuchuyen`, {
      method: 'POST',
      headers: { 'Content-Type': XML, SecurityKey: KEY },
      body: REQUEST,
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(sim.counters()).toMatchObject({ records: 0, phieuchuyenCalls: 2 });
    sim.setFaults({ down: true });
    expect((await postForm(url, REQUEST)).status).toBe(503);
    sim.resetFaults();
    expect((await postForm(url, REQUEST)).status).toBe(200);
    expect(sim.entries(MA_HSO)).toBe(1);
  });

  it('When /__sim/faults gets an unknown key or wrong type, then it answers 400', async () => {
    const { url } = await startSim();
    for (const patch of [{ nope: 1 }, { busy: 'yes' }, { failNext: -1 }]) {
      const r = await fetch(`${url}/__sim/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(patch),
      });
      expect(r.status).toBe(400);
    }
  });
});

describe('tax simulator: tax notice pushes (§4.3)', () => {
  it('When notices are issued for the example dossier, then the receiver gets the example push byte-identically', async () => {
    const rcv = await startReceiver();
    const { sim, url } = await startSim({ noticeUrl: rcv.noticeUrl, paymentUrl: rcv.paymentUrl });
    await postForm(url, REQUEST);
    const push = sim.issueNoticesFor(MA_HSO, 2, { maGdich: 'TCT-TB-20251112-000045' });
    await sim.idle();
    expect(rcv.received).toHaveLength(1);
    const got = rcv.received[0]!;
    expect(got.path).toBe('/thue/thongbao');
    expect(got.headers['securitykey']).toBe(KEY);
    expect(got.headers['content-type']).toBe(XML);
    expect(got.body).toBe(example('thongbaothue-push.xml'));
    expect(sim.pushes()[0]).toMatchObject({
      id: push.id,
      outcome: 'delivered',
      maGdich: 'TCT-TB-20251112-000045',
    });
    expect(sim.pushes()[0]!.attempts).toEqual([expect.objectContaining({ status: 200, maLoi: '00' })]);
    expect(sim.notices(MA_HSO).map((n) => [n.SO_QUYET_DINH, n.SO_TIEN])).toEqual([
      ['TB2511120001', '19000000'],
      ['TB2511120002', '4750000'],
    ]);
    expect(sim.counters()).toMatchObject({ pushesSent: 1, pushAttempts: 1, pushesDelivered: 1 });
  });

  it('When issueNotices gets rows of several dossiers, then one message carries them with a fresh MA_GDICH and a SO_QUYET_DINH per row', async () => {
    const rcv = await startReceiver();
    const { sim } = await startSim({ noticeUrl: rcv.noticeUrl });
    const push = sim.issueNotices([
      { MA_HSO: 'A-1', MA_SO_THUE: '0100109106', SO_TIEN: 1000, TEN_TIEUMUC: 'Tiền thuê đất' },
      {
        MA_HSO: 'B-2',
        MA_SO_THUE: '0100109106-001',
        SO_TIEN: '2500000',
        TEN_TIEUMUC: 'Lệ phí trước bạ nhà, đất',
      },
    ]);
    await sim.idle();
    expect(push.maGdich).toBe('TCT-TB-20251112-000001');
    expect(push.maHoSo).toEqual(['A-1', 'B-2']);
    const body = rcv.received[0]!.body;
    expect(body.match(/<ROW>/g)).toHaveLength(2);
    expect(body).toContain('<SO_QUYET_DINH>TB2511120001</SO_QUYET_DINH>');
    expect(body).toContain('<SO_QUYET_DINH>TB2511120002</SO_QUYET_DINH>');
    expect(body).toContain('<NGAY_QUYET_DINH>12/11/2025</NGAY_QUYET_DINH>');
    expect(body).toContain('<NGAY_GUI>12/11/2025 14:00:05</NGAY_GUI>');
    expect(body).toContain('<SO_TIEN>2500000</SO_TIEN>');
    expect(
      sim.issueNotices([{ MA_HSO: 'A-1', MA_SO_THUE: '0100109106', SO_TIEN: 5, TEN_TIEUMUC: 'x' }]).maGdich,
    ).toBe('TCT-TB-20251112-000002');
  });

  it('When the receiver answers 01, then the push is rejected and never resent', async () => {
    const rcv = await startReceiver([{ status: 200, raw: example('thongbaothue-ack-invalid.xml') }]);
    const { sim, url } = await startSim({ noticeUrl: rcv.noticeUrl });
    await postForm(url, REQUEST);
    sim.setFaults({ duplicateNext: 1 });
    sim.issueNoticesFor(MA_HSO);
    await sim.idle();
    expect(rcv.received).toHaveLength(1);
    const p = sim.lastPush()!;
    expect(p.outcome).toBe('rejected');
    expect(p.attempts).toEqual([
      expect.objectContaining({ status: 200, maLoi: '01', moTa: expect.stringMatching(/^ROW\[1\]\/MA_HSO/) }),
    ]);
    expect(sim.counters()).toMatchObject({ pushesRejected: 1, pushesDelivered: 0, pushAttempts: 1 });
  });

  it('When the receiver answers 99, 5xx, 401, garbage or 2xx without KQ, then the push is retried until 00', async () => {
    const rcv = await startReceiver([
      { status: 200, maLoi: '99' },
      { status: 503, maLoi: '00' },
      { status: 401, maLoi: '02' },
      { status: 200, raw: 'OK' },
    ]);
    const { sim, url } = await startSim({ noticeUrl: rcv.noticeUrl, maxAttempts: 6 });
    await postForm(url, REQUEST);
    sim.issueNoticesFor(MA_HSO, 1);
    await sim.idle();
    const p = sim.lastPush()!;
    expect(p.outcome).toBe('delivered');
    expect(p.attempts.map((a) => [a.status, a.maLoi])).toEqual([
      [200, '99'],
      [503, '00'],
      [401, '02'],
      [200, undefined],
      [200, '00'],
    ]);
    expect(new Set(rcv.received.map((r) => r.body)).size).toBe(1);
  });

  it('When the receiver never answers 00, then attempts stop at maxAttempts and the push is given up', async () => {
    const rcv = await startReceiver([], { status: 500, raw: 'down' });
    const { sim, url } = await startSim({ noticeUrl: rcv.noticeUrl, maxAttempts: 3 });
    await postForm(url, REQUEST);
    sim.issueNoticesFor(MA_HSO, 1);
    await sim.idle();
    expect(rcv.received).toHaveLength(3);
    expect(sim.lastPush()!.outcome).toBe('given-up');
    expect(sim.counters()).toMatchObject({ pushesGivenUp: 1, pushAttempts: 3, pushesPending: 0 });
  });

  it('When the receiver is unreachable or too slow, then attempts are recorded as errors and retried', async () => {
    const slow = express();
    slow.post('/slow', () => undefined);
    const l = await listen(slow);
    closers.push(() => l.close());
    const { sim, url } = await startSim({ noticeUrl: `${l.url}/slow`, maxAttempts: 2, pushTimeoutMs: 100 });
    await postForm(url, REQUEST);
    sim.issueNoticesFor(MA_HSO, 1);
    await sim.idle();
    expect(sim.lastPush()!.attempts.map((a) => a.error)).toEqual([
      expect.stringMatching(/no answer/),
      expect.stringMatching(/no answer/),
    ]);
    sim.setPushTargets({ noticeUrl: 'http://127.0.0.1:1/none' });
    sim.issueNoticesFor(MA_HSO, 1);
    await sim.idle();
    expect(sim.lastPush()!.attempts[0]!.error).toBeDefined();
    expect(sim.lastPush()!.outcome).toBe('given-up');
  });

  it('When repeatLast() is called, then the same bytes with the same MA_GDICH are delivered again', async () => {
    const rcv = await startReceiver();
    const { sim, url } = await startSim({ noticeUrl: rcv.noticeUrl });
    await postForm(url, REQUEST);
    const first = sim.issueNoticesFor(MA_HSO);
    await sim.idle();
    const again = sim.repeatLast();
    await sim.idle();
    expect(again).toMatchObject({ repeatOf: first.id, maGdich: first.maGdich, outcome: 'delivered' });
    expect(rcv.received).toHaveLength(2);
    expect(rcv.received[1]!.body).toBe(rcv.received[0]!.body);
    expect(sim.notices(MA_HSO)).toHaveLength(2);
    expect(sim.counters()).toMatchObject({ pushesSent: 2, pushesDelivered: 2 });
  });

  it('When duplicateNext is set, then a delivered push is sent a second time, identical', async () => {
    const rcv = await startReceiver();
    const { sim, url } = await startSim({ noticeUrl: rcv.noticeUrl });
    await postForm(url, REQUEST);
    sim.setFaults({ duplicateNext: 1 });
    sim.issueNoticesFor(MA_HSO);
    await sim.idle();
    expect(rcv.received).toHaveLength(2);
    expect(rcv.received[0]!.body).toBe(rcv.received[1]!.body);
    expect(sim.lastPush()!.attempts.map((a) => a.duplicate)).toEqual([false, true]);
    expect(sim.counters()).toMatchObject({ pushesSent: 1, duplicatesSent: 1, pushAttempts: 2 });
  });

  it('When a notice row breaks §4.3 or reuses a notice number, then issueNotices throws unless unchecked', async () => {
    const rcv = await startReceiver();
    const { sim } = await startSim({ noticeUrl: rcv.noticeUrl });
    const row = { MA_HSO: 'A-1', MA_SO_THUE: '0100109106', SO_TIEN: 1, TEN_TIEUMUC: 'x' };
    expect(() => sim.issueNotices([])).toThrow(/ROW_LIST/);
    expect(() => sim.issueNotices(Array.from({ length: 51 }, () => ({ ...row })))).toThrow(/ROW_LIST/);
    expect(() => sim.issueNotices([{ ...row, SO_TIEN: 0 }])).toThrow(/SO_TIEN/);
    expect(() => sim.issueNotices([{ ...row, NGAY_QUYET_DINH: '2025-11-12' }])).toThrow(/NGAY_QUYET_DINH/);
    expect(() => sim.issueNotices([{ MA_HSO: 'unknown', SO_TIEN: 1 }])).toThrow(/MA_SO_THUE/);
    sim.issueNotices([{ ...row, SO_QUYET_DINH: 'TB1' }]);
    expect(() => sim.issueNotices([{ ...row, SO_QUYET_DINH: 'TB1' }])).toThrow(/already sent/);
    sim.issueNotices([{ ...row, SO_TIEN: 0 }], { unchecked: true });
    await sim.idle();
    expect(rcv.received.at(-1)!.body).toContain('<SO_TIEN>0</SO_TIEN>');
  });

  it('When the push key differs from the receiver key, then the receiver 401 makes the push retried', async () => {
    const rcv = await startReceiver();
    const { sim, url } = await startSim({
      noticeUrl: rcv.noticeUrl,
      pushSecurityKey: 'other',
      maxAttempts: 2,
    });
    await postForm(url, REQUEST);
    sim.issueNoticesFor(MA_HSO, 1);
    await sim.idle();
    expect(rcv.received.map((r) => r.headers['securitykey'])).toEqual(['other', 'other']);
    expect(sim.lastPush()!.attempts.map((a) => [a.status, a.maLoi])).toEqual([
      [401, '02'],
      [401, '02'],
    ]);
    expect(sim.lastPush()!.outcome).toBe('given-up');
  });
});

describe('tax simulator: payment confirmations (§4.4)', () => {
  it('When a notice is confirmed paid, then the receiver gets the example JSON and the receipt is downloadable with the key', async () => {
    const rcv = await startReceiver();
    const { sim, url } = await startSim({
      noticeUrl: rcv.noticeUrl,
      paymentUrl: rcv.paymentUrl,
      receiptBaseUrl: 'http://localhost:8085',
    });
    await postForm(url, REQUEST);
    sim.issueNoticesFor(MA_HSO);
    clock = new Date('2025-11-13T10:15:00+07:00');
    const [push] = sim.confirmPayment(MA_HSO, 'TB2511120001');
    await sim.idle();
    const got = rcv.received[1]!;
    expect(got.path).toBe('/thue/thanhtoan');
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(got.headers['securitykey']).toBe(KEY);
    expect(JSON.parse(got.body)).toEqual(JSON.parse(example('xacnhannopthue-push.json')));
    expect(push).toMatchObject({
      kind: 'payment',
      maGdich: '',
      outcome: 'delivered',
      soQuyetDinh: ['TB2511120001'],
    });
    expect(() => sim.confirmPayment(MA_HSO, 'TB2511120001')).toThrow(/already confirmed/);

    const pdf = await fetch(`${url}/api/thue/chungtu/CT2511130001.pdf`, { headers: { SecurityKey: KEY } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    expect((await fetch(`${url}/api/thue/chungtu/CT2511130001.pdf`)).status).toBe(401);
  });

  it('When all notices are confirmed with reorder on, then one confirmation per notice arrives, newest first', async () => {
    const rcv = await startReceiver();
    const { sim, url } = await startSim({ noticeUrl: rcv.noticeUrl, paymentUrl: rcv.paymentUrl });
    await postForm(url, REQUEST);
    sim.issueNoticesFor(MA_HSO, 3);
    await sim.idle();
    sim.setFaults({ reorder: true });
    const pushes = sim.confirmPayment(MA_HSO);
    await sim.idle();
    expect(pushes).toHaveLength(3);
    // The emitter starts the batch newest first; order by the simulator's attempt sequence.
    const sent = [...pushes].sort((a, b) => a.attempts[0]!.seq - b.attempts[0]!.seq);
    expect(sent.map((p) => p.soQuyetDinh[0])).toEqual(['TB2511120003', 'TB2511120002', 'TB2511120001']);
    const paid = rcv.received
      .filter((r) => r.path === '/thue/thanhtoan')
      .map(
        (r) => (JSON.parse(r.body) as { ThongTinThanhToan: { MaThongBaoThue: string } }).ThongTinThanhToan,
      );
    expect(paid.map((p) => p.MaThongBaoThue).sort()).toEqual([
      'TB2511120001',
      'TB2511120002',
      'TB2511120003',
    ]);
    expect(() => sim.confirmPayment(MA_HSO)).toThrow(/no unpaid notice/);
  });

  it('When a payment is reported rejected (0), then UrlFileChungTu is empty and a later 1 is still allowed', async () => {
    const rcv = await startReceiver();
    const { sim, url } = await startSim({ noticeUrl: rcv.noticeUrl, paymentUrl: rcv.paymentUrl });
    await postForm(url, REQUEST);
    sim.issueNoticesFor(MA_HSO, 1);
    sim.confirmPayment(MA_HSO, 'TB2511120001', { trangThaiThanhToan: 0 });
    await sim.idle();
    const zero = JSON.parse(rcv.received.at(-1)!.body) as Record<string, unknown>;
    expect(zero['UrlFileChungTu']).toBe('');
    expect(zero['ThongTinThanhToan']).toMatchObject({ TrangThaiThanhToan: 0, SoTien: 19000000 });
    sim.confirmPayment(MA_HSO, 'TB2511120001');
    expect(() => sim.confirmPayment(MA_HSO, 'TB2511120001', { trangThaiThanhToan: 0 })).toThrow();
    await sim.idle();
    expect(sim.counters()).toMatchObject({ pushesDelivered: 3 });
  });
});

describe('tax simulator: /__sim control routes', () => {
  it('When steered only over HTTP, then state, targets, notices, payments, repeat, idle and reset all work', async () => {
    const rcv = await startReceiver();
    const { url } = await startSim();
    const call = async (path: string, body: unknown = {}): Promise<{ status: number; json: unknown }> => {
      const r = await fetch(`${url}/__sim/${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, json: await r.json() };
    };
    expect((await call('notices/for', { maHoSo: MA_HSO })).status).toBe(400);
    await call('targets', { noticeUrl: rcv.noticeUrl, paymentUrl: rcv.paymentUrl });
    expect((await call('targets', { noticeUrl: 'not a url' })).status).toBe(400);
    expect((await call('notices/for', { maHoSo: MA_HSO })).status).toBe(400);
    await postForm(url, REQUEST);
    const n = await call('notices/for', { maHoSo: MA_HSO, count: 2 });
    expect(n.json).toMatchObject({ kind: 'notice', soQuyetDinh: ['TB2511120001', 'TB2511120002'] });
    expect((await call('notices', { rows: [{ SO_TIEN: 700000 }] })).status).toBe(400);
    expect((await call('notices', { rows: [{ MA_HSO, SO_TIEN: { x: 1 } }] })).status).toBe(400);
    expect((await call('notices', { rows: 'x' })).status).toBe(400);
    expect((await call('notices', { rows: [{ MA_HSO, SO_TIEN: 700000 }] })).status).toBe(200);
    expect((await call('payments', { maHoSo: MA_HSO, soQuyetDinh: 'TB2511120001' })).status).toBe(200);
    expect((await call('repeat-last')).json).toMatchObject({ kind: 'payment', repeatOf: 3 });
    expect((await call('idle', { timeoutMs: 5_000 })).json).toEqual({ idle: true });

    const entries = (await (await fetch(`${url}/__sim/entries/${MA_HSO}`)).json()) as { entries: number };
    expect(entries.entries).toBe(1);
    const state = (await (await fetch(`${url}/__sim/state`)).json()) as {
      counters: Record<string, number>;
      records: unknown[];
      notices: unknown[];
      pushes: Array<{ outcome: string; attempts: Array<{ maLoi?: string }> }>;
      entries: Record<string, number>;
    };
    expect(state.entries).toEqual({ [MA_HSO]: 1 });
    expect(state.records).toHaveLength(1);
    expect(state.notices).toHaveLength(3);
    expect(state.pushes.map((p) => p.outcome)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(state.pushes[0]!.attempts[0]!.maLoi).toBe('00');
    expect(state.counters).toMatchObject({
      records: 1,
      pushesSent: 4,
      pushesDelivered: 4,
      phieuchuyenCalls: 1,
    });
    expect(rcv.received).toHaveLength(4);

    expect((await call('reset')).json).toMatchObject({ records: 0, pushesSent: 0 });
    expect((await call('repeat-last')).status).toBe(400);
  });

  it('When the simulator closes with pushes still being retried, then close() returns promptly', async () => {
    const rcv = await startReceiver([], { status: 503, raw: '' });
    const { sim, url } = await startSim({
      noticeUrl: rcv.noticeUrl,
      retryIntervalMs: 60_000,
      maxAttempts: 11,
    });
    await postForm(url, REQUEST);
    sim.issueNoticesFor(MA_HSO, 1);
    for (let i = 0; i < 50 && rcv.received.length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await sim.close();
    await sim.idle();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(rcv.received).toHaveLength(1);
    expect(sim.lastPush()!.outcome).toBe('pending');
  });
});
