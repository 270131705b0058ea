import { Builder, type RenderOptions } from 'xml2js';
import { MappingError } from '../mapping/template.js';
import { xmlSafeText } from './safe-xml.js';

/**
 * Refuses a text XML 1.0 cannot carry (a control character a dossier field may hold, since JSON
 * can): as a MappingError naming the element, so intake refuses the record for that system with
 * a 422 and a delivery is rejected, instead of the builder's exception becoming a 500.
 */
function checkText(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (xmlSafeText(value) !== value) {
      const bad = [...value].find((c) => xmlSafeText(c) !== c) ?? '';
      const cp = `U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      throw new MappingError(path, `contains ${cp}, a character XML cannot carry`);
    }
  } else if (Array.isArray(value)) value.forEach((v, i) => checkText(v, `${path}[${i}]`));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) checkText(v, path ? `${path}/${k}` : k);
}

/**
 * Writes documents in the layout of the specs' example files: an XML declaration naming UTF-8 (no
 * `standalone`), two-space indentation, `\n` line ends, empty elements written `<X></X>`, a final
 * newline. `document` has one key, the root element, as xml2js' Builder takes it.
 */
export function buildXml(
  document: Record<string, unknown>,
  options: { selfClosingEmpty?: boolean } = {},
): string {
  const builder = options.selfClosingEmpty ? selfClosing : openClose;
  checkText(document, '');
  return `${builder.buildObject(document)}\n`;
}

// `allowEmpty` (xmlbuilder) is missing from the xml2js typings: it writes `<X></X>` like the examples.
const render = (allowEmpty: boolean): RenderOptions & { allowEmpty: boolean } => ({
  pretty: true,
  indent: '  ',
  newline: '\n',
  allowEmpty,
});
const xmldec = { version: '1.0', encoding: 'UTF-8' };
const openClose = new Builder({ xmldec, renderOpts: render(true) });
const selfClosing = new Builder({ xmldec, renderOpts: render(false) });
