import { MESSAGES, PASSWORD_DIGEST, PASSWORD_TEXT, WSSE_NS } from './protocol.js';
import { SoapFault } from './soap-fault.js';
import { child } from './xml-tree.js';
import type { XmlElement } from './xml-tree.js';

/** A WS-Security UsernameToken username/password pair (PasswordText). */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * Checks the OASIS WS-Security 1.0 UsernameToken of a request header (§1.1).
 *
 * @remarks `soap:mustUnderstand` may be present or not; `Type` may be absent (PasswordText is the
 * default); `wsse:Nonce`, `wsu:Created`, `wsu:Timestamp` are ignored; PasswordDigest is refused.
 * Username and password are compared exactly (case-sensitive, no trimming). Every failure is a
 * `soap:Client` fault whose faultstring starts with `Xác thực không thành công`.
 * @returns the authenticated username
 */
export function authenticate(header: XmlElement | undefined, expected: Credentials): string {
  const security = header && child(header, WSSE_NS, 'Security');
  const token = security && child(security, WSSE_NS, 'UsernameToken');
  const username = token && child(token, WSSE_NS, 'Username');
  const password = token && child(token, WSSE_NS, 'Password');
  if (!username || !password) throw SoapFault.auth(MESSAGES.authMissing);
  const type = password.attributes.find((a) => a.local === 'Type' && a.uri === '')?.value;
  if (type === PASSWORD_DIGEST) throw SoapFault.auth(MESSAGES.authDigest);
  if (type !== undefined && type !== PASSWORD_TEXT) throw SoapFault.auth(MESSAGES.authFailed);
  if (username.text !== expected.username || password.text !== expected.password) throw SoapFault.auth();
  return username.text;
}
