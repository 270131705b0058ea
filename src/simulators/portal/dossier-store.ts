import type { DossierRecord, DossierView, ProgressRow, StatusChange, StatusSource } from './types.js';

/** What the portal holds for one dossier: the record, its progress rows and the statuses it took. */
export interface DossierEntry {
  maHoSo: string;
  madonvi: string;
  origin: 'portal' | 'integrator';
  record: DossierRecord;
  progress: ProgressRow[];
  history: StatusChange[];
  writes: { dongBo: number; progressRows: number };
  /** Versions handed to the feed so far (the first is pushed with `isUpdating` "False"). */
  pushedVersions: number;
  /** Body of the last version handed to the feed, for byte-identical redelivery. */
  lastPushBody?: string;
  lastPushIsUpdating?: 'True' | 'False';
}

/** In-memory dossier table keyed by `MaHoSo` (case-sensitive, README §2.2). */
export class DossierStore {
  private readonly entries = new Map<string, DossierEntry>();
  private seq = 0;

  get(maHoSo: string): DossierEntry | undefined {
    return this.entries.get(maHoSo);
  }

  get size(): number {
    return this.entries.size;
  }

  all(): DossierEntry[] {
    return [...this.entries.values()];
  }

  create(
    maHoSo: string,
    madonvi: string,
    origin: DossierEntry['origin'],
    record: DossierRecord,
    source: StatusSource,
  ): DossierEntry {
    const entry: DossierEntry = {
      maHoSo,
      madonvi,
      origin,
      record,
      progress: [],
      history: [],
      writes: { dongBo: 0, progressRows: 0 },
      pushedVersions: 0,
    };
    this.entries.set(maHoSo, entry);
    this.noteStatus(entry, source);
    return entry;
  }

  /** Records the record's current `TrangThaiHoSo` in the status history. */
  noteStatus(entry: DossierEntry, source: StatusSource): void {
    this.seq += 1;
    entry.history.push({
      seq: this.seq,
      status: String(entry.record.TrangThaiHoSo ?? ''),
      source,
      at: new Date().toISOString(),
    });
  }

  status(entry: DossierEntry): string {
    return String(entry.record.TrangThaiHoSo ?? '');
  }

  view(entry: DossierEntry): DossierView {
    return structuredClone({
      madonvi: entry.madonvi,
      origin: entry.origin,
      record: entry.record,
      DanhSachTienDo: entry.progress,
      statusHistory: entry.history,
      writes: entry.writes,
    });
  }

  clear(): void {
    this.entries.clear();
    this.seq = 0;
  }
}
