import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDocumentSimulator,
  readStatusXml,
  type DocumentSimulator,
  type DocumentSimulatorOptions,
} from '../../src/simulators/document/index.js';

type Json = Record<string, unknown>;

const exampleText = (name: string): string =>
  readFileSync(
    new URL(`../../../shared/specs/examples/document-management/${name}`, import.meta.url),
    'utf8',
  );
const example = (name: string): Json => JSON.parse(exampleText(name)) as Json;

const API = '/truclienthong/v1.0.0/vanbans';
const INBOX = `${API}?loaiVanBan=status&trangThai=INITIAL`;
const BASIC = 'Basic bW90Y3VhX2g0MF9rZXk6RXhhbXBsZS1TZWNyZXQ='; // the §2 example: motcua_h40_key:Example-Secret
const MA_LAND = 'H40.22-251105-0001';
const MA_PERMIT = 'H40.22-251105-0004';
const DOCUMENT_ID = '000.00.22.H40,2025/11/19,15/PXL-TTPVHCC';
const APOLOGY_XML = exampleText('edxml-phieu-xin-loi.xml');

const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');
const unb64 = (text: string): string => Buffer.from(text, 'base64').toString('utf8');

/** The apology letter of the example with another document number (hence another DocumentId). */
const withCode = (xml: string, codeNumber: string): string =>
  xml
    .replace('<edXML:CodeNumber>15</edXML:CodeNumber>', `<edXML:CodeNumber>${codeNumber}</edXML:CodeNumber>`)
    .replace(DOCUMENT_ID, `000.00.22.H40,2025/11/19,${codeNumber}/PXL-TTPVHCC`);

/** A dossier document (§6 (a)): the building permit of dossier 0004 sent to the ward for signature. */
function permitXml(
  codeNumber = '21',
  subject = `Cấp giấy phép xây dựng nhà ở riêng lẻ, hồ sơ ${MA_PERMIT}`,
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLHeader>
    <edXML:MessageHeader>
      <edXML:From>
        <edXML:OrganId>000.00.22.H40</edXML:OrganId>
        <edXML:OrganName>Trung tâm Phục vụ hành chính công tỉnh Nghệ An</edXML:OrganName>
      </edXML:From>
      <edXML:To>
        <edXML:OrganId>000.07.40.H40</edXML:OrganId>
        <edXML:OrganName>Ủy ban nhân dân phường Trường Vinh</edXML:OrganName>
      </edXML:To>
      <edXML:Code>
        <edXML:CodeNumber>${codeNumber}</edXML:CodeNumber>
        <edXML:CodeNotation>GPXD-UBND</edXML:CodeNotation>
      </edXML:Code>
      <edXML:PromulgationInfo>
        <edXML:Place>Nghệ An</edXML:Place>
        <edXML:PromulgationDate>2025-11-12</edXML:PromulgationDate>
      </edXML:PromulgationInfo>
      <edXML:DocumentType>
        <edXML:Type>1</edXML:Type>
        <edXML:TypeName>Giấy phép</edXML:TypeName>
      </edXML:DocumentType>
      <edXML:Subject>${subject}</edXML:Subject>
      <edXML:Content>MaHoSo=${MA_PERMIT}</edXML:Content>
      <edXML:SignerInfo>
        <edXML:Competence>TM. ỦY BAN NHÂN DÂN</edXML:Competence>
        <edXML:Position>Chủ tịch</edXML:Position>
        <edXML:FullName></edXML:FullName>
      </edXML:SignerInfo>
      <edXML:DueDate>2025-11-18</edXML:DueDate>
      <edXML:OtherInfo>
        <edXML:Priority>0</edXML:Priority>
      </edXML:OtherInfo>
      <edXML:SteeringType>0</edXML:SteeringType>
      <edXML:DocumentId>000.00.22.H40,2025/11/12,${codeNumber}/GPXD-UBND</edXML:DocumentId>
    </edXML:MessageHeader>
    <edXML:TraceHeaderList>
      <edXML:TraceHeader>
        <edXML:OrganId>000.00.22.H40</edXML:OrganId>
        <edXML:Timestamp>2025/11/12 10:00:00</edXML:Timestamp>
      </edXML:TraceHeader>
      <edXML:Bussiness>
        <edXML:BussinessDocType>0</edXML:BussinessDocType>
        <edXML:Paper>0</edXML:Paper>
      </edXML:Bussiness>
    </edXML:TraceHeaderList>
  </edXML:edXMLHeader>
  <edXML:edXMLBody>
    <edXML:edXMLManifest/>
  </edXML:edXMLBody>
  <edXML:AttachmentEncoded/>
</edXML:edXMLEnvelope>
`;
}

const sims: DocumentSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

interface Started {
  sim: DocumentSimulator;
  url: string;
  token: () => Promise<string>;
  call: (
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ) => Promise<{ status: number; body: Json; headers: Headers }>;
  send: (xml: string, token?: string) => Promise<{ status: number; body: Json }>;
}

async function start(options: DocumentSimulatorOptions = {}): Promise<Started> {
  const sim = createDocumentSimulator(options);
  sims.push(sim);
  const url = await sim.start();
  let cached: string | undefined;
  const token = async (): Promise<string> => {
    const res = await fetch(`${url}/token`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const body = (await res.json()) as { access_token: string };
    return body.access_token;
  };
  const call = async (method: string, path: string, body?: unknown, tok?: string) => {
    cached ??= await token();
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tok ?? cached}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: (text.startsWith('{') ? JSON.parse(text) : { text }) as Json,
      headers: res.headers,
    };
  };
  const send = (xml: string, tok?: string) =>
    call('POST', API, { loaiVanBan: 'edoc', noiDung: b64(xml) }, tok);
  return { sim, url, token, call, send };
}

const docIdOf = (body: Json): string => (body.data as { docId: string }).docId;
const items = (body: Json) => body.data as Array<{ id: number; docId: string; noiDung: string }>;

describe('POST /token (§2)', () => {
  it('When the client presents the example consumer key and secret, then it gets a Bearer token shaped like token-response.json', async () => {
    const { url, sim } = await start();
    const res = await fetch(`${url}/token`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as Json;
    const shape = example('token-response.json');
    expect(Object.keys(body).sort()).toEqual(Object.keys(shape).sort());
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(3600);
    expect(typeof body.access_token).toBe('string');
    expect(sim.counters.tokenRequests).toBe(1);
    expect(sim.counters.tokensIssued).toBe(1);
  });

  it('When the secret is wrong or Basic is missing, then 401 invalid_client and no token', async () => {
    const { url, sim } = await start();
    const wrong = `Basic ${b64('motcua_h40_key:wrong')}`;
    for (const authorization of [wrong, undefined]) {
      const res = await fetch(`${url}/token`, {
        method: 'POST',
        headers: {
          ...(authorization ? { authorization } : {}),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as Json).error).toBe('invalid_client');
    }
    expect(sim.counters.tokensIssued).toBe(0);
    expect(sim.counters.tokenRejections).toBe(2);
  });

  it('When the grant is not client_credentials form data, then 400 unsupported_grant_type', async () => {
    const { url } = await start();
    const attempts: Array<[string, string]> = [
      ['application/x-www-form-urlencoded', 'grant_type=password'],
      ['application/x-www-form-urlencoded', ''],
      ['application/json', '{"grant_type":"client_credentials"}'],
    ];
    for (const [type, body] of attempts) {
      const res = await fetch(`${url}/token`, {
        method: 'POST',
        headers: { authorization: BASIC, 'content-type': type },
        body,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).error).toBe('unsupported_grant_type');
    }
  });

  it('When the token lifetime has passed, then the API answers 401 error-invalid-credentials.json and a new token works', async () => {
    let now = Date.parse('2025-11-19T02:00:00Z');
    const { call, token, sim } = await start({ tokenLifetimeSeconds: 60, clock: () => new Date(now) });
    const first = await token();
    expect((await call('GET', INBOX, undefined, first)).status).toBe(200);
    now += 60_000;
    const expired = await call('GET', INBOX, undefined, first);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(example('error-invalid-credentials.json'));
    expect((await call('GET', INBOX, undefined, await token())).status).toBe(200);
    expect(sim.counters.invalidCredentials).toBe(1);
  });

  it('When expireTokens() is called, then every issued token is refused with 900901', async () => {
    const { call, token, sim } = await start();
    const t = await token();
    expect(sim.expireTokens()).toBe(1);
    const res = await call('GET', INBOX, undefined, t);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(example('error-invalid-credentials.json'));
  });

  it('When tokenFailNext is set, then the token endpoint answers 503 that many times, then issues tokens again', async () => {
    const { url, sim } = await start();
    sim.setFaults({ tokenFailNext: 1 });
    const ask = () =>
      fetch(`${url}/token`, {
        method: 'POST',
        headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
    expect((await ask()).status).toBe(503);
    expect((await ask()).status).toBe(200);
  });
});

describe('Bearer authentication on /truclienthong (§2)', () => {
  it('When the token is missing or unknown, then 401 with the body of error-invalid-credentials.json and nothing is stored', async () => {
    const { url, call, sim } = await start();
    const missing = await fetch(`${url}${API}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: exampleText('vanbans-post-request.json'),
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual(example('error-invalid-credentials.json'));
    const unknown = await call('POST', API, exampleText('vanbans-post-request.json'), 'not-a-token');
    expect(unknown.status).toBe(401);
    expect(sim.entries(MA_LAND)).toBe(0);
  });
});

describe('POST /truclienthong/v1.0.0/vanbans (§3, §4)', () => {
  it('When the example request is sent, then 200 OK with a docId and the package is stored byte-identical', async () => {
    const { call, sim } = await start();
    const res = await call('POST', API, exampleText('vanbans-post-request.json'));
    expect(res.status).toBe(200);
    const shape = example('vanbans-post-response.json');
    expect({ ...res.body, data: null }).toEqual({ ...shape, data: null });
    const docId = docIdOf(res.body);
    expect(docId.length).toBeGreaterThanOrEqual(1);
    expect(docId.length).toBeLessThanOrEqual(64);
    const doc = sim.document(docId);
    expect(doc?.edxml).toBe(APOLOGY_XML);
    expect(doc?.noiDung).toBe(example('vanbans-post-request.json').noiDung);
    expect(doc?.kind).toBe('apology');
    expect(doc?.maHoSo).toBe(MA_LAND);
    expect(doc?.nfc).toBe(true);
    expect(doc?.contentSegments.LyDo).toBe('Hồ sơ phải chờ xác định nghĩa vụ tài chính');
    expect(sim.entries(MA_LAND)).toBe(1);
    expect(sim.documentsWithDocumentId(DOCUMENT_ID)).toBe(1);
    expect(sim.counters.sends).toBe(1);
    expect(sim.counters.accepted).toBe(1);
  });

  it('When the same DocumentId is sent again (even with other content), then DUPLICATE with the first docId and entries stay 1', async () => {
    const { call, send, sim } = await start();
    const first = await call('POST', API, exampleText('vanbans-post-request.json'));
    const again = await send(APOLOGY_XML.replace('Lưu: VT', 'Lưu: VT, TTPV'));
    expect(again.status).toBe(200);
    const duplicate = example('vanbans-post-response-duplicate.json');
    expect(again.body).toEqual({ ...duplicate, data: { docId: docIdOf(first.body) } });
    expect(sim.entries(MA_LAND)).toBe(1);
    expect(sim.document(DOCUMENT_ID)?.edxml).toBe(APOLOGY_XML);
    expect(sim.counters.duplicates).toBe(1);
  });

  it('When a different DocumentId is sent for the same dossier, then it is a second document', async () => {
    const { send, sim } = await start();
    const a = await send(APOLOGY_XML);
    const b = await send(withCode(APOLOGY_XML, '16'));
    expect(b.body.status).toBe('OK');
    expect(docIdOf(b.body)).not.toBe(docIdOf(a.body));
    expect(sim.entries(MA_LAND)).toBe(2);
    expect(sim.entries(MA_LAND, 'apology')).toBe(2);
  });

  it('When a dossier document (§6 (a)) without attachments is sent, then it is accepted and counted for its dossier', async () => {
    const { send, sim } = await start();
    const res = await send(permitXml());
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('OK');
    const doc = sim.document(docIdOf(res.body));
    expect(doc?.kind).toBe('dossier');
    expect(doc?.edxml).toBe(permitXml());
    expect(sim.entries(MA_PERMIT, 'dossier')).toBe(1);
  });

  it('When the DocumentId does not match its parts, then 400 with the body of vanbans-post-response-invalid.json', async () => {
    const { send, sim } = await start();
    const res = await send(
      APOLOGY_XML.replace(
        `<edXML:DocumentId>${DOCUMENT_ID}</edXML:DocumentId>`,
        '<edXML:DocumentId>000.00.22.H40,2025/11/18,15/PXL-TTPVHCC</edXML:DocumentId>',
      ),
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual(example('vanbans-post-response-invalid.json'));
    expect(sim.entries(MA_LAND)).toBe(0);
  });

  it('When the JSON envelope is wrong, then 400 INVALID_REQUEST with data null', async () => {
    const { call } = await start();
    const noiDung = b64(APOLOGY_XML);
    const bodies: unknown[] = [
      { loaiVanBan: 'status', noiDung },
      { loaiVanBan: 'edoc' },
      { loaiVanBan: 'edoc', noiDung: '' },
      { loaiVanBan: 'edoc', noiDung: 42 },
      '{"loaiVanBan": "edoc", ',
      '[1,2]',
    ];
    for (const body of bodies) {
      const res = await call('POST', API, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 'FAIL', errorCode: 'INVALID_REQUEST', data: null });
    }
  });

  const invalid: Array<[string, () => string, string]> = [
    ['not base64', () => '@@@@', 'noiDung'],
    ['base64 with line breaks', () => b64(APOLOGY_XML).replace(/(.{76})/g, '$1\n'), 'noiDung'],
    ['not UTF-8 (Latin-1 bytes)', () => b64(Buffer.from(APOLOGY_XML, 'latin1')), 'noiDung'],
    [
      'a byte order mark',
      () => b64(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(APOLOGY_XML)])),
      'noiDung',
    ],
    [
      'another declared encoding',
      () => b64(APOLOGY_XML.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')),
      'noiDung',
    ],
    ['a DOCTYPE', () => b64(APOLOGY_XML.replace('?>\n', '?>\n<!DOCTYPE x [<!ENTITY e "e">]>\n')), 'noiDung'],
    [
      'XML that is not well-formed',
      () => b64(APOLOGY_XML.replace('</edXML:Subject>', '</edXML:Subjec>')),
      'noiDung',
    ],
    ['two root elements', () => b64(`${APOLOGY_XML}<edXML:edXMLEnvelope xmlns:edXML="x"/>`), 'noiDung'],
    [
      'a root in another namespace',
      () => b64(APOLOGY_XML.replace('http://www.mic.gov.vn/TBT/QCVN_102_2016', 'urn:other')),
      'edXMLEnvelope',
    ],
    [
      'a missing required element',
      () => b64(APOLOGY_XML.replace(/<edXML:SteeringType>0<\/edXML:SteeringType>\s*/, '')),
      'edXMLHeader/MessageHeader/SteeringType',
    ],
    [
      'an empty required element',
      () =>
        b64(
          APOLOGY_XML.replace(
            '<edXML:Position>Phó Giám đốc</edXML:Position>',
            '<edXML:Position> </edXML:Position>',
          ),
        ),
      'edXMLHeader/MessageHeader/SignerInfo/Position',
    ],
    [
      'elements out of order',
      () =>
        b64(
          APOLOGY_XML.replace(/(\s*<edXML:SteeringType>0<\/edXML:SteeringType>)/, '').replace(
            '<edXML:DueDate>',
            '<edXML:SteeringType>0</edXML:SteeringType>\n      <edXML:DueDate>',
          ),
        ),
      'edXMLHeader/MessageHeader/SteeringType',
    ],
    [
      'an element not in the standard',
      () => b64(APOLOGY_XML.replace('<edXML:Subject>', '<edXML:Summary>x</edXML:Summary><edXML:Subject>')),
      'edXMLHeader/MessageHeader/Summary',
    ],
    [
      'an element in another namespace',
      () => b64(APOLOGY_XML.replace('<edXML:Subject>', '<x:Note xmlns:x="urn:x">n</x:Note><edXML:Subject>')),
      'edXMLHeader/MessageHeader/Note',
    ],
    [
      'a PromulgationDate that is not a date',
      () =>
        b64(APOLOGY_XML.replace('<edXML:PromulgationDate>2025-11-19', '<edXML:PromulgationDate>2025-11-31')),
      'edXMLHeader/MessageHeader/PromulgationInfo/PromulgationDate',
    ],
    [
      'a Priority outside 0..4',
      () => b64(APOLOGY_XML.replace('<edXML:Priority>1', '<edXML:Priority>5')),
      'edXMLHeader/MessageHeader/OtherInfo/Priority',
    ],
    [
      'a CodeNotation with a slash',
      () => b64(APOLOGY_XML.replace('<edXML:CodeNotation>PXL-TTPVHCC', '<edXML:CodeNotation>PXL/TTPVHCC')),
      'edXMLHeader/MessageHeader/Code/CodeNotation',
    ],
    [
      'a Timestamp in another format',
      () => b64(APOLOGY_XML.replace('2025/11/19 09:00:00', '2025-11-19T09:00:00')),
      'edXMLHeader/TraceHeaderList/TraceHeader/Timestamp',
    ],
    [
      'a From/OrganId that is not the client’s',
      () => b64(APOLOGY_XML.replaceAll('000.00.22.H40', '000.00.23.H40')),
      'edXMLHeader/MessageHeader/From/OrganId',
    ],
    [
      'a Reference without its Attachment',
      () =>
        b64(
          APOLOGY_XML.replace(
            /<edXML:AttachmentEncoded>[\s\S]*<\/edXML:AttachmentEncoded>/,
            '<edXML:AttachmentEncoded/>',
          ),
        ),
      'edXMLBody/edXMLManifest/Reference/ContentId',
    ],
    [
      'an Attachment whose name differs from its Reference',
      () => b64(APOLOGY_XML.replace(/(<edXML:Attachment>[\s\S]*?)phieu-xin-loi-/, '$1pxl-')),
      'AttachmentEncoded/Attachment/AttachmentName',
    ],
    [
      'an attachment that is not base64',
      () =>
        b64(
          APOLOGY_XML.replace('<edXML:ContentTransferEncoded>JVBER', '<edXML:ContentTransferEncoded>*VBER'),
        ),
      'AttachmentEncoded/Attachment/ContentTransferEncoded',
    ],
  ];
  it.each(invalid)(
    'When the package has %s, then 400 INVALID_EDXML naming the element',
    async (_name, noiDung, path) => {
      const { call, sim } = await start();
      const res = await call('POST', API, { loaiVanBan: 'edoc', noiDung: noiDung() });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 'FAIL', errorCode: 'INVALID_EDXML', data: null });
      expect(String(res.body.errorDesc)).toMatch(new RegExp(`^${path.replace(/[./]/g, '\\$&')}: `));
      expect(sim.entries(MA_LAND)).toBe(0);
      expect(sim.counters.rejected).toBe(1);
    },
  );

  it('When attachment base64 is wrapped in lines, then it is accepted (line breaks ignored inside edXML)', async () => {
    const { send } = await start();
    const wrapped = APOLOGY_XML.replace(
      /<edXML:ContentTransferEncoded>([^<]+)</,
      (_m, data: string) => `<edXML:ContentTransferEncoded>${data.replace(/(.{64})/g, '$1\r\n')}<`,
    );
    expect((await send(wrapped)).body.status).toBe('OK');
  });

  it('When the decoded package is larger than the limit, then 400 INVALID_EDXML on noiDung', async () => {
    const { send } = await start({ maxEdxmlBytes: 4096 });
    const res = await send(APOLOGY_XML);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ errorCode: 'INVALID_EDXML' });
    expect(String(res.body.errorDesc)).toMatch(/^noiDung: /);
  });

  it('When a To/OrganId is not registered on the axis, then 400 UNKNOWN_RECEIVER', async () => {
    const { send, sim } = await start();
    const res = await send(
      APOLOGY_XML.replace('<edXML:OrganId>000.12.12.H40', '<edXML:OrganId>000.99.99.H40'),
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'FAIL', errorCode: 'UNKNOWN_RECEIVER', data: null });
    expect(String(res.body.errorDesc)).toContain('000.99.99.H40');
    expect(sim.entries(MA_LAND)).toBe(0);
  });
});

describe('One-stop profile (§6)', () => {
  const content = `MaHoSo=${MA_LAND};NgayHenTra=20251119170000;NgayHenTraDeXuat=20251126170000;LyDo=Hồ sơ phải chờ xác định nghĩa vụ tài chính`;
  const withContent = (c: string) => APOLOGY_XML.replace(content, c);
  const cases: Array<[string, () => string, string]> = [
    ['no Content', () => APOLOGY_XML.replace(/<edXML:Content>.*<\/edXML:Content>\s*/, ''), 'Content'],
    [
      'MaHoSo not first',
      () =>
        withContent(
          content.replace(
            `MaHoSo=${MA_LAND};NgayHenTra=20251119170000`,
            `NgayHenTra=20251119170000;MaHoSo=${MA_LAND}`,
          ),
        ),
      'Content',
    ],
    ['a repeated key', () => withContent(`${content};LyDo=khác`), 'Content'],
    ['an unknown key', () => withContent(`${content};GhiChu=x`), 'Content'],
    ['a segment without =', () => withContent(`${content};`), 'Content'],
    [
      'a date not yyyyMMddHHmmss',
      () => withContent(content.replace('NgayHenTraDeXuat=20251126170000', 'NgayHenTraDeXuat=26/11/2025')),
      'Content',
    ],
    [
      'an invalid MaHoSo',
      () => withContent(content.replace(`MaHoSo=${MA_LAND}`, 'MaHoSo=H40 22')),
      'Content',
    ],
    ['no LyDo', () => withContent(content.replace(/;LyDo=.*/, '')), 'Content'],
    [
      'another TypeName',
      () => APOLOGY_XML.replace('<edXML:TypeName>Phiếu', '<edXML:TypeName>Công văn'),
      'DocumentType/TypeName',
    ],
    ['Type 2', () => APOLOGY_XML.replace('<edXML:Type>1', '<edXML:Type>2'), 'DocumentType/Type'],
    [
      'a Subject without the dossier code',
      () => APOLOGY_XML.replace(`kết quả hồ sơ ${MA_LAND}</edXML:Subject>`, 'kết quả hồ sơ</edXML:Subject>'),
      'Subject',
    ],
    [
      'a Subject in NFD',
      () =>
        APOLOGY_XML.replace(
          /<edXML:Subject>(.*)<\/edXML:Subject>/,
          (_m, s: string) => `<edXML:Subject>${s.normalize('NFD')}</edXML:Subject>`,
        ),
      'Subject',
    ],
    [
      'a DueDate other than the current appointment date',
      () => APOLOGY_XML.replace('<edXML:DueDate>2025-11-19', '<edXML:DueDate>2025-11-26'),
      'DueDate',
    ],
    [
      'no attachment',
      () =>
        APOLOGY_XML.replace(
          /<edXML:edXMLManifest>[\s\S]*<\/edXML:edXMLManifest>/,
          '<edXML:edXMLManifest/>',
        ).replace(
          /<edXML:AttachmentEncoded>[\s\S]*<\/edXML:AttachmentEncoded>/,
          '<edXML:AttachmentEncoded/>',
        ),
      'AttachmentEncoded/Attachment',
    ],
    [
      'an attachment that is not a PDF',
      () =>
        APOLOGY_XML.replace(
          /<edXML:ContentTransferEncoded>[^<]+</,
          `<edXML:ContentTransferEncoded>${b64('not a pdf')}<`,
        ),
      'AttachmentEncoded/Attachment',
    ],
  ];
  it.each(cases)(
    'When an apology letter has %s, then 400 INVALID_EDXML naming the element',
    async (_name, xml, element) => {
      const { send, sim } = await start();
      const res = await send(xml());
      expect(res.status).toBe(400);
      expect(res.body.errorCode).toBe('INVALID_EDXML');
      const path = element.startsWith('Attachment') ? element : `edXMLHeader/MessageHeader/${element}`;
      expect(String(res.body.errorDesc).startsWith(`${path}: `)).toBe(true);
      expect(sim.entries(MA_LAND)).toBe(0);
    },
  );

  it('When a dossier document Subject lacks its MaHoSo, then 400 INVALID_EDXML on Subject', async () => {
    const { send } = await start();
    const res = await send(permitXml('22', 'Cấp giấy phép xây dựng nhà ở riêng lẻ'));
    expect(res.status).toBe(400);
    expect(String(res.body.errorDesc)).toMatch(/^edXMLHeader\/MessageHeader\/Subject: /);
  });

  it('When a dossier document carries NFD text, then it is accepted and stored exactly as received (not re-normalised)', async () => {
    const { send, sim } = await start();
    const xml = permitXml('23', `Cấp giấy phép xây dựng, hồ sơ ${MA_PERMIT}`.normalize('NFD'));
    const res = await send(xml);
    expect(res.body.status).toBe('OK');
    const doc = sim.document(docIdOf(res.body));
    expect(doc?.edxml).toBe(xml);
    expect(doc?.nfc).toBe(false);
  });

  it('When the profile is switched off, then a package without Content is accepted', async () => {
    const { send } = await start({ enforceOneStopProfile: false });
    const res = await send(permitXml().replace(/<edXML:Content>.*<\/edXML:Content>\s*/, ''));
    expect(res.body.status).toBe('OK');
  });
});

describe('Status inbox (§5.1, §5.2)', () => {
  it('When nothing has been reported, then the inbox answers inbox-response-empty.json', async () => {
    const { call, sim } = await start();
    const res = await call('GET', INBOX);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(example('inbox-response-empty.json'));
    expect(sim.counters.inboxPolls).toBe(1);
  });

  it('When the recipient reports 03 and 06 as in the example, then the inbox items decode to status-03.xml and status-06.xml byte for byte', async () => {
    const { send, call, sim } = await start();
    const docId = docIdOf((await send(APOLOGY_XML)).body);
    sim.setStatus(DOCUMENT_ID, '03', {
      Timestamp: '2025/11/19 09:12:40',
      StaffInfo: {
        Department: 'Văn thư',
        Staff: 'Nguyễn Thị Thảo',
        Email: 'vanthu.vpdkdd@example.invalid',
        Mobile: '0912000111',
      },
    });
    sim.setStatus(MA_LAND, '06', {
      Timestamp: '2025/11/19 15:20:05',
      StaffInfo: { Department: 'Ban Giám đốc', Staff: 'Lê Văn Nam' },
    });
    const res = await call('GET', INBOX);
    const shape = example('inbox-response.json');
    expect({ ...res.body, data: null }).toEqual({ ...shape, data: null });
    const [first, second] = items(res.body);
    expect(first?.docId).toBe(docId);
    expect(second?.docId).toBe(docId);
    expect(unb64(first?.noiDung ?? '')).toBe(exampleText('status-03.xml'));
    expect(unb64(second?.noiDung ?? '')).toBe(exampleText('status-06.xml'));
    expect(Number.isInteger(first?.id)).toBe(true);
  });

  it('When no Timestamp is given, then it is the local time yyyy/MM/dd HH:mm:ss, strictly increasing per document', async () => {
    const now = Date.parse('2025-11-19T08:20:05Z');
    const { send, sim } = await start({ clock: () => new Date(now) });
    await send(permitXml());
    const made = sim.setStatuses(MA_PERMIT, [{ StatusCode: '01' }, { StatusCode: '03' }]);
    expect(made.map((i) => i.Timestamp)).toEqual(['2025/11/19 15:20:05', '2025/11/19 15:20:06']);
    const status = readStatusXml(unb64(made[0]?.noiDung ?? ''));
    expect(status.From).toEqual({
      OrganId: '000.07.40.H40',
      OrganName: 'Ủy ban nhân dân phường Trường Vinh',
    });
    expect(status.ResponseFor).toEqual({
      OrganId: '000.00.22.H40',
      Code: '21/GPXD-UBND',
      PromulgationDate: '2025-11-12',
      DocumentId: '000.00.22.H40,2025/11/12,21/GPXD-UBND',
    });
  });

  it('When the apology letter is signed (06), then Description carries NgayHenTraMoi (default the proposed date, or the one given)', async () => {
    const { send, sim } = await start();
    await send(APOLOGY_XML);
    const [signed] = sim.setStatus(MA_LAND, '06');
    expect(readStatusXml(unb64(signed?.noiDung ?? '')).Description).toBe(
      'Đã ký ban hành;NgayHenTraMoi=20251126170000',
    );
    const [other] = sim.setStatus(MA_LAND, '06', { NgayHenTraMoi: '20251128170000', Description: 'Đã ký' });
    expect(readStatusXml(unb64(other?.noiDung ?? '')).Description).toBe('Đã ký;NgayHenTraMoi=20251128170000');
    const [without] = sim.setStatus(MA_LAND, '06', { NgayHenTraMoi: null });
    expect(readStatusXml(unb64(without?.noiDung ?? '')).Description).toBe('Đã ký ban hành');
  });

  it('When items are not acknowledged, then every poll returns them again, oldest first', async () => {
    const { send, call, sim } = await start();
    await send(APOLOGY_XML);
    sim.setStatus(MA_LAND, '01');
    sim.setStatus(MA_LAND, '03');
    const a = items((await call('GET', INBOX)).body).map((i) => i.id);
    const b = items((await call('GET', INBOX)).body).map((i) => i.id);
    expect(a).toHaveLength(2);
    expect(b).toEqual(a);
    expect(a[0]).toBeLessThan(a[1] ?? 0);
    expect(sim.counters.inboxPolls).toBe(2);
    expect(sim.counters.itemsDelivered).toBe(4);
  });

  it('When more items wait than a page holds, then a poll returns the first page and the rest after acknowledging', async () => {
    const { send, call, sim } = await start();
    await send(APOLOGY_XML);
    sim.setStatuses(
      MA_LAND,
      Array.from({ length: 53 }, () => ({ StatusCode: '05' })),
    );
    const page = items((await call('GET', INBOX)).body);
    expect(page).toHaveLength(50);
    for (const item of page.slice(0, 10)) await call('PUT', `${API}/${item.id}`, { trangThai: 'DONE' });
    const next = items((await call('GET', INBOX)).body);
    expect(next).toHaveLength(43);
    expect(next[0]?.id).toBe(page[10]?.id);
  });

  it('When another client polls or acknowledges, then it neither sees nor may acknowledge the first client’s items', async () => {
    const other = { consumerKey: 'other_key', consumerSecret: 'other-secret', organId: '000.00.30.H40' };
    const { send, url, sim } = await start({
      clients: [
        { consumerKey: 'motcua_h40_key', consumerSecret: 'Example-Secret', organId: '000.00.22.H40' },
        other,
      ],
    });
    await send(APOLOGY_XML);
    const [item] = sim.setStatus(MA_LAND, '03');
    const tokenRes = await fetch(`${url}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${b64('other_key:other-secret')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token: otherToken } = (await tokenRes.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${otherToken}`, 'content-type': 'application/json' };
    const inbox = (await (await fetch(`${url}${INBOX}`, { headers })).json()) as Json;
    expect(inbox.data).toEqual([]);
    const ack = await fetch(`${url}${API}/${item?.id}`, {
      method: 'PUT',
      headers,
      body: '{"trangThai":"DONE"}',
    });
    expect(ack.status).toBe(404);
    expect(((await ack.json()) as Json).errorCode).toBe('NOT_FOUND');
  });

  it('When the query is not loaiVanBan=status with a known trangThai, then 400 INVALID_REQUEST', async () => {
    const { call } = await start();
    for (const q of [
      '?loaiVanBan=edoc&trangThai=INITIAL',
      '?loaiVanBan=status&trangThai=NEW',
      '?loaiVanBan=status',
      '',
    ]) {
      const res = await call('GET', `${API}${q}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 'FAIL', errorCode: 'INVALID_REQUEST' });
    }
  });
});

describe('Acknowledgement (§5.4)', () => {
  it('When an item is acknowledged with ack-request.json, then 200 like ack-response.json, idempotent, and 409 like ack-response-conflict.json for the other value', async () => {
    const { send, call, sim } = await start({ firstInboxId: 90437 });
    await send(APOLOGY_XML);
    const [item] = sim.setStatus(MA_LAND, '06');
    expect(item?.id).toBe(90437);
    const done = await call('PUT', `${API}/90437`, exampleText('ack-request.json'));
    expect(done.status).toBe(200);
    expect(done.body).toEqual(example('ack-response.json'));
    const again = await call('PUT', `${API}/90437`, { trangThai: 'DONE' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(example('ack-response.json'));
    const conflict = await call('PUT', `${API}/90437`, { trangThai: 'FAIL' });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual(example('ack-response-conflict.json'));
    expect(items((await call('GET', INBOX)).body)).toEqual([]);
    const listed = items((await call('GET', `${API}?loaiVanBan=status&trangThai=DONE`)).body);
    expect(listed.map((i) => i.id)).toEqual([90437]);
    expect(sim.counters.acks).toEqual({ DONE: 1, FAIL: 0 });
    expect(sim.counters.ackConflicts).toBe(1);
  });

  it('When the id is unknown or trangThai is not DONE/FAIL, then 404 NOT_FOUND or 400 INVALID_REQUEST', async () => {
    const { send, call, sim } = await start();
    await send(APOLOGY_XML);
    const [item] = sim.setStatus(MA_LAND, '03');
    const unknown = await call('PUT', `${API}/1`, { trangThai: 'DONE' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ status: 'FAIL', errorCode: 'NOT_FOUND' });
    expect((await call('PUT', `${API}/abc`, { trangThai: 'DONE' })).status).toBe(404);
    const bad = await call('PUT', `${API}/${item?.id}`, { trangThai: 'INITIAL' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 'FAIL', errorCode: 'INVALID_REQUEST' });
    expect(sim.inbox('INITIAL')).toHaveLength(1);
  });
});

describe('Inbox fault switches', () => {
  it('When reorderStatuses is on, then a batch of statuses arrives newest first while Timestamps keep the real order', async () => {
    const { send, call, sim } = await start();
    await send(APOLOGY_XML);
    sim.setFaults({ reorderStatuses: true });
    sim.setStatuses(MA_LAND, [{ StatusCode: '03' }, { StatusCode: '04' }, { StatusCode: '05' }]);
    const statuses = items((await call('GET', INBOX)).body).map((i) => readStatusXml(unb64(i.noiDung)));
    expect(statuses.map((s) => s.StatusCode)).toEqual(['05', '04', '03']);
    const times = statuses.map((s) => s.Timestamp);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('When duplicateStatusNext is set, then the same status arrives as two items with different ids', async () => {
    const { send, call, sim } = await start();
    await send(APOLOGY_XML);
    sim.setFaults({ duplicateStatusNext: 1 });
    sim.setStatus(MA_LAND, '06');
    sim.setStatus(MA_LAND, '03');
    const got = items((await call('GET', INBOX)).body);
    expect(got).toHaveLength(3);
    expect(got[0]?.id).not.toBe(got[1]?.id);
    expect(got[0]?.noiDung).toBe(got[1]?.noiDung);
    expect(got[2]?.noiDung).not.toBe(got[0]?.noiDung);
  });

  it.each(['truncated-xml', 'not-base64', 'not-status'] as const)(
    'When a malformed status (%s) is injected, then it cannot be read as a status and can be acknowledged FAIL',
    async (kind) => {
      const { send, call, sim } = await start();
      const docId = docIdOf((await send(APOLOGY_XML)).body);
      const injected = sim.injectMalformedStatus({ kind });
      const [item] = items((await call('GET', INBOX)).body);
      expect(item?.id).toBe(injected.id);
      expect(item?.docId).toBe(docId);
      expect(() => readStatusXml(unb64(item?.noiDung ?? ''))).toThrow();
      expect((await call('PUT', `${API}/${item?.id}`, { trangThai: 'FAIL' })).status).toBe(200);
      expect(sim.counters.acks).toEqual({ DONE: 0, FAIL: 1 });
      expect(sim.inbox('FAIL')).toHaveLength(1);
    },
  );
});

describe('Shared faults on the API', () => {
  it('When rateLimitNext is set, then the axis answers 429 with error-throttled.json and Retry-After, then serves again', async () => {
    const { call, sim } = await start();
    await call('GET', INBOX);
    sim.setFaults({ rateLimitNext: 1, retryAfterSeconds: 7 });
    const throttled = await call('GET', INBOX);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(throttled.body).toEqual(example('error-throttled.json'));
    expect((await call('GET', INBOX)).status).toBe(200);
    expect(sim.counters.throttled).toBe(1);
  });

  it('When a client exceeds the per-second quota, then 429 900802 until the second has passed', async () => {
    let now = Date.parse('2025-11-19T02:00:00Z');
    const { call } = await start({ quotaPerSecond: 3, clock: () => new Date(now) });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await call('GET', INBOX)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    now += 1000;
    expect((await call('GET', INBOX)).status).toBe(200);
  });

  it('When the axis fails before storing (500), then SYSTEM_ERROR and a resend stores the document once', async () => {
    const { send, sim } = await start();
    await send(permitXml('30')).catch(() => undefined);
    sim.setFaults({ failNext: 1, failStatus: 500 });
    const failed = await send(APOLOGY_XML);
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ status: 'FAIL', errorCode: 'SYSTEM_ERROR', data: null });
    expect(sim.entries(MA_LAND)).toBe(0);
    expect((await send(APOLOGY_XML)).body.status).toBe('OK');
    expect(sim.entries(MA_LAND)).toBe(1);
  });

  it('When the connection drops after the document is stored, then a resend gets DUPLICATE with the same docId and entries stay 1', async () => {
    const { send, sim } = await start();
    await send(permitXml('31'));
    sim.setFaults({ dropAfterCommitNext: 1 });
    await expect(send(APOLOGY_XML)).rejects.toThrow();
    expect(sim.entries(MA_LAND)).toBe(1);
    const stored = sim.document(DOCUMENT_ID);
    const resent = await send(APOLOGY_XML);
    expect(resent.body.errorCode).toBe('DUPLICATE');
    expect(docIdOf(resent.body)).toBe(stored?.docId);
    expect(sim.entries(MA_LAND)).toBe(1);
    expect(sim.faults.counts.droppedAfterCommit).toBe(1);
  });

  it('When the answer hangs after the document is stored, then the caller times out, the resend is DUPLICATE and close() still ends', async () => {
    const { url, token, sim } = await start();
    const t = await token();
    sim.setFaults({ timeoutAfterCommitNext: 1 });
    const attempt = fetch(`${url}${API}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ loaiVanBan: 'edoc', noiDung: b64(APOLOGY_XML) }),
      signal: AbortSignal.timeout(300),
    });
    await expect(attempt).rejects.toThrow();
    expect(sim.entries(MA_LAND)).toBe(1);
    const resent = await fetch(`${url}${API}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ loaiVanBan: 'edoc', noiDung: b64(APOLOGY_XML) }),
    });
    expect(((await resent.json()) as Json).errorCode).toBe('DUPLICATE');
    expect(sim.faults.counts.timedOutAfterCommit).toBe(1);
  });

  it('When an acknowledgement is applied and its answer lost, then repeating it answers 200 (idempotent) and counts one ack', async () => {
    const { send, call, sim } = await start();
    await send(APOLOGY_XML);
    const [item] = sim.setStatus(MA_LAND, '03');
    sim.setFaults({ dropAfterCommitNext: 1 });
    await expect(call('PUT', `${API}/${item?.id}`, { trangThai: 'DONE' })).rejects.toThrow();
    expect((await call('PUT', `${API}/${item?.id}`, { trangThai: 'DONE' })).status).toBe(200);
    expect(sim.counters.acks.DONE).toBe(1);
  });

  it('When the axis is down, then the API and the token endpoint answer 503; with latency, answers are delayed', async () => {
    const { url, call, sim } = await start();
    await call('GET', INBOX);
    sim.setFaults({ down: true });
    expect((await call('GET', INBOX)).status).toBe(503);
    const tokenRes = await fetch(`${url}/token`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(tokenRes.status).toBe(503);
    sim.setFaults({ down: false, latencyMs: 120 });
    const started = Date.now();
    expect((await call('GET', INBOX)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});

describe('/__sim control routes', () => {
  const post = async (url: string, path: string, body: unknown = {}) => {
    const res = await fetch(`${url}/__sim${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  it('When steered over HTTP, then state, faults, statuses, malformed items, token expiry and reset all work', async () => {
    const { url, send, call, sim } = await start();
    const docId = docIdOf((await send(APOLOGY_XML)).body);
    await send(APOLOGY_XML);

    const state = (await (await fetch(`${url}/__sim/state`)).json()) as Json;
    expect(state.entries).toEqual({ [MA_LAND]: 1 });
    expect(state.counters).toMatchObject({ sends: 2, accepted: 1, duplicates: 1 });
    expect((state.documents as Json[])[0]).toMatchObject({ docId, maHoSo: MA_LAND, kind: 'apology' });
    const entries = (await (await fetch(`${url}/__sim/entries/${MA_LAND}`)).json()) as Json;
    expect(entries).toEqual({ maHoSo: MA_LAND, entries: 1, dossier: 0, apology: 1 });
    const full = (await (await fetch(`${url}/__sim/documents/${docId}`)).json()) as Json;
    expect(full.edxml).toBe(APOLOGY_XML);

    expect((await post(url, '/faults', { nonsense: 1 })).status).toBe(400);
    expect((await post(url, '/faults', { reorderStatuses: 'yes' })).status).toBe(400);
    const patched = await post(url, '/faults', { reorderStatuses: true, latencyMs: 0 });
    expect(patched.status).toBe(200);
    expect(sim.protocolFaults.reorderStatuses).toBe(true);

    const one = await post(url, '/status', {
      target: MA_LAND,
      StatusCode: '03',
      Description: 'Đã tiếp nhận',
    });
    expect((one.body.items as Json[])[0]).toMatchObject({ docId, StatusCode: '03' });
    const batch = await post(url, '/statuses', {
      target: docId,
      statuses: [{ StatusCode: '04' }, { StatusCode: '05' }],
    });
    expect((batch.body.items as Json[]).map((i) => i.StatusCode)).toEqual(['05', '04']);
    expect((await post(url, '/status', { target: 'H40.22-000000-9999', StatusCode: '03' })).status).toBe(404);
    expect((await post(url, '/status', { target: MA_LAND, StatusCode: '6' })).status).toBe(400);
    const bad = await post(url, '/malformed-status', { kind: 'not-base64' });
    expect((bad.body.item as Json).malformed).toBe(true);
    expect(items((await call('GET', INBOX)).body)).toHaveLength(4);

    expect((await post(url, '/expire-tokens')).body).toEqual({ expired: 1 });
    expect((await call('GET', INBOX)).status).toBe(401);

    await post(url, '/reset');
    const after = (await (await fetch(`${url}/__sim/state`)).json()) as Json;
    expect(after.entries).toEqual({});
    expect(after.inbox).toEqual([]);
    expect((after.counters as Json).sends).toBe(0);
    expect((after.protocolFaults as Json).reorderStatuses).toBe(false);
  });

  it('When started twice and closed, then the URL is stable and close() resolves with a connection still hanging', async () => {
    const { sim, url, token } = await start();
    expect(await sim.start()).toBe(url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const t = await token();
    sim.setFaults({ timeoutAfterCommitNext: 1 });
    const hanging = fetch(`${url}${API}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ loaiVanBan: 'edoc', noiDung: b64(APOLOGY_XML) }),
    }).catch((err: unknown) => err);
    for (let i = 0; i < 100 && sim.entries(MA_LAND) === 0; i += 1)
      await new Promise((r) => setTimeout(r, 10));
    await sim.close();
    expect(await hanging).toBeInstanceOf(Error);
    expect(sim.url).toBeUndefined();
  });
});
