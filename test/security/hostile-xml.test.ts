import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CivilRegistrationTransport } from '../../adapters/civil-registration/transport.js';
import { readStatus } from '../../adapters/document/status-edxml.js';
import { SocialInsuranceTransport } from '../../adapters/social-insurance/transport.js';
import { TaxTransport } from '../../adapters/tax/transport.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { repoPath } from '../../src/paths.js';
import { startStack, TAX_KEY, type Stack } from '../helpers/stack.js';
import { HOSTILE_XML, MAX_HEAP_GROWTH_MB, MAX_REFUSAL_MS, measure, soapWith } from './hostile-bodies.js';

let stack: Stack;
/** A system gone rogue: every answer is the body the current test sets (tokens excepted). */
let answer = '';
let rogue: Server;
let rogueUrl = '';

beforeAll(async () => {
  stack = await startStack({ name: 'hostile-xml', systems: 'all' });
  rogue = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.includes('token')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'rogue-token', token_type: 'Bearer', expires_in: 300 }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
      res.end(answer);
    });
  });
  await new Promise<void>((r) => rogue.listen(0, '127.0.0.1', r));
  rogueUrl = `http://127.0.0.1:${(rogue.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await new Promise((r) => rogue?.close(r));
});

function post(path: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers, body });
}

const cases = Object.entries(HOSTILE_XML);

describe('hostile XML at the inbound routes', () => {
  it.each(cases)(
    'When the tax authority route receives %s, then it answers MA_LOI 01 quickly and without memory growth',
    async (_name, body) => {
      const {
        value: res,
        ms,
        heapMb,
      } = await measure(async () => {
        const r = await post('/callbacks/tax/thongbaothue', body(), {
          SecurityKey: TAX_KEY,
          'Content-Type': 'application/xml; charset=utf-8',
        });
        return { status: r.status, text: await r.text() };
      });
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/<MA_LOI>01<\/MA_LOI>/);
      expect(res.text).not.toContain('root:');
      expect(ms).toBeLessThan(MAX_REFUSAL_MS);
      expect(heapMb).toBeLessThan(MAX_HEAP_GROWTH_MB);
    },
  );

  const soapCases: Array<[string, () => string]> = [
    ...cases,
    ['a SOAP envelope after a billion-laughs DTD', () => soapWith('laughs')],
    ['a SOAP envelope with an external entity', () => soapWith('external')],
    ['a SOAP envelope nested 50 000 deep', () => soapWith('deep')],
  ];
  it.each(soapCases)(
    'When the BHXH callback service receives %s, then a soap:Client fault comes back quickly and without memory growth',
    async (_name, body) => {
      const {
        value: res,
        ms,
        heapMb,
      } = await measure(async () => {
        const r = await post('/callbacks/social-insurance', body(), {
          'Content-Type': 'text/xml; charset=utf-8',
        });
        return { status: r.status, text: await r.text() };
      });
      expect(res.status).toBe(500);
      expect(res.text).toContain('<faultcode>soap:Client</faultcode>');
      expect(res.text).not.toContain('/etc/passwd');
      expect(ms).toBeLessThan(MAX_REFUSAL_MS);
      expect(heapMb).toBeLessThan(MAX_HEAP_GROWTH_MB);
    },
  );
});

describe("hostile XML in the systems' answers", () => {
  const timeoutMs = 2000;
  const adapters: Array<[string, () => Promise<unknown>]> = [
    [
      'civil registration (LayKetQua)',
      () =>
        new CivilRegistrationTransport({
          baseUrl: rogueUrl,
          clientId: 'c',
          clientSecret: 's',
          timeoutMs,
          maxRequestsPerSecond: 0,
        }).layKetQua('H40.22-X-1'),
    ],
    [
      'tax (the KQ answer to phieuchuyen)',
      () =>
        new TaxTransport({ baseUrl: rogueUrl, securityKey: 'k', timeoutMs }).phieuchuyen(
          '<DATA/>',
          'PC-H40.22-X-1-01',
        ),
    ],
    [
      'social insurance (the NopHoSo response envelope)',
      () =>
        new SocialInsuranceTransport({
          serviceUrl: rogueUrl,
          username: 'u',
          password: 'p',
          timeoutMs,
          wsdlPath: repoPath('..', 'shared', 'specs', 'social-insurance.wsdl'),
        }).nopHoSo({ MaHoSo: 'H40.22-X-1' }),
    ],
    [
      'document management (a status edXML in the inbox)',
      async () => readStatus(Buffer.from(answer, 'utf8').toString('base64')),
    ],
  ];
  const soapAware = (adapter: string, name: string): string =>
    adapter.startsWith('social') && name !== 'deep nesting' && name !== 'many attributes'
      ? soapWith(name === 'billion laughs' ? 'laughs' : 'external')
      : HOSTILE_XML[name]!();

  for (const [adapter, call] of adapters) {
    it.each(cases.map(([name]) => [name]))(
      `When ${adapter} answers %s, then the answer is refused quickly, as a gateway error or a parse error, without memory growth`,
      async (name) => {
        answer = soapAware(adapter, name);
        const {
          value: outcome,
          ms,
          heapMb,
        } = await measure(() =>
          call().then(
            () => ({ ok: true as const }),
            (err: unknown) => ({ ok: false as const, err }),
          ),
        );
        expect(outcome.ok).toBe(false);
        const err = (outcome as { err: Error }).err;
        // A refusal the adapter understands: a GatewayError (outcome unknown or rejected) or its parse error.
        expect(err instanceof GatewayError || /StatusParseError/.test(err.name ?? err.constructor.name)).toBe(
          true,
        );
        expect(String(err.message)).not.toMatch(/root:x:0:0/);
        expect(ms).toBeLessThan(MAX_REFUSAL_MS + timeoutMs);
        expect(heapMb).toBeLessThan(MAX_HEAP_GROWTH_MB);
      },
    );
  }
});
