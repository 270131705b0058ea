import { readFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports -- the test mounts the inbound route (src/http) on a real app
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InboundSink } from '../../src/adapters/adapter.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import type { SystemEvent } from '../../src/domain/system-event.js';
import { socialInsuranceInboundRouter } from '../../src/http/routes/social-insurance-inbound.js';
import { createLogger } from '../../src/logging/logger.js';
import { listen, type Listening } from '../../src/simulators/http-harness.js';
import { createSocialInsuranceSimulator } from '../../src/simulators/social-insurance/index.js';
import type { SocialInsuranceSimulator } from '../../src/simulators/social-insurance/index.js';
import { SocialInsuranceAdapter } from './index.js';

const spec = (rel: string): string =>
  readFileSync(new URL(`../../../shared/specs/${rel}`, import.meta.url), 'utf8');
const ex = (name: string): string => spec(`examples/social-insurance/${name}`);

const MA_HO_SO = 'H40.22-251105-0003';
const CLOCK = '2025-11-05T10:30:00+07:00';
const CALLBACK_USER = 'bhxh_nghean';
const CALLBACK_PASSWORD = 'Example-Callback-Passw0rd';

/** The engine's sink, in memory: knows some dossiers, deduplicates on eventId, can be made to fail. */
class MemorySink implements InboundSink {
  readonly known = new Set<string>([MA_HO_SO]);
  readonly stored = new Map<string, SystemEvent>();
  readonly calls: Array<{ eventId: string; fresh: boolean }> = [];
  failNext = 0;

  async knows(maHoSo: string): Promise<boolean> {
    return this.known.has(maHoSo);
  }

  async accept(events: SystemEvent[]): Promise<Array<{ eventId: string; fresh: boolean }>> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('store unavailable');
    }
    return events.map((e) => {
      const fresh = !this.stored.has(e.eventId);
      if (fresh) this.stored.set(e.eventId, e);
      this.calls.push({ eventId: e.eventId, fresh });
      return { eventId: e.eventId, fresh };
    });
  }

  /** Stored events in the order they happened at BHXH. */
  timeline(): SystemEvent[] {
    return [...this.stored.values()].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  }
}

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const deathRecord = (): DossierRecord =>
  (JSON.parse(spec('examples/portal/feed-death-bhxh.json')) as { data: DossierRecord[] })
    .data[0] as DossierRecord;

const adapterFor = (serviceUrl: string): SocialInsuranceAdapter =>
  new SocialInsuranceAdapter({
    serviceUrl,
    username: 'motcua_h40',
    password: 'Example-Passw0rd',
    timeoutMs: 2_000,
  });

describe('social-insurance inbound route (CapNhatTrangThaiService)', () => {
  let sink: MemorySink;
  let gateway: Listening;
  let callbackUrl: string;
  let sim: SocialInsuranceSimulator;
  let adapter: SocialInsuranceAdapter;

  beforeAll(async () => {
    sink = new MemorySink();
    // The route needs the adapter's callback parser before the simulator (and its URL) exists.
    adapter = adapterFor('http://127.0.0.1:1/unused');
    const app = express();
    app.use(
      socialInsuranceInboundRouter({
        parser: adapter.inbound,
        sink,
        username: CALLBACK_USER,
        password: CALLBACK_PASSWORD,
        log: createLogger('silent'),
      }),
    );
    gateway = await listen(app);
    callbackUrl = `${gateway.url}/callbacks/social-insurance`;
    sim = createSocialInsuranceSimulator({
      receiptSeqStart: 123,
      callbackUrl,
      callbackRetryIntervalMs: 50,
      callbackMaxAttempts: 3,
    });
    sim.setClock(CLOCK);
    const url = await sim.start();
    adapter = adapterFor(url);
  });

  afterEach(async () => {
    await sim.callbacksIdle();
    sim.reset();
    sim.setCallbackTarget({ url: callbackUrl, username: CALLBACK_USER, password: CALLBACK_PASSWORD });
    sink.stored.clear();
    sink.calls.length = 0;
    sink.failNext = 0;
  });

  afterAll(async () => {
    await sim.close();
    await gateway.close();
  });

  /** Submits the death-benefit example, which BHXH accepts and then reports on by callback. */
  const submitDeath = (deliveryId: string) =>
    adapter.deliver({
      deliveryId,
      operation: 'NopHoSo',
      params: {},
      record: deathRecord(),
      externalId: undefined,
      attempt: 1,
      facts: {},
      log: createLogger('silent'),
    });
  const post = async (body: string | Buffer, headers: Record<string, string> = {}) => {
    const res = await fetch(callbackUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'text/xml; charset=utf-8',
        SOAPAction: '"urn:bhxh:hoso:v1/CapNhatTrangThaiHoSo"',
        ...headers,
      },
      body,
    });
    return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
  };
  const faultOf = (text: string) => ({
    faultcode: /<faultcode>([^<]*)<\/faultcode>/.exec(text)?.[1],
    faultstring: /<faultstring>([^<]*)<\/faultstring>/.exec(text)?.[1],
  });

  it('When BHXH accepts a dossier and walks it to "hoàn thành", then every callback becomes one event with local times and DVCQG statuses', async () => {
    await submitDeath('d-1');
    await waitFor(() => sink.stored.size === 1);
    sim.emitBatch(MA_HO_SO, [
      { trangThai: 2, ghiChu: 'Đang thẩm định hồ sơ hưởng trợ cấp mai táng' },
      { trangThai: 3, ghiChu: 'Bổ sung bản sao giấy chứng tử' },
      { trangThai: 2 },
    ]);
    sim.setStatus(MA_HO_SO, 4, {
      ghiChu: 'Đã giải quyết trợ cấp mai táng: 23.400.000 đồng',
      thoiDiem: '2025-11-11T15:00:00+07:00',
    });
    await sim.callbacksIdle();
    const events = sink.timeline();
    expect(events.map((e) => [e.occurredAt, e.kind, e.status])).toEqual([
      ['20251105103000', 'TrangThai 1', '4'],
      ['20251105103001', 'TrangThai 2', '4'],
      ['20251105103002', 'TrangThai 3', '5'],
      ['20251105103003', 'TrangThai 2', '4'],
      ['20251111150000', 'TrangThai 4', '9'],
    ]);
    expect(events.every((e) => e.externalId === 'BN40-251105-000123' && e.MaHoSo === MA_HO_SO)).toBe(true);
    expect(events[2]?.supplementRequest).toEqual({ NoiDungYeuCau: 'Bổ sung bản sao giấy chứng tử' });
    expect(new Set(events.map((e) => e.eventId)).size).toBe(5);
    expect(sim.callbackLog().every((a) => a.outcome === 'delivered')).toBe(true);
  });

  it('When BHXH delivers the same MaSuKien twice (and out of order), then it is acknowledged both times and stored once', async () => {
    await submitDeath('d-2');
    await sim.callbacksIdle();
    sim.reorderCallbacks(true);
    sim.duplicateNextCallbacks(1);
    sim.emitBatch(MA_HO_SO, [{ trangThai: 2 }, { trangThai: 5, ghiChu: 'Không đủ điều kiện hưởng' }]);
    await sim.callbacksIdle();
    expect(sink.stored.size).toBe(3);
    expect(sink.calls.filter((c) => !c.fresh)).toHaveLength(1);
    expect(sink.timeline().map((e) => e.status)).toEqual(['4', '4', '8']);
    expect(sim.callbackLog().filter((a) => a.outcome === 'delivered')).toHaveLength(4);
  });

  it('When the example callback is posted, then the answer is byte for byte callback-response.xml, also for the repeat', async () => {
    for (let i = 0; i < 2; i += 1) {
      const res = await post(ex('callback-request.xml'));
      expect(res.status).toBe(200);
      expect(res.contentType).toBe('text/xml; charset=utf-8');
      expect(res.text).toBe(ex('callback-response.xml'));
    }
    expect(sink.calls.map((c) => c.fresh)).toEqual([true, false]);
    expect(sink.stored.get('3c2b1a09-8f7e-4d6c-b5a4-93827160fedc')).toMatchObject({
      occurredAt: '20251111150000',
      status: '9',
    });
  });

  it('When the password is wrong, then the answer is the authentication fault of the examples and nothing is stored', async () => {
    const res = await post(ex('callback-request.xml').replace(CALLBACK_PASSWORD, 'wrong'));
    expect(res.status).toBe(500);
    expect(res.text).toBe(ex('fault-authentication.xml'));
    const noHeader = await post(
      ex('callback-request.xml').replace(/<soap:Header>[\s\S]*<\/soap:Header>/, ''),
    );
    expect(faultOf(noHeader.text)).toEqual({
      faultcode: 'soap:Client',
      faultstring: expect.stringMatching(/^Xác thực không thành công/) as string,
    });
    expect(sink.stored.size).toBe(0);
  });

  it('When BHXH calls with a wrong callback password, then it gets a fault and keeps resending; once fixed, the event arrives', async () => {
    sim.setCallbackTarget({ password: 'not-the-one' });
    await submitDeath('d-3');
    await waitFor(() => sim.callbackLog().length >= 1);
    expect(sim.callbackLog()[0]).toMatchObject({ outcome: 'soap-fault', detail: 'soap:Client' });
    sim.setCallbackTarget({ password: CALLBACK_PASSWORD });
    await sim.callbacksIdle();
    expect(sink.stored.size).toBe(1);
  });

  it('When the store fails, then the answer is a soap:Server fault and the resend is stored', async () => {
    await submitDeath('d-4');
    await sim.callbacksIdle();
    sink.failNext = 1;
    sim.setStatus(MA_HO_SO, 2);
    await sim.callbacksIdle();
    const attempts = sim.callbackLog().filter((a) => a.trangThai === 2);
    expect(attempts.map((a) => [a.outcome, a.detail])).toEqual([
      ['soap-fault', 'soap:Server'],
      ['delivered', 'Đã nhận'],
    ]);
    expect(sink.timeline().map((e) => e.kind)).toEqual(['TrangThai 1', 'TrangThai 2']);
  });

  it('When the dossier is unknown to the gateway, then the answer is MaKetQua 4 (not accepted, not resent)', async () => {
    const res = await post(ex('callback-request.xml').replaceAll(MA_HO_SO, 'H40.22-251105-0099'));
    expect(res.status).toBe(200);
    expect(res.text).toContain('<tns:MaKetQua>4</tns:MaKetQua>');
    expect(res.text).toContain('<tns:MoTa>Không tìm thấy hồ sơ H40.22-251105-0099</tns:MoTa>');
    expect(sink.stored.size).toBe(0);
  });

  it.each([
    [
      'malformed XML',
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>',
      /^XML không hợp lệ/,
    ],
    [
      'a DOCTYPE with an entity',
      ex('callback-request.xml').replace(
        '<soap:Envelope',
        '<!DOCTYPE soap:Envelope [<!ENTITY lol "lol">]>\n<soap:Envelope',
      ),
      /DOCTYPE/,
    ],
    [
      'ThoiDiem without offset',
      ex('callback-request.xml').replace('2025-11-11T15:00:00+07:00', '2025-11-11T15:00:00'),
      /^ThoiDiem: /,
    ],
    [
      'TrangThai "abc"',
      ex('callback-request.xml').replace('<tns:TrangThai>4<', '<tns:TrangThai>abc<'),
      /^TrangThai: /,
    ],
    [
      'no MaSuKien',
      ex('callback-request.xml').replace(/\s*<tns:MaSuKien>[^<]*<\/tns:MaSuKien>/, ''),
      /^MaSuKien: /,
    ],
    [
      'another operation',
      ex('tracuuhoso-request.xml')
        .replace('motcua_h40', CALLBACK_USER)
        .replace('Example-Passw0rd', CALLBACK_PASSWORD),
      /^TraCuuHoSo: /,
    ],
  ])(
    'When the body has %s, then it is a soap:Client fault naming the problem and nothing is stored',
    async (_what, body, message) => {
      const res = await post(body);
      expect(res.status).toBe(500);
      const fault = faultOf(res.text);
      expect(fault.faultcode).toBe('soap:Client');
      expect(fault.faultstring).toMatch(message);
      expect(sink.stored.size).toBe(0);
    },
  );

  it('When the body is too large or not text/xml, then it is a soap:Client fault, never a crash', async () => {
    const big = await post(ex('callback-request.xml').replace('Đã giải quyết', 'x'.repeat(1_100_000)));
    expect(big.status).toBe(500);
    expect(faultOf(big.text).faultstring).toMatch(/vượt quá/);
    const json = await post('{}', { 'Content-Type': 'application/json' });
    expect(faultOf(json.text)).toMatchObject({ faultcode: 'soap:Client' });
    const other = await post(ex('callback-request.xml'), { SOAPAction: '"urn:bhxh:hoso:v1/NopHoSo"' });
    expect(faultOf(other.text).faultstring).toMatch(/^SOAPAction: /);
  });

  it('When a header block we do not process is marked mustUnderstand, then the answer is a soap:MustUnderstand fault', async () => {
    const body = ex('callback-request.xml').replace(
      '</soap:Header>',
      '<x:Routing xmlns:x="urn:example" soap:mustUnderstand="1">r</x:Routing></soap:Header>',
    );
    const res = await post(body);
    expect(res.status).toBe(500);
    expect(faultOf(res.text).faultcode).toBe('soap:MustUnderstand');
  });

  it('When the WSDL is fetched, then it is the callback WSDL with soap:address set to the URL it was fetched from', async () => {
    const res = await fetch(`${callbackUrl}?wsdl`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(await res.text()).toBe(
      spec('social-insurance-callback.wsdl').replace(
        'http://localhost:8080/bhxh/capnhattrangthai',
        callbackUrl,
      ),
    );
    expect((await fetch(callbackUrl)).status).toBe(405);
  });
});
