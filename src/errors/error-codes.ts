/**
 * The one registry of error codes the gateway answers with or records (GUIDE.md §3).
 *
 * @remarks Every code has an HTTP status, a message template and whether a delivery that failed
 * with it may be retried. The unit test `test/unit/error-codes.test.ts` checks that each code is
 * documented in the README and in the OpenAPI document, so a code cannot be added silently.
 */
export interface ErrorCodeDefinition {
  status: number;
  message: string;
  retryable: boolean;
}

export const ERROR_CODES = {
  GW_ERR_AUTH_MISSING: { status: 401, message: 'Authentication is missing', retryable: false },
  GW_ERR_AUTH_INVALID: { status: 401, message: 'Authentication is invalid', retryable: false },
  GW_ERR_AUTH_FORBIDDEN: {
    status: 403,
    message: 'The token is valid but its role does not allow this action',
    retryable: false,
  },
  GW_ERR_REQUEST_MALFORMED_JSON: { status: 400, message: 'The body is not valid JSON', retryable: false },
  GW_ERR_REQUEST_UNSUPPORTED_MEDIA: {
    status: 415,
    message: 'Content-Type must be application/json',
    retryable: false,
  },
  GW_ERR_REQUEST_TOO_LARGE: {
    status: 413,
    message: 'The body exceeds the configured limit',
    retryable: false,
  },
  GW_ERR_REQUEST_MALFORMED: {
    status: 400,
    message: 'The request cannot be read (malformed URL or body encoding)',
    retryable: false,
  },
  GW_ERR_REQUEST_TOO_DEEP: {
    status: 400,
    message: 'The JSON body nests deeper than the limit (64 levels)',
    retryable: false,
  },
  GW_ERR_RATE_LIMITED: {
    status: 429,
    message: 'Too many requests from this client; retry after Retry-After seconds',
    retryable: true,
  },
  GW_ERR_REQUEST_INVALID: {
    status: 422,
    message: 'The request does not satisfy the schema',
    retryable: false,
  },
  GW_ERR_ROUTE_UNKNOWN_PROCEDURE: {
    status: 422,
    message: 'No route is configured for this procedure code (MaTTHC)',
    retryable: false,
  },
  GW_ERR_DOSSIER_NOT_FOUND: { status: 404, message: 'Unknown dossier (MaHoSo)', retryable: false },
  GW_ERR_CALLBACK_INVALID: { status: 400, message: 'The callback body is invalid', retryable: false },
  GW_ERR_CALLBACK_UNKNOWN_OPERATION: { status: 404, message: 'Unknown callback operation', retryable: false },
  GW_ERR_CALLBACK_UNKNOWN_DOSSIER: {
    status: 404,
    message: 'The callback refers to a dossier the gateway does not know',
    retryable: false,
  },
  GW_ERR_NOT_FOUND: { status: 404, message: 'No such route', retryable: false },
  GW_ERR_STORE_UNAVAILABLE: {
    status: 503,
    message: 'The store (Redis) is unreachable; retry later',
    retryable: true,
  },
  GW_ERR_INTERNAL: { status: 500, message: 'Internal error', retryable: true },
  GW_ERR_CONFIG_INVALID: { status: 500, message: 'The configuration is invalid', retryable: false },
  GW_ERR_SYSTEM_UNAVAILABLE: {
    status: 502,
    message: 'The specialist system is unavailable (5xx, connection refused)',
    retryable: true,
  },
  GW_ERR_SYSTEM_TIMEOUT: {
    status: 504,
    message: 'The specialist system did not answer in time; the outcome is unknown',
    retryable: true,
  },
  GW_ERR_SYSTEM_RATE_LIMITED: {
    status: 429,
    message: 'The specialist system rate-limited the call',
    retryable: true,
  },
  GW_ERR_SYSTEM_REJECTED: {
    status: 422,
    message: 'The specialist system rejected the request as invalid',
    retryable: false,
  },
  GW_ERR_SYSTEM_AUTH: {
    status: 502,
    message: 'The specialist system refused the gateway credentials',
    retryable: false,
  },
  GW_ERR_SYSTEM_BREAKER_OPEN: {
    status: 503,
    message: 'The circuit breaker of this system is open',
    retryable: true,
  },
  GW_ERR_DELIVERY_PREREQUISITE: {
    status: 409,
    message: 'A prerequisite (an earlier operation, or a fact from another system) is not known yet',
    retryable: true,
  },
  GW_ERR_PORTAL_REJECTED: { status: 422, message: 'The portal rejected the update', retryable: false },
  GW_ERR_PORTAL_LOGIN: { status: 502, message: 'The portal refused the gateway login', retryable: false },
  GW_ERR_PORTAL_UNAVAILABLE: { status: 502, message: 'The portal is unavailable', retryable: true },
  GW_ERR_DELIVERY_NOT_FOUND: { status: 404, message: 'Unknown delivery', retryable: false },
  GW_ERR_DELIVERY_STATE_CONFLICT: {
    status: 409,
    message: 'The delivery is not in a state that allows this action',
    retryable: false,
  },
  GW_ERR_SYSTEM_NOT_CONFIGURED: {
    status: 404,
    message: 'No such system is configured',
    retryable: false,
  },
  GW_ERR_REPLAY_NOT_FOUND: { status: 404, message: 'Unknown replay run', retryable: false },
  GW_ERR_FINDING_NOT_FOUND: { status: 404, message: 'Unknown reconciliation finding', retryable: false },
  GW_ERR_FINDING_STATE_CONFLICT: {
    status: 409,
    message: 'The finding is not open (already repaired or resolved)',
    retryable: false,
  },
  GW_ERR_RECONCILIATION_NOT_FOUND: { status: 404, message: 'Unknown reconciliation run', retryable: false },
} as const satisfies Record<string, ErrorCodeDefinition>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}
