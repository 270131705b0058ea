import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErrorCode } from '../../src/errors/error-codes.js';
import { repoPath } from '../../src/paths.js';
import {
  birthDossier,
  birthWithCardDossier,
  deathDossier,
  documentDossier,
  funeralOnlyDossier,
  landDossier,
  nextCode,
  taxOnlyDossier,
} from '../helpers/dossiers.js';
import {
  BHXH_CB_PASSWORD,
  BHXH_CB_USER,
  FEED_KEY,
  SECURITY_CODE,
  startStack,
  TAX_KEY,
  type Stack,
} from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Property-based tests: any input to an inbound format gets a 2xx or a specific refusal (a 4xx with
 * a registry code, or the protocol's documented rejection: KQ `01`/`02`, a `soap:Client` fault),
 * never a 5xx, a crash or a hang. Inputs are the spec's examples, left valid or mutated: fields
 * set to any JSON value or deleted, text cut, characters (markup, entities, NUL, NFD, astral)
 * inserted anywhere.
 */

const RUNS = Number(process.env.LIENTHONG_PROPERTY_RUNS ?? 300);
const SEED = Number(process.env.LIENTHONG_PROPERTY_SEED ?? 20251105);
/** An answer must come within this (a hang fails the property). */
const ANSWER_MS = 10_000;

let stack: Stack;
/** A dossier the gateway holds, entered at the land registry and BHXH, that valid callbacks can name. */
let knownLand = '';
let knownBhxh = '';
const ran: Record<string, number> = {};

beforeAll(async () => {
  stack = await startStack({
    name: 'property',
    systems: 'all',
    // Thousands of requests in seconds from one client: the limits are tested elsewhere.
    patch: (raw) => void ((raw.http as Record<string, unknown>).rateLimit = { enabled: false }),
  });
  knownLand = nextCode('PBL');
  knownBhxh = nextCode('PBB');
  for (const d of [landDossier(knownLand), funeralOnlyDossier(knownBhxh)]) {
    stack.portal.seed(d);
    expect((await stack.portal.push(d.MaHoSo)).lastStatusCode).toBe(202);
  }
  await waitFor('entered', () => stack.land.entries(knownLand) === 1 && stack.bhxh!.entries(knownBhxh) === 1);
}, 60_000);

afterAll(async () => {
  console.log(
    `property tests (seed ${SEED}): ${Object.entries(ran)
      .map(([k, n]) => `${k} ${n} cases`)
      .join(', ')}`,
  );
  await stack?.close();
});

async function post(
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const r = await fetch(`${stack.gatewayUrl}${path}`, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(ANSWER_MS),
  });
  return { status: r.status, text: await r.text() };
}

const example = (...p: string[]): string =>
  readFileSync(repoPath('..', 'shared', 'specs', 'examples', ...p), 'utf8');

/** Strings chosen to break parsers, templates and stores. */
const nasty = fc.constantFrom(
  '',
  ' ',
  '<script>alert(1)</script>',
  "'; DROP TABLE hoso; --",
  '\u0000',
  '\u001b[31m',
  '\uFFFE',
  '\uD800',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'Nguyễn Văn Hùng'.normalize('NFD'),
  '&lol9;',
  ']]>',
  '../../etc/passwd',
  '9'.repeat(400),
  '{{MaHoSo}}',
  '${process.env}',
  '__proto__',
);
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 40 }), nasty);

type Path = Array<string | number>;
function pathsOf(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

interface JsonMutation {
  path: Path;
  op: 'set' | 'delete';
  value: unknown;
}

const jsonMutations = (base: unknown): fc.Arbitrary<JsonMutation[]> =>
  fc.array(
    fc.record({
      path: fc.constantFrom(...pathsOf(base)),
      op: fc.constantFrom('set' as const, 'set' as const, 'delete' as const),
      value: anyValue,
    }),
    { maxLength: 3 },
  );

function applyJson(base: unknown, mutations: JsonMutation[]): unknown {
  let doc = structuredClone(base) as unknown;
  for (const m of mutations) {
    if (m.path.length === 0) {
      doc = m.op === 'set' ? m.value : {};
      continue;
    }
    let parent = doc as Record<string | number, unknown> | null;
    for (const k of m.path.slice(0, -1)) {
      const next = parent && typeof parent === 'object' ? parent[k] : undefined;
      if (next === null || typeof next !== 'object') {
        parent = null;
        break;
      }
      parent = next as Record<string | number, unknown>;
    }
    if (!parent || typeof parent !== 'object') continue;
    const last = m.path[m.path.length - 1]!;
    if (m.op === 'delete') delete parent[last];
    else parent[last] = m.value;
  }
  return doc;
}

/** Text mutations: replace a stretch (possibly empty) at some place with something nasty. */
const textMutations = fc.array(
  fc.record({
    at: fc.nat(),
    cut: fc.nat({ max: 30 }),
    insert: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      nasty,
      fc.constantFrom(
        '<',
        '>',
        '&',
        '&amp;',
        '&#0;',
        '&#x110000;',
        '<!--',
        '<![CDATA[x]]>',
        '</DATA>',
        '<x a="1">',
        '"',
        "'",
      ),
    ),
  }),
  { maxLength: 3 },
);

function applyText(base: string, mutations: Array<{ at: number; cut: number; insert: string }>): string {
  let t = base;
  for (const m of mutations) {
    const pos = m.at % (t.length + 1);
    t = t.slice(0, pos) + m.insert + t.slice(pos + m.cut);
  }
  return t;
}

/** Replaces the text of some elements (XML-escaped: well-formed, but any value). */
const elementValues = (names: readonly string[]) =>
  fc.array(
    fc.record({ name: fc.constantFrom(...names), value: fc.oneof(fc.string({ maxLength: 40 }), nasty) }),
    {
      maxLength: 3,
    },
  );

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function applyElements(base: string, changes: Array<{ name: string; value: string }>): string {
  let t = base;
  for (const c of changes)
    t = t.replace(new RegExp(`(<(?:\\w+:)?${c.name}>)[^<]*(</)`), `$1${escapeXml(c.value)}$2`);
  return t;
}

/** A specific refusal: 4xx with a registry code in the gateway's JSON body. */
function specificJson(res: { status: number; text: string }): boolean {
  if (res.status >= 200 && res.status < 300) return true;
  if (res.status < 400 || res.status >= 500) return false;
  try {
    return isErrorCode(String((JSON.parse(res.text) as { code?: unknown }).code));
  } catch {
    return false;
  }
}

const count = (name: string): void => {
  ran[name] = (ran[name] ?? 0) + 1;
};

describe('property: any input gets a 2xx or a specific refusal, never a 5xx, a crash or a hang', () => {
  const builders = [
    landDossier,
    birthDossier,
    birthWithCardDossier,
    deathDossier,
    funeralOnlyDossier,
    taxOnlyDossier,
    documentDossier,
  ];

  it('When the portal feed gets dossiers of every route, valid or mutated anywhere, then 2xx or a specific 4xx', async () => {
    const base = {
      madonvi: 'H40.22',
      service: 'DongBoHoSoMC',
      isUpdating: 'False',
      data: [landDossier('X')],
    };
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: builders.length - 1 }), jsonMutations(base), async (k, mutations) => {
        count('feed (dossier schema)');
        const envelope = { ...base, data: [builders[k]!(nextCode('PBF'))] };
        const body = JSON.stringify(applyJson(envelope, mutations));
        const res = await post('/v1/portal/feed', body, {
          'Content-Type': 'application/json; charset=utf-8',
          'X-MotCua-Key': FEED_KEY,
        });
        if (mutations.length === 0) expect(res.status, res.text).toBe(202);
        expect(specificJson(res), `${res.status} ${res.text.slice(0, 300)}`).toBe(true);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 120_000);

  it('When land callbacks of every operation arrive, valid or mutated, then 2xx or a specific 4xx', async () => {
    const ops = ['ChuyenHoSo', 'YeuCauBoSungHoSo', 'NhanBoSungHoSo', 'GuiKetQuaThue', 'KetThucHoSo'] as const;
    const bases = ops.map((op) => ({
      ...(JSON.parse(example('land', `callback-${op}.json`)) as Record<string, unknown>),
      MaHoSoMotCua: knownLand,
    }));
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: ops.length - 1 }),
        fc.uuid(),
        jsonMutations(bases[0]),
        fc.boolean(),
        async (k, eventId, mutations, asText) => {
          count('land callback (JSON)');
          const doc = applyJson({ ...bases[k]!, EventId: eventId }, mutations);
          const body = asText
            ? applyText(JSON.stringify(doc), [{ at: eventId.length, cut: 1, insert: '"' }])
            : JSON.stringify(doc);
          const res = await post(`/callbacks/land/${SECURITY_CODE}/${ops[k]}`, body, {
            'Content-Type': 'application/json; charset=utf-8',
          });
          expect(specificJson(res), `${res.status} ${res.text.slice(0, 300)}`).toBe(true);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  }, 120_000);

  it('When tax notices (XML) arrive, valid or mutated, then HTTP 200 with MA_LOI 00 or 01, never 5xx', async () => {
    const base = example('tax', 'thongbaothue-push.xml').replaceAll('H40.22-251105-0001', knownLand);
    const names = [
      'MA_GDICH',
      'NGAY_GUI',
      'MA_HSO',
      'MA_SO_THUE',
      'SO_QUYET_DINH',
      'NGAY_QUYET_DINH',
      'SO_TIEN',
      'TEN_TIEUMUC',
    ];
    await fc.assert(
      fc.asyncProperty(fc.uuid(), elementValues(names), textMutations, async (id, values, cuts) => {
        count('tax notice (XML)');
        const unique = base
          .replace('TCT-TB-20251112-000045', `TB-${id.slice(0, 8)}`)
          .replace(/TB251112000(\d)/g, `T${id.slice(0, 6)}$1`);
        const res = await post(
          '/callbacks/tax/thongbaothue',
          applyText(applyElements(unique, values), cuts),
          {
            'Content-Type': 'application/xml; charset=utf-8',
            SecurityKey: TAX_KEY,
          },
        );
        expect(res.status, res.text).toBe(200);
        expect(res.text, res.text).toMatch(/<MA_LOI>0[01]<\/MA_LOI>/);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 120_000);

  it('When payment confirmations (JSON) arrive, valid or mutated, then HTTP 200 with MA_LOI 00 or 01, never 5xx', async () => {
    const base = { ...(JSON.parse(example('tax', 'xacnhannopthue-push.json')) as object), MaHoSo: knownLand };
    await fc.assert(
      fc.asyncProperty(jsonMutations(base), textMutations, fc.boolean(), async (mutations, cuts, asText) => {
        count('tax payment (JSON)');
        const json = JSON.stringify(applyJson(base, mutations));
        const res = await post('/callbacks/tax/xacnhannopthue', asText ? applyText(json, cuts) : json, {
          'Content-Type': 'application/json; charset=utf-8',
          SecurityKey: TAX_KEY,
        });
        expect(res.status, res.text).toBe(200);
        expect(res.text, res.text).toMatch(/<MA_LOI>0[01]<\/MA_LOI>/);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 120_000);

  it('When BHXH callbacks (SOAP) arrive, valid or mutated, then MaKetQua in a 200 or a soap:Client/MustUnderstand fault, never a soap:Server fault', async () => {
    const base = example('social-insurance', 'callback-request.xml')
      .replace('bhxh_nghean', BHXH_CB_USER)
      .replace('Example-Callback-Passw0rd', BHXH_CB_PASSWORD)
      .replace('H40.22-251105-0003', knownBhxh);
    const names = ['MaHoSo', 'SoBienNhanBHXH', 'TrangThai', 'ThoiDiem', 'GhiChu', 'MaSuKien'];
    await fc.assert(
      fc.asyncProperty(fc.uuid(), elementValues(names), textMutations, async (id, values, cuts) => {
        count('BHXH callback (SOAP)');
        const body = applyText(
          applyElements(base.replace('3c2b1a09-8f7e-4d6c-b5a4-93827160fedc', id), values),
          cuts,
        );
        const res = await post('/callbacks/social-insurance', body, {
          'Content-Type': 'text/xml; charset=utf-8',
        });
        if (res.status === 200) expect(res.text).toMatch(/MaKetQua>\d+</);
        else {
          // SOAP 1.1 refusals: the request is wrong (Client), or a mandatory header is not understood
          // (MustUnderstand: a mutated wsse namespace); never Server, which means the gateway failed.
          expect(res.status, res.text).toBe(500);
          expect(res.text, res.text).toMatch(/<faultcode>soap:(Client|MustUnderstand)<\/faultcode>/);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 120_000);

  it('When all that is over, then the gateway is alive and still takes a valid dossier', async () => {
    expect((await fetch(`${stack.gatewayUrl}/healthz`)).status).toBe(200);
    const M = nextCode('PBZ');
    stack.portal.seed(landDossier(M));
    expect((await stack.portal.push(M)).lastStatusCode).toBe(202);
  });
});
