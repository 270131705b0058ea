import { xmlSafeText } from '../../src/xml/safe-xml.js';
import { CALLBACK_OPERATION, SOAP11_ENV_NS, TNS } from './protocol.js';

/**
 * The answers of the gateway's `CapNhatTrangThaiService`, written in exactly the layout of
 * `examples/social-insurance/callback-response.xml` and the fault examples (declaration, `soap`
 * and `tns` prefixes, two-space indentation, final newline), so they compare byte for byte.
 */
export function escapeXmlText(s: string): string {
  // Characters XML cannot carry (they may come from what was refused) become U+FFFD.
  return xmlSafeText(s).replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;',
  );
}

function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<soap:Envelope xmlns:soap="${SOAP11_ENV_NS}" xmlns:tns="${TNS}">\n` +
    '  <soap:Body>\n' +
    body +
    '  </soap:Body>\n' +
    '</soap:Envelope>\n'
  );
}

/** `tns:CapNhatTrangThaiHoSoResponse` (§4.2): `MaKetQua` 0 = received; anything else = not accepted, not resent. */
export function callbackResponseXml(maKetQua: number, moTa: string): string {
  const el = `${CALLBACK_OPERATION}Response`;
  return envelope(
    `    <tns:${el}>\n` +
      `      <tns:MaKetQua>${maKetQua}</tns:MaKetQua>\n` +
      `      <tns:MoTa>${escapeXmlText(moTa)}</tns:MoTa>\n` +
      `    </tns:${el}>\n`,
  );
}

export type FaultCode = 'soap:Client' | 'soap:Server' | 'soap:MustUnderstand';

/** A SOAP 1.1 fault (§1.2); sent with HTTP 500, after which BHXH resends the event (§4.3). */
export function faultXml(faultcode: FaultCode, faultstring: string): string {
  return envelope(
    '    <soap:Fault>\n' +
      `      <faultcode>${faultcode}</faultcode>\n` +
      `      <faultstring>${escapeXmlText(faultstring)}</faultstring>\n` +
      '    </soap:Fault>\n',
  );
}
