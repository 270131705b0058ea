import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** Pages that set a Content-Security-Policy of their own, or need a looser one (the queue UI). */
const QUEUE_UI = '/admin/queues';

/** The API answers JSON and XML only: nothing in them may load, run, frame or submit anything. */
const apiHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
    },
  },
  // The gateway's answers are for systems, not browsers; a cross-origin page must not read them.
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
});

/** bull-board: its scripts and styles from the gateway, its inline styles and Google fonts. */
const queueUiHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
      fontSrc: ["'self'", 'https://fonts.gstatic.com', 'data:'],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'self'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
});

/**
 * Security headers on every answer (helmet): no sniffing, no framing, HSTS (honoured once the
 * gateway is reached over TLS, which production terminates in front of it), a strict
 * Content-Security-Policy for the API. The dashboard replaces the CSP with its own (scripts from
 * the gateway only); the queue UI gets one that lets bull-board's bundle run.
 */
export function securityHeaders(): RequestHandler {
  return (req, res, next) =>
    req.path === QUEUE_UI || req.path.startsWith(`${QUEUE_UI}/`)
      ? queueUiHeaders(req, res, next)
      : apiHeaders(req, res, next);
}
