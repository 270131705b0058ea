/** A refused control action (`setStatus` on an unknown dossier, leaving a final status, …); HTTP status for `/__sim`. */
export class ControlError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}
