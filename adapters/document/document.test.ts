import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryContext, PollBatch } from '../../src/adapters/adapter.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { createLogger } from '../../src/logging/logger.js';
import { createDocumentSimulator, type DocumentSimulator } from '../../src/simulators/document/index.js';
import { DocumentAdapter, type DocumentAdapterOptions } from './index.js';

const spec = (path: string): string =>
  readFileSync(new URL(`../../../shared/specs/examples/${path}`, import.meta.url), 'utf8');
const example = (name: string): Record<string, unknown> =>
  JSON.parse(spec(`document-management/${name}`)) as Record<string, unknown>;
const feedRecord = (name: string): DossierRecord =>
  (JSON.parse(spec(`portal/${name}`)) as { data: DossierRecord[] }).data[0]!;

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

const log = createLogger('silent');
const AXIS = 'http://lgsp.test';
const API = '/truclienthong/v1.0.0/vanbans';
/** §2 example: `motcua_h40_key:Example-Secret`. */
const BASIC = 'Basic bW90Y3VhX2g0MF9rZXk6RXhhbXBsZS1TZWNyZXQ=';
const EXAMPLE_TOKEN = '3f9d2b7a-1c4e-4b8a-9e6f-0d2c5a7b8e1f';
const EXAMPLE_DOC_ID = '6f1d2c3e-8b7a-4e59-9c1d-2b3a4f5e6d7c';
/** 09:00 local on 19 November 2025, the time of the spec's TraceHeader. */
const NINE_LOCAL = new Date('2025-11-19T02:00:00Z');

const PERMIT = feedRecord('feed-document.json'); // H40.22-251105-0004, VanBan to the ward
const LAND = feedRecord('feed-land-tax.json'); // H40.22-251105-0001, overdue: apology letter
const LAND_AGENCY = { OrganId: '000.12.12.H40', OrganName: 'Văn phòng đăng ký đất đai tỉnh Nghệ An' };
const APOLOGY_PARAMS = {
  LyDo: 'Hồ sơ phải chờ xác định nghĩa vụ tài chính',
  NgayHenTraTruoc: '20251119170000',
  NgayHenTraDeXuat: '20251126170000',
  agency: 'land',
};

function options(baseUrl: string, overrides: Partial<DocumentAdapterOptions> = {}): DocumentAdapterOptions {
  return {
    baseUrl,
    consumerKey: 'motcua_h40_key',
    consumerSecret: 'Example-Secret',
    organId: '000.00.22.H40',
    organName: 'Trung tâm Phục vụ hành chính công tỉnh Nghệ An',
    organAdd: 'Số 16, đường Trường Thi, phường Trường Vinh, tỉnh Nghệ An',
    email: 'motcua@example.invalid',
    telephone: '02383599999',
    place: 'Nghệ An',
    typerNotation: 'TTPV',
    timeoutMs: 2000,
    dossierSigner: { Competence: 'TM. ỦY BAN NHÂN DÂN', Position: 'Chủ tịch' },
    apologyAgencies: {
      land: {
        receivers: [LAND_AGENCY],
        signer: { Competence: 'KT. GIÁM ĐỐC', Position: 'Phó Giám đốc', FullName: 'Lê Văn Nam' },
      },
    },
    maxRequestsPerSecond: 0,
    ...overrides,
  };
}

function delivery(
  record: DossierRecord,
  operation: 'guivanban' | 'guiphieuxinloi',
  intentKey: string = operation,
  params: Record<string, unknown> = {},
): DeliveryContext {
  return {
    deliveryId: `${record.MaHoSo}~document~${intentKey}`,
    operation,
    params,
    record,
    externalId: undefined,
    attempt: 1,
    facts: {},
    log,
  };
}
const permitDelivery = (): DeliveryContext => delivery(PERMIT, 'guivanban');
const apologyDelivery = (params: Record<string, unknown> = APOLOGY_PARAMS): DeliveryContext =>
  delivery(LAND, 'guiphieuxinloi', 'xinloi-20251119170000', params);

async function failure(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a GatewayError');
}

/** The dossier document of the permit dossier, written by hand from §3 and §6 (a). */
const PERMIT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLHeader>
    <edXML:MessageHeader>
      <edXML:From>
        <edXML:OrganId>000.00.22.H40</edXML:OrganId>
        <edXML:OrganName>Trung tâm Phục vụ hành chính công tỉnh Nghệ An</edXML:OrganName>
        <edXML:OrganAdd>Số 16, đường Trường Thi, phường Trường Vinh, tỉnh Nghệ An</edXML:OrganAdd>
        <edXML:Email>motcua@example.invalid</edXML:Email>
        <edXML:Telephone>02383599999</edXML:Telephone>
      </edXML:From>
      <edXML:To>
        <edXML:OrganId>000.07.40.H40</edXML:OrganId>
        <edXML:OrganName>Ủy ban nhân dân phường Trường Vinh</edXML:OrganName>
      </edXML:To>
      <edXML:Code>
        <edXML:CodeNumber>7826861940</edXML:CodeNumber>
        <edXML:CodeNotation>VB-H40.22-251105-0004</edXML:CodeNotation>
      </edXML:Code>
      <edXML:PromulgationInfo>
        <edXML:Place>Nghệ An</edXML:Place>
        <edXML:PromulgationDate>2025-11-05</edXML:PromulgationDate>
      </edXML:PromulgationInfo>
      <edXML:DocumentType>
        <edXML:Type>1</edXML:Type>
        <edXML:TypeName>Giấy phép</edXML:TypeName>
      </edXML:DocumentType>
      <edXML:Subject>Cấp giấy phép xây dựng nhà ở riêng lẻ cho ông Hoàng Minh Tuấn tại thửa đất số 88, tờ bản đồ số 5, phường Trường Vinh (hồ sơ H40.22-251105-0004)</edXML:Subject>
      <edXML:Content>MaHoSo=H40.22-251105-0004</edXML:Content>
      <edXML:SignerInfo>
        <edXML:Competence>TM. ỦY BAN NHÂN DÂN</edXML:Competence>
        <edXML:Position>Chủ tịch</edXML:Position>
      </edXML:SignerInfo>
      <edXML:DueDate>2025-11-19</edXML:DueDate>
      <edXML:ToPlaces>
        <edXML:Place>Ủy ban nhân dân phường Trường Vinh</edXML:Place>
        <edXML:Place>Lưu: VT</edXML:Place>
      </edXML:ToPlaces>
      <edXML:OtherInfo>
        <edXML:Priority>0</edXML:Priority>
        <edXML:TyperNotation>TTPV</edXML:TyperNotation>
      </edXML:OtherInfo>
      <edXML:SteeringType>0</edXML:SteeringType>
      <edXML:DocumentId>000.00.22.H40,2025/11/05,7826861940/VB-H40.22-251105-0004</edXML:DocumentId>
    </edXML:MessageHeader>
    <edXML:TraceHeaderList>
      <edXML:TraceHeader>
        <edXML:OrganId>000.00.22.H40</edXML:OrganId>
        <edXML:Timestamp>2025/11/19 09:00:00</edXML:Timestamp>
      </edXML:TraceHeader>
      <edXML:Bussiness>
        <edXML:BussinessDocType>0</edXML:BussinessDocType>
        <edXML:BussinessDocReason></edXML:BussinessDocReason>
        <edXML:Paper>0</edXML:Paper>
      </edXML:Bussiness>
    </edXML:TraceHeaderList>
  </edXML:edXMLHeader>
  <edXML:edXMLBody>
    <edXML:edXMLManifest></edXML:edXMLManifest>
  </edXML:edXMLBody>
  <edXML:AttachmentEncoded></edXML:AttachmentEncoded>
</edXML:edXMLEnvelope>
`;

/** The DocumentId the apology letter of the example dossier gets (derived, see document-identity.ts). */
const APOLOGY_DOCUMENT_ID = '000.00.22.H40,2025/11/19,3283160339/PXL-H40.22-251105-0001';
const PERMIT_DOCUMENT_ID = '000.00.22.H40,2025/11/05,7826861940/VB-H40.22-251105-0004';

/** The example status message, re-addressed to one of our documents (statuses quote only Code and DocumentId). */
function statusAbout(file: 'status-03.xml' | 'status-06.xml', documentId: string): string {
  const code = documentId.split(',').slice(2).join(',');
  const date = documentId.split(',')[1]!.replaceAll('/', '-');
  return spec(`document-management/${file}`)
    .replace('<edXML:Code>15/PXL-TTPVHCC</edXML:Code>', `<edXML:Code>${code}</edXML:Code>`)
    .replace(
      '<edXML:PromulgationDate>2025-11-19</edXML:PromulgationDate>',
      `<edXML:PromulgationDate>${date}</edXML:PromulgationDate>`,
    )
    .replace('000.00.22.H40,2025/11/19,15/PXL-TTPVHCC', documentId);
}

describe('document adapter against a mocked axis (nock)', () => {
  beforeAll(() => {
    nock.disableNetConnect();
  });
  afterEach(() => {
    nock.cleanAll();
  });
  afterAll(() => {
    nock.enableNetConnect();
  });

  const tokenOk = (times = 1): nock.Scope =>
    nock(AXIS)
      .post('/token', 'grant_type=client_credentials')
      .matchHeader('authorization', BASIC)
      .matchHeader('content-type', /^application\/x-www-form-urlencoded/)
      .times(times)
      .reply(200, example('token-response.json'));

  it('When the permit dossier of the example feed is sent, then the axis receives exactly the §3/§6 package, base64 in an edoc body, with the Bearer token', async () => {
    const adapter = new DocumentAdapter(options(AXIS, { clock: () => NINE_LOCAL }));
    let body: { loaiVanBan?: string; noiDung?: string } = {};
    const token = tokenOk();
    const send = nock(AXIS)
      .post(API, (b: typeof body) => {
        body = b;
        return true;
      })
      .matchHeader('authorization', `Bearer ${EXAMPLE_TOKEN}`)
      .matchHeader('content-type', /^application\/json/)
      .reply(200, example('vanbans-post-response.json'));
    const result = await adapter.deliver(permitDelivery());
    expect(result.externalId).toBe(EXAMPLE_DOC_ID);
    expect(body.loaiVanBan).toBe('edoc');
    expect(body.noiDung).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(unb64(body.noiDung!)).toBe(PERMIT_XML);
    token.done();
    send.done();
  });

  it('When the apology letter of the example dossier is built, then it is the spec example apart from the derived number, the printed addressee and the generated form', async () => {
    const adapter = new DocumentAdapter(options(AXIS, { clock: () => NINE_LOCAL }));
    const built = await adapter.build(apologyDelivery());
    expect(built.identity).toEqual({
      CodeNumber: '3283160339',
      CodeNotation: 'PXL-H40.22-251105-0001',
      Code: '3283160339/PXL-H40.22-251105-0001',
      PromulgationDate: '2025-11-19',
      DocumentId: APOLOGY_DOCUMENT_ID,
    });
    const pdf = /<edXML:ContentTransferEncoded>([^<]*)</.exec(built.xml)![1]!;
    const expected = spec('document-management/edxml-phieu-xin-loi.xml')
      .replace('<edXML:CodeNumber>15</edXML:CodeNumber>', '<edXML:CodeNumber>3283160339</edXML:CodeNumber>')
      .replace(
        '<edXML:CodeNotation>PXL-TTPVHCC</edXML:CodeNotation>',
        '<edXML:CodeNotation>PXL-H40.22-251105-0001</edXML:CodeNotation>',
      )
      .replace('000.00.22.H40,2025/11/19,15/PXL-TTPVHCC', APOLOGY_DOCUMENT_ID)
      // The record does not say how to address the applicant (Ông/Bà): the name is printed as is.
      .replace('<edXML:Place>Ông Nguyễn Văn Hùng</edXML:Place>', '<edXML:Place>Nguyễn Văn Hùng</edXML:Place>')
      .replace(/<edXML:ContentTransferEncoded>[^<]*</, `<edXML:ContentTransferEncoded>${pdf}<`);
    expect(built.xml).toBe(expected);

    const file = Buffer.from(pdf, 'base64').toString('latin1');
    expect(file.startsWith('%PDF-1.4\n')).toBe(true);
    expect(file).toContain('(Mau so 04 - Phieu xin loi va hen lai ngay tra ket qua) Tj');
    expect(file).toContain('(Ly do cham tra ket qua: Ho so phai cho xac dinh nghia vu tai chinh) Tj');
    expect(file).toContain('(Ngay hen tra ket qua moi \\(de xuat\\): 17:00 ngay 26/11/2025) Tj');
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(file)![1]);
    expect(file.slice(startxref, startxref + 4)).toBe('xref');
  });

  it('When the same delivery is built on another day and attempt, then its DocumentId is unchanged; another intent gets another one', async () => {
    const a = await new DocumentAdapter(options(AXIS, { clock: () => NINE_LOCAL })).build(apologyDelivery());
    const retry: DeliveryContext = { ...apologyDelivery(), attempt: 7 };
    const b = await new DocumentAdapter(
      options(AXIS, { clock: () => new Date('2025-12-24T10:00:00Z') }),
    ).build(retry);
    expect(b.identity.DocumentId).toBe(a.identity.DocumentId);
    const other = await new DocumentAdapter(options(AXIS)).build(
      delivery(LAND, 'guiphieuxinloi', 'xinloi-20251126170000', {
        ...APOLOGY_PARAMS,
        NgayHenTraTruoc: '20251126170000',
        NgayHenTraDeXuat: '20251203170000',
      }),
    );
    expect(other.identity.DocumentId).not.toBe(a.identity.DocumentId);
  });

  it('When the axis answers DUPLICATE, then the delivery succeeds and adopts the existing docId', async () => {
    const adapter = new DocumentAdapter(options(AXIS));
    tokenOk();
    nock(AXIS).post(API).reply(200, example('vanbans-post-response-duplicate.json'));
    const result = await adapter.deliver(permitDelivery());
    expect(result.externalId).toBe(EXAMPLE_DOC_ID);
    expect(result.note).toMatch(/already been sent; adopted docId 6f1d2c3e/);
  });

  it('When the axis refuses the package (400 INVALID_EDXML), then the error is not retryable and names the element', async () => {
    tokenOk();
    nock(AXIS).post(API).reply(400, example('vanbans-post-response-invalid.json'));
    const err = await failure(new DocumentAdapter(options(AXIS)).deliver(permitDelivery()));
    expect(err.code).toBe('GW_ERR_SYSTEM_REJECTED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('INVALID_EDXML: edXMLHeader/MessageHeader/DocumentId');
  });

  it('When a receiver is not registered (400 UNKNOWN_RECEIVER), then the error is not retryable', async () => {
    tokenOk();
    nock(AXIS).post(API).reply(400, {
      status: 'FAIL',
      errorCode: 'UNKNOWN_RECEIVER',
      errorDesc: 'edXMLHeader/MessageHeader/To/OrganId: 000.99.99.H40',
      data: null,
    });
    const err = await failure(new DocumentAdapter(options(AXIS)).deliver(permitDelivery()));
    expect(err.code).toBe('GW_ERR_SYSTEM_REJECTED');
    expect(err.retryable).toBe(false);
  });

  it('When the axis answers 500 SYSTEM_ERROR (nothing stored), then the error is retryable and known not applied', async () => {
    tokenOk();
    nock(AXIS)
      .post(API)
      .reply(500, { status: 'FAIL', errorCode: 'SYSTEM_ERROR', errorDesc: 'Lỗi hệ thống', data: null });
    const err = await failure(new DocumentAdapter(options(AXIS)).deliver(permitDelivery()));
    expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.outcome).toBe('not-applied');
  });

  it.each([502, 503, 504])(
    'When the axis answers %i (busy, unavailable), then the error is retryable with an unknown outcome',
    async (status) => {
      tokenOk();
      nock(AXIS).post(API).reply(status, 'Bad Gateway');
      const err = await failure(new DocumentAdapter(options(AXIS)).deliver(permitDelivery()));
      expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
      expect(err.retryable).toBe(true);
      expect(err.outcome).toBe('unknown');
    },
  );

  it('When the axis does not answer in time, then the error is a timeout with an unknown outcome', async () => {
    tokenOk();
    nock(AXIS).post(API).delay(400).reply(200, example('vanbans-post-response.json'));
    const err = await failure(
      new DocumentAdapter(options(AXIS, { timeoutMs: 100 })).deliver(permitDelivery()),
    );
    expect(err.code).toBe('GW_ERR_SYSTEM_TIMEOUT');
    expect(err.retryable).toBe(true);
    expect(err.outcome).toBe('unknown');
  });

  it('When the axis throttles (429 900802, Retry-After 7), then the error is rate-limited with the delay asked for', async () => {
    tokenOk();
    nock(AXIS).post(API).reply(429, example('error-throttled.json'), { 'Retry-After': '7' });
    const err = await failure(new DocumentAdapter(options(AXIS)).deliver(permitDelivery()));
    expect(err.code).toBe('GW_ERR_SYSTEM_RATE_LIMITED');
    expect(err.retryAfterSeconds).toBe(7);
    expect(err.retryable).toBe(true);
  });

  it('When the token is refused (401 900901), then a new token is fetched and the same request is sent once more', async () => {
    const tokens = tokenOk(2);
    const bodies: string[] = [];
    nock(AXIS)
      .post(API, (b: { noiDung: string }) => {
        bodies.push(b.noiDung);
        return true;
      })
      .reply(401, example('error-invalid-credentials.json'))
      .post(API)
      .reply(200, example('vanbans-post-response.json'));
    const result = await new DocumentAdapter(options(AXIS)).deliver(permitDelivery());
    expect(result.externalId).toBe(EXAMPLE_DOC_ID);
    expect(bodies).toHaveLength(1);
    tokens.done();
  });

  it('When a fresh token is refused as well, then the error is an authentication failure that may pass, with the outcome known', async () => {
    tokenOk(2);
    nock(AXIS).post(API).times(2).reply(401, example('error-invalid-credentials.json'));
    const err = await failure(new DocumentAdapter(options(AXIS)).deliver(permitDelivery()));
    expect(err.code).toBe('GW_ERR_SYSTEM_AUTH');
    expect(err.retryable).toBe(true);
    expect(err.outcome).toBe('not-applied');
  });

  it('When the consumer key or secret is wrong (401 invalid_client), then nothing is sent and the error is not retryable', async () => {
    nock(AXIS)
      .post('/token')
      .reply(401, { error: 'invalid_client', error_description: 'Client Authentication failed.' });
    const err = await failure(new DocumentAdapter(options(AXIS)).deliver(permitDelivery()));
    expect(err.code).toBe('GW_ERR_SYSTEM_AUTH');
    expect(err.retryable).toBe(false);
    expect(nock.isDone()).toBe(true);
  });

  it('When the token endpoint is unavailable, then the error is retryable and known not applied (the document was never sent)', async () => {
    nock(AXIS).post('/token').reply(503, 'Service Unavailable');
    const err = await failure(new DocumentAdapter(options(AXIS)).deliver(permitDelivery()));
    expect(err.code).toBe('GW_ERR_SYSTEM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.outcome).toBe('not-applied');
  });

  it('When several deliveries need a token at once, then one token request is made (single flight)', async () => {
    const tokens = tokenOk(1);
    nock(AXIS).post(API).times(4).reply(200, example('vanbans-post-response.json'));
    const adapter = new DocumentAdapter(options(AXIS));
    await Promise.all([1, 2, 3, 4].map(() => adapter.deliver(permitDelivery())));
    tokens.done();
  });

  it('When the token nears its expiry (3600 s, 60 s margin), then it is renewed before use, and not earlier', async () => {
    let now = NINE_LOCAL.getTime();
    const adapter = new DocumentAdapter(options(AXIS, { clock: () => new Date(now) }));
    const tokens = tokenOk(2);
    nock(AXIS).post(API).times(3).reply(200, example('vanbans-post-response.json'));
    await adapter.deliver(permitDelivery());
    now += 3539_000;
    await adapter.deliver(permitDelivery());
    expect(tokens.pendingMocks()).toHaveLength(1);
    now += 2_000;
    await adapter.deliver(permitDelivery());
    tokens.done();
  });

  it('When the example inbox is read for an open permit dossier whose document has that docId, then 03 and 06 become statuses 4 and 9 at local times', async () => {
    tokenOk();
    nock(AXIS)
      .get(API)
      .query({ loaiVanBan: 'status', trangThai: 'INITIAL' })
      .matchHeader('authorization', `Bearer ${EXAMPLE_TOKEN}`)
      .reply(200, example('inbox-response.json'));
    const batch = await new DocumentAdapter(options(AXIS)).poll({
      open: [{ MaHoSo: 'H40.22-251105-0004', externalId: EXAMPLE_DOC_ID }],
      cursor: undefined,
      now: new Date(),
      log,
    });
    expect(batch.rejects).toEqual([]);
    expect(batch.events.map((e) => [e.MaHoSo, e.status, e.occurredAt, e.externalId])).toEqual([
      ['H40.22-251105-0004', '4', '20251119091240', EXAMPLE_DOC_ID],
      ['H40.22-251105-0004', '9', '20251119152005', EXAMPLE_DOC_ID],
    ]);
    expect(batch.events[0]!.eventId).toBe('000.00.22.H40,2025/11/19,15/PXL-TTPVHCC~03~20251119091240');
    expect(batch.events[0]!.progress).toEqual({
      NguoiXuLy: 'Nguyễn Thị Thảo',
      ChucDanh: '',
      PhongBanXuLy: 'Văn thư',
      NoiDungXuLy: 'Văn phòng đăng ký đất đai tỉnh Nghệ An đã tiếp nhận văn bản 15/PXL-TTPVHCC',
      NgayKetThucTheoQuyDinh: '',
    });
  });

  it('When the example statuses concern our apology letter, then 03 changes nothing and 06 carries NgayHenTraMoi, the letter number and its signing time', async () => {
    tokenOk();
    const items = [
      { id: 90412, docId: EXAMPLE_DOC_ID, noiDung: b64(statusAbout('status-03.xml', APOLOGY_DOCUMENT_ID)) },
      { id: 90437, docId: EXAMPLE_DOC_ID, noiDung: b64(statusAbout('status-06.xml', APOLOGY_DOCUMENT_ID)) },
    ];
    nock(AXIS)
      .get(API)
      .query(true)
      .reply(200, { ...example('inbox-response.json'), data: items });
    const batch = await new DocumentAdapter(options(AXIS)).poll({
      open: [],
      cursor: undefined,
      now: new Date(),
      log,
    });
    expect(batch.rejects).toEqual([]);
    const [received, signed] = batch.events;
    expect(received).toMatchObject({ MaHoSo: 'H40.22-251105-0001', occurredAt: '20251119091240' });
    expect(received!.status).toBeUndefined();
    expect(received!.progress).toBeUndefined();
    expect(received!.externalId).toBeUndefined();
    expect(signed!.status).toBeUndefined();
    expect(signed!.facts).toEqual({ NgayHenTraMoi: '20251126170000' });
    expect(signed!.data?.XinLoi).toEqual({
      SoVanBan: '3283160339/PXL-H40.22-251105-0001',
      NgayXinLoi: '20251119152005',
      NgayHenTraMoi: '20251126170000',
    });
    expect(signed!.progress?.NoiDungXuLy).toBe(
      'Văn phòng đăng ký đất đai tỉnh Nghệ An đã ký phiếu xin lỗi và hẹn lại ngày trả kết quả số 3283160339/PXL-H40.22-251105-0001; ngày hẹn trả mới 17:00 ngày 26/11/2025',
    );
  });

  it('When the commit runs, then parsed items are acknowledged DONE and rejects FAIL, and a 409 on an acknowledged item is fine', async () => {
    tokenOk();
    const good = { id: 90437, docId: 'x', noiDung: b64(statusAbout('status-06.xml', PERMIT_DOCUMENT_ID)) };
    const unknownDoc = {
      id: 90412,
      docId: EXAMPLE_DOC_ID,
      noiDung: b64(spec('document-management/status-03.xml')),
    };
    const doctype = {
      id: 90500,
      docId: 'x',
      noiDung: b64('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>'),
    };
    nock(AXIS)
      .get(API)
      .query(true)
      .reply(200, {
        status: 'OK',
        errorCode: '0',
        errorDesc: 'Thành công',
        data: [unknownDoc, good, doctype],
      });
    const acks: Array<[string, unknown]> = [];
    nock(AXIS)
      .put(/\/truclienthong\/v1\.0\.0\/vanbans\/\d+$/, (b: unknown) => {
        acks.push(['?', b]);
        return true;
      })
      .times(3)
      .reply((uri) => {
        acks[acks.length - 1]![0] = uri.split('/').pop()!;
        return uri.endsWith('/90437')
          ? [409, example('ack-response-conflict.json')]
          : [200, example('ack-response.json')];
      });
    const batch: PollBatch = await new DocumentAdapter(options(AXIS)).poll({
      open: [],
      cursor: undefined,
      now: new Date(),
      log,
    });
    expect(batch.events.map((e) => [e.MaHoSo, e.status])).toEqual([['H40.22-251105-0004', '9']]);
    expect(batch.rejects.map((r) => r.ref)).toEqual(['inbox:90412', 'inbox:90500']);
    expect(batch.rejects[1]!.reason).toMatch(/DOCTYPE/);
    await batch.commit!();
    expect(acks).toEqual([
      ['90412', { trangThai: 'FAIL' }],
      ['90437', { trangThai: 'DONE' }],
      ['90500', { trangThai: 'FAIL' }],
    ]);
  });

  it('When the inbox read is throttled, then the poll returns nothing and the delay asked for', async () => {
    tokenOk();
    nock(AXIS).get(API).query(true).reply(429, example('error-throttled.json'), { 'Retry-After': '3' });
    const batch = await new DocumentAdapter(options(AXIS)).poll({
      open: [],
      cursor: undefined,
      now: new Date(),
      log,
    });
    expect(batch).toEqual({ events: [], rejects: [], retryAfterMs: 3000 });
  });

  it('When the inbox is empty, then the poll has no events and nothing to acknowledge', async () => {
    tokenOk();
    nock(AXIS).get(API).query(true).reply(200, example('inbox-response-empty.json'));
    const batch = await new DocumentAdapter(options(AXIS)).poll({
      open: [],
      cursor: undefined,
      now: new Date(),
      log,
    });
    expect(batch.events).toEqual([]);
    await batch.commit!();
  });
});

describe('document adapter: plan and requirements', () => {
  const adapter = new DocumentAdapter(options(AXIS));

  it('When a dossier routed to document management arrives, then one guivanban is planned, the same for every version', () => {
    expect(adapter.plan({ previous: null, current: PERMIT })).toEqual([
      { operation: 'guivanban', intentKey: 'guivanban' },
    ]);
    expect(adapter.plan({ previous: PERMIT, current: { ...PERMIT, TrangThaiHoSo: '4' } })).toEqual([
      { operation: 'guivanban', intentKey: 'guivanban' },
    ]);
    expect(adapter.plan({ previous: null, current: { ...PERMIT, TrangThaiHoSo: '3' } })).toEqual([]);
  });

  it('When the record lacks the VanBan block or its dates, then the requirements name them', () => {
    expect(adapter.requirements(PERMIT)).toEqual([]);
    const { VanBan: _v, ...noBlock } = PERMIT;
    expect(adapter.requirements(noBlock as DossierRecord).map((v) => v.path)).toEqual(['/VanBan']);
    expect(
      adapter
        .requirements({ ...PERMIT, VanBan: { ...PERMIT.VanBan!, NoiNhan: [] }, NgayHenTra: '' })
        .map((v) => v.path),
    ).toEqual(['/VanBan/NoiNhan', '/NgayHenTra']);
  });

  it('When an apology letter has bad params or an unconfigured agency, then it is refused before anything is sent', async () => {
    expect((await failure(adapter.build(apologyDelivery({ ...APOLOGY_PARAMS, LyDo: '' })))).code).toBe(
      'GW_ERR_SYSTEM_REJECTED',
    );
    expect(
      (
        await failure(
          adapter.build(apologyDelivery({ ...APOLOGY_PARAMS, NgayHenTraDeXuat: '20251118170000' })),
        )
      ).message,
    ).toMatch(/later than/);
    expect((await failure(adapter.build(apologyDelivery({ ...APOLOGY_PARAMS, agency: 'tax' })))).code).toBe(
      'GW_ERR_CONFIG_INVALID',
    );
  });
});

describe('document adapter against the LGSP simulator (loopback)', () => {
  let sim: DocumentSimulator;
  let url: string;

  beforeAll(() => {
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  beforeEach(async () => {
    sim = createDocumentSimulator({ quotaPerSecond: 0 });
    url = await sim.start();
  });
  afterEach(async () => {
    await sim.close();
  });
  afterAll(() => {
    nock.enableNetConnect();
  });

  const poll = (
    adapter: DocumentAdapter,
    open: Array<{ MaHoSo: string; externalId?: string }> = [],
  ): Promise<PollBatch> => adapter.poll({ open, cursor: undefined, now: new Date(), log });

  it('When the dossier document is delivered twice, then the axis holds exactly one document and the same docId is returned', async () => {
    const adapter = new DocumentAdapter(options(url));
    const first = await adapter.deliver(permitDelivery());
    const second = await adapter.deliver(permitDelivery());
    expect(sim.entries(PERMIT.MaHoSo)).toBe(1);
    expect(second.externalId).toBe(first.externalId);
    expect(sim.document(PERMIT.MaHoSo)?.DocumentId).toBe(PERMIT_DOCUMENT_ID);
    expect(sim.counters.duplicates).toBe(1);
  });

  it('When the send is applied and the connection then drops, then the outcome is unknown, lookup cannot tell, and the resend adopts the stored document', async () => {
    const adapter = new DocumentAdapter(options(url));
    sim.setFaults({ dropAfterCommitNext: 1 });
    const err = await failure(adapter.deliver(permitDelivery()));
    expect(err.outcome).toBe('unknown');
    expect(err.retryable).toBe(true);
    expect(sim.entries(PERMIT.MaHoSo)).toBe(1);
    expect(await adapter.lookup(permitDelivery())).toEqual({ found: false });
    const again = await adapter.deliver({ ...permitDelivery(), attempt: 2 });
    expect(again.externalId).toBe(sim.document(PERMIT.MaHoSo)?.docId);
    expect(again.note).toMatch(/adopted/);
    expect(sim.entries(PERMIT.MaHoSo)).toBe(1);
  });

  it('When the send is applied and no answer comes in time, then the error is a timeout and the resend still leaves one document', async () => {
    const adapter = new DocumentAdapter(options(url, { timeoutMs: 300 }));
    sim.setFaults({ timeoutAfterCommitNext: 1 });
    const err = await failure(adapter.deliver(permitDelivery()));
    expect(err.code).toBe('GW_ERR_SYSTEM_TIMEOUT');
    await adapter.deliver(permitDelivery());
    expect(sim.entries(PERMIT.MaHoSo)).toBe(1);
  });

  it('When the apology letter is delivered, then the axis accepts it under the one-stop profile as the letter of its dossier', async () => {
    const adapter = new DocumentAdapter(options(url));
    const result = await adapter.deliver(apologyDelivery());
    expect(result.externalId).toBeUndefined();
    expect(sim.entries(LAND.MaHoSo, 'apology')).toBe(1);
    const stored = sim.document(APOLOGY_DOCUMENT_ID)!;
    expect(stored.contentSegments).toEqual({
      MaHoSo: 'H40.22-251105-0001',
      NgayHenTra: '20251119170000',
      NgayHenTraDeXuat: '20251126170000',
      LyDo: 'Hồ sơ phải chờ xác định nghĩa vụ tài chính',
    });
    await adapter.deliver(apologyDelivery());
    expect(sim.entries(LAND.MaHoSo, 'apology')).toBe(1);
  });

  it('When the recipient reports 01, 03, 04, 05 then 06, then the poll yields statuses 4,4,4,4,9 at their local times, and after the commit the inbox is empty', async () => {
    const adapter = new DocumentAdapter(options(url));
    const { externalId } = await adapter.deliver(permitDelivery());
    sim.setStatuses(PERMIT.MaHoSo, [
      { StatusCode: '01', Timestamp: '2025/11/06 08:00:00' },
      {
        StatusCode: '03',
        Timestamp: '2025/11/06 08:30:00',
        StaffInfo: { Staff: 'Nguyễn Thị Thảo', Department: 'Văn thư' },
      },
      { StatusCode: '04', Timestamp: '2025/11/06 09:00:00' },
      { StatusCode: '05', Timestamp: '2025/11/07 14:00:00' },
      { StatusCode: '06', Timestamp: '2025/11/18 16:45:10' },
    ]);
    const batch = await poll(adapter);
    expect(batch.rejects).toEqual([]);
    expect(batch.events.map((e) => [e.status, e.occurredAt])).toEqual([
      ['4', '20251106080000'],
      ['4', '20251106083000'],
      ['4', '20251106090000'],
      ['4', '20251107140000'],
      ['9', '20251118164510'],
    ]);
    expect(batch.events.every((e) => e.MaHoSo === PERMIT.MaHoSo && e.externalId === externalId)).toBe(true);
    expect(batch.events[1]!.progress?.NguoiXuLy).toBe('Nguyễn Thị Thảo');
    await batch.commit!();
    expect(sim.inbox('INITIAL')).toEqual([]);
    expect(sim.inbox('DONE')).toHaveLength(5);
    expect((await poll(adapter)).events).toEqual([]);
  });

  it('When statuses arrive out of order and one twice, then the events are ordered by Timestamp, the repeat is one event, and every item is acknowledged', async () => {
    const adapter = new DocumentAdapter(options(url));
    await adapter.deliver(permitDelivery());
    sim.setFaults({ reorderStatuses: true, duplicateStatusNext: 1 });
    sim.setStatuses(PERMIT.MaHoSo, [
      { StatusCode: '03', Timestamp: '2025/11/06 08:30:00' },
      { StatusCode: '02', Timestamp: '2025/11/06 10:00:00', Description: 'Sai thẩm quyền' },
    ]);
    const batch = await poll(adapter);
    expect(sim.inbox('INITIAL')).toHaveLength(3);
    expect(batch.events.map((e) => [e.kind, e.status])).toEqual([
      ['guivanban 03 (đã tiếp nhận)', '4'],
      ['guivanban 02 (từ chối tiếp nhận)', '8'],
    ]);
    expect(batch.events[1]!.progress?.NoiDungXuLy).toContain('Sai thẩm quyền');
    await batch.commit!();
    expect(sim.inbox('INITIAL')).toEqual([]);
  });

  it('When the signed apology letter is reported (06), then the event carries NgayHenTraMoi as a fact and no status; without the date the item is rejected FAIL', async () => {
    const adapter = new DocumentAdapter(options(url));
    await adapter.deliver(apologyDelivery());
    sim.setStatuses(LAND.MaHoSo, [
      { StatusCode: '03', Timestamp: '2025/11/19 09:12:40' },
      { StatusCode: '06', Timestamp: '2025/11/19 15:20:05', NgayHenTraMoi: '20251128170000' },
    ]);
    let batch = await poll(adapter);
    expect(batch.rejects).toEqual([]);
    expect(batch.events.map((e) => [e.MaHoSo, e.status, e.facts])).toEqual([
      ['H40.22-251105-0001', undefined, undefined],
      ['H40.22-251105-0001', undefined, { NgayHenTraMoi: '20251128170000' }],
    ]);
    expect(batch.events[1]!.data?.XinLoi).toEqual({
      SoVanBan: '3283160339/PXL-H40.22-251105-0001',
      NgayXinLoi: '20251119152005',
      NgayHenTraMoi: '20251128170000',
    });
    await batch.commit!();

    sim.setStatus(LAND.MaHoSo, '06', { Timestamp: '2025/11/19 16:00:00', NgayHenTraMoi: null });
    batch = await poll(adapter);
    expect(batch.events).toEqual([]);
    expect(batch.rejects[0]!.reason).toMatch(/must carry NgayHenTraMoi/);
    await batch.commit!();
    expect(sim.inbox('FAIL')).toHaveLength(1);
  });

  it('When inbox items are unreadable or carry a code of a future version, then unreadable ones are rejected FAIL and the unknown code is acknowledged DONE without an event', async () => {
    const adapter = new DocumentAdapter(options(url));
    await adapter.deliver(permitDelivery());
    const bad = [
      sim.injectMalformedStatus({ kind: 'truncated-xml' }),
      sim.injectMalformedStatus({ kind: 'not-base64' }),
      sim.injectMalformedStatus({ kind: 'not-status' }),
    ];
    const [future] = sim.setStatus(PERMIT.MaHoSo, '21');
    const batch = await poll(adapter);
    expect(batch.events).toEqual([]);
    expect(batch.rejects.map((r) => r.ref)).toEqual(bad.map((i) => `inbox:${i.id}`));
    await batch.commit!();
    expect(sim.inbox('FAIL').map((i) => i.id)).toEqual(bad.map((i) => i.id));
    expect(sim.inbox('DONE').map((i) => i.id)).toEqual([future!.id]);
  });

  it('When more than a page of statuses waits, then each poll takes one page of 50 and the next poll, after the commit, the rest', async () => {
    const adapter = new DocumentAdapter(options(url));
    await adapter.deliver(permitDelivery());
    sim.setStatuses(
      PERMIT.MaHoSo,
      Array.from({ length: 60 }, (_, i) => ({
        StatusCode: '05',
        Timestamp: `2025/11/07 10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
      })),
    );
    const first = await poll(adapter);
    expect(first.events).toHaveLength(50);
    await first.commit!();
    const second = await poll(adapter);
    expect(second.events).toHaveLength(10);
    await second.commit!();
    expect(sim.inbox('DONE')).toHaveLength(60);
  });

  it('When the tokens are revoked, then the next call gets a new token and succeeds', async () => {
    const adapter = new DocumentAdapter(options(url));
    await adapter.deliver(permitDelivery());
    expect(sim.expireTokens()).toBe(1);
    await adapter.deliver(apologyDelivery());
    expect(sim.counters.invalidCredentials).toBe(1);
    expect(sim.counters.tokensIssued).toBe(2);
    expect(sim.entries(LAND.MaHoSo, 'apology')).toBe(1);
  });

  it('When a short-lived token nears its expiry, then it is renewed before use and the axis never refuses it', async () => {
    await sim.close();
    sim = createDocumentSimulator({ quotaPerSecond: 0, tokenLifetimeSeconds: 2 });
    url = await sim.start();
    const adapter = new DocumentAdapter(options(url));
    await adapter.deliver(permitDelivery());
    await new Promise((r) => setTimeout(r, 1900));
    await adapter.deliver(permitDelivery());
    expect(sim.counters.tokensIssued).toBe(2);
    expect(sim.counters.invalidCredentials).toBe(0);
  });

  it('When the quota is exceeded during a commit, then each 429 is waited out and every item is still acknowledged', async () => {
    await sim.close();
    sim = createDocumentSimulator({ quotaPerSecond: 4 });
    url = await sim.start();
    const adapter = new DocumentAdapter(options(url, { maxRequestsPerSecond: 0 }));
    await adapter.deliver(permitDelivery());
    sim.setStatuses(
      PERMIT.MaHoSo,
      Array.from({ length: 6 }, (_, i) => ({ StatusCode: '05', Timestamp: `2025/11/07 10:00:0${i}` })),
    );
    const batch = await poll(adapter);
    await batch.commit!();
    expect(sim.counters.throttled).toBeGreaterThan(0);
    expect(sim.inbox('DONE')).toHaveLength(6);
  });

  it('When pacing is on (default 15/s), then a page and its acknowledgements stay within the 20/s quota', async () => {
    await sim.close();
    sim = createDocumentSimulator({ quotaPerSecond: 20 });
    url = await sim.start();
    const adapter = new DocumentAdapter(options(url, { maxRequestsPerSecond: undefined }));
    await adapter.deliver(permitDelivery());
    sim.setStatuses(
      PERMIT.MaHoSo,
      Array.from({ length: 25 }, (_, i) => ({
        StatusCode: '05',
        Timestamp: `2025/11/07 10:00:${String(i).padStart(2, '0')}`,
      })),
    );
    const batch = await poll(adapter);
    await batch.commit!();
    expect(sim.counters.throttled).toBe(0);
    expect(sim.inbox('DONE')).toHaveLength(25);
  });

  it('When the axis throttles the inbox read (Retry-After 2), then the poll asks to wait 2 s', async () => {
    const adapter = new DocumentAdapter(options(url));
    sim.setFaults({ rateLimitNext: 1, retryAfterSeconds: 2 });
    expect(await poll(adapter)).toEqual({ events: [], rejects: [], retryAfterMs: 2000 });
  });

  describe('with the lodged files embedded', () => {
    let files: http.Server;
    let filesUrl: string;
    const served: string[] = [];

    beforeAll(async () => {
      files = http.createServer((req, res) => {
        served.push(req.url ?? '');
        if (req.url?.endsWith('/missing.pdf')) {
          res.writeHead(404).end('Not Found');
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/pdf' }).end(`%PDF-1.4\n% ${req.url}\n%%EOF\n`);
      });
      await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
      filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((r) => files.close(r));
    });

    const withLoopbackFiles = (record: DossierRecord): DossierRecord => ({
      ...record,
      TaiLieuNop: record.TaiLieuNop.map((t) => ({
        ...t,
        DuongDanTaiTepTin: t.DuongDanTaiTepTin.replace('http://localhost:8081', filesUrl),
      })),
    });

    it('When attachLodgedDocuments is on, then each TaiLieuNop file is downloaded from its URL and carried as a matching Reference/Attachment pair', async () => {
      const adapter = new DocumentAdapter(options(url, { attachLodgedDocuments: true }));
      const record = withLoopbackFiles(PERMIT);
      await adapter.deliver({ ...permitDelivery(), record });
      expect(served).toEqual([
        '/files/H40.22-251105-0004/don-de-nghi-cap-gpxd.pdf',
        '/files/H40.22-251105-0004/ban-ve-thiet-ke.pdf',
      ]);
      const stored = sim.document(PERMIT.MaHoSo)!;
      expect(stored.attachments.map((a) => [a.ContentId, a.ContentType, a.AttachmentName])).toEqual([
        ['cid:tl-01', 'application/pdf', 'don-de-nghi-cap-gpxd.pdf'],
        ['cid:tl-02', 'application/pdf', 'ban-ve-thiet-ke.pdf'],
      ]);
    });

    it('When a lodged file cannot be downloaded (404), then nothing is sent and the error is not retryable', async () => {
      const adapter = new DocumentAdapter(options(url, { attachLodgedDocuments: true }));
      const record = withLoopbackFiles(PERMIT);
      record.TaiLieuNop[1] = {
        ...record.TaiLieuNop[1]!,
        DuongDanTaiTepTin: `${filesUrl}/files/x/missing.pdf`,
      };
      const err = await failure(adapter.deliver({ ...permitDelivery(), record }));
      expect(err.code).toBe('GW_ERR_SYSTEM_REJECTED');
      expect(err.outcome).toBe('not-applied');
      expect(sim.counters.sends).toBe(0);
    });
  });
});
