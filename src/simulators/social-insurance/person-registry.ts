import { ControlError } from './control-error.js';
import { parseXsDate } from './xsd-values.js';

/** A person registered with BHXH under a social insurance number (`MaSoBHXH`). */
export interface Person {
  maSoBHXH: string;
  hoTen: string;
  /** `yyyy-MM-dd` */
  ngaySinh: string;
  soCCCD: string;
}

/** The insured person of `examples/social-insurance/nophoso-request.xml`. */
export const EXAMPLE_PERSONS: readonly Person[] = [
  { maSoBHXH: '4005123456', hoTen: 'Phạm Văn Đức', ngaySinh: '1952-03-14', soCCCD: '040052003311' },
];

/**
 * BHXH's register of insured persons, against which `NopHoSo` checks `MaSoBHXH`, `HoTen`,
 * `NgaySinh` and `SoCCCD` (§2.2, `MaKetQua` 2). Names are compared byte for byte, as stored: a
 * decomposed (NFD) `HoTen` does not match the NFC name on record.
 */
export class PersonRegistry {
  private readonly persons = new Map<string, Person>();

  constructor(
    initial: readonly Person[],
    /** Register an unknown `MaSoBHXH` from the first request that names it instead of refusing it. */
    readonly autoRegister = false,
  ) {
    for (const p of [...EXAMPLE_PERSONS, ...initial]) this.register(p);
  }

  register(p: Person): void {
    if (!/^[0-9]{10}$/.test(p.maSoBHXH)) throw new ControlError(400, 'maSoBHXH: exactly 10 digits');
    if (!/^[0-9]{12}$/.test(p.soCCCD)) throw new ControlError(400, 'soCCCD: exactly 12 digits');
    if (!parseXsDate(p.ngaySinh)) throw new ControlError(400, 'ngaySinh: yyyy-MM-dd');
    if (typeof p.hoTen !== 'string' || p.hoTen.length === 0) throw new ControlError(400, 'hoTen: required');
    this.persons.set(p.maSoBHXH, {
      maSoBHXH: p.maSoBHXH,
      hoTen: p.hoTen,
      ngaySinh: p.ngaySinh,
      soCCCD: p.soCCCD,
    });
  }

  get(maSoBHXH: string): Person | undefined {
    return this.persons.get(maSoBHXH);
  }

  list(): Person[] {
    return [...this.persons.values()];
  }
}
