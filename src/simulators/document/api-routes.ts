import express from 'express';
import type { ErrorRequestHandler, Express, RequestHandler, Response } from 'express';
import type { FaultInjector } from '../fault-injector.js';
import { fail, INVALID_CREDENTIALS, NOT_FOUND_RESOURCE, THROTTLED, tokenError } from './answers.js';
import type { HttpAnswer, LgspAxis } from './lgsp-axis.js';

export const API_BASE = '/truclienthong/v1.0.0';

function reply(res: Response, answer: HttpAnswer): void {
  if (answer.headers) res.set(answer.headers);
  res.status(answer.status).json(answer.body);
}

/**
 * The vendor-facing routes: `POST /token` and `/truclienthong/v1.0.0/*`.
 *
 * @remarks On the API the order is that of the API manager: injected faults first (429 in the
 * axis' words, then latency / outage / failures from the shared injector), then the Bearer token
 * (401 `900901`), then the per-second quota (429 `900802`), then the axis. An injected 500 carries
 * the `SYSTEM_ERROR` body of §4.2 ("nothing stored"); 502–504 carry a plain-text gateway page.
 * The token endpoint takes latency, `down` and `tokenFailNext` only, so "the next N requests fail"
 * switches aim at the API calls a test is about, not at the token fetched before them.
 */
export function mountApiRoutes(app: Express, axis: LgspAxis, faults: FaultInjector): void {
  const jsonLimit = Math.max(1024 * 1024, Math.ceil((axis.options.maxEdxmlBytes * 4) / 3) * 2);

  app.post(
    '/token',
    async (_req, res, next) => {
      const s = faults.settings;
      if (s.latencyMs > 0) await new Promise((r) => setTimeout(r, s.latencyMs));
      if (s.down || axis.protocol.tokenFailNext > 0) {
        if (!s.down) axis.protocol.tokenFailNext -= 1;
        faults.counts.failed += 1;
        res.status(503).type('text/plain').send('Service Unavailable');
        return;
      }
      next();
    },
    express.urlencoded({ extended: false, limit: '16kb' }),
    (req, res) => reply(res, axis.requestToken(req.get('authorization'), req.get('content-type'), req.body)),
  );
  const tokenBodyErrors: ErrorRequestHandler = (_err, _req, res, _next) => {
    axis.counters.tokenRejections += 1;
    res.status(400).json(tokenError('unsupported_grant_type'));
  };
  app.use('/token', tokenBodyErrors);

  const throttleSwitch: RequestHandler = (_req, res, next) => {
    const s = faults.settings;
    if (s.rateLimitNext > 0) {
      s.rateLimitNext -= 1;
      faults.counts.rateLimited += 1;
      axis.counters.throttled += 1;
      res.status(429).set('Retry-After', String(s.retryAfterSeconds)).json(THROTTLED);
      return;
    }
    next();
  };
  const injected = faults.before((res, status) => {
    if (status === 500) res.status(500).json(fail('SYSTEM_ERROR', 'Lỗi hệ thống, văn bản chưa được lưu'));
    else
      res
        .status(status)
        .type('text/plain')
        .send(status === 503 ? 'Service Unavailable' : 'Bad Gateway');
  });
  const bearer: RequestHandler = (req, res, next) => {
    const consumerKey = axis.authenticate(req.get('authorization'));
    if (!consumerKey) {
      axis.counters.invalidCredentials += 1;
      res
        .status(401)
        .set('WWW-Authenticate', 'OAuth2 realm="WSO2 API Manager", error="invalid_token"')
        .json(INVALID_CREDENTIALS);
      return;
    }
    res.locals.consumerKey = consumerKey;
    next();
  };
  const quota: RequestHandler = (_req, res, next) => {
    if (!axis.quota.take(String(res.locals.consumerKey), axis.nowMs())) {
      axis.counters.throttled += 1;
      res.status(429).set('Retry-After', '1').json(THROTTLED);
      return;
    }
    next();
  };
  const json = express.json({ limit: jsonLimit });

  const api = express.Router();
  api.use(throttleSwitch, injected, bearer, quota);
  api.post('/vanbans', json, (req, res) => {
    const answer = axis.send(String(res.locals.consumerKey), req.body);
    if (answer.committed && faults.afterCommit(res)) return;
    reply(res, answer);
  });
  api.get('/vanbans', (req, res) => reply(res, axis.readInbox(String(res.locals.consumerKey), req.query)));
  api.put('/vanbans/:id', json, (req, res) => {
    const answer = axis.acknowledge(String(res.locals.consumerKey), String(req.params.id), req.body);
    if (answer.committed && faults.afterCommit(res)) return;
    reply(res, answer);
  });
  api.use((_req, res) => {
    res.status(404).json(NOT_FOUND_RESOURCE);
  });
  const bodyErrors: ErrorRequestHandler = (err: { type?: string; status?: number }, _req, res, _next) => {
    if (err.type === 'entity.too.large')
      res.status(413).json(fail('INVALID_REQUEST', 'thân yêu cầu quá lớn'));
    else if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      res.status(400).json(fail('INVALID_REQUEST', 'thân yêu cầu không phải JSON hợp lệ (UTF-8)'));
    } else res.status(500).json(fail('SYSTEM_ERROR', 'Lỗi hệ thống'));
  };
  api.use(bodyErrors);
  app.use(API_BASE, api);
}
