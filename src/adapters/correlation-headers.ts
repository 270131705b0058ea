import type { AxiosInstance } from 'axios';
import { correlationHeaders } from '../logging/correlation.js';
import { recordExchanges } from '../message-log/axios-exchanges.js';

/**
 * Puts the current correlation (`X-Request-Id`, `X-Correlation-Id`) on every request an axios
 * instance sends. Headers only, never the body: the vendors' protocols ignore headers they do not
 * know, so the ids reach their access logs without changing what they parse.
 */
export function sendCorrelationHeaders(http: AxiosInstance): void {
  http.interceptors.request.use((config) => {
    for (const [name, value] of Object.entries(correlationHeaders())) config.headers.set(name, value);
    return config;
  });
  // The same single hook records every exchange made about a dossier in its message log (issue 9).
  recordExchanges(http);
}
