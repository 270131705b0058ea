import { describe, expect, it } from 'vitest';
import {
  canTransition,
  isTerminal,
  STATUS_NAMES,
  TRANSITIONS,
  type TrangThaiHoSo,
} from '../../src/domain/status-machine.js';

const ALL = Object.keys(STATUS_NAMES) as TrangThaiHoSo[];

describe('DVCQG status machine', () => {
  it('When a dossier is in a terminal status (3, 7, 8, 10), then no other status is allowed', () => {
    for (const t of ['3', '7', '8', '10'] as const) {
      expect(isTerminal(t)).toBe(true);
      for (const to of ALL) expect(canTransition(t, to), `${t} → ${to}`).toBe(to === t);
    }
  });

  it('When a dossier has finished (9), then only 10 (result handed over) may follow', () => {
    expect(ALL.filter((to) => to !== '9' && canTransition('9', to))).toEqual(['10']);
  });

  it('When a dossier is in progress, then it may move between 4, 5 and 6 and on to 9, never back to 1, 2 or 3', () => {
    for (const from of ['4', '5', '6'] as const) {
      for (const to of ['1', '2', '3'] as const)
        expect(canTransition(from, to), `${from} → ${to}`).toBe(false);
      expect(canTransition(from, '9')).toBe(true);
    }
    expect(canTransition('5', '4')).toBe(true);
    expect(canTransition('6', '4')).toBe(true);
    expect(canTransition('4', '6')).toBe(true);
  });

  it('When the table is read, then every status has an entry and staying put is always allowed', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ALL].sort());
    for (const s of ALL) expect(canTransition(s, s)).toBe(true);
  });
});
