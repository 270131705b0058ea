/** A control action the real tax authority would never perform (answered 400 on `/__sim`). */
export class SimUsageError extends Error {
  override name = 'SimUsageError';
}
