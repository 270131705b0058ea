// The route under test needs an express app; the adapter's own code never imports express.
// eslint-disable-next-line no-restricted-imports
import express from 'express';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundSink } from '../../src/adapters/adapter.js';
import { deliveryId } from '../../src/domain/delivery.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import type { SystemEvent } from '../../src/domain/system-event.js';
import { taxInboundRouter } from '../../src/http/routes/tax-inbound.js';
import { createLogger } from '../../src/logging/logger.js';
import { listen } from '../../src/simulators/http-harness.js';
import {
  createTaxSimulator,
  EXAMPLE_SECURITY_KEY,
  type TaxSimulatorOptions,
} from '../../src/simulators/tax/index.js';
import { TaxAdapter } from './index.js';

const EXAMPLES = new URL('../../../shared/specs/examples/', import.meta.url);
const example = (name: string): string => readFileSync(new URL(name, EXAMPLES), 'utf8');
const tax = (name: string): string => example(`tax/${name}`);
const RECORD = (JSON.parse(example('portal/feed-land-tax.json')) as { data: DossierRecord[] }).data[0]!;
const MA_HSO = 'H40.22-251105-0001';
const KEY = EXAMPLE_SECURITY_KEY;
const NOTICES = '/callbacks/tax/thongbaothue';
const PAYMENTS = '/callbacks/tax/xacnhannopthue';
const log = createLogger('silent');

/** The engine's side, in memory: knows some dossiers, keeps each (eventId) once, can be made to fail. */
class MemorySink implements InboundSink {
  readonly known = new Set<string>([MA_HSO]);
  readonly stored = new Map<string, SystemEvent>();
  readonly calls: Array<Array<{ eventId: string; fresh: boolean }>> = [];
  failing = false;

  async knows(maHoSo: string): Promise<boolean> {
    if (this.failing) throw new Error('redis down');
    return this.known.has(maHoSo);
  }

  async accept(events: SystemEvent[]): Promise<Array<{ eventId: string; fresh: boolean }>> {
    if (this.failing) throw new Error('redis down');
    const out = events.map((e) => {
      const fresh = !this.stored.has(e.eventId);
      if (fresh) this.stored.set(e.eventId, e);
      return { eventId: e.eventId, fresh };
    });
    this.calls.push(out);
    return out;
  }

  events(): SystemEvent[] {
    return [...this.stored.values()];
  }
}

function adapter(baseUrl = 'http://127.0.0.1:9'): TaxAdapter {
  return new TaxAdapter({
    baseUrl,
    securityKey: KEY,
    inboundSecurityKey: KEY,
    maDviGui: 'H40.22',
    timeoutMs: 2_000,
  });
}

function appFor(sink: InboundSink): express.Express {
  const app = express();
  app.use(taxInboundRouter({ parser: adapter().inbound, sink, securityKey: KEY, log }));
  return app;
}

const post = (
  app: express.Express,
  path: string,
  body: string | Buffer,
  type: string,
  key: string | null = KEY,
) => {
  const req = request(app).post(path).set('Content-Type', type);
  if (key !== null) req.set('SecurityKey', key);
  return req.send(body);
};
const postXml = (app: express.Express, body: string | Buffer, key: string | null = KEY) =>
  post(app, NOTICES, body, 'application/xml; charset=utf-8', key);
const postJson = (app: express.Express, body: string, key: string | null = KEY) =>
  post(app, PAYMENTS, body, 'application/json; charset=utf-8', key);

const maLoi = (xml: string): string | undefined => /<MA_LOI>([^<]*)<\/MA_LOI>/.exec(xml)?.[1];
const moTa = (xml: string): string => /<MO_TA>([^<]*)<\/MO_TA>/.exec(xml)?.[1] ?? '';

describe('tax inbound route: tax notices (supertest)', () => {
  let sink: MemorySink;
  let app: express.Express;
  beforeEach(() => {
    sink = new MemorySink();
    app = appFor(sink);
  });

  it("When the spec's notice push arrives with the key, then the example ack is answered and one event is stored", async () => {
    const res = await postXml(app, tax('thongbaothue-push.xml'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(res.text).toBe(tax('thongbaothue-ack.xml'));
    expect(sink.events()).toHaveLength(1);
    expect(sink.events()[0]).toMatchObject({ MaHoSo: MA_HSO, status: '6', occurredAt: '20251112140005' });
    expect(sink.events()[0]!.taxNotices?.map((n) => n.SoThongBaoThue)).toEqual([
      'TB2511120001',
      'TB2511120002',
    ]);
  });

  it('When the same MA_GDICH is pushed again, then it is answered 00 and not applied twice', async () => {
    await postXml(app, tax('thongbaothue-push.xml'));
    const again = await postXml(app, tax('thongbaothue-push.xml'));
    expect(again.text).toBe(tax('thongbaothue-ack.xml'));
    expect(sink.events()).toHaveLength(1);
    expect(sink.calls[1]).toEqual([{ eventId: sink.events()[0]!.eventId, fresh: false }]);
  });

  it('When a row names an unknown dossier, then the whole message is refused with the example 01 and nothing is stored', async () => {
    let n = 0;
    const push = tax('thongbaothue-push.xml').replace(/<MA_HSO>[^<]*<\/MA_HSO>/g, (m) =>
      ++n === 1 ? '<MA_HSO>H40.22-251105-0099</MA_HSO>' : m,
    );
    const res = await postXml(app, push);
    expect(res.status).toBe(200);
    expect(res.text).toBe(tax('thongbaothue-ack-invalid.xml'));
    expect(sink.calls).toHaveLength(0);
  });

  it('When the SecurityKey is missing or wrong, then 401 with 02 is answered on both URLs and nothing is read', async () => {
    for (const key of [null, '', 'wrong', `${KEY}x`]) {
      const a = await postXml(app, tax('thongbaothue-push.xml'), key);
      expect(a.status).toBe(401);
      expect(a.text).toBe(tax('response-unauthorized.xml'));
      const b = await postJson(app, tax('xacnhannopthue-push.json'), key);
      expect(b.status).toBe(401);
      expect(maLoi(b.text)).toBe('02');
    }
    expect(sink.calls).toHaveLength(0);
  });

  it('When the body is malformed, declares a DOCTYPE, has a bad value or is too large, then 01 names the element', async () => {
    const cases: Array<[string | Buffer, string]> = [
      ['<DATA><HEADER>', 'DATA: nội dung XML không hợp lệ'],
      [
        '<!DOCTYPE DATA [<!ENTITY a "aaaa">]><DATA>&a;</DATA>',
        'DATA: không chấp nhận khai báo DOCTYPE/ENTITY',
      ],
      [
        tax('thongbaothue-push.xml').replace('<SO_TIEN>19000000</SO_TIEN>', '<SO_TIEN>-5</SO_TIEN>'),
        'ROW[1]/SO_TIEN: ',
      ],
      [Buffer.alloc(1024 * 1024 + 10, 0x20), 'DATA: nội dung vượt quá giới hạn 1 MiB'],
    ];
    for (const [body, expected] of cases) {
      const res = await postXml(app, body);
      expect(res.status).toBe(200);
      expect(maLoi(res.text)).toBe('01');
      expect(moTa(res.text).startsWith(expected)).toBe(true);
    }
    expect(sink.calls).toHaveLength(0);
  });

  it('When the store fails, then 99 with 503 is answered so that the authority retries', async () => {
    sink.failing = true;
    const res = await postXml(app, tax('thongbaothue-push.xml'));
    expect(res.status).toBe(503);
    expect(maLoi(res.text)).toBe('99');
    expect(res.text).toContain('<MA_GDICH>TCT-TB-20251112-000045</MA_GDICH>');
  });
});

describe('tax inbound route: payment confirmations (supertest)', () => {
  let sink: MemorySink;
  let app: express.Express;
  beforeEach(() => {
    sink = new MemorySink();
    app = appFor(sink);
  });

  it("When the spec's payment confirmation arrives, then the example ack is answered and the notice is marked paid", async () => {
    const res = await postJson(app, tax('xacnhannopthue-push.json'));
    expect(res.status).toBe(200);
    expect(res.text).toBe(tax('xacnhannopthue-ack.xml'));
    expect(sink.events()).toEqual([
      expect.objectContaining({ paidNotices: ['TB2511120001'], occurredAt: '20251113101500' }),
    ]);
    expect(sink.events()[0]!.status).toBeUndefined();
    const again = await postJson(app, tax('xacnhannopthue-push.json'));
    expect(again.text).toBe(tax('xacnhannopthue-ack.xml'));
    expect(sink.events()).toHaveLength(1);
  });

  it('When a field has the wrong type or the dossier is unknown, then 01 names it with an empty MA_GDICH', async () => {
    const wrong = tax('xacnhannopthue-push.json').replace('"SoTien": 19000000', '"SoTien": "19000000"');
    const a = await postJson(app, wrong);
    expect([a.status, maLoi(a.text)]).toEqual([200, '01']);
    expect(moTa(a.text).startsWith('ThongTinThanhToan.SoTien: ')).toBe(true);
    expect(a.text).toContain('<MA_GDICH></MA_GDICH>');
    const unknown = tax('xacnhannopthue-push.json').replace(
      `"MaHoSo": "${MA_HSO}"`,
      '"MaHoSo": "H40.22-251105-0099"',
    );
    const b = await postJson(app, unknown);
    expect(moTa(b.text)).toBe('MaHoSo: không tìm thấy hồ sơ H40.22-251105-0099');
    const c = await postJson(app, '{"MaHoSo":');
    expect(moTa(c.text)).toBe('body: nội dung JSON không hợp lệ');
    expect(sink.calls).toHaveLength(0);
  });

  it('When the store fails, then 99 with 503 is answered', async () => {
    sink.failing = true;
    const res = await postJson(app, tax('xacnhannopthue-push.json'));
    expect([res.status, maLoi(res.text)]).toEqual([503, '99']);
  });
});

describe('tax inbound route fed by the tax simulator (loopback)', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!();
  });

  let clock = new Date('2025-11-12T14:00:05+07:00');

  async function setUp(options: TaxSimulatorOptions = {}) {
    clock = new Date('2025-11-12T14:00:05+07:00');
    const sink = new MemorySink();
    const receiver = await listen(appFor(sink));
    closers.push(() => receiver.close());
    const sim = createTaxSimulator({
      retryIntervalMs: 20,
      maxAttempts: 3,
      pushTimeoutMs: 1_000,
      now: () => clock,
      noticeUrl: `${receiver.url}${NOTICES}`,
      paymentUrl: `${receiver.url}${PAYMENTS}`,
      ...options,
    });
    const simUrl = await sim.start();
    closers.push(() => sim.close());
    // The authority only issues notices for a dossier whose transfer form it holds.
    await adapter(simUrl).deliver({
      deliveryId: deliveryId(MA_HSO, 'tax', 'phieuchuyen'),
      operation: 'phieuchuyen',
      params: {},
      record: RECORD,
      externalId: undefined,
      attempt: 1,
      facts: {},
      log,
    });
    return { sim, sink };
  }

  it('When the authority pushes notices, repeats them, then confirms both payments, then each is applied once with local times', async () => {
    const { sim, sink } = await setUp();
    const push = sim.issueNoticesFor(MA_HSO, 2);
    await sim.idle();
    expect(push.outcome).toBe('delivered');
    expect(sink.events()).toHaveLength(1);
    const notice = sink.events()[0]!;
    expect(notice).toMatchObject({
      MaHoSo: MA_HSO,
      status: '6',
      occurredAt: '20251112140005',
      kind: 'ThongBaoThue',
    });
    expect(notice.taxNotices).toEqual([
      { SoThongBaoThue: 'TB2511120001', LoaiThue: 'TNCN', SoTien: '19000000' },
      { SoThongBaoThue: 'TB2511120002', LoaiThue: 'LPTB', SoTien: '4750000' },
    ]);

    const repeat = sim.repeatLast();
    await sim.idle();
    expect(repeat.outcome).toBe('delivered');
    expect(sink.events()).toHaveLength(1);

    clock = new Date('2025-11-13T10:15:00+07:00');
    const payments = sim.confirmPayment(MA_HSO, 'all');
    await sim.idle();
    expect(payments.map((p) => p.outcome)).toEqual(['delivered', 'delivered']);
    const paid = sink.events().filter((e) => e.kind === 'XacNhanNopThue');
    expect(paid.map((e) => e.paidNotices)).toEqual([['TB2511120001'], ['TB2511120002']]);
    expect(paid.every((e) => e.occurredAt === '20251113101500' && e.status === undefined)).toBe(true);
  });

  it('When the authority pushes for an unknown dossier, then the push is rejected (01) and not retried', async () => {
    const { sim, sink } = await setUp();
    const push = sim.issueNotices([
      {
        MA_HSO: 'H40.22-251105-0099',
        MA_SO_THUE: '040085001234',
        SO_TIEN: 1000,
        TEN_TIEUMUC: 'Lệ phí trước bạ nhà, đất',
      },
    ]);
    await sim.idle();
    expect(push.outcome).toBe('rejected');
    expect(push.attempts).toHaveLength(1);
    expect(push.attempts[0]).toMatchObject({
      status: 200,
      maLoi: '01',
      moTa: 'ROW[1]/MA_HSO: không tìm thấy hồ sơ H40.22-251105-0099',
    });
    expect(sink.calls).toHaveLength(0);
  });

  it('When the authority pushes with another key, then every attempt gets 401/02 and nothing is stored', async () => {
    const { sim, sink } = await setUp({ pushSecurityKey: 'not-the-shared-key' });
    const push = sim.issueNoticesFor(MA_HSO, 1);
    await sim.idle();
    expect(push.outcome).toBe('given-up');
    expect(push.attempts.map((a) => [a.status, a.maLoi])).toEqual([
      [401, '02'],
      [401, '02'],
      [401, '02'],
    ]);
    expect(sink.calls).toHaveLength(0);
  });

  it('When the store is down during a push, then the authority is told 99 and its retry is stored once', async () => {
    const { sim, sink } = await setUp();
    sink.failing = true;
    const push = sim.issueNoticesFor(MA_HSO, 1);
    setTimeout(() => {
      sink.failing = false;
    }, 30);
    await sim.idle();
    expect(push.outcome).toBe('delivered');
    expect(push.attempts[0]).toMatchObject({ status: 503, maLoi: '99' });
    expect(sink.events()).toHaveLength(1);
  });
});
