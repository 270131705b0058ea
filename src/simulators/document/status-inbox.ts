/** The state of an inbox item (§5.1, §5.4). */
export type ItemState = 'INITIAL' | 'DONE' | 'FAIL';
export type AckResult = 'DONE' | 'FAIL';

export interface InboxItem {
  id: number;
  docId: string;
  /** Consumer key of the client the item is for (the sender of the document). */
  consumerKey: string;
  noiDung: string;
  /** Decoded status, for the simulator's own views; absent for malformed items. */
  StatusCode?: string;
  Timestamp?: string;
  malformed: boolean;
  /** Whether this item is the repeat of an earlier one (§5.1 "Repeats"). */
  repeatOf?: number;
  trangThai: ItemState;
  arrivedAt: number;
  acknowledgedAt?: number;
  /** How many inbox reads returned it. */
  deliveries: number;
}

export type AckOutcome =
  | { kind: 'ok'; item: InboxItem; changed: boolean }
  | { kind: 'conflict'; item: InboxItem }
  | { kind: 'not-found' };

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Status messages waiting for each client. An `INITIAL` item is returned by every read until it is
 * acknowledged; a read returns at most `pageSize` items, oldest arrival first.
 */
export class StatusInbox {
  private readonly items: InboxItem[] = [];
  private nextId: number;

  constructor(
    private readonly firstId: number,
    public pageSize: number,
  ) {
    this.nextId = firstId;
  }

  add(item: Omit<InboxItem, 'id' | 'trangThai' | 'deliveries'>): InboxItem {
    const stored: InboxItem = { ...item, id: this.nextId, trangThai: 'INITIAL', deliveries: 0 };
    this.nextId += 1;
    this.items.push(stored);
    return stored;
  }

  /**
   * One read. `DONE`/`FAIL` list the items acknowledged so within the last 30 days, oldest arrival
   * first, with the same page size (§5.1 gives no paging for them).
   */
  read(consumerKey: string, state: ItemState, nowMs: number): InboxItem[] {
    const page = this.items
      .filter((i) => i.consumerKey === consumerKey && i.trangThai === state)
      .filter((i) => state === 'INITIAL' || (i.acknowledgedAt ?? 0) > nowMs - THIRTY_DAYS_MS)
      .slice(0, this.pageSize);
    for (const i of page) i.deliveries += 1;
    return page;
  }

  acknowledge(consumerKey: string, id: number, result: AckResult, nowMs: number): AckOutcome {
    const item = this.items.find((i) => i.id === id && i.consumerKey === consumerKey);
    if (!item) return { kind: 'not-found' };
    if (item.trangThai === result) return { kind: 'ok', item, changed: false };
    if (item.trangThai !== 'INITIAL') return { kind: 'conflict', item };
    item.trangThai = result;
    item.acknowledgedAt = nowMs;
    return { kind: 'ok', item, changed: true };
  }

  all(): InboxItem[] {
    return [...this.items];
  }

  clear(): void {
    this.items.length = 0;
    this.nextId = this.firstId;
  }
}
