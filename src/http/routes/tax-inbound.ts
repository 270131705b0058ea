import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { buildKq, KQ_TEXT, type MaLoi } from '../../../adapters/tax/kq-envelope.js';
import type { TaxInboundParser } from '../../../adapters/tax/inbound.js';
import { pushRejectionOf } from '../../../adapters/tax/push-rejection.js';
import type { InboundSink } from '../../adapters/adapter.js';
import type { SystemEvent } from '../../domain/system-event.js';
import type { Logger } from '../../logging/logger.js';
import { safeEqual } from '../../security/constant-time.js';

/** 50 notice rows are a few tens of KiB; anything near this limit is not a tax push. */
export const TAX_INBOUND_LIMIT_BYTES = 1024 * 1024;

const NOTICES = '/callbacks/tax/thongbaothue';
const PAYMENTS = '/callbacks/tax/xacnhannopthue';

export interface TaxInboundDeps {
  parser: TaxInboundParser;
  sink: InboundSink;
  /** The shared key the tax authority sends in `SecurityKey` (tax.md §2). */
  securityKey: string;
  log: Logger;
}

function reply(res: Response, http: number, maLoi: MaLoi, moTa: string, maGdich: string): void {
  res
    .status(http)
    .set('Content-Type', 'application/xml; charset=utf-8')
    .send(buildKq(maLoi, moTa, maGdich));
}

/** The id pino-http gave the request (absent when the router runs without it, e.g. in tests). */
function requestIdOf(req: Request): string | undefined {
  const id = (req as { id?: unknown }).id;
  return id === undefined || id === null ? undefined : String(id);
}

function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/**
 * The two receiving URLs registered with the tax authority (tax.md §4.1): `URL_THONG_BAO_THUE`
 * (tax notices, XML) and `URL_XAC_NHAN_NOP_THUE` (payment confirmations, JSON). Every answer is the
 * KQ envelope of §4.2, because that is all the authority reads.
 *
 * @remarks The answer decides what the authority does next, so each code is chosen for that:
 * `00` for anything stored *or already stored* (a repeat is normal, §4.1, and the sink drops it);
 * `01` only for what can never be accepted (malformed body, wrong types, unknown dossier), which
 * stops the retries and sends the message to the tax office by hand, so nothing is stored for it;
 * `02`/401 for a missing or wrong key; `99` with 503 when the store fails (the authority retries
 * every minute, ten times). A message is refused or accepted as a whole.
 */
export function taxInboundRouter(deps: TaxInboundDeps): Router {
  const r = express.Router();
  const raw = express.raw({ type: () => true, limit: TAX_INBOUND_LIMIT_BYTES });

  const authenticate = (req: Request, res: Response, next: NextFunction): void => {
    if (safeEqual(req.get('SecurityKey'), deps.securityKey)) {
      next();
      return;
    }
    deps.log.warn(
      { path: req.path, keyPresent: req.get('SecurityKey') !== undefined },
      'tax push refused: SecurityKey missing or wrong',
    );
    reply(res, 401, '02', KQ_TEXT.unauthorized, '');
  };

  /** Refuses the whole message if it names a dossier the gateway does not know, else stores it. */
  const settle = async (
    res: Response,
    what: {
      path: string;
      requestId: string | undefined;
      maGdich: string;
      events: SystemEvent[];
      dossiers: Array<{ MaHoSo: string; element: string }>;
    },
  ): Promise<void> => {
    const log = deps.log.child({
      route: what.path,
      requestId: what.requestId,
      MA_GDICH: what.maGdich || undefined,
    });
    try {
      for (const d of what.dossiers) {
        if (!(await deps.sink.knows(d.MaHoSo))) {
          log.warn({ MaHoSo: d.MaHoSo }, 'tax push refused: unknown dossier');
          reply(res, 200, '01', `${d.element}: không tìm thấy hồ sơ ${d.MaHoSo}`, what.maGdich);
          return;
        }
      }
      const results = await deps.sink.accept(what.events, what.requestId);
      log.info(
        { events: results.map((x) => x.eventId), fresh: results.filter((x) => x.fresh).length },
        'tax push accepted',
      );
      reply(res, 200, '00', KQ_TEXT.received, what.maGdich);
    } catch (err) {
      log.error({ err }, 'tax push not stored: temporary failure, the authority will retry');
      reply(res, 503, '99', KQ_TEXT.temporary, what.maGdich);
    }
  };

  /** A body the parser refused is answered `01` naming the element; anything else is a fault of ours. */
  const refused = (res: Response, path: string, err: unknown): void => {
    const rejection = pushRejectionOf(err);
    if (rejection) {
      deps.log.warn(
        { route: path, reason: rejection.moTa, MA_GDICH: rejection.maGdich || undefined },
        'tax push refused: invalid body',
      );
      reply(res, 200, '01', rejection.moTa, rejection.maGdich);
      return;
    }
    deps.log.error({ route: path, err }, 'tax push failed in the gateway');
    reply(res, 500, '99', KQ_TEXT.temporary, '');
  };

  r.post(NOTICES, authenticate, raw, async (req, res) => {
    let message;
    try {
      message = await deps.parser.parseNotices(rawBody(req));
    } catch (err) {
      refused(res, NOTICES, err);
      return;
    }
    await settle(res, {
      path: NOTICES,
      requestId: requestIdOf(req),
      maGdich: message.maGdich,
      events: message.events,
      dossiers: message.dossiers.map((d) => ({ MaHoSo: d.MaHoSo, element: `ROW[${d.row}]/MA_HSO` })),
    });
  });

  r.post(PAYMENTS, authenticate, raw, async (req, res) => {
    let event: SystemEvent;
    try {
      event = deps.parser.parsePayment(rawBody(req));
    } catch (err) {
      refused(res, PAYMENTS, err);
      return;
    }
    // §4.4: the answer to a payment confirmation carries an empty MA_GDICH.
    await settle(res, {
      path: PAYMENTS,
      requestId: requestIdOf(req),
      maGdich: '',
      events: [event],
      dossiers: [{ MaHoSo: event.MaHoSo, element: 'MaHoSo' }],
    });
  });

  // Body-reading failures (too large, aborted, unsupported encoding) still get a KQ envelope.
  r.use('/callbacks/tax', (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const status = (err as { status?: unknown } | null)?.status;
    const element = req.originalUrl.startsWith(NOTICES) ? 'DATA' : 'body';
    if (typeof status === 'number' && status >= 400 && status < 500) {
      deps.log.warn({ route: req.originalUrl, status }, 'tax push refused: body could not be read');
      const reason = status === 413 ? 'nội dung vượt quá giới hạn 1 MiB' : 'không đọc được nội dung';
      reply(res, 200, '01', `${element}: ${reason}`, '');
      return;
    }
    deps.log.error({ route: req.originalUrl, err }, 'tax push failed in the gateway');
    reply(res, 500, '99', KQ_TEXT.temporary, '');
  });
  return r;
}
