import { readFileSync } from 'node:fs';
import type { DossierRecord } from '../../src/domain/dossier.js';
import type { DeliveryState } from '../../src/domain/delivery.js';
import type { TrangThaiHoSo } from '../../src/domain/status-machine.js';
import type { SystemId } from '../../src/domain/system-event.js';
import { parsePortalDateTime } from '../../src/domain/time.js';
import { indexDeliveryState, type DossierStore } from '../../src/store/dossier-store.js';

const base = (
  JSON.parse(
    readFileSync(
      new URL('../../../shared/specs/examples/portal/feed-land-tax.json', import.meta.url),
      'utf8',
    ),
  ) as { data: DossierRecord[] }
).data[0]!;

export interface SeedOptions {
  MaHoSo: string;
  /** Fields that replace the portal example's (a land transfer received 05/11/2025 08:30). */
  record: Partial<DossierRecord>;
  route: SystemId[];
  status: TrangThaiHoSo;
  systemStatus?: Partial<Record<SystemId, TrangThaiHoSo>>;
  lastNguoiXuLy?: string;
  /** When the gateway indexed it (score of idx:dossiers); default: its NgayTiepNhan. */
  indexedAt?: Date;
  /** Deliveries to create (one per system) and the state to index each in. */
  deliveries?: Array<{ system: SystemId; state: DeliveryState }>;
}

/**
 * Stores a dossier the way intake does (`DossierStore.intake`), then sets what the event
 * application would have set since (status, each system's status, the last handler) and the
 * reception-time index score, so report tests start from a known store.
 */
export async function seedDossier(store: DossierStore, o: SeedOptions): Promise<void> {
  const record = { ...structuredClone(base), ...o.record, MaHoSo: o.MaHoSo } as DossierRecord;
  const plans = (o.deliveries ?? []).map((d) => ({
    system: d.system,
    op: { operation: 'tiepnhan', intentKey: 'tiepnhan' },
  }));
  const out = await store.intake({
    MaHoSo: o.MaHoSo,
    madonvi: 'H40.22',
    digest: `seed-${o.MaHoSo}-${Math.random()}`,
    record,
    merged: record,
    status: o.status,
    route: o.route,
    completion: o.route,
    plans,
    isUpdating: false,
  });
  const { redis, keys } = store;
  const multi = redis.multi();
  const fields: Record<string, string> = { status: o.status };
  for (const [s, st] of Object.entries(o.systemStatus ?? {})) fields[`sys:${s}:status`] = st;
  if (o.lastNguoiXuLy) fields.lastNguoiXuLy = o.lastNguoiXuLy;
  multi.hset(keys.dossier(o.MaHoSo), fields);
  const at = o.indexedAt ?? parsePortalDateTime(String(record.NgayTiepNhan)) ?? new Date();
  multi.zadd(keys.allDossiers(), at.getTime(), o.MaHoSo);
  (o.deliveries ?? []).forEach((d, i) => {
    const id = out.created[i];
    if (id) indexDeliveryState(multi, keys, id, d.state);
  });
  await multi.exec();
}
