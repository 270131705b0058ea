/**
 * The API manager's quota: at most `perSecond` requests per consumer key in any sliding second
 * (§2: 20 per second). Over it, the request is answered 429 `900802` and not applied.
 */
export class RequestQuota {
  private readonly recent = new Map<string, number[]>();

  constructor(public perSecond: number) {}

  /** Records a request; false when it is over the quota (0 disables the quota). */
  take(consumerKey: string, nowMs: number): boolean {
    if (this.perSecond <= 0) return true;
    const times = (this.recent.get(consumerKey) ?? []).filter((t) => t > nowMs - 1000);
    if (times.length >= this.perSecond) {
      this.recent.set(consumerKey, times);
      return false;
    }
    times.push(nowMs);
    this.recent.set(consumerKey, times);
    return true;
  }

  clear(): void {
    this.recent.clear();
  }
}
