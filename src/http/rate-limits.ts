import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { buildKq, KQ_TEXT } from '../../adapters/tax/kq-envelope.js';
import { faultXml, TEXTS } from '../../adapters/social-insurance/index.js';
import { identify } from '../admin/admin-auth.js';
import type { GatewayConfig } from '../config/config.js';
import { GatewayError } from '../errors/gateway-error.js';
import { safeEqual } from '../security/constant-time.js';

/** How a refusal is worded: the gateway's JSON error, the tax KQ envelope, or a SOAP fault. */
type Protocol = 'json' | 'tax' | 'soap';

/** The bucket a request counts in, and the size of that bucket. */
export interface RateClass {
  /** `feed`, `land`, `tax`, `social-insurance@<address>`, `api:<actor>`, or `anonymous@<address>`. */
  key: string;
  limit: number;
  protocol: Protocol;
}

export interface RateLimitDeps {
  config: GatewayConfig;
  feedKey: string;
  /** The land callback securityCode and the tax authority's inbound key, when those systems are on. */
  landCode?: string | undefined;
  taxKey?: string | undefined;
  metricsToken?: string | undefined;
}

const address = (req: Request): string => ipKeyGenerator(req.socket.remoteAddress ?? 'unknown');

/**
 * Which client a request comes from, by the credential it presents, checked in constant time.
 *
 * @remarks A client is its credential, not its address: the portal and each system have a key of
 * their own, and behind a TLS terminator every caller has the terminator's address. A request
 * without a valid credential counts against its address in the small `unauthenticated` bucket, so
 * guessing keys is slow and cannot use up the budget of the clients that hold one. BHXH's
 * credential travels inside the SOAP envelope, so its callbacks count per address. Health probes
 * are not limited.
 */
export function classify(req: Request, deps: RateLimitDeps): RateClass | null {
  const limits = deps.config.http.rateLimit;
  const path = req.path;
  const anonymous = (protocol: Protocol): RateClass => ({
    key: `anonymous@${address(req)}`,
    limit: limits.unauthenticated,
    protocol,
  });
  if (path === '/healthz' || path === '/readyz') return null;
  if (path === '/v1/portal/feed') {
    return safeEqual(req.get('X-MotCua-Key'), deps.feedKey)
      ? { key: 'feed', limit: limits.feed, protocol: 'json' }
      : anonymous('json');
  }
  if (path.startsWith('/callbacks/land/')) {
    const code = path.split('/')[3] ?? '';
    return deps.landCode !== undefined && safeEqual(decodeURIComponent(code), deps.landCode)
      ? { key: 'land', limit: limits.callbacks, protocol: 'json' }
      : anonymous('json');
  }
  if (path.startsWith('/callbacks/tax/')) {
    return deps.taxKey !== undefined && safeEqual(req.get('SecurityKey'), deps.taxKey)
      ? { key: 'tax', limit: limits.callbacks, protocol: 'tax' }
      : anonymous('tax');
  }
  if (path === '/callbacks/social-insurance') {
    return { key: `social-insurance@${address(req)}`, limit: limits.callbacks, protocol: 'soap' };
  }
  const actor = identify(deps.config, req);
  if (actor) return { key: `api:${actor.name}`, limit: limits.api, protocol: 'json' };
  if (safeEqual(req.get('X-MotCua-Key'), deps.feedKey))
    return { key: 'api:portal', limit: limits.api, protocol: 'json' };
  const bearer = /^Bearer\s+(.+)$/i.exec(req.get('Authorization') ?? '');
  if (
    path === '/metrics' &&
    deps.metricsToken !== undefined &&
    safeEqual(bearer?.[1]?.trim(), deps.metricsToken)
  )
    return { key: 'api:metrics', limit: limits.api, protocol: 'json' };
  return anonymous('json');
}

function refuse(res: Response, rc: RateClass, windowMs: number): void {
  const status = 429;
  if (rc.protocol === 'tax') {
    // tax.md §4.1: any answer other than 00/01 is retried by the authority.
    res
      .status(status)
      .type('application/xml; charset=utf-8')
      .send(buildKq('99', KQ_TEXT.temporary, ''));
    return;
  }
  if (rc.protocol === 'soap') {
    // social-insurance.md §4.3: BHXH resends after any answer that is not a 200.
    res.status(status).type('text/xml; charset=utf-8').send(faultXml('soap:Server', TEXTS.busy));
    return;
  }
  const err = new GatewayError('GW_ERR_RATE_LIMITED', {
    details: { limit: rc.limit, windowMs },
  });
  res.status(status).json(err.toBody());
}

/**
 * Per-client rate limits of the HTTP intake (`http.rateLimit`), 429 with `Retry-After` beyond
 * them, in each protocol's words. Counted in the memory of each api process: with N api processes
 * a client may make N times the limit, which is what the limit is sized for (a runaway or hostile
 * client, not fair sharing).
 */
export function rateLimits(deps: RateLimitDeps): RequestHandler {
  const cfg = deps.config.http.rateLimit;
  if (!cfg.enabled) return (_req, _res, next) => next();
  const CLASS = Symbol('rateClass');
  type Classified = Request & { [CLASS]?: RateClass };
  return rateLimit({
    windowMs: cfg.windowMs,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    // Addresses come from the socket (trust proxy is off on purpose): the key never trusts a header.
    validate: false,
    skip: (req) => {
      const rc = classify(req, deps);
      if (rc) (req as Classified)[CLASS] = rc;
      return rc === null;
    },
    keyGenerator: (req) => (req as Classified)[CLASS]!.key,
    limit: (req) => (req as Classified)[CLASS]!.limit,
    handler: (req, res) => refuse(res, (req as Classified)[CLASS]!, cfg.windowMs),
  });
}
