import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { InboundSink } from '../../adapters/adapter.js';
import type { Logger } from '../../logging/logger.js';
import { isGatewayError } from '../../errors/gateway-error.js';
import { safeEqual } from '../../security/constant-time.js';
import {
  CALLBACK_OPERATION,
  MA_KET_QUA_UNKNOWN_DOSSIER,
  PASSWORD_TEXT,
  TEXTS,
  callbackResponseXml,
  faultXml,
  soapActionOf,
  type FaultCode,
  type SocialInsuranceCallbackParser,
  type UsernameToken,
} from '../../../adapters/social-insurance/index.js';

export const SOCIAL_INSURANCE_CALLBACK_PATH = '/callbacks/social-insurance';

const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';

export interface SocialInsuranceInboundDeps {
  parser: SocialInsuranceCallbackParser;
  sink: InboundSink;
  /** UsernameToken the gateway issued to BHXH for its callbacks (§1.1). */
  username: string;
  password: string;
  log: Logger;
}

/** A refusal answered as a SOAP fault; BHXH resends the event after any fault (§4.3). */
class Fault extends Error {
  constructor(
    readonly faultcode: FaultCode,
    message: string,
    readonly kind: 'input' | 'auth' | 'server' = 'input',
  ) {
    super(message);
  }
}

function sendXml(res: Response, status: number, xml: string): void {
  res.status(status).set('Content-Type', SOAP_CONTENT_TYPE).send(Buffer.from(xml, 'utf8'));
}

function sendFault(res: Response, fault: Fault): void {
  sendXml(res, 500, faultXml(fault.faultcode, fault.message));
}

/** SOAP 1.1 over HTTP: `text/xml`, UTF-8 (README §2). */
function checkContentType(req: Request): void {
  const [mime, ...params] = (req.get('content-type') ?? '')
    .toLowerCase()
    .split(';')
    .map((p) => p.trim());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice(8)
    .replace(/"/g, '');
  if (mime !== 'text/xml' || (charset !== undefined && charset !== 'utf-8')) {
    throw new Fault('soap:Client', 'Content-Type: phải là text/xml; charset=utf-8 (SOAP 1.1)');
  }
}

/**
 * SOAPAction is optional for us (the body names the operation) but, when present and not empty,
 * it must be this service's only action.
 */
function checkSoapAction(header: string | undefined): void {
  const action = (header ?? '').trim().replace(/^"(.*)"$/, '$1');
  if (action !== '' && action !== soapActionOf(CALLBACK_OPERATION)) {
    throw new Fault(
      'soap:Client',
      `SOAPAction: "${action}" không khớp với thao tác tns:${CALLBACK_OPERATION}`,
    );
  }
}

/** Both halves are always compared (constant time each), so timing does not tell which one was wrong. */
function authenticate(token: UsernameToken | undefined, username: string, password: string): void {
  if (!token) throw new Fault('soap:Client', TEXTS.authMissing, 'auth');
  if (token.passwordType !== undefined && token.passwordType.trim() !== PASSWORD_TEXT) {
    throw new Fault(
      'soap:Client',
      token.passwordType.endsWith('#PasswordDigest') ? TEXTS.authDigest : TEXTS.authFailed,
      'auth',
    );
  }
  const userOk = safeEqual(token.username, username);
  const passwordOk = safeEqual(token.password, password);
  if (!(userOk && passwordOk)) throw new Fault('soap:Client', TEXTS.authFailed, 'auth');
}

/**
 * The gateway's `CapNhatTrangThaiService` (social-insurance.md §4, `social-insurance-callback.wsdl`):
 * `POST /callbacks/social-insurance` receives BHXH's status callbacks, `GET …?wsdl` describes it.
 *
 * @remarks The route only authenticates, validates, hands over and replies. Every outcome is a
 * SOAP answer, never a crash: bad input or credentials → `soap:Client` fault; the store failing →
 * `soap:Server` fault (BHXH resends after any fault); a repeated `MaSuKien` → `MaKetQua` 0 again
 * (the sink dropped the copy); a dossier the gateway does not know → HTTP 200 with `MaKetQua` 4
 * ("not accepted", which BHXH logs and does not resend, §4.3), since resending cannot help.
 */
export function socialInsuranceInboundRouter(deps: SocialInsuranceInboundDeps): Router {
  const { parser, sink, log } = deps;
  const r = express.Router();

  r.get(SOCIAL_INSURANCE_CALLBACK_PATH, async (req, res) => {
    if (!Object.keys(req.query).some((k) => k.toLowerCase() === 'wsdl')) {
      res
        .status(405)
        .set('Allow', 'POST')
        .type('text/plain')
        .send('SOAP endpoint: POST a SOAP 1.1 envelope, or GET ?wsdl');
      return;
    }
    try {
      const location = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}${req.path}`;
      sendXml(res, 200, await parser.describe(location));
    } catch (err) {
      log.error({ err }, 'social-insurance: the callback WSDL cannot be read');
      res.status(500).type('text/plain').send('WSDL unavailable');
    }
  });

  r.post(
    SOCIAL_INSURANCE_CALLBACK_PATH,
    express.raw({ type: () => true, limit: parser.maxBytes }),
    async (req, res) => {
      let stage: 'input' | 'store' = 'input';
      try {
        checkContentType(req);
        const raw: unknown = req.body;
        if (!Buffer.isBuffer(raw) || raw.length === 0)
          throw new Fault('soap:Client', 'XML không hợp lệ: nội dung rỗng');
        const envelope = await parser.read(raw);
        if (envelope.notUnderstood.length > 0) {
          throw new Fault(
            'soap:MustUnderstand',
            `Header: không xử lý được ${envelope.notUnderstood.join(', ')}`,
          );
        }
        authenticate(envelope.token, deps.username, deps.password);
        checkSoapAction(req.get('soapaction'));
        const event = parser.toEvent(envelope.payload);
        stage = 'store';
        if (!(await sink.knows(event.MaHoSo))) {
          log.warn(
            { MaHoSo: event.MaHoSo, eventId: event.eventId },
            'social-insurance callback for an unknown dossier: not accepted',
          );
          sendXml(
            res,
            200,
            callbackResponseXml(MA_KET_QUA_UNKNOWN_DOSSIER, TEXTS.unknownDossier(event.MaHoSo)),
          );
          return;
        }
        const [accepted] = await sink.accept([event]);
        log.info(
          { MaHoSo: event.MaHoSo, eventId: event.eventId, kind: event.kind, fresh: accepted?.fresh ?? false },
          accepted?.fresh === false
            ? 'social-insurance callback repeated: acknowledged again'
            : 'social-insurance callback received',
        );
        sendXml(res, 200, callbackResponseXml(0, TEXTS.received));
      } catch (err) {
        if (err instanceof Fault) {
          if (err.kind === 'auth')
            log.warn({ reason: err.message }, 'social-insurance callback: authentication failed');
          else log.warn({ reason: err.message }, 'social-insurance callback refused');
          sendFault(res, err);
        } else if (stage === 'input' && isGatewayError(err) && err.code === 'GW_ERR_CALLBACK_INVALID') {
          log.warn({ reason: err.message }, 'social-insurance callback refused: invalid');
          sendFault(res, new Fault('soap:Client', err.message));
        } else {
          log.error({ err }, 'social-insurance callback could not be stored; BHXH will resend');
          sendFault(res, new Fault('soap:Server', TEXTS.busy, 'server'));
        }
      }
    },
  );

  // Body-parser failures (too large, aborted) are still answered in SOAP.
  r.use(SOCIAL_INSURANCE_CALLBACK_PATH, (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const e = err as { type?: string; status?: number };
    const message =
      e.type === 'entity.too.large'
        ? `XML không hợp lệ: nội dung vượt quá ${parser.maxBytes} byte`
        : 'XML không hợp lệ: không đọc được nội dung';
    log.warn({ reason: message, type: e.type }, 'social-insurance callback refused');
    sendFault(res, new Fault('soap:Client', message));
  });

  return r;
}
