import { Builder, Parser } from 'xml2js';
import type { RenderOptions } from 'xml2js';

/** No tax message comes near this: 50 notice rows are a few tens of KiB. */
export const MAX_XML_BYTES = 1024 * 1024;

/** Why a pushed or answered body could not be read; the caller words the answer (KQ `01`, or an unknown outcome). */
export class BodyRefused extends Error {
  constructor(
    readonly problem: 'size' | 'encoding' | 'doctype' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'BodyRefused';
  }
}

/**
 * Decodes a body as strict UTF-8 (README §2: UTF-8 only, no byte order mark), refusing anything
 * larger than {@link MAX_XML_BYTES} before decoding it.
 */
export function decodeUtf8(body: Buffer | string, maxBytes = MAX_XML_BYTES): string {
  const bytes = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  if (bytes > maxBytes) throw new BodyRefused('size', `body larger than ${maxBytes} bytes`);
  if (typeof body === 'string') return body;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
    throw new BodyRefused('encoding', 'byte order mark not accepted');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw new BodyRefused('encoding', 'body is not valid UTF-8');
  }
}

/**
 * Parses XML with every form of DTD processing out of reach: a `<!DOCTYPE` or `<!ENTITY` is refused
 * before the parser sees the text (no entity can be declared, so none can expand), the size is
 * capped, and sax runs strict (an undeclared entity is an error, not text). Text is kept exactly as
 * received (README §2: stored and returned byte-identical), so nothing is trimmed or normalised.
 */
export async function parseXmlSafely(
  body: Buffer | string,
  maxBytes = MAX_XML_BYTES,
): Promise<Record<string, unknown>> {
  const text = decodeUtf8(body, maxBytes);
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw new BodyRefused('doctype', 'DOCTYPE/ENTITY declarations are not accepted');
  }
  const decl = /^\s*<\?xml\s[^?]*encoding\s*=\s*["']([^"']+)["']/.exec(text);
  if (decl && decl[1]?.toLowerCase() !== 'utf-8') {
    throw new BodyRefused('encoding', `declared encoding ${decl[1] ?? ''} is not accepted`);
  }
  const parser = new Parser({
    strict: true,
    explicitArray: true,
    explicitRoot: true,
    trim: false,
    normalize: false,
    normalizeTags: false,
    emptyTag: '',
    async: false,
  });
  let doc: unknown;
  try {
    doc = await parser.parseStringPromise(text);
  } catch (err) {
    throw new BodyRefused('malformed', err instanceof Error ? err.message.split('\n')[0]! : 'malformed XML');
  }
  if (doc === null || typeof doc !== 'object') throw new BodyRefused('malformed', 'empty document');
  return doc as Record<string, unknown>;
}

/** One leaf element of a parsed (explicitArray) node. */
export type Leaf =
  { kind: 'absent' } | { kind: 'multiple' } | { kind: 'not-text' } | { kind: 'text'; value: string };

/** Reads the element `name` of a parsed node as text; an empty element is `''`. */
export function leaf(node: unknown, name: string): Leaf {
  if (node === null || typeof node !== 'object') return { kind: 'absent' };
  const v = (node as Record<string, unknown>)[name];
  if (!Array.isArray(v) || v.length === 0) return { kind: 'absent' };
  if (v.length > 1) return { kind: 'multiple' };
  const only: unknown = v[0];
  if (typeof only === 'string') return { kind: 'text', value: only };
  if (only !== null && typeof only === 'object') {
    const o = only as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => k !== '$');
    if (keys.length === 0) return { kind: 'text', value: '' };
    if (keys.length === 1 && typeof o['_'] === 'string') return { kind: 'text', value: o['_'] };
  }
  return { kind: 'not-text' };
}

/** The child elements `name` of a parsed node (each an object, or `''` when empty). */
export function children(node: unknown, name: string): unknown[] {
  if (node === null || typeof node !== 'object') return [];
  const v = (node as Record<string, unknown>)[name];
  return Array.isArray(v) ? (v as unknown[]) : [];
}

// `allowEmpty` (xmlbuilder) is missing from the xml2js typings: it writes `<X></X>` like the examples.
const renderOpts: RenderOptions & { allowEmpty: boolean } = {
  pretty: true,
  indent: '  ',
  newline: '\n',
  allowEmpty: true,
};
const builder = new Builder({ xmldec: { version: '1.0', encoding: 'UTF-8' }, renderOpts });

/** README §2: a sender holding decomposed text must send NFC. */
function toNfc(value: unknown): unknown {
  if (typeof value === 'string') return value.normalize('NFC');
  if (Array.isArray(value)) return value.map(toNfc);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toNfc(v)]));
  }
  return value;
}

/**
 * Builds a document in the layout of the spec's example files (declaration, two-space indent,
 * empty elements written `<X></X>`, trailing newline), every text in NFC.
 */
export function buildXml(root: Record<string, unknown>): string {
  return `${builder.buildObject(toNfc(root))}\n`;
}
