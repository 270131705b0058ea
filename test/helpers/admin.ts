import { createHash } from 'node:crypto';
import { OPERATOR_TOKEN } from './stack.js';

export const VIEWER_TOKEN = 'viewer-token-for-tests';
export { OPERATOR_TOKEN };

/** Adds a viewer to the operators of a raw test config (the world already has an operator). */
export function withViewer(raw: Record<string, unknown>): void {
  const ops = raw.operators as Array<Record<string, unknown>>;
  ops.push({
    name: 'viewer',
    tokenSha256: createHash('sha256').update(VIEWER_TOKEN).digest('hex'),
    role: 'viewer',
  });
}

export interface AdminAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** One call of the admin API, as any HTTP client would make it. */
export async function adminCall<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown } = {},
): Promise<AdminAnswer<T>> {
  const token = opts.token === undefined ? OPERATOR_TOKEN : opts.token;
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(opts.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* HTML of the queue UI */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}
