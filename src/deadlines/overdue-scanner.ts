import type { Redis } from 'ioredis';
import type { DossierRecord } from '../domain/dossier.js';
import { STATUS_NAMES, type TrangThaiHoSo } from '../domain/status-machine.js';
import type { SystemId } from '../domain/system-event.js';
import { formatPortalDateTime, parsePortalDateTime } from '../domain/time.js';
import type { PortalOperation } from '../domain/dossier-progress.js';
import type { Logger } from '../logging/logger.js';
import type { Queues } from '../delivery/queues.js';
import { FINISHED, nowIso, TIMELINE_CAP, type DossierStore } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';

/** Time a dossier spent waiting for the citizen's supplement: it does not count against the agency. */
export function supplementWaitMs(record: DossierRecord, now: Date): number {
  let total = 0;
  for (const e of record.DanhSachHoSoBoSung ?? []) {
    const from = parsePortalDateTime(e.NgayYeuCauBoSung ?? '');
    if (!from) continue;
    const to = (e.NgayTiepNhanBoSung && parsePortalDateTime(e.NgayTiepNhanBoSung)) || now;
    if (to.getTime() > from.getTime()) total += to.getTime() - from.getTime();
  }
  return total;
}

/** Whether the dossier is waiting for the citizen now (the clock is stopped). */
export function waitingForCitizen(record: DossierRecord, status: TrangThaiHoSo): boolean {
  return status === '5' || (record.DanhSachHoSoBoSung ?? []).some((e) => !e.NgayTiepNhanBoSung);
}

export interface OverdueScannerDeps {
  redis: Redis;
  keys: Keys;
  store: DossierStore;
  queues: Queues;
  log: Logger;
  actorName: string;
  reorderWindowMs: number;
  /** Proposes the new appointment date of an apology letter (working days from the calendar). */
  proposeNewDate: (from: Date) => Date;
  apologyReason: string;
  /** Whether the document system is connected and letters are to be sent. */
  sendLetters: boolean;
  systemNames: Partial<Record<SystemId, string>>;
  /** Which configured agency (document `apologyAgencies` key) answers for a delay held by these systems. */
  agencyFor?: (holders: readonly SystemId[]) => string;
}

/**
 * Finds dossiers whose appointment date (NgayHenTra, moved on by the time spent waiting for the
 * citizen's supplement) has passed before they were finished, and marks each overdue exactly once
 * per appointment date: a progress row saying who holds it, and the apology letter (form 04) with a
 * new date, sent for signing through document management.
 *
 * @remarks Several workers may scan at once: the mark is `HSETNX overdue:<NgayHenTra>` on the
 * dossier, so only one of them writes the row and plans the letter; the letter's delivery is named
 * by the same date (`xinloi-<NgayHenTra>`), so it cannot be planned twice either.
 */
export class OverdueScanner {
  constructor(private readonly d: OverdueScannerDeps) {}

  async scan(now = new Date(), limit = 500): Promise<{ checked: number; marked: string[] }> {
    const { redis, keys, store } = this.d;
    const due = await redis.zrangebyscore(keys.deadlines(), '-inf', now.getTime(), 'LIMIT', 0, limit);
    const marked: string[] = [];
    for (const M of due) {
      const dossier = await store.get(M);
      if (!dossier || FINISHED.has(dossier.status)) {
        await redis.zrem(keys.deadlines(), M);
        continue;
      }
      const rec = dossier.record;
      const appointment = rec.NgayHenTra ? parsePortalDateTime(rec.NgayHenTra) : null;
      if (!appointment) {
        await redis.zrem(keys.deadlines(), M);
        continue;
      }
      if (waitingForCitizen(rec, dossier.status)) {
        // The agency's clock is stopped: look again later.
        await redis.zadd(keys.deadlines(), now.getTime() + 3600_000, M);
        continue;
      }
      const effective = appointment.getTime() + supplementWaitMs(rec, now);
      if (effective > now.getTime()) {
        await redis.zadd(keys.deadlines(), effective, M);
        continue;
      }
      const first = await redis.hsetnx(keys.dossier(M), `overdue:${rec.NgayHenTra}`, nowIso());
      // Looked at again after a day, in case the appointment moves without a letter.
      await redis.zadd(keys.deadlines(), now.getTime() + 24 * 3600_000, M);
      if (first !== 1) continue;
      await this.markOverdue(M, dossier.status, dossier.route, dossier.systemStatus, rec, now);
      marked.push(M);
    }
    return { checked: due.length, marked };
  }

  private holders(
    route: readonly SystemId[],
    systemStatus: Partial<Record<SystemId, TrangThaiHoSo>>,
  ): SystemId[] {
    return route.filter((s) => !FINISHED.has(systemStatus[s] ?? '2'));
  }

  private async markOverdue(
    M: string,
    status: TrangThaiHoSo,
    route: SystemId[],
    systemStatus: Partial<Record<SystemId, TrangThaiHoSo>>,
    rec: DossierRecord,
    now: Date,
  ): Promise<void> {
    const { redis, keys, store, queues, log } = this.d;
    const holders = this.holders(route, systemStatus);
    const holderText = holders.map((s) => this.d.systemNames[s] ?? s).join(', ') || rec.DonViXuLy;
    const row: Extract<PortalOperation, { kind: 'progress' }> = {
      id: `deadline:${rec.NgayHenTra}:overdue`,
      kind: 'progress',
      row: {
        MaHoSo: M,
        NguoiXuLy: this.d.actorName,
        ChucDanh: '',
        ThoiDiemXuLy: formatPortalDateTime(now),
        PhongBanXuLy: rec.DonViXuLy.slice(0, 255),
        NoiDungXuLy:
          `Hồ sơ quá hạn giải quyết (hẹn trả ${rec.NgayHenTra}); đang xử lý tại: ${holderText}`.slice(
            0,
            2000,
          ),
        TrangThai: status,
        NgayBatDau: formatPortalDateTime(now),
        NgayKetThucTheoQuyDinh: rec.NgayHenTra ?? '',
      },
    };
    const newDate = formatPortalDateTime(this.d.proposeNewDate(now));
    const multi = redis.multi();
    multi.rpush(keys.outbox(M), JSON.stringify(row));
    multi.sadd(keys.pendingSync(), M);
    multi.sadd(keys.overdue(), M);
    multi.hset(keys.dossier(M), {
      overdueHolder: JSON.stringify({
        systems: holders,
        agency: rec.DonViXuLy,
        since: nowIso(),
        NgayHenTra: rec.NgayHenTra,
      }),
    });
    const tk = keys.timeline(M);
    multi.rpush(
      tk,
      JSON.stringify({
        at: nowIso(),
        type: 'note',
        detail: `overdue: appointment ${rec.NgayHenTra} passed in status ${status} (${STATUS_NAMES[status]}); held by ${holderText}`,
        data: { holders, NgayHenTra: rec.NgayHenTra },
      }),
    );
    multi.ltrim(tk, -TIMELINE_CAP, -1);
    await multi.exec();
    await queues.kickSync(M, this.d.reorderWindowMs);
    log.warn({ MaHoSo: M, holders, NgayHenTra: rec.NgayHenTra }, 'dossier overdue');
    if (!this.d.sendLetters) return;
    const params = {
      LyDo: this.d.apologyReason,
      NgayHenTraTruoc: rec.NgayHenTra ?? '',
      NgayHenTraDeXuat: newDate,
      agency: this.d.agencyFor?.(holders) ?? 'default',
    };
    await redis.hset(keys.dossier(M), `apology:${rec.NgayHenTra}`, JSON.stringify(params));
    await redis.sadd(keys.openDossiers('document'), M);
    const { head } = await store.addDelivery(
      M,
      'document',
      { operation: 'guiphieuxinloi', intentKey: `xinloi-${rec.NgayHenTra}`, params },
      `apology letter drafted (new appointment proposed ${newDate}); sent for signing`,
    );
    if (head) await queues.kickDelivery({ deliveryId: head, MaHoSo: M, system: 'document' });
  }
}
