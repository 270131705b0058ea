import express, { type Router } from 'express';
import { GatewayError } from '../../errors/gateway-error.js';
import { safeEqual } from '../../security/constant-time.js';

export interface MetricsExposition {
  exposition(): Promise<{ contentType: string; body: string }>;
}

/**
 * `GET /metrics`: the Prometheus text exposition. With a token configured, only a caller that
 * presents it as `Authorization: Bearer <token>` is served (compared in constant time); without
 * one (allowed only on a listener of its own, `metrics.port`), whoever reaches the port is.
 */
export function metricsRouter(deps: { metrics: MetricsExposition; token: string | undefined }): Router {
  const r = express.Router();
  r.get('/metrics', async (req, res) => {
    if (deps.token !== undefined) {
      const m = /^Bearer\s+(.+)$/i.exec(req.get('Authorization') ?? '');
      res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      if (!m) throw new GatewayError('GW_ERR_AUTH_MISSING', { message: 'A bearer token is required' });
      if (!safeEqual(m[1]!.trim(), deps.token))
        throw new GatewayError('GW_ERR_AUTH_INVALID', { message: 'Wrong metrics token' });
      res.removeHeader('WWW-Authenticate');
    }
    const { contentType, body } = await deps.metrics.exposition();
    res.set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
  });
  return r;
}
