import { Builder, Parser } from 'xml2js';
import type { RenderOptions } from 'xml2js';

/** Why a body could not be read as XML. */
export type XmlProblem = 'encoding' | 'doctype' | 'malformed';

export class XmlRejected extends Error {
  constructor(
    readonly problem: XmlProblem,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Decodes a body as strict UTF-8 (README §2: UTF-8, no BOM, legacy encodings not accepted).
 * @throws XmlRejected('encoding') on invalid UTF-8 or a BOM
 */
export function decodeUtf8(body: Buffer): string {
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
    throw new XmlRejected('encoding', 'byte order mark not accepted');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw new XmlRejected('encoding', 'body is not valid UTF-8');
  }
}

/**
 * Parses XML without any DTD or entity processing: a `<!DOCTYPE` (or `<!ENTITY`) is refused
 * before the parser sees it, sax runs in strict mode (undeclared entities are errors), and text is
 * kept exactly as received (no trim, no whitespace normalisation).
 */
export async function parseXmlSafely(text: string): Promise<Record<string, unknown>> {
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw new XmlRejected('doctype', 'DOCTYPE/ENTITY not accepted');
  }
  const decl = /^<\?xml\s[^?]*encoding\s*=\s*["']([^"']+)["']/.exec(text);
  if (decl && decl[1]?.toLowerCase() !== 'utf-8') {
    throw new XmlRejected('encoding', `declared encoding ${decl[1] ?? ''} not accepted`);
  }
  const parser = new Parser({
    explicitArray: true,
    explicitRoot: true,
    trim: false,
    normalize: false,
    normalizeTags: false,
    strict: true,
    emptyTag: '',
    async: false,
  });
  try {
    const doc: unknown = await parser.parseStringPromise(text);
    if (doc === null || typeof doc !== 'object') throw new Error('empty document');
    return doc as Record<string, unknown>;
  } catch (err) {
    throw new XmlRejected('malformed', err instanceof Error ? err.message.split('\n')[0]! : 'malformed');
  }
}

// `allowEmpty` (xmlbuilder) is missing from the xml2js typings: it writes `<X></X>` like the examples.
const renderOpts: RenderOptions & { allowEmpty: boolean } = {
  pretty: true,
  indent: '  ',
  newline: '\n',
  allowEmpty: true,
};
const builder = new Builder({ xmldec: { version: '1.0', encoding: 'UTF-8' }, renderOpts });

/**
 * Builds an XML document in the layout of the spec's example files (declaration without
 * `standalone`, two-space indent, empty elements written `<X></X>`, trailing newline).
 */
export function buildXml(root: Record<string, unknown>): string {
  return `${builder.buildObject(root)}\n`;
}

/** Outcome of reading one leaf element of a parsed (explicitArray) node. */
export type Leaf =
  { kind: 'absent' } | { kind: 'multiple' } | { kind: 'not-text' } | { kind: 'text'; value: string };

/** Reads the element `name` of a parsed node as text; an empty element yields `''`. */
export function leaf(node: unknown, name: string): Leaf {
  if (node === null || typeof node !== 'object') return { kind: 'absent' };
  const v = (node as Record<string, unknown>)[name];
  if (v === undefined) return { kind: 'absent' };
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

/** Reads the child elements `name` of a parsed node (each an object, or `''` when empty). */
export function children(node: unknown, name: string): unknown[] {
  if (node === null || typeof node !== 'object') return [];
  const v = (node as Record<string, unknown>)[name];
  return Array.isArray(v) ? (v as unknown[]) : [];
}
