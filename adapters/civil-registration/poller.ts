import type { PollBatch, PollContext } from '../../src/adapters/adapter.js';
import type { SystemEvent } from '../../src/domain/system-event.js';
import { formatPortalDateTime, parsePortalDateTime } from '../../src/domain/time.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import type { CivilStatusMapping } from './mapping.js';
import { readStatusItem, statusEvent } from './status-events.js';
import type { CivilRegistrationTransport, KetQua } from './transport.js';
import { childrenOf, textOf, type XmlObject } from './xml.js';

export interface CivilPollerOptions {
  /** More open dossiers than this → the time-window form (§5); up to it → one `LayKetQua` each (§4). */
  windowThreshold: number;
  /** How far each window reaches back before the cursor, so changes stamped late are not missed. */
  overlapMs: number;
  /** Where the first window starts when there is no cursor yet. */
  initialLookbackMs: number;
  /** Windows (of at most 7 days) read in one poll when catching up. */
  maxWindowsPerPoll: number;
}

/** §5.1: a window spans at most 7 days. */
const MAX_WINDOW_MS = 7 * 24 * 3600 * 1000;
/** Passes over one window before giving up on a stable read (see readWindow). */
const MAX_PASSES = 3;

/**
 * Pulls status changes from the civil registration system, which has no callbacks (§1).
 *
 * @remarks With few open dossiers, asking for each one (§4) is cheapest and exact. With many, the
 * time-window form (§5) returns every dossier whose *current* `ngayCapNhat` lies in the window;
 * the cursor is the end of the last window read completely, and every poll starts `overlapMs`
 * before it, so a change stamped a little before we last looked is still read (the repeats are
 * harmless: their event ids are the same). Each poll also moves the cursor in the per-dossier mode,
 * so switching between the modes leaves no gap.
 */
export class CivilPoller {
  constructor(
    private readonly transport: CivilRegistrationTransport,
    private readonly mapping: CivilStatusMapping,
    private readonly options: CivilPollerOptions,
  ) {}

  async poll(ctx: PollContext): Promise<PollBatch> {
    const nowMs = Math.floor(ctx.now.getTime() / 1000) * 1000;
    const acc = new Collector(this.mapping, new Set(ctx.open.map((o) => o.MaHoSo)));
    // Nothing open: nothing to ask; every later change is stamped after now.
    if (ctx.open.length === 0)
      return { events: [], rejects: [], nextCursor: formatPortalDateTime(new Date(nowMs)) };
    if (ctx.open.length <= this.options.windowThreshold) return this.perDossier(ctx, acc, nowMs);
    return this.byWindows(ctx, acc, nowMs);
  }

  private async perDossier(ctx: PollContext, acc: Collector, nowMs: number): Promise<PollBatch> {
    for (const { MaHoSo } of ctx.open) {
      let ketQua: KetQua;
      try {
        ketQua = await this.transport.layKetQua(MaHoSo);
      } catch (err) {
        if (err instanceof GatewayError && err.code === 'GW_ERR_SYSTEM_REJECTED') {
          acc.reject(MaHoSo, err.message);
          continue;
        }
        return this.interrupted(ctx, err, acc, ctx.cursor);
      }
      // maLoi 4: not submitted yet (its NhanDKHT is still queued), or not visible to this client.
      if (textOf(ketQua, 'maLoi') === '4') continue;
      acc.add(ketQua, `LayKetQua?maHoSo=${MaHoSo}`, MaHoSo);
    }
    ctx.log.debug(
      { open: ctx.open.length, events: acc.events.length },
      'civil-registration: polled per dossier',
    );
    return { ...acc.batch(), nextCursor: formatPortalDateTime(new Date(nowMs)) };
  }

  private async byWindows(ctx: PollContext, acc: Collector, nowMs: number): Promise<PollBatch> {
    const cursorAt = ctx.cursor === undefined ? null : parsePortalDateTime(ctx.cursor);
    let from: number;
    if (cursorAt && cursorAt.getTime() <= nowMs) from = cursorAt.getTime() - this.options.overlapMs;
    else {
      if (ctx.cursor !== undefined)
        ctx.log.warn({ cursor: ctx.cursor }, 'civil-registration: unusable poll cursor, starting over');
      from = nowMs - this.options.initialLookbackMs;
    }
    let cursor = cursorAt && cursorAt.getTime() <= nowMs ? ctx.cursor : undefined;
    for (let w = 0; w < this.options.maxWindowsPerPoll && from < nowMs; w += 1) {
      const to = Math.min(from + MAX_WINDOW_MS, nowMs);
      let stable: boolean;
      try {
        stable = await this.readWindow(from, to, acc);
      } catch (err) {
        return this.interrupted(ctx, err, acc, cursor);
      }
      if (!stable) {
        ctx.log.warn(
          { from, to },
          'civil-registration: window kept changing while paged; cursor kept, read again next poll',
        );
        break;
      }
      cursor = formatPortalDateTime(new Date(to));
      from = to;
    }
    ctx.log.debug(
      { open: ctx.open.length, events: acc.events.length, cursor },
      'civil-registration: polled by window',
    );
    return { ...acc.batch(), ...(cursor !== undefined ? { nextCursor: cursor } : {}) };
  }

  /**
   * Reads every page of one window. Returns false when the window never held still.
   *
   * @remarks Pages are computed on each request (§5.2): when a dossier of the window changes
   * between two page requests it leaves the window and the following items move up by one, so the
   * first item of the next page would be skipped. Such a change shows as a different `tongSo`; the
   * window is then read again from page 1 (items already read come again with the same ids).
   */
  private async readWindow(from: number, to: number, acc: Collector): Promise<boolean> {
    const tuNgay = formatPortalDateTime(new Date(from));
    const denNgay = formatPortalDateTime(new Date(to));
    for (let pass = 0; pass < MAX_PASSES; pass += 1) {
      let expected: number | undefined;
      let read = 0;
      let stable = true;
      for (let trang = 1; ; trang += 1) {
        const ketQua = await this.transport.layKetQuaWindow(tuNgay, denNgay, trang);
        const tongSo = Number(textOf(ketQua, 'tongSo'));
        if (!Number.isInteger(tongSo) || tongSo < 0) {
          throw new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
            message: `civil-registration LayKetQua: window answer without a valid tongSo (${JSON.stringify(textOf(ketQua, 'tongSo'))})`,
          });
        }
        if (expected === undefined) expected = tongSo;
        else if (tongSo !== expected) {
          stable = false;
          break;
        }
        const items = childrenOf(ketQua.danhSach as XmlObject | undefined, 'hoSo');
        items.forEach((item, i) => acc.add(item, `${tuNgay}-${denNgay} trang ${trang} #${i + 1}`));
        read += items.length;
        if (items.length === 0 || read >= tongSo) break;
      }
      if (stable) return true;
    }
    return false;
  }

  /**
   * A request failed part-way. A 429 ends the poll with what was read and the wait the system
   * asked for; other temporary failures keep what was read when there is something, and otherwise
   * surface, so the engine sees an outage. The cursor never passes a window not read completely.
   */
  private interrupted(ctx: PollContext, err: unknown, acc: Collector, cursor: string | undefined): PollBatch {
    const withCursor = cursor !== undefined ? { nextCursor: cursor } : {};
    if (err instanceof GatewayError && err.code === 'GW_ERR_SYSTEM_RATE_LIMITED') {
      const retryAfterMs = Math.max(1, err.retryAfterSeconds ?? 1) * 1000;
      ctx.log.warn({ retryAfterMs }, 'civil-registration: rate limited while polling');
      return { ...acc.batch(), ...withCursor, retryAfterMs };
    }
    if (err instanceof GatewayError && err.retryable && (acc.events.length > 0 || acc.rejects.length > 0)) {
      ctx.log.warn({ err }, 'civil-registration: poll interrupted; keeping what was read');
      return { ...acc.batch(), ...withCursor };
    }
    throw err;
  }
}

/** Turns answers into events once each, and bad items into rejects. */
class Collector {
  readonly events: SystemEvent[] = [];
  readonly rejects: PollBatch['rejects'] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly mapping: CivilStatusMapping,
    private readonly open: ReadonlySet<string>,
  ) {}

  /** `asked`: the dossier a per-dossier request named, which the answer must be about. */
  add(element: unknown, where: string, asked?: string): void {
    const item = readStatusItem(element);
    const ref = `${item.maHoSo || asked || '?'}|${item.trangThai}|${item.ngayCapNhat}`;
    if (asked !== undefined && item.maHoSo !== asked) {
      this.rejects.push({
        ref,
        reason: `${where}: /maHoSo is not the dossier asked for`,
        raw: JSON.stringify(element),
      });
      return;
    }
    // A window lists every dossier of this client_id; only the ones the gateway follows matter.
    if (!this.open.has(item.maHoSo)) return;
    try {
      const event = statusEvent(item, this.mapping);
      if (this.seen.has(event.eventId)) return;
      this.seen.add(event.eventId);
      this.events.push(event);
    } catch (err) {
      if (!(err instanceof GatewayError) || err.code !== 'GW_ERR_CALLBACK_INVALID') throw err;
      this.rejects.push({ ref, reason: `${where}: ${err.message}`, raw: JSON.stringify(element) });
    }
  }

  reject(ref: string, reason: string): void {
    this.rejects.push({ ref, reason });
  }

  batch(): { events: SystemEvent[]; rejects: PollBatch['rejects'] } {
    return { events: this.events, rejects: this.rejects };
  }
}
