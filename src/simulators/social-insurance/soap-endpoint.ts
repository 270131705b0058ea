import express from 'express';
import type { Request, Response, Router } from 'express';
import type { FaultInjector } from '../fault-injector.js';
import type { StatusEvent } from './dossier-store.js';
import type { HoSoService } from './hoso-service.js';
import { readNopHoSo, readTraCuuHoSo } from './payload-schema.js';
import { OPERATIONS, SOAP11_ENV_NS, SOAP_CONTENT_TYPE, TNS, soapActionOf } from './protocol.js';
import type { Operation } from './protocol.js';
import type { ServerFaultSwitch } from './server-fault-switch.js';
import { SoapFault } from './soap-fault.js';
import { authenticate } from './ws-security.js';
import type { Credentials } from './ws-security.js';
import { parseXml, XmlSyntaxError } from './xml-tree.js';
import type { XmlElement } from './xml-tree.js';
import { faultEnvelope } from './xml-writer.js';

/** Per-operation counters of the SOAP endpoint. */
export interface OperationCounters {
  /** Requests identified as this operation (whatever the outcome, `soap:Server` faults included). */
  calls: number;
  clientFaults: number;
  authFailures: number;
  serverFaults: number;
}

export interface EndpointCounters {
  /** POSTs that reached the endpoint (after the FaultInjector). */
  requests: number;
  /** `soap:Client` faults before the operation could be identified (content type, malformed XML, envelope). */
  unidentifiedFaults: number;
  nopHoSo: OperationCounters & { accepted: number; exists: number; invalid: number };
  traCuuHoSo: OperationCounters & { found: number; notFound: number };
}

export const emptyEndpointCounters = (): EndpointCounters => ({
  requests: 0,
  unidentifiedFaults: 0,
  nopHoSo: {
    calls: 0,
    clientFaults: 0,
    authFailures: 0,
    serverFaults: 0,
    accepted: 0,
    exists: 0,
    invalid: 0,
  },
  traCuuHoSo: { calls: 0, clientFaults: 0, authFailures: 0, serverFaults: 0, found: 0, notFound: 0 },
});

export interface EndpointDeps {
  path: string;
  wsdl: () => Promise<string>;
  faults: FaultInjector;
  serverFault: ServerFaultSwitch;
  credentials: () => Credentials;
  service: HoSoService;
  counters: () => EndpointCounters;
  /** Receives the events of a committed change, after the answer was written (or withheld). */
  onEvents: (events: StatusEvent[]) => void;
}

/**
 * Checks the HTTP layer (§1: `Content-Type: text/xml; charset=utf-8`) and returns the body; its
 * encoding (UTF-8 without BOM, a declaration naming UTF-8) is checked by `parseXml`.
 */
function bodyOf(req: Request): Buffer {
  const type = (req.get('content-type') ?? '').toLowerCase();
  const [mime, ...params] = type.split(';').map((p) => p.trim());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice(8)
    .replace(/"/g, '');
  if (mime !== 'text/xml' || (charset !== undefined && charset !== 'utf-8'))
    throw SoapFault.malformed('Content-Type: phải là text/xml; charset=utf-8 (SOAP 1.1)');
  const raw: unknown = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw SoapFault.malformed('XML không hợp lệ: nội dung rỗng');
  return raw;
}

function parseEnvelope(raw: Buffer): { header: XmlElement | undefined; payload: XmlElement } {
  let root: XmlElement;
  try {
    root = parseXml(raw);
  } catch (e) {
    throw SoapFault.malformed(`XML không hợp lệ: ${e instanceof XmlSyntaxError ? e.message : 'lỗi cú pháp'}`);
  }
  if (root.uri !== SOAP11_ENV_NS || root.local !== 'Envelope')
    throw SoapFault.malformed(`Envelope: phần tử gốc phải là soap:Envelope của SOAP 1.1 (${SOAP11_ENV_NS})`);
  let header: XmlElement | undefined;
  let body: XmlElement | undefined;
  for (const c of root.children) {
    if (c.uri === SOAP11_ENV_NS && c.local === 'Header' && !header && !body) header = c;
    else if (c.uri === SOAP11_ENV_NS && c.local === 'Body' && !body) body = c;
    else if (!body) throw SoapFault.malformed(`Envelope: phần tử ${c.name} không hợp lệ trước soap:Body`);
  }
  if (!body) throw SoapFault.malformed('Body: thiếu soap:Body');
  const [payload, ...extra] = body.children;
  if (!payload) throw SoapFault.malformed('Body: soap:Body không có phần tử nào');
  if (extra.length > 0) throw SoapFault.malformed('Body: soap:Body chỉ được chứa một phần tử');
  return { header, payload };
}

function operationOf(payload: XmlElement): Operation {
  const op = OPERATIONS.find((o) => o === payload.local);
  if (!op || payload.uri !== TNS)
    throw SoapFault.malformed(
      `${payload.local}: thao tác không được hỗ trợ (không gian tên ${TNS}: ${OPERATIONS.join(', ')})`,
    );
  return op;
}

/**
 * SOAP 1.1 requires the SOAPAction header. Ambiguity resolved: the quotes of the spec are accepted
 * or not (servers are lenient there); an empty action (`""`) dispatches on the body element, as
 * SOAP 1.1 allows; a missing header or another operation's action is a `soap:Client` fault.
 */
function checkSoapAction(header: string | undefined, op: Operation): void {
  if (header === undefined)
    throw SoapFault.malformed(`SOAPAction: thiếu HTTP header SOAPAction "${soapActionOf(op)}"`);
  const action = header.trim().replace(/^"(.*)"$/, '$1');
  if (action !== '' && action !== soapActionOf(op))
    throw SoapFault.malformed(`SOAPAction: "${action}" không khớp với phần tử tns:${op} trong soap:Body`);
}

function sendXml(res: Response, status: number, xml: string): void {
  res.status(status).set('Content-Type', SOAP_CONTENT_TYPE).send(Buffer.from(xml, 'utf8'));
}

/** `HoSoBHXHService` over HTTP: `GET <path>?wsdl` and `POST <path>`. */
export function soapEndpoint(deps: EndpointDeps): Router {
  const router = express.Router();

  router.get(deps.path, async (req, res) => {
    if (!Object.keys(req.query).some((k) => k.toLowerCase() === 'wsdl')) {
      res
        .status(405)
        .set('Allow', 'POST')
        .type('text/plain')
        .send('SOAP endpoint: POST a SOAP 1.1 envelope, or GET ?wsdl');
      return;
    }
    // Like common SOAP stacks, the published address is the one the caller reached.
    const location = `${req.protocol}://${req.get('host') ?? '127.0.0.1'}${deps.path}`;
    const wsdl = (await deps.wsdl()).replace(/(<soap:address\s+location=")[^"]*(")/, `$1${location}$2`);
    sendXml(res, 200, wsdl);
  });

  router.post(
    deps.path,
    deps.faults.before(),
    express.raw({ type: () => true, limit: '1mb' }),
    (req, res) => {
      const counters = deps.counters();
      counters.requests += 1;
      let op: Operation | undefined;
      try {
        const { header, payload } = parseEnvelope(bodyOf(req));
        op = operationOf(payload);
        const c = op === 'NopHoSo' ? counters.nopHoSo : counters.traCuuHoSo;
        c.calls += 1;
        checkSoapAction(req.get('soapaction'), op);
        if (deps.serverFault.take()) throw SoapFault.server();
        const user = authenticate(header, deps.credentials());
        if (op === 'NopHoSo') {
          const outcome = deps.service.nopHoSo(readNopHoSo(payload), user);
          const n = counters.nopHoSo;
          if (outcome.maKetQua === 0) n.accepted += 1;
          else if (outcome.maKetQua === 1) n.exists += 1;
          else n.invalid += 1;
          // "Applied, then the answer is lost": applies to a request that found its dossier stored (0 or 1).
          const withheld = outcome.maKetQua !== 2 && deps.faults.afterCommit(res);
          if (!withheld) sendXml(res, 200, outcome.xml);
          deps.onEvents(outcome.events);
          return;
        }
        const outcome = deps.service.traCuuHoSo(readTraCuuHoSo(payload));
        if (outcome.maKetQua === 0) counters.traCuuHoSo.found += 1;
        else counters.traCuuHoSo.notFound += 1;
        sendXml(res, 200, outcome.xml);
      } catch (e) {
        const fault = e instanceof SoapFault ? e : SoapFault.server();
        if (!(e instanceof SoapFault)) console.error('social-insurance simulator: unexpected error', e);
        const c = op === undefined ? undefined : op === 'NopHoSo' ? counters.nopHoSo : counters.traCuuHoSo;
        if (!c) counters.unidentifiedFaults += 1;
        else if (fault.faultcode === 'soap:Server') c.serverFaults += 1;
        else {
          c.clientFaults += 1;
          if (fault.kind === 'auth') c.authFailures += 1;
        }
        sendXml(res, 500, faultEnvelope(fault.faultcode, fault.faultstring));
      }
    },
  );

  return router;
}
