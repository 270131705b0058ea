import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { MAX_JSON_DEPTH } from '../../src/security/json-depth.js';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import {
  FEED_KEY,
  OPERATOR_TOKEN,
  SECURITY_CODE,
  startStack,
  TAX_KEY,
  type Stack,
} from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { MAX_HEAP_GROWTH_MB, MAX_REFUSAL_MS, measure } from './hostile-bodies.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'json-strings', systems: 'all' });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const feedBody = (record: unknown): string =>
  JSON.stringify({ madonvi: 'H40.22', service: 'DongBoHoSoMC', isUpdating: 'False', data: [record] });

async function send(
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string; headers: Headers }> {
  const r = await fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers, body });
  return { status: r.status, text: await r.text(), headers: r.headers };
}

/** `{"a":[[[…]]]}` nested `depth` deep in all. */
const nested = (depth: number): string => `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

describe('JSON depth and size limits', () => {
  const json = { 'Content-Type': 'application/json; charset=utf-8' };
  const routes: Array<[string, string, Record<string, string>]> = [
    ['the portal feed', '/v1/portal/feed', { ...json, 'X-MotCua-Key': FEED_KEY }],
    ['a land callback', `/callbacks/land/${SECURITY_CODE}/ChuyenHoSo`, json],
    ['an admin route', '/admin/replays', { ...json, Authorization: `Bearer ${OPERATOR_TOKEN}` }],
  ];

  it.each(routes)(
    'When %s gets JSON nested deeper than the limit, then 400 GW_ERR_REQUEST_TOO_DEEP names the limit, quickly, even for 200 000 levels',
    async (_name, path, headers) => {
      for (const depth of [MAX_JSON_DEPTH + 1, 200_000]) {
        const { value: res, ms, heapMb } = await measure(() => send(path, nested(depth), headers));
        expect(res.status, `depth ${depth}`).toBe(400);
        const body = JSON.parse(res.text) as { code: string; message: string };
        expect(body.code).toBe('GW_ERR_REQUEST_TOO_DEEP');
        expect(body.message).toContain(String(MAX_JSON_DEPTH));
        expect(ms).toBeLessThan(MAX_REFUSAL_MS);
        expect(heapMb).toBeLessThan(MAX_HEAP_GROWTH_MB);
      }
      // At the limit the body is read and judged on its content instead (a 4xx of validation).
      const atLimit = await send(path, nested(MAX_JSON_DEPTH), headers);
      expect(atLimit.status).toBeGreaterThanOrEqual(400);
      expect(atLimit.status).toBeLessThan(500);
      expect((JSON.parse(atLimit.text) as { code: string }).code).not.toBe('GW_ERR_REQUEST_TOO_DEEP');
    },
  );

  it.each(routes)('When %s gets a body over the size limit, then 413', async (_name, path, headers) => {
    const res = await send(path, `{"a":"${'x'.repeat(2 * 1024 * 1024)}"}`, headers);
    expect(res.status).toBe(413);
    expect((JSON.parse(res.text) as { code: string }).code).toBe('GW_ERR_REQUEST_TOO_LARGE');
  });

  it('When the tax payment route gets JSON nested too deep or too large, then MA_LOI 01 names why', async () => {
    const headers = { 'Content-Type': 'application/json; charset=utf-8', SecurityKey: TAX_KEY };
    const deep = await send('/callbacks/tax/xacnhannopthue', nested(200_000), headers);
    expect(deep.status).toBe(200);
    expect(deep.text).toContain('<MA_LOI>01</MA_LOI>');
    expect(deep.text).toContain(String(MAX_JSON_DEPTH));
    const large = await send('/callbacks/tax/xacnhannopthue', `{"a":"${'x'.repeat(1100 * 1024)}"}`, headers);
    expect(large.text).toContain('<MA_LOI>01</MA_LOI>');
  });
});

describe('strings in dossiers are data', () => {
  const HTML = '<img src=x onerror="alert(1)"><script>alert("xss")</script>';
  const SQL = 'Nguyễn\'); DROP TABLE hoso; -- " OR 1=1';
  const CONTROL = 'dòng 1\tcột\r\ndòng 2 \u0001\u0007\u001b[31m\u2028\u2029 hết';
  const NAME_NFC = 'Nguyễn Thị Ánh Tuyết';
  const NAME_NFD = NAME_NFC.normalize('NFD');

  async function intake(record: DossierRecord): Promise<void> {
    const res = await send('/v1/portal/feed', feedBody(record), {
      'Content-Type': 'application/json; charset=utf-8',
      'X-MotCua-Key': FEED_KEY,
    });
    expect(res.status, res.text).toBe(202);
  }

  it('When a dossier carries HTML, SQL and control characters, then the gateway stores them as received, sends them as text, and answers JSON that no browser runs', async () => {
    const M = nextCode('STR');
    const record = landDossier(M);
    record.ChuHoSo = `${NAME_NFC} ${HTML}`;
    record.DiaChiChuHoSo = SQL;
    record.TrichYeuHoSo = CONTROL;
    stack.portal.seed(record);
    const pushed = await stack.portal.push(M);
    expect(pushed.lastStatusCode).toBe(202);
    const stored = await stack.gateway!.store.get(M);
    expect(stored?.record.ChuHoSo).toBe(record.ChuHoSo);
    expect(stored?.record.DiaChiChuHoSo).toBe(SQL);
    expect(stored?.record.TrichYeuHoSo).toBe(CONTROL);
    await waitFor('entered at the land registry', () => stack.land.entries(M) === 1);
    const sent = JSON.stringify(stack.land.dossiers(M)[0]);
    expect(sent).toContain(JSON.stringify(record.ChuHoSo).slice(1, -1));
    expect(sent).toContain(JSON.stringify(SQL).slice(1, -1));
    // A handler name from a system, HTML included, reaches the portal as text.
    stack.land.transfer(M, { NguoiXuLy: HTML });
    await waitFor('row at the portal', () => stack.portal.progress(M).length === 1);
    expect(stack.portal.progress(M)[0]!.NguoiXuLy).toBe(HTML);
    const api = await fetch(`${stack.gatewayUrl}/v1/dossiers/${M}`, {
      headers: { 'X-MotCua-Key': FEED_KEY },
    });
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
    const text = await api.text();
    expect(JSON.parse(text)).toMatchObject({ MaHoSo: M, accepted: true });
  });

  it.each([
    ['NFC', NAME_NFC],
    ['NFD', NAME_NFD],
  ])(
    'When the holder name arrives in %s, then the record is stored exactly as received and the land registry receives NFC',
    async (_form, name) => {
      const M = nextCode('NFX');
      const record = landDossier(M);
      record.ChuHoSo = name;
      record.TrichYeuHoSo = `Chuyển nhượng của ${name}`;
      await intake(record);
      const stored = await stack.gateway!.store.get(M);
      expect(stored?.record.ChuHoSo).toBe(name);
      expect(Buffer.from(stored!.record.ChuHoSo!, 'utf8').equals(Buffer.from(name, 'utf8'))).toBe(true);
      await waitFor('entered at the land registry', () => stack.land.entries(M) === 1);
      const land = stack.land.dossiers(M)[0]!;
      expect(land.nonNfcFields).toEqual([]);
      expect(JSON.stringify(land)).toContain(NAME_NFC);
      expect(JSON.stringify(land)).not.toContain(NAME_NFD === name ? NAME_NFD : '\u0000');
    },
  );
});
