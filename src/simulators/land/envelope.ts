import type { Response } from 'express';
import { formatUtc } from './utc-time.js';

/** Response envelope of every client-facing operation (land.md §2.1). */
export interface LandEnvelope<T> {
  data: T | null;
  status: {
    success: boolean;
    code: 'OK' | 'INVALID' | 'UNAUTHORIZED' | 'NOT_FOUND';
    type: 'success' | 'error';
    time: string;
    message: string;
  };
}

export function envelope<T>(
  now: number,
  data: T | null,
  code: LandEnvelope<T>['status']['code'],
  message: string,
): LandEnvelope<T> {
  const success = code === 'OK';
  return {
    data: success ? data : null,
    status: { success, code, type: success ? 'success' : 'error', time: formatUtc(now), message },
  };
}

export function sendOk<T>(res: Response, now: number, data: T, message: string): void {
  res.status(200).json(envelope(now, data, 'OK', message));
}

/** 400 `INVALID`; `message` starts with the offending field name (land.md §2.1). */
export function sendInvalid(res: Response, now: number, message: string): void {
  res.status(400).json(envelope(now, null, 'INVALID', message));
}

/** 401 `UNAUTHORIZED`, body as in `examples/land/error-unauthorized.json`. */
export function sendUnauthorized(res: Response, now: number): void {
  res.status(401).json(envelope(now, null, 'UNAUTHORIZED', 'X-VBDLIS-Key không hợp lệ'));
}

/** 404 for an unknown or expired file. Not documented by land.md; see the note in file-store.ts. */
export function sendNotFound(res: Response, now: number, message: string): void {
  res.status(404).json(envelope(now, null, 'NOT_FOUND', message));
}
