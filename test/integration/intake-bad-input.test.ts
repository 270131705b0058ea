import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { FEED_KEY, SECURITY_CODE, specExample, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'badinput' });
});
afterAll(async () => {
  await stack?.close();
});

interface ErrorBody {
  code: string;
  message: string;
  details: unknown;
}

async function post(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ErrorBody }> {
  const res = await fetch(`${stack.gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-MotCua-Key': FEED_KEY, ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as ErrorBody) : ({} as ErrorBody) };
}

function envelope(record: unknown, isUpdating = 'False'): string {
  return JSON.stringify({ madonvi: 'H40.22', service: 'DongBoHoSoMC', isUpdating, data: [record] });
}

async function nothingStored(M: string): Promise<void> {
  expect(await stack.gateway!.store.exists(M)).toBe(false);
  expect(stack.land.entries(M)).toBe(0);
  expect(await stack.gateway!.store.redis.exists(stack.gateway!.keys.digests(M))).toBe(0);
}

describe('bad input at the portal feed', () => {
  it('When the body is not JSON, then 400 GW_ERR_REQUEST_MALFORMED_JSON and nothing is stored', async () => {
    const r = await post('/v1/portal/feed', '{"madonvi": "H40.22", "data": [');
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('GW_ERR_REQUEST_MALFORMED_JSON');
  });

  it('When the content type is not JSON, then 415', async () => {
    const r = await post('/v1/portal/feed', envelope(landDossier(nextCode('CT'))), {
      'Content-Type': 'text/plain',
    });
    expect(r.status).toBe(415);
    expect(r.body.code).toBe('GW_ERR_REQUEST_UNSUPPORTED_MEDIA');
  });

  it('When the body is over the 1 MiB limit, then 413 and nothing is stored', async () => {
    const M = nextCode('BIG');
    const d = landDossier(M);
    d.TrichYeuHoSo = 'x'.repeat(1_100_000);
    const r = await post('/v1/portal/feed', envelope(d));
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('GW_ERR_REQUEST_TOO_LARGE');
    await nothingStored(M);
  });

  it('When X-MotCua-Key is wrong or missing, then 401 and nothing is stored', async () => {
    const M = nextCode('KEY');
    const wrong = await post('/v1/portal/feed', envelope(landDossier(M)), { 'X-MotCua-Key': 'not-the-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('GW_ERR_AUTH_INVALID');
    const res = await fetch(`${stack.gatewayUrl}/v1/portal/feed`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: envelope(landDossier(M)),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as ErrorBody).code).toBe('GW_ERR_AUTH_MISSING');
    await nothingStored(M);
  });

  it('When a number stands where the spec wants a string, then 422 names the field', async () => {
    const M = nextCode('TYP');
    const d = landDossier(M) as unknown as Record<string, unknown>;
    d.KenhThucHien = 1;
    const r = await post('/v1/portal/feed', envelope(d));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('GW_ERR_REQUEST_INVALID');
    expect(r.body.details).toEqual(
      expect.arrayContaining([{ path: '/data/0/KenhThucHien', message: 'must be a string' }]),
    );
    await nothingStored(M);
  });

  it('When required fields are missing, then 422 lists every one of them', async () => {
    const M = nextCode('MIS');
    const d = landDossier(M) as unknown as Record<string, unknown>;
    delete d.ChuHoSo;
    delete d.TaiLieuNop;
    const r = await post('/v1/portal/feed', envelope(d));
    expect(r.status).toBe(422);
    expect(r.body.details).toEqual(
      expect.arrayContaining([
        { path: '/data/0/ChuHoSo', message: 'is required' },
        { path: '/data/0/TaiLieuNop', message: 'is required' },
      ]),
    );
    await nothingStored(M);
  });

  it('When a consistency rule (R2) is broken, then 422 names the rule, and the rejected version is kept and visible', async () => {
    const M = nextCode('R2');
    const d = landDossier(M);
    d.NgayHenTra = '';
    const r = await post('/v1/portal/feed', envelope(d));
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body.details)).toContain('R2');
    await nothingStored(M);
    const view = await fetch(`${stack.gatewayUrl}/v1/dossiers/${M}`, {
      headers: { 'X-MotCua-Key': FEED_KEY },
    });
    expect(view.status).toBe(200);
    const body = (await view.json()) as { accepted: boolean; rejectedVersions: Array<{ code: string }> };
    expect(body.accepted).toBe(false);
    expect(body.rejectedVersions[0]?.code).toBe('GW_ERR_REQUEST_INVALID');
  });

  it('When the procedure has no route, then 422 GW_ERR_ROUTE_UNKNOWN_PROCEDURE', async () => {
    const M = nextCode('RTE');
    const d = landDossier(M);
    d.MaTTHC = '9.999999';
    const r = await post('/v1/portal/feed', envelope(d));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('GW_ERR_ROUTE_UNKNOWN_PROCEDURE');
    expect(r.body.message).toContain('9.999999');
    await nothingStored(M);
  });

  it('When a land dossier lacks its parcel block, then 422 before anything is queued', async () => {
    const M = nextCode('PAR');
    const d = landDossier(M);
    delete d.ThongTinThuaDat;
    const r = await post('/v1/portal/feed', envelope(d));
    expect(r.status).toBe(422);
    expect(r.body.details).toEqual([
      { path: '/data/0/ThongTinThuaDat', message: expect.stringContaining('land: is required') },
    ]);
    await nothingStored(M);
  });

  it('When an unknown dossier is asked for, then 404; without credentials, 401', async () => {
    const r = await fetch(`${stack.gatewayUrl}/v1/dossiers/H40.22-NOPE-1`, {
      headers: { 'X-MotCua-Key': FEED_KEY },
    });
    expect(r.status).toBe(404);
    expect(((await r.json()) as ErrorBody).code).toBe('GW_ERR_DOSSIER_NOT_FOUND');
    const anon = await fetch(`${stack.gatewayUrl}/v1/dossiers/H40.22-NOPE-1`);
    expect(anon.status).toBe(401);
  });
});

describe('bad input at the land callbacks', () => {
  const good = specExample<Record<string, unknown>>('land/callback-ChuyenHoSo.json');

  it('When the securityCode is wrong, then 401 and nothing is applied', async () => {
    const r = await post(`/callbacks/land/WrongCode123/ChuyenHoSo`, JSON.stringify(good));
    expect(r.status).toBe(401);
  });

  it('When the operation is unknown, then 404', async () => {
    const r = await post(`/callbacks/land/${SECURITY_CODE}/XoaHoSo`, JSON.stringify(good));
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('GW_ERR_CALLBACK_UNKNOWN_OPERATION');
  });

  it('When the callback concerns a dossier the gateway never received, then 404 and nothing is stored', async () => {
    const r = await post(
      `/callbacks/land/${SECURITY_CODE}/ChuyenHoSo`,
      JSON.stringify({ ...good, MaHoSoMotCua: 'H40.22-UNKNOWN-1' }),
    );
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('GW_ERR_CALLBACK_UNKNOWN_DOSSIER');
    expect(await stack.gateway!.store.exists('H40.22-UNKNOWN-1')).toBe(false);
  });

  it('When a callback body has a wrong type or malformed JSON, then 400 naming the field', async () => {
    const typed = await post(
      `/callbacks/land/${SECURITY_CODE}/ChuyenHoSo`,
      JSON.stringify({ ...good, hoSoId: 'abc' }),
    );
    expect(typed.status).toBe(400);
    expect(typed.body.code).toBe('GW_ERR_CALLBACK_INVALID');
    expect(typed.body.message).toContain('/hoSoId');
    const broken = await post(`/callbacks/land/${SECURITY_CODE}/ChuyenHoSo`, '{"EventId": ');
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('GW_ERR_REQUEST_MALFORMED_JSON');
  });
});
