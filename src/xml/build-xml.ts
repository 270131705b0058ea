import { Builder, type RenderOptions } from 'xml2js';

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
