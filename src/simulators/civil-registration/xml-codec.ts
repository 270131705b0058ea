import { buildXml as buildDocument } from '../../xml/build-xml.js';
import { decodeUtf8Body, parseXml, screenXmlText, XmlRefused } from '../../xml/safe-xml.js';

/**
 * XML in and out of the civil registration API: UTF-8, no namespace, no DTD (civil-registration.md §1).
 *
 * @remarks Parsing is deliberately strict and safe (the shared reader of src/xml): a body with a
 * byte order mark, a DOCTYPE or ENTITY declaration, an entity other than the five predefined XML
 * ones or invalid UTF-8 is refused, and text is kept exactly as received (no trim, no
 * normalisation, no re-normalisation of Unicode).
 */

/** A parsed element: text for a leaf, children by name (each an array, in document order) otherwise. */
export type XmlNode = string | XmlElement;
export interface XmlElement {
  [name: string]: XmlNode[] | string | undefined;
}

export type ParseOutcome = { ok: true; root: string; value: XmlNode } | { ok: false; reason: string };

const PREDEFINED_ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)/;

/** The vendor's wording of each refusal (`moTa` after `hoTich: `). */
function refusalReason(err: XmlRefused): string {
  switch (err.refusal) {
    case 'bom':
      return 'không được có BOM (byte order mark)';
    case 'encoding':
      return 'không phải UTF-8 hợp lệ';
    case 'declared-encoding':
      return 'encoding phải là UTF-8';
    case 'doctype':
      return 'không chấp nhận DOCTYPE/ENTITY';
    case 'malformed':
      return `XML không hợp lệ (${err.detail})`;
    default:
      return 'XML không hợp lệ';
  }
}

/** Decodes and parses a request body; never throws. */
export function parseXmlBody(body: Buffer): ParseOutcome {
  if (body.length === 0) return { ok: false, reason: 'nội dung rỗng' };
  try {
    const text = decodeUtf8Body(body);
    if (text.trim() === '') return { ok: false, reason: 'nội dung rỗng' };
    screenXmlText(text);
    const outsideCdata = text.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '').replace(/<!--[\s\S]*?-->/g, '');
    if (PREDEFINED_ENTITY.test(outsideCdata))
      return { ok: false, reason: 'tham chiếu thực thể không hợp lệ' };
    const [first] = Object.entries(parseXml(text, { explicitArray: true, ignoreAttrs: true }));
    if (!first) return { ok: false, reason: 'XML không hợp lệ' };
    return { ok: true, root: first[0], value: first[1] as XmlNode };
  } catch (err) {
    if (err instanceof XmlRefused) return { ok: false, reason: refusalReason(err) };
    throw err;
  }
}

/** A value of a response document: text, a nested element, or repeated elements. */
export type OutValue = string | number | OutElement | OutElement[];
export interface OutElement {
  [name: string]: OutValue;
}

/** Builds `<?xml version="1.0" encoding="UTF-8"?>` + the document, 2-space indent, empty elements as `<a></a>`. */
export function buildXml(root: string, content: OutElement): string {
  return buildDocument({ [root]: content });
}
