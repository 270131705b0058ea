/**
 * What the axis saw, so a test can assert "sent exactly once", "polled", "acknowledged FAIL".
 * Documents per dossier are counted by the document store (`entries(maHoSo)`), not here.
 */
export interface DocumentCounters {
  /** `POST /token` requests, issued tokens, and requests refused (400/401). */
  tokenRequests: number;
  tokensIssued: number;
  tokenRejections: number;
  /** `/truclienthong/*` requests refused with 401 `900901`. */
  invalidCredentials: number;
  /** Requests answered 429 `900802` (switch `rateLimitNext` or the per-second quota). */
  throttled: number;
  /** `POST …/vanbans` requests that reached the axis (authenticated, not throttled, no injected failure). */
  sends: number;
  /** New documents stored, answers `DUPLICATE`, answers 400 (any of the three codes). */
  accepted: number;
  duplicates: number;
  rejected: number;
  /** `GET …/vanbans` inbox reads answered 200, and items handed out in them (repeats included). */
  inboxPolls: number;
  itemsDelivered: number;
  /** Items acknowledged for the first time, by result. */
  acks: { DONE: number; FAIL: number };
  /** `PUT …/vanbans/{id}` requests, and those answered 409 / 404. */
  ackRequests: number;
  ackConflicts: number;
  ackNotFound: number;
  /** Items placed in the inbox (statuses, duplicates, malformed). */
  statusesQueued: number;
}

export const emptyCounters = (): DocumentCounters => ({
  tokenRequests: 0,
  tokensIssued: 0,
  tokenRejections: 0,
  invalidCredentials: 0,
  throttled: 0,
  sends: 0,
  accepted: 0,
  duplicates: 0,
  rejected: 0,
  inboxPolls: 0,
  itemsDelivered: 0,
  acks: { DONE: 0, FAIL: 0 },
  ackRequests: 0,
  ackConflicts: 0,
  ackNotFound: 0,
  statusesQueued: 0,
});
