import xml2js from 'xml2js';

/**
 * XML in and out of the civil registration API: UTF-8, no namespace, no DTD (civil-registration.md §1).
 *
 * @remarks Parsing is deliberately strict and safe: a body with a byte order mark, a DOCTYPE or ENTITY
 * declaration, an entity other than the five predefined XML ones or invalid UTF-8 is refused, and
 * text is kept exactly as received (no trim, no normalisation, no re-normalisation of Unicode).
 */

/** A parsed element: text for a leaf, children by name (each an array, in document order) otherwise. */
export type XmlNode = string | XmlElement;
export interface XmlElement {
  [name: string]: XmlNode[] | string | undefined;
}

export type ParseOutcome = { ok: true; root: string; value: XmlNode } | { ok: false; reason: string };

const PREDEFINED_ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)/;

/** Decodes and parses a request body; never throws. */
export async function parseXmlBody(body: Buffer): Promise<ParseOutcome> {
  if (body.length === 0) return { ok: false, reason: 'nội dung rỗng' };
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf)
    return { ok: false, reason: 'không được có BOM (byte order mark)' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return { ok: false, reason: 'không phải UTF-8 hợp lệ' };
  }
  if (text.trim() === '') return { ok: false, reason: 'nội dung rỗng' };
  const decl = /^<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']/.exec(text);
  if (decl && decl[1]?.toUpperCase() !== 'UTF-8') return { ok: false, reason: 'encoding phải là UTF-8' };
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text))
    return { ok: false, reason: 'không chấp nhận DOCTYPE/ENTITY' };
  const outsideCdata = text.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  if (PREDEFINED_ENTITY.test(outsideCdata)) return { ok: false, reason: 'tham chiếu thực thể không hợp lệ' };
  const parser = new xml2js.Parser({
    explicitArray: true,
    explicitRoot: true,
    ignoreAttrs: true,
    trim: false,
    normalize: false,
    strict: true,
    async: false,
  });
  try {
    const parsed = (await parser.parseStringPromise(text)) as Record<string, XmlNode> | null;
    const entries = Object.entries(parsed ?? {});
    const first = entries[0];
    if (!first || entries.length !== 1) return { ok: false, reason: 'XML không hợp lệ' };
    return { ok: true, root: first[0], value: first[1] };
  } catch (err) {
    const message = err instanceof Error ? (err.message.split('\n')[0] ?? '') : '';
    return { ok: false, reason: `XML không hợp lệ (${message})` };
  }
}

/** A value of a response document: text, a nested element, or repeated elements. */
export type OutValue = string | number | OutElement | OutElement[];
export interface OutElement {
  [name: string]: OutValue;
}

/** Builds `<?xml version="1.0" encoding="UTF-8"?>` + the document, 2-space indent, empty elements as `<a></a>`. */
export function buildXml(root: string, content: OutElement): string {
  const builder = new xml2js.Builder({
    rootName: root,
    xmldec: { version: '1.0', encoding: 'UTF-8' },
    renderOpts: { pretty: true, indent: '  ', newline: '\n', allowEmpty: true } as xml2js.RenderOptions,
  });
  return `${builder.buildObject(content)}\n`;
}
