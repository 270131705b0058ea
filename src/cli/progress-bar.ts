export interface TextSink {
  write(s: string): unknown;
}

/**
 * A progress bar for bulk replays: redrawn in place on a terminal, one line per tenth of the way
 * otherwise (logs, CI), so a long replay can be followed without flooding the output.
 */
export class ProgressBar {
  private lastTenth = -1;
  private drawn = false;

  constructor(
    private readonly out: TextSink,
    private readonly tty: boolean,
    private readonly width = 30,
  ) {}

  update(done: number, total: number, label = ''): void {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * this.width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${done}/${total} ${String(Math.floor(ratio * 100)).padStart(3)}%${label ? `  ${label}` : ''}`;
    if (this.tty) {
      this.out.write(`\r\x1b[2K${bar}`);
      this.drawn = true;
      return;
    }
    const tenth = Math.floor(ratio * 10);
    if (tenth !== this.lastTenth) {
      this.lastTenth = tenth;
      this.out.write(`${bar}\n`);
    }
  }

  finish(): void {
    if (this.tty && this.drawn) this.out.write('\n');
  }
}
