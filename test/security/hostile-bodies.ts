/**
 * XML bodies an attacker (or a broken system) sends to make a parser expand, fetch or recurse
 * without end. Each must be refused quickly, without the memory the attack asks for.
 */

/** Nine levels of ten: a billion `lol`s (3 GB) if the entities were expanded. */
export function billionLaughs(root = 'DATA'): string {
  const levels = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i += 1) {
    const prev = i === 1 ? 'lol' : `lol${i - 1}`;
    levels.push(`<!ENTITY lol${i} "${`&${prev};`.repeat(10)}">`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE ${root} [\n${levels.join('\n')}\n]>\n<${root}>&lol9;</${root}>`;
}

/** An external entity: reading a local file (or fetching a URL) if the parser resolved it. */
export function externalEntity(root = 'DATA'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE ${root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<${root}>&xxe;</${root}>`;
}

/** A parameter entity pulling a remote DTD (the out-of-band variant). */
export function parameterEntity(root = 'DATA'): string {
  return `<?xml version="1.0"?>\n<!DOCTYPE ${root} [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>\n<${root}/>`;
}

/** An entity used without any DTD (strict parsers must refuse, not keep it as text). */
export function undeclaredEntity(root = 'DATA'): string {
  return `<${root}>&lol9;</${root}>`;
}

/** 100 000 nested elements: 700 KB, under the size cap, enough to overflow a recursive reader's stack. */
export function deepNesting(n = 100_000): string {
  return `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;
}

/** One element with 80 000 attributes (870 KB, under the size cap): quadratic in a namespace-aware sax. */
export function manyAttributes(n = 80_000): string {
  return `<DATA ${Array.from({ length: n }, (_, i) => `a${i}="x"`).join(' ')}/>`;
}

/** The same attacks inside a SOAP 1.1 envelope (the DTD before the envelope, or entities in the body). */
export function soapWith(attack: 'laughs' | 'external' | 'deep'): string {
  const body =
    attack === 'deep'
      ? `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${deepNesting(50_000)}</soap:Body></soap:Envelope>`
      : `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>${attack === 'laughs' ? '&lol9;' : '&xxe;'}</x></soap:Body></soap:Envelope>`;
  if (attack === 'deep') return body;
  const dtd =
    attack === 'laughs'
      ? billionLaughs('soap:Envelope').split('\n').slice(1, -1).join('\n')
      : '<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>';
  return `<?xml version="1.0" encoding="UTF-8"?>\n${dtd}\n${body}`;
}

export const HOSTILE_XML: Record<string, () => string> = {
  'billion laughs': () => billionLaughs(),
  'external entity': () => externalEntity(),
  'parameter entity': () => parameterEntity(),
  'undeclared entity': () => undeclaredEntity(),
  'deep nesting': () => deepNesting(),
  'many attributes': () => manyAttributes(),
};

/** Time and heap growth of one call, so a test can bound both. */
export async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; heapMb: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  const heapMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
  return { value, ms, heapMb };
}

/** Bounds of "refused quickly, without memory growth": loose for a loaded CI machine, far below what any attack would take. */
export const MAX_REFUSAL_MS = 2000;
export const MAX_HEAP_GROWTH_MB = 64;
