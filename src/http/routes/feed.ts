import express, { type Router } from 'express';
import { GatewayError } from '../../errors/gateway-error.js';
import type { IntakeService } from '../../intake/intake-service.js';
import { safeEqual, sha256Hex } from '../../security/constant-time.js';
import { checkJsonDepth } from '../../security/json-depth.js';

interface RawRequest {
  rawBody?: Buffer;
}

/**
 * `POST /v1/portal/feed`: the portal's dossier feed (portal.md §4). Authenticates, parses and hands
 * over to the intake; nothing else happens here.
 */
export function feedRouter(deps: { intake: IntakeService; feedKey: string; bodyLimitBytes: number }): Router {
  const r = express.Router();
  r.post(
    '/v1/portal/feed',
    (req, _res, next) => {
      if (!safeEqual(req.get('X-MotCua-Key'), deps.feedKey)) {
        next(
          new GatewayError(req.get('X-MotCua-Key') ? 'GW_ERR_AUTH_INVALID' : 'GW_ERR_AUTH_MISSING', {
            message: 'X-MotCua-Key is missing or wrong',
          }),
        );
        return;
      }
      if (!req.is('application/json')) {
        next(
          new GatewayError('GW_ERR_REQUEST_UNSUPPORTED_MEDIA', {
            details: { contentType: req.get('Content-Type') ?? null },
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
      verify: (req, _res, buf) => {
        checkJsonDepth(buf);
        (req as unknown as RawRequest).rawBody = buf;
      },
    }),
    async (req, res) => {
      const raw = (req as unknown as RawRequest).rawBody ?? Buffer.from(JSON.stringify(req.body));
      const result = await deps.intake.receive(req.body as unknown, sha256Hex(raw), String(req.id));
      res.status(result.duplicate ? 200 : 202).json({
        MaHoSo: result.MaHoSo,
        duplicate: result.duplicate,
        deliveries: result.deliveries,
      });
    },
  );
  return r;
}
