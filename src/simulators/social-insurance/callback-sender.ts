import http from 'node:http';
import https from 'node:https';
import type { ClientRequest } from 'node:http';
import { CALLBACK_OPERATION, SOAP11_ENV_NS, SOAP_CONTENT_TYPE, TNS, soapActionOf } from './protocol.js';
import type { StatusEvent } from './dossier-store.js';
import type { Credentials } from './ws-security.js';
import { child, parseXml } from './xml-tree.js';
import { requestEnvelope } from './xml-writer.js';

/**
 * Builds and posts one `CapNhatTrangThaiHoSo` call (§4, `social-insurance-callback.wsdl`) and
 * classifies the answer per §4.3.
 */
export type CallbackOutcome =
  | 'delivered'
  | 'not-accepted'
  | 'soap-fault'
  | 'http-error'
  | 'invalid-response'
  | 'network-error'
  | 'timeout'
  | 'no-target';

/** Outcomes after which BHXH does not send the event again (§4.3). */
export const FINAL_OUTCOMES: readonly CallbackOutcome[] = ['delivered', 'not-accepted'];

/** The envelope of `examples/social-insurance/callback-request.xml`, for this event. */
export function buildCallbackRequest(event: StatusEvent, credentials: Credentials): string {
  return requestEnvelope(
    CALLBACK_OPERATION,
    [
      ['MaHoSo', event.maHoSo],
      ['SoBienNhanBHXH', event.soBienNhanBHXH],
      ['TrangThai', event.trangThai],
      ['ThoiDiem', event.thoiDiem],
      ['GhiChu', event.ghiChu],
      ['MaSuKien', event.maSuKien],
    ],
    credentials.username,
    credentials.password,
  );
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** POSTs a SOAP 1.1 request; rejects on connection errors and with `Error('timeout')` after `timeoutMs`. */
export function postSoap(
  url: string,
  body: string,
  timeoutMs: number,
  inFlight: Set<ClientRequest>,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : http;
    const payload = Buffer.from(body, 'utf8');
    const req = lib.request(target, {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': SOAP_CONTENT_TYPE,
        SOAPAction: `"${soapActionOf(CALLBACK_OPERATION)}"`,
        'Content-Length': payload.length,
        Connection: 'close',
      },
    });
    inFlight.add(req);
    const timer = setTimeout(() => req.destroy(new Error('timeout')), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      inFlight.delete(req);
    };
    req.on('error', (e) => {
      done();
      reject(e);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => {
        done();
        reject(e);
      });
      res.on('end', () => {
        done();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(payload);
  });
}

export interface Classified {
  outcome: CallbackOutcome;
  maKetQua?: number;
  moTa?: string;
  faultcode?: string;
}

/**
 * §4.3: delivered = HTTP 200 with `CapNhatTrangThaiHoSoResponse` and `MaKetQua` 0; HTTP 200 with
 * another `MaKetQua` = not accepted (logged, not resent); any SOAP fault or other HTTP status =
 * retried. Ambiguity resolved: an HTTP 200 whose body is not a `CapNhatTrangThaiHoSoResponse`
 * (unparseable, wrong element, `MaKetQua` not an integer) is treated like a failure and retried.
 */
export function classifyCallbackAnswer(answer: HttpAnswer): Classified {
  let root;
  try {
    root = parseXml(answer.body);
  } catch {
    return { outcome: answer.status === 200 ? 'invalid-response' : 'http-error' };
  }
  const body =
    root.uri === SOAP11_ENV_NS && root.local === 'Envelope' ? child(root, SOAP11_ENV_NS, 'Body') : undefined;
  const fault = body && child(body, SOAP11_ENV_NS, 'Fault');
  if (fault) {
    const faultcode = fault.children.find((c) => c.local === 'faultcode')?.text.trim();
    return { outcome: 'soap-fault', ...(faultcode !== undefined ? { faultcode } : {}) };
  }
  if (answer.status !== 200) return { outcome: 'http-error' };
  const response = body && child(body, TNS, `${CALLBACK_OPERATION}Response`);
  const maKetQuaText = response && child(response, TNS, 'MaKetQua')?.text.trim();
  if (!response || maKetQuaText === undefined || !/^[+-]?[0-9]+$/.test(maKetQuaText))
    return { outcome: 'invalid-response' };
  const maKetQua = Number(maKetQuaText);
  const moTa = child(response, TNS, 'MoTa')?.text;
  return {
    outcome: maKetQua === 0 ? 'delivered' : 'not-accepted',
    maKetQua,
    ...(moTa !== undefined ? { moTa } : {}),
  };
}
