import { parseXsDateTime } from './xsd-values.js';
import { ControlError } from './control-error.js';

/**
 * The simulator's notion of "now" (submission time, receipt date, `ThoiDiem`, the `NgayHenTra` and
 * age rules). Tests pin it so the example requests, dated November 2025, stay valid.
 */
export class Clock {
  private fixedMs: number | undefined;

  constructor(private readonly source: () => Date = () => new Date()) {}

  now(): number {
    return this.fixedMs ?? this.source().getTime();
  }

  /** Pins the clock (Date, or xs:dateTime with offset); null returns to the real/optioned source. */
  set(value: Date | string | null): void {
    if (value === null) {
      this.fixedMs = undefined;
      return;
    }
    const ms = value instanceof Date ? value.getTime() : parseXsDateTime(value);
    if (typeof ms === 'number') {
      if (!Number.isFinite(ms)) throw new ControlError(400, 'now: invalid date');
      this.fixedMs = ms;
    } else if (ms.ok) this.fixedMs = ms.epochMs;
    else throw new ControlError(400, 'now: xs:dateTime with offset, e.g. 2025-11-05T08:30:00+07:00');
  }

  get pinned(): string | undefined {
    return this.fixedMs === undefined ? undefined : new Date(this.fixedMs).toISOString();
  }
}
