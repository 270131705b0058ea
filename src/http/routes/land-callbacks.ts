import express, { type Router } from 'express';
import type { CallbackParser, InboundSink } from '../../adapters/adapter.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { checkJsonDepth } from '../../security/json-depth.js';

/**
 * `POST /callbacks/land/{securityCode}/{Operation}` (land.md §7). The securityCode authenticates
 * (constant time); the body is validated completely before anything is stored; a dossier the
 * gateway does not know is refused (404) so the land system's retries surface the problem.
 */
export function landCallbackRouter(deps: {
  parser: CallbackParser;
  sink: InboundSink;
  bodyLimitBytes: number;
}): Router {
  const r = express.Router();
  r.post(
    '/callbacks/land/:code/:operation',
    (req, _res, next) => {
      if (!deps.parser.authenticate(String(req.params.code))) {
        next(new GatewayError('GW_ERR_AUTH_INVALID', { message: 'Wrong securityCode' }));
        return;
      }
      if (!deps.parser.operations.includes(String(req.params.operation))) {
        next(
          new GatewayError('GW_ERR_CALLBACK_UNKNOWN_OPERATION', {
            details: { operation: req.params.operation },
          }),
        );
        return;
      }
      next();
    },
    express.json({
      limit: deps.bodyLimitBytes,
      strict: true,
      type: () => true,
      verify: (_req, _res, buf) => checkJsonDepth(buf),
    }),
    async (req, res) => {
      const event = deps.parser.parse(String(req.params.operation), req.body as unknown);
      if (!(await deps.sink.knows(event.MaHoSo))) {
        throw new GatewayError('GW_ERR_CALLBACK_UNKNOWN_DOSSIER', {
          details: { MaHoSoMotCua: event.MaHoSo },
        });
      }
      const [result] = await deps.sink.accept([event], String(req.id));
      res.status(200).json({ received: true, duplicate: result ? !result.fresh : false });
    },
  );
  return r;
}
