import { seededRandom } from '../fault-injector.js';

/**
 * Identifiers handed out by the axis (access tokens, `docId`), drawn from a seeded source so a run
 * can be replayed. They are opaque to the client; the UUID shape is that of the examples.
 */
export class IdSource {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}
