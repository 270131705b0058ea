import { SOAP11_ENV_NS, TNS, WSSE_NS, PASSWORD_TEXT } from './protocol.js';

/**
 * Writes BHXH envelopes in exactly the layout of `examples/social-insurance/*.xml` (declaration,
 * `soap`/`tns` prefixes on the Envelope, two-space indentation, final newline), so a response can
 * be compared byte for byte with the example files.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;',
  );
}

/** One `<tns:Name>value</tns:Name>` line per field, skipping undefined values. */
export type Fields = ReadonlyArray<readonly [string, string | number | undefined]>;

function fieldLines(fields: Fields, indent: string): string {
  return fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${indent}<tns:${k}>${escapeXml(String(v))}</tns:${k}>\n`)
    .join('');
}

function envelope(body: string, header = ''): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<soap:Envelope xmlns:soap="${SOAP11_ENV_NS}" xmlns:tns="${TNS}">\n` +
    header +
    '  <soap:Body>\n' +
    body +
    '  </soap:Body>\n' +
    '</soap:Envelope>\n'
  );
}

/** A document/literal wrapped response element, e.g. `NopHoSoResponse`. */
export function responseEnvelope(element: string, fields: Fields): string {
  return envelope(`    <tns:${element}>\n${fieldLines(fields, '      ')}    </tns:${element}>\n`);
}

export function faultEnvelope(faultcode: 'soap:Client' | 'soap:Server', faultstring: string): string {
  return envelope(
    '    <soap:Fault>\n' +
      `      <faultcode>${faultcode}</faultcode>\n` +
      `      <faultstring>${escapeXml(faultstring)}</faultstring>\n` +
      '    </soap:Fault>\n',
  );
}

/** The WS-Security header BHXH sends (§1.1: always with `soap:mustUnderstand="1"`). */
export function securityHeader(username: string, password: string): string {
  return (
    '  <soap:Header>\n' +
    `    <wsse:Security soap:mustUnderstand="1" xmlns:wsse="${WSSE_NS}">\n` +
    '      <wsse:UsernameToken>\n' +
    `        <wsse:Username>${escapeXml(username)}</wsse:Username>\n` +
    `        <wsse:Password Type="${PASSWORD_TEXT}">${escapeXml(password)}</wsse:Password>\n` +
    '      </wsse:UsernameToken>\n' +
    '    </wsse:Security>\n' +
    '  </soap:Header>\n'
  );
}

/** A request envelope with the security header (used for the callback). */
export function requestEnvelope(element: string, fields: Fields, username: string, password: string): string {
  return envelope(
    `    <tns:${element}>\n${fieldLines(fields, '      ')}    </tns:${element}>\n`,
    securityHeader(username, password),
  );
}
