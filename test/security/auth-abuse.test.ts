import { readFileSync } from 'node:fs';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { Gateway, StartupError } from '../../src/gateway.js';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logging/logger.js';
import { repoPath } from '../../src/paths.js';
import { safeEqual } from '../../src/security/constant-time.js';
import { WORLD_SECRETS } from '../../src/simulators/world.js';
import {
  BHXH_CB_PASSWORD,
  BHXH_CB_USER,
  FEED_KEY,
  OPERATOR_TOKEN,
  SECURITY_CODE,
  specExample,
  startStack,
  TAX_KEY,
  TEST_ENV,
  type Stack,
} from '../helpers/stack.js';

let stack: Stack;
let limited: Stack;

/** Every rate-limit bucket at 3 requests per 3 s, so a test can go over it in a few requests. */
const SMALL_LIMITS = { windowMs: 3000, feed: 3, callbacks: 3, api: 3, unauthenticated: 3 };

beforeAll(async () => {
  [stack, limited] = await Promise.all([
    startStack({ name: 'auth', systems: 'all' }),
    startStack({
      name: 'abuse',
      systems: 'all',
      patch: (raw) => {
        (raw.http as Record<string, unknown>).rateLimit = SMALL_LIMITS;
      },
    }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([stack?.close(), limited?.close()]);
});

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  const r = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: r.status, text: await r.text(), headers: r.headers };
}

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };
const XML_TYPE = { 'Content-Type': 'application/xml; charset=utf-8' };
const SOAP_TYPE = { 'Content-Type': 'text/xml; charset=utf-8' };
const feedBody = JSON.stringify(specExample('portal/feed-land-tax.json'));
const landCallback = readFileSync(
  repoPath('..', 'shared', 'specs', 'examples', 'land', 'callback-ChuyenHoSo.json'),
  'utf8',
);
const taxNotice = readFileSync(
  repoPath('..', 'shared', 'specs', 'examples', 'tax', 'thongbaothue-push.xml'),
  'utf8',
);
const taxPayment = readFileSync(
  repoPath('..', 'shared', 'specs', 'examples', 'tax', 'xacnhannopthue-push.json'),
  'utf8',
);
const bhxhCallback = (user: string, password: string): string =>
  readFileSync(
    repoPath('..', 'shared', 'specs', 'examples', 'social-insurance', 'callback-request.xml'),
    'utf8',
  )
    .replace('bhxh_nghean', user)
    .replace('Example-Callback-Passw0rd', password);

describe('every inbound route authenticated as its spec says', () => {
  it('When the feed is called without X-MotCua-Key or with a wrong one, then 401 MISSING or INVALID', async () => {
    const none = await call(stack.gatewayUrl, 'POST', '/v1/portal/feed', JSON_TYPE, feedBody);
    expect([none.status, (JSON.parse(none.text) as { code: string }).code]).toEqual([
      401,
      'GW_ERR_AUTH_MISSING',
    ]);
    const wrong = await call(
      stack.gatewayUrl,
      'POST',
      '/v1/portal/feed',
      { ...JSON_TYPE, 'X-MotCua-Key': 'x' },
      feedBody,
    );
    expect([wrong.status, (JSON.parse(wrong.text) as { code: string }).code]).toEqual([
      401,
      'GW_ERR_AUTH_INVALID',
    ]);
  });

  it('When a land callback names a wrong securityCode, then 401 and nothing is read', async () => {
    const r = await call(
      stack.gatewayUrl,
      'POST',
      '/callbacks/land/WrongCode123/ChuyenHoSo',
      JSON_TYPE,
      landCallback,
    );
    expect(r.status).toBe(401);
  });

  it('When a tax push comes without SecurityKey or with a wrong one, then 401 with MA_LOI 02', async () => {
    for (const [path, body, type] of [
      ['/callbacks/tax/thongbaothue', taxNotice, XML_TYPE],
      ['/callbacks/tax/xacnhannopthue', taxPayment, JSON_TYPE],
    ] as const) {
      for (const key of [undefined, 'wrong-key']) {
        const r = await call(
          stack.gatewayUrl,
          'POST',
          path,
          { ...type, ...(key ? { SecurityKey: key } : {}) },
          body,
        );
        expect(r.status, `${path} ${key ?? 'none'}`).toBe(401);
        expect(r.text).toContain('<MA_LOI>02</MA_LOI>');
      }
    }
  });

  it('When a BHXH callback has no UsernameToken or a wrong password, then a soap:Client authentication fault', async () => {
    const noHeader = bhxhCallback(BHXH_CB_USER, BHXH_CB_PASSWORD).replace(
      /<soap:Header>[\s\S]*<\/soap:Header>/,
      '',
    );
    for (const body of [
      noHeader,
      bhxhCallback(BHXH_CB_USER, 'wrong'),
      bhxhCallback('someone', BHXH_CB_PASSWORD),
    ]) {
      const r = await call(stack.gatewayUrl, 'POST', '/callbacks/social-insurance', SOAP_TYPE, body);
      expect(r.status).toBe(500);
      expect(r.text).toContain('<faultcode>soap:Client</faultcode>');
      expect(r.text).toContain('Xác thực không thành công');
    }
  });

  it('When the dossier API or the admin API is called without a credential, then 401', async () => {
    expect((await call(stack.gatewayUrl, 'GET', '/v1/dossiers/H40.22-X-1')).status).toBe(401);
    expect((await call(stack.gatewayUrl, 'GET', '/admin/deliveries')).status).toBe(401);
    expect((await call(stack.gatewayUrl, 'GET', '/v1/reports/on-time')).status).toBe(401);
  });
});

describe('credentials per system: one caller cannot pass for another', () => {
  const others = [FEED_KEY, SECURITY_CODE, TAX_KEY, BHXH_CB_PASSWORD, OPERATOR_TOKEN];

  it("When the tax key, the feed key or BHXH's password is used as the land securityCode, then 401", async () => {
    for (const key of others.filter((k) => k !== SECURITY_CODE)) {
      const r = await call(
        stack.gatewayUrl,
        'POST',
        `/callbacks/land/${encodeURIComponent(key)}/ChuyenHoSo`,
        JSON_TYPE,
        landCallback,
      );
      expect(r.status, key.slice(0, 4)).toBe(401);
    }
  });

  it("When the land securityCode, the feed key or BHXH's password is sent as the tax SecurityKey, then 401 MA_LOI 02", async () => {
    for (const key of others.filter((k) => k !== TAX_KEY)) {
      const r = await call(
        stack.gatewayUrl,
        'POST',
        '/callbacks/tax/thongbaothue',
        { ...XML_TYPE, SecurityKey: key },
        taxNotice,
      );
      expect(r.status, key.slice(0, 4)).toBe(401);
      expect(r.text).toContain('<MA_LOI>02</MA_LOI>');
    }
  });

  it('When any system key is sent as the portal feed key, then 401', async () => {
    for (const key of others.filter((k) => k !== FEED_KEY)) {
      const r = await call(
        stack.gatewayUrl,
        'POST',
        '/v1/portal/feed',
        { ...JSON_TYPE, 'X-MotCua-Key': key },
        feedBody,
      );
      expect(r.status).toBe(401);
    }
  });

  it('When another system key is used as the BHXH callback password, then a soap:Client authentication fault', async () => {
    for (const key of others.filter((k) => k !== BHXH_CB_PASSWORD)) {
      const r = await call(
        stack.gatewayUrl,
        'POST',
        '/callbacks/social-insurance',
        SOAP_TYPE,
        bhxhCallback(BHXH_CB_USER, key),
      );
      expect(r.text).toContain('Xác thực không thành công');
    }
  });

  it('When the configuration gives two callers the same secret, then the gateway refuses to start, naming both keys', async () => {
    const config = parseConfig(structuredClone(stack.rawConfig), {
      env: { ...TEST_ENV, LT_TAX_KEY: WORLD_SECRETS.LT_LAND_CODE },
      readFile: (p) => readFileSync(p, 'utf8'),
    });
    const gw = new Gateway(config, 'api', createLogger('silent'));
    try {
      await expect(gw.start()).rejects.toThrow(StartupError);
      await expect(gw.start()).rejects.toThrow(
        /systems\.land\.callbackSecurityCode and systems\.tax\.securityKey/,
      );
    } finally {
      await gw.stop();
    }
  });

  it('When secrets are compared, then the comparison takes every byte (hash then timingSafeEqual) and the auth code never compares with ===', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcdef')).toBe(false);
    expect(safeEqual(undefined, 'abc')).toBe(false);
    expect(safeEqual('', '')).toBe(false);
    const files = [
      'src/http/routes/feed.ts',
      'src/http/routes/dossiers.ts',
      'src/http/routes/metrics.ts',
      'src/http/routes/tax-inbound.ts',
      'src/http/routes/social-insurance-inbound.ts',
      'src/http/routes/dashboard.ts',
      'src/http/rate-limits.ts',
      'src/admin/admin-auth.ts',
      'src/metrics/metrics-server.ts',
      'adapters/land/callbacks.ts',
    ];
    const secret = '(feedKey|securityKey|securityCode|password|token|metricsToken|tokenSha256)';
    const nothing = '(?!\\s*(undefined|null|\'\'|""))';
    const direct = new RegExp(
      `(===|!==)\\s*(deps\\.|this\\.)?${secret}\\b|\\b${secret}\\s*(===|!==)${nothing}`,
    );
    for (const f of files) {
      const text = readFileSync(repoPath(f), 'utf8');
      expect(
        text.split('\n').filter((l) => direct.test(l) && !l.includes('typeof')),
        f,
      ).toEqual([]);
    }
  });
});

describe('rate limits per client', () => {
  const land = `/callbacks/land/${SECURITY_CODE}/ChuyenHoSo`;

  it('When the portal goes over its limit, then 429 GW_ERR_RATE_LIMITED with Retry-After, while a system and an operator keep their own budgets', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < SMALL_LIMITS.feed + 1; i += 1)
      answers.push(
        await call(
          limited.gatewayUrl,
          'POST',
          '/v1/portal/feed',
          { ...JSON_TYPE, 'X-MotCua-Key': FEED_KEY },
          '{}',
        ),
      );
    expect(answers.slice(0, SMALL_LIMITS.feed).map((a) => a.status)).toEqual([422, 422, 422]);
    const over = answers[SMALL_LIMITS.feed]!;
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(over.text)).toMatchObject({
      code: 'GW_ERR_RATE_LIMITED',
      details: { limit: 3, windowMs: 3000 },
    });
    // Other clients are not held back by the portal's budget.
    expect((await call(limited.gatewayUrl, 'POST', land, JSON_TYPE, landCallback)).status).toBe(404);
    expect(
      (
        await call(limited.gatewayUrl, 'GET', '/admin/deliveries', {
          Authorization: `Bearer ${OPERATOR_TOKEN}`,
        })
      ).status,
    ).toBe(200);
  });

  it('When the tax authority goes over its limit, then 429 with a KQ envelope MA_LOI 99 (it retries) and Retry-After', async () => {
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < SMALL_LIMITS.callbacks + 1; i += 1) {
      last = await call(
        limited.gatewayUrl,
        'POST',
        '/callbacks/tax/xacnhannopthue',
        { ...JSON_TYPE, SecurityKey: TAX_KEY },
        '{}',
      );
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last!.text).toContain('<MA_LOI>99</MA_LOI>');
    expect(last!.headers.get('retry-after')).toBeTruthy();
  });

  it('When BHXH goes over its limit, then 429 with a soap:Server fault (it resends) and Retry-After', async () => {
    let last: Answer | undefined;
    for (let i = 0; i < SMALL_LIMITS.callbacks + 1; i += 1)
      last = await call(limited.gatewayUrl, 'POST', '/callbacks/social-insurance', SOAP_TYPE, '<x/>');
    expect(last!.status).toBe(429);
    expect(last!.text).toContain('<faultcode>soap:Server</faultcode>');
    expect(last!.headers.get('retry-after')).toBeTruthy();
  });

  it('When someone guesses keys, then after a few tries every guess gets 429 (per address), health probes are never limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < SMALL_LIMITS.unauthenticated + 2; i += 1)
      statuses.push(
        (
          await call(
            limited.gatewayUrl,
            'POST',
            `/callbacks/land/Guess${i}abcdefgh/ChuyenHoSo`,
            JSON_TYPE,
            '{}',
          )
        ).status,
      );
    expect(statuses.slice(0, 2)).toEqual([401, 401]);
    expect(statuses.slice(-1)).toEqual([429]);
    for (let i = 0; i < 10; i += 1)
      expect((await call(limited.gatewayUrl, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('security headers and error bodies', () => {
  it('When any route answers, then helmet headers are set and nothing says it is express', async () => {
    for (const path of ['/healthz', '/v1/dossiers/H40.22-X-1', '/no/such/route', '/openapi.json']) {
      const r = await call(stack.gatewayUrl, 'GET', path);
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(r.headers.get('strict-transport-security'), path).toMatch(/max-age=\d+/);
      expect(r.headers.get('content-security-policy'), path).toContain("default-src 'none'");
      expect(r.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(r.headers.get('x-powered-by'), path).toBeNull();
    }
    const ui = await call(stack.gatewayUrl, 'GET', '/admin/queues', {
      Authorization: `Bearer ${OPERATOR_TOKEN}`,
    });
    expect(ui.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  const leaks =
    /node_modules|\/work\/|\/root\/|\/home\/|\/tmp\/|\/src\/|\.ts:\d|\.js:\d|\n\s+at\s|\bat .*\(.*:\d+:\d+\)/;

  it('When requests fail in every way a client can make them fail, then no error body carries a stack trace or an internal path', async () => {
    const g = stack.gatewayUrl;
    const feedHeaders = { ...JSON_TYPE, 'X-MotCua-Key': FEED_KEY };
    const answers = await Promise.all([
      call(g, 'POST', '/v1/portal/feed', feedHeaders, '{"data": [}'),
      call(g, 'POST', '/v1/portal/feed', { 'X-MotCua-Key': FEED_KEY, 'Content-Type': 'text/plain' }, 'x'),
      call(g, 'POST', '/v1/portal/feed', feedHeaders, '{"madonvi": 1}'),
      call(g, 'POST', '/v1/portal/feed', feedHeaders, `{"a":${'['.repeat(100)}${']'.repeat(100)}}`),
      call(g, 'POST', '/v1/portal/feed', { ...feedHeaders, 'Content-Encoding': 'br' }, 'x'),
      call(g, 'POST', land_(), JSON_TYPE, '{"EventId": 5}'),
      call(g, 'POST', land_(), JSON_TYPE, '{'),
      call(g, 'GET', '/v1/dossiers/%00%ff', { 'X-MotCua-Key': FEED_KEY }),
      call(g, 'GET', '/v1/dossiers/H40.22-NOPE-1', { 'X-MotCua-Key': FEED_KEY }),
      call(
        g,
        'POST',
        '/admin/replays',
        { ...JSON_TYPE, Authorization: `Bearer ${OPERATOR_TOKEN}` },
        '{"x":1}',
      ),
      call(g, 'GET', '/admin/deliveries/%E0%A4%A', { Authorization: `Bearer ${OPERATOR_TOKEN}` }),
      call(g, 'POST', '/callbacks/tax/thongbaothue', { ...XML_TYPE, SecurityKey: TAX_KEY }, '<DATA><'),
      call(g, 'POST', '/callbacks/social-insurance', SOAP_TYPE, '<soap:Envelope'),
      call(g, 'GET', '/%2e%2e/%2e%2e/etc/passwd'),
      call(g, 'DELETE', '/v1/portal/feed'),
    ]);
    for (const a of answers) {
      // Refused: a 4xx, or the tax protocol's refusal (HTTP 200, MA_LOI 01).
      expect(a.status >= 400 || a.text.includes('<MA_LOI>01</MA_LOI>'), a.text).toBe(true);
      // A 4xx, or for SOAP the protocol's own refusal (a soap:Client fault travels as HTTP 500).
      if (a.status >= 500) expect(a.text).toContain('<faultcode>soap:Client</faultcode>');
      expect(a.text, a.text).not.toMatch(leaks);
    }
  });

  it('When a route throws an internal error whose message names a file, then the client gets only GW_ERR_INTERNAL', async () => {
    const r = express.Router();
    r.get('/boom', () => {
      throw new Error(
        `ENOENT: open '${repoPath('src', 'secret.ts')}' at Object.<anonymous> (/work/main/src/x.ts:1:1)`,
      );
    });
    const app = createApp({ log: createLogger('silent'), routers: [r] });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((ok) => server.once('listening', ok));
    try {
      const port = (server.address() as { port: number }).port;
      const a = await call(`http://127.0.0.1:${port}`, 'GET', '/boom');
      expect(a.status).toBe(500);
      expect(JSON.parse(a.text)).toEqual({
        code: 'GW_ERR_INTERNAL',
        message: 'Internal error',
        details: null,
      });
      expect(a.text).not.toMatch(leaks);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });
});

function land_(): string {
  return `/callbacks/land/${SECURITY_CODE}/ChuyenHoSo`;
}
