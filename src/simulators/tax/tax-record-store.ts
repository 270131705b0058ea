import type { FormFields } from './phieuchuyen-form.js';
import type { TaxRecord } from './types.js';

/**
 * The tax records created from transfer forms, deduplicated on MA_GDICH only (tax.md §3.2): the
 * same MA_GDICH never creates a second record, a new MA_GDICH for a dossier already held does.
 */
export class TaxRecordStore {
  private readonly byGdich = new Map<string, TaxRecord>();
  private readonly list: TaxRecord[] = [];

  /** True when a submission under this MA_GDICH was accepted before. */
  has(maGdich: string): boolean {
    return this.byGdich.has(maGdich);
  }

  create(fields: FormFields, rawXml: string, receivedAt: Date): TaxRecord {
    const record: TaxRecord = {
      id: this.list.length + 1,
      ...fields,
      rawXml,
      receivedAt: receivedAt.toISOString(),
    };
    this.byGdich.set(record.MA_GDICH, record);
    this.list.push(record);
    return record;
  }

  /** Records held for a dossier (more than one = the dossier was entered more than once). */
  forDossier(maHoSo: string): TaxRecord[] {
    return this.list.filter((r) => r.MA_HSO === maHoSo);
  }

  all(): TaxRecord[] {
    return [...this.list];
  }

  get size(): number {
    return this.list.length;
  }

  clear(): void {
    this.byGdich.clear();
    this.list.length = 0;
  }
}
