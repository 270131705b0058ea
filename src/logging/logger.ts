import { pino, type DestinationStream, type Logger } from 'pino';
import { maskString, redactValue } from './redact.js';

export type { Logger };

/**
 * The JSON logger. Every object logged is passed through {@link redactValue}; every message
 * string through {@link maskString}.
 */
export function createLogger(
  level = 'info',
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: {
      // URLs carry credentials for some senders (the land securityCode is a path segment).
      req: (req: { id?: unknown; method?: string; url?: string; originalUrl?: string }) => ({
        id: req.id,
        method: req.method,
        url: maskString(req.originalUrl ?? req.url ?? ''),
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      // formatters.log has already turned errors into plain {type, message, code}.
      err: (err: unknown) =>
        typeof err === 'object' && err !== null ? redactValue(err) : { value: String(err) },
    },
    formatters: {
      log: (obj) => redactValue(obj) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === 'string' ? maskString(a) : a)) as Parameters<
          typeof method
        >;
        method.apply(this, masked);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
