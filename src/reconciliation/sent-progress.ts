import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import type { PortalRow } from './drift.js';

/**
 * The gateway's own record of the progress rows the portal accepted ("0" to CapNhatTienDoHoSoMC),
 * per dossier: what the reconciliation compares with the portal's DanhSachTienDo. The outbox
 * forgets a row once it is sent; this does not (until `retention.ledgerDays` without a new row).
 */
export class SentProgress {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly log: Logger,
  ) {}

  key(M: string): string {
    return `${this.prefix}:recon:sent:{${M}}`;
  }

  static rowId(row: PortalRow): string {
    return createHash('sha256')
      .update(JSON.stringify([row.MaHoSo, row.ThoiDiemXuLy, row.TrangThai, row.NguoiXuLy, row.NoiDungXuLy]))
      .digest('hex')
      .slice(0, 24);
  }

  /** Never throws: the portal has accepted the rows already, and the sync must not fail for this. */
  async record(rows: readonly PortalRow[]): Promise<void> {
    try {
      const multi = this.redis.multi();
      for (const row of rows) {
        // HSETNX: a row the portal accepted twice (a resend after an unknown outcome) is one row here.
        multi.hsetnx(this.key(row.MaHoSo), SentProgress.rowId(row), JSON.stringify({ at: Date.now(), row }));
        multi.expire(this.key(row.MaHoSo), this.ttlSeconds);
      }
      await multi.exec();
    } catch (err) {
      this.log.warn({ err }, 'could not record the progress rows the portal accepted');
    }
  }

  /** The rows accepted for a dossier, in the order they were accepted. */
  async list(M: string): Promise<PortalRow[]> {
    const h = await this.redis.hgetall(this.key(M));
    return Object.values(h)
      .map((v) => JSON.parse(v) as { at: number; row: PortalRow })
      .sort((a, b) => a.at - b.at || a.row.ThoiDiemXuLy.localeCompare(b.row.ThoiDiemXuLy))
      .map((x) => x.row);
  }
}
