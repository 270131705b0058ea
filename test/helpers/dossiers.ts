import type { DossierRecord } from '../../src/domain/dossier.js';
import { specExample } from './stack.js';

const landBase = specExample<{ data: DossierRecord[] }>('portal/feed-land-tax.json').data[0]!;

/** The spec's land dossier under a new code (so each test has its own). */
export function landDossier(maHoSo: string): DossierRecord {
  return { ...structuredClone(landBase), MaHoSo: maHoSo };
}

let counter = 0;
/** A fresh dossier code that no other test uses. */
export function nextCode(tag: string): string {
  counter += 1;
  return `H40.22-${tag}-${String(process.pid % 10000).padStart(4, '0')}${String(counter).padStart(4, '0')}`.slice(
    0,
    50,
  );
}

/** True when a list of statuses never goes backwards in the DVCQG order the gateway allows. */
export function monotonic(statuses: string[]): boolean {
  const rank: Record<string, number> = {
    '1': 0,
    '2': 1,
    '4': 2,
    '5': 2,
    '6': 2,
    '9': 3,
    '3': 4,
    '7': 4,
    '8': 4,
    '10': 4,
  };
  for (let i = 1; i < statuses.length; i += 1) {
    if ((rank[statuses[i]!] ?? 0) < (rank[statuses[i - 1]!] ?? 0)) return false;
  }
  return true;
}
