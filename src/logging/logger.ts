import { pino, type Logger } from 'pino';
import { maskString, redactValue } from './redact.js';

export type { Logger };

/**
 * The JSON logger. Every object logged is passed through {@link redactValue}; every message
 * string through {@link maskString}.
 */
export function createLogger(level = 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
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
  });
}
