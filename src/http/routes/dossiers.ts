import express, { type Router, type Request } from 'express';
import type { GatewayConfig } from '../../config/config.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { safeEqual, sha256Hex } from '../../security/constant-time.js';
import type { DossierStore } from '../../store/dossier-store.js';
import { STATUS_NAMES } from '../../domain/status-machine.js';

/** The portal's feed key, or an operator's bearer token (compared by its SHA-256). */
export function readerAuth(config: GatewayConfig, feedKey: string) {
  const hashes = config.operators.map((o) => o.tokenSha256);
  return (req: Request): boolean => {
    if (safeEqual(req.get('X-MotCua-Key'), feedKey)) return true;
    const auth = req.get('Authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (!m) return false;
    const h = sha256Hex(m[1]!.trim());
    // Every hash is compared (no early exit), so the time taken does not tell which one matched.
    return hashes.reduce((ok, x) => safeEqual(h, x) || ok, false);
  };
}

export function dossierRouter(deps: { store: DossierStore; config: GatewayConfig; feedKey: string }): Router {
  const r = express.Router();
  const allowed = readerAuth(deps.config, deps.feedKey);
  r.get('/v1/dossiers/:MaHoSo', async (req, res) => {
    if (!allowed(req))
      throw new GatewayError('GW_ERR_AUTH_MISSING', {
        message: 'X-MotCua-Key or an operator token is required',
      });
    const M = String(req.params.MaHoSo);
    if (!/^[A-Za-z0-9.-]{1,50}$/.test(M)) {
      throw new GatewayError('GW_ERR_REQUEST_INVALID', {
        details: [{ path: '/MaHoSo', message: 'must match ^[A-Za-z0-9.-]{1,50}$' }],
      });
    }
    const [d, rejected] = await Promise.all([deps.store.get(M), deps.store.rejectedVersions(M)]);
    if (!d) {
      if (rejected.length === 0)
        throw new GatewayError('GW_ERR_DOSSIER_NOT_FOUND', { details: { MaHoSo: M } });
      res.json({
        MaHoSo: M,
        accepted: false,
        TrangThaiHoSo: null,
        NgayHenTra: null,
        systems: {},
        timeline: [],
        rejectedVersions: rejected,
      });
      return;
    }
    const [deliveries, timeline, outboxLen, failedSyncs] = await Promise.all([
      deps.store.deliveries(M),
      deps.store.timeline(M),
      deps.store.redis.llen(deps.store.keys.outbox(M)),
      deps.store.redis.lrange(deps.store.keys.outboxFailed(M), 0, -1),
    ]);
    const systems: Record<string, unknown> = {};
    for (const s of d.route) {
      const own = deliveries.filter((x) => x.system === s);
      systems[s] = {
        externalId: d.externalIds[s] ?? null,
        status: d.systemStatus[s] ?? null,
        deliveries: own.map((x) => ({
          id: x.id,
          operation: x.operation,
          state: x.state,
          attempts: x.attempts,
          externalId: x.externalId,
          lastError: x.lastError,
          updatedAt: x.updatedAt,
        })),
      };
    }
    res.json({
      MaHoSo: M,
      accepted: true,
      madonvi: d.madonvi,
      TrangThaiHoSo: d.status,
      TenTrangThai: STATUS_NAMES[d.status],
      NgayHenTra: d.record.NgayHenTra ?? null,
      receivedAt: d.receivedAt,
      updatedAt: d.updatedAt,
      versions: d.versions,
      systems,
      portalSync: { pending: outboxLen, failed: failedSyncs.map((s) => JSON.parse(s) as unknown) },
      timeline,
      rejectedVersions: rejected,
    });
  });
  return r;
}
