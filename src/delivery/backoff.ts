/**
 * Exponential backoff with full jitter: attempt n waits a random time in
 * [base·2^(n-1)/2, base·2^(n-1)], capped. Jitter spreads the retries of many jobs that failed
 * together (a system outage), so they do not all return at the same instant.
 */
export function backoffDelay(
  attemptsMade: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
