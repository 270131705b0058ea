import { seededRandom } from '../fault-injector.js';

export interface ServerFaultSettings {
  /** The next N identified SOAP requests are answered with the `soap:Server` fault (§1.2), nothing processed. */
  serverFaultNext: number;
  /** Share (0..1) of SOAP requests answered with the `soap:Server` fault. */
  serverFaultRate: number;
}

/** BHXH's documented temporary failure: HTTP 500 with `soap:Server` "Hệ thống đang bận, vui lòng gửi lại sau". */
export class ServerFaultSwitch {
  settings: ServerFaultSettings = { serverFaultNext: 0, serverFaultRate: 0 };
  fired = 0;
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  set(patch: Partial<ServerFaultSettings>): void {
    this.settings = { ...this.settings, ...patch };
  }

  reset(): void {
    this.settings = { serverFaultNext: 0, serverFaultRate: 0 };
  }

  /** True when this request must get the fault (consumes one of `serverFaultNext`). */
  take(): boolean {
    let fire = false;
    if (this.settings.serverFaultNext > 0) {
      this.settings.serverFaultNext -= 1;
      fire = true;
    } else if (this.settings.serverFaultRate > 0 && this.random() < this.settings.serverFaultRate)
      fire = true;
    if (fire) this.fired += 1;
    return fire;
  }
}
