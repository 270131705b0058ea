import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { loadWorkingCalendar } from '../../src/calendar/index.js';
import type { GatewayConfig } from '../../src/config/config.js';
import { loadRoutingTable } from '../../src/domain/routing.js';
import { parsePortalDateTime } from '../../src/domain/time.js';
import { createApp } from '../../src/http/app.js';
import { reportsRouter } from '../../src/http/routes/reports.js';
import { createLogger } from '../../src/logging/logger.js';
import { StoreReportSource } from '../../src/reports/report-source.js';
import { sha256Hex } from '../../src/security/constant-time.js';
import { DossierStore } from '../../src/store/dossier-store.js';
import { Keys } from '../../src/store/keys.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { seedDossier } from '../helpers/seed-dossiers.js';

const VIEWER = 'viewer-token-for-report-tests';
const FEED_KEY = 'feed-key-for-report-tests';
const config = {
  operators: [{ name: 'so-noi-vu', tokenSha256: sha256Hex(VIEWER), role: 'viewer' }],
} as unknown as GatewayConfig;
const NOW = parsePortalDateTime('20251128100000')!; // Friday 28/11/2025 10:00
const A = 'UBND phường Trường Vinh';
const B = 'Văn phòng đăng ký đất đai tỉnh Nghệ An';

const prefix = uniquePrefix('reports');
let redis: Redis;
let app: Express;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const store = new DossierStore(redis, new Keys(prefix));
  const calendar = loadWorkingCalendar();
  const source = new StoreReportSource({ store, routing: loadRoutingTable(), calendar });
  app = createApp({
    log: createLogger('silent', { test: 'reports' }),
    routers: [reportsRouter({ source, calendar, config, now: () => NOW })],
  });
  // R1: supplement requested Fri 14/11 16:00, handed in Mon 17/11 08:00 = 1.5 office hours, so the
  // deadline 19/11 17:00 becomes 20/11 09:00; finished 20/11 08:30 → on time. Online.
  await seedDossier(store, {
    MaHoSo: 'R1',
    route: ['land', 'tax'],
    status: '9',
    record: {
      KenhThucHien: '2',
      NgayKetThucXuLy: '20251120083000',
      DanhSachHoSoBoSung: [
        {
          MaHoSoBoSung: 'R1-BS01',
          NgayYeuCauBoSung: '20251114160000',
          NoiDungYeuCau: 'Bổ sung bản sao hợp đồng',
          NgayHenTraTruoc: '20251119170000',
          NgayHenTraMoi: '',
          NgayTiepNhanBoSung: '20251117080000',
          NoiDungBoSung: 'Đã nộp',
        },
      ],
    },
  });
  // R2: due 20/11 17:00; an apology letter moved NgayHenTra to 26/11 17:00 (R9); finished 25/11 10:00:
  // before the new date but after the original one → late. At the desk.
  await seedDossier(store, {
    MaHoSo: 'R2',
    route: ['land'],
    status: '10',
    record: {
      NgayTiepNhan: '20251106080000',
      NgayHenTra: '20251126170000',
      NgayKetThucXuLy: '20251125100000',
      DanhSachXinLoi: [
        {
          SoVanBan: '15/PXL-VPDK',
          NgayXinLoi: '20251120150000',
          LyDo: 'Chờ xác minh nguồn gốc đất',
          NgayHenTraTruoc: '20251120170000',
          NgayHenTraMoi: '20251126170000',
        },
      ],
    },
  });
  // R3: in progress, due 24/11 17:00 < now → overdue; the land registry still holds it. Online.
  await seedDossier(store, {
    MaHoSo: 'R3',
    route: ['land', 'tax'],
    status: '4',
    systemStatus: { land: '4', tax: '9' },
    record: { KenhThucHien: '2', NgayTiepNhan: '20251110080000', NgayHenTra: '20251124170000' },
  });
  // R4: a birth with no NgayHenTra: the route's 1 working day gives 27/11 17:00 → overdue at 28/11 10:00.
  await seedDossier(store, {
    MaHoSo: 'R4',
    route: ['civil-registration'],
    status: '4',
    record: {
      MaTTHC: '1.001193',
      MaLinhVuc: 'HT',
      DonViXuLy: A,
      KenhThucHien: '2',
      NgayTiepNhan: '20251126080000',
      NgayHenTra: '',
    },
  });
  // R5: received 20/10, outside the period → not counted.
  await seedDossier(store, {
    MaHoSo: 'R5',
    route: ['land'],
    status: '10',
    record: {
      NgayTiepNhan: '20251020080000',
      NgayHenTra: '20251103170000',
      NgayKetThucXuLy: '20251031100000',
    },
  });
  // R6: indexed ten days after its NgayTiepNhan (pushed late), finished before its due date → on time.
  await seedDossier(store, {
    MaHoSo: 'R6',
    route: ['land'],
    status: '9',
    indexedAt: parsePortalDateTime('20251122080000')!,
    record: {
      NgayTiepNhan: '20251112080000',
      NgayHenTra: '20251126170000',
      NgayKetThucXuLy: '20251126160000',
    },
  });
});

afterAll(async () => {
  redis?.disconnect();
  await dropPrefix(prefix);
});

const auth = { Authorization: `Bearer ${VIEWER}` };
const period = 'from=2025-11-01&to=2025-11-30';

describe('GET /v1/reports/on-time', () => {
  it('When no token, a wrong token or only the portal feed key is presented, then 401', async () => {
    const none = await request(app).get(`/v1/reports/on-time?${period}`);
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('GW_ERR_AUTH_MISSING');
    const wrong = await request(app).get(`/v1/reports/on-time?${period}`).set('Authorization', 'Bearer nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('GW_ERR_AUTH_INVALID');
    const feed = await request(app).get(`/v1/reports/on-time?${period}`).set('X-MotCua-Key', FEED_KEY);
    expect(feed.status).toBe(401);
  });

  it('When the query is bad, then 422 names every field at fault', async () => {
    const missing = await request(app).get('/v1/reports/on-time?to=2025-11-30').set(auth);
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('GW_ERR_REQUEST_INVALID');
    expect(missing.body.details).toEqual([{ path: '/from', message: 'is required' }]);
    const bad = await request(app)
      .get('/v1/reports/on-time?from=01/11/2025&to=2025-11-30&groupBy=tinh')
      .set(auth);
    expect(bad.status).toBe(422);
    expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(['/from', '/groupBy']);
    const reversed = await request(app).get('/v1/reports/on-time?from=2025-11-30&to=2025-11-01').set(auth);
    expect(reversed.body.details).toEqual([{ path: '/to', message: 'must not be before from' }]);
    const twice = await request(app).get(`/v1/reports/on-time?${period}&from=2025-11-02`).set(auth);
    expect(twice.body.details).toEqual([{ path: '/from', message: 'must be given once' }]);
  });

  it('When grouped by agency, then the figures read from Redis are the hand-counted ones', async () => {
    const res = await request(app).get(`/v1/reports/on-time?${period}&groupBy=agency`).set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      from: '2025-11-01T00:00:00+07:00',
      to: '2025-11-30T23:59:59+07:00',
      groupBy: 'agency',
      generatedAt: '2025-11-28T10:00:00+07:00',
    });
    // A: R4 only (overdue by the route's time limit); online.
    // B: R1 and R6 on time, R2 late (the letter does not make it on time), R3 overdue; online R1, R3.
    expect(res.body.groups).toEqual([
      {
        key: A,
        label: A,
        received: 1,
        resolvedOnTime: 0,
        resolvedLate: 0,
        inProgressOnTime: 0,
        inProgressOverdue: 1,
        stopped: 0,
        onTimeRate: null,
        onlineShare: 1,
        apologyLetters: 0,
      },
      {
        key: B,
        label: B,
        received: 4,
        resolvedOnTime: 2,
        resolvedLate: 1,
        inProgressOnTime: 0,
        inProgressOverdue: 1,
        stopped: 0,
        onTimeRate: 0.6667,
        onlineShare: 0.5,
        apologyLetters: 1,
      },
    ]);
    expect(res.body.total).toEqual({
      received: 5,
      resolvedOnTime: 2,
      resolvedLate: 1,
      inProgressOnTime: 0,
      inProgressOverdue: 2,
      stopped: 0,
      onTimeRate: 0.6667,
      onlineShare: 0.6,
      apologyLetters: 1,
    });
  });

  it('When grouped by system, then each system of a dossier counts it', async () => {
    const res = await request(app).get(`/v1/reports/on-time?${period}&groupBy=system`).set(auth);
    const by = Object.fromEntries((res.body.groups as Array<{ key: string }>).map((g) => [g.key, g]));
    expect(Object.keys(by)).toEqual(['civil-registration', 'land', 'tax']);
    expect(by.land).toMatchObject({
      label: 'Đất đai (VBDLIS)',
      received: 4,
      resolvedOnTime: 2,
      resolvedLate: 1,
    });
    expect(by.tax).toMatchObject({ received: 2, resolvedOnTime: 1, inProgressOverdue: 1, onTimeRate: 1 });
  });

  it('When CSV is asked for with Accept: text/csv, then Excel gets UTF-8 with a BOM and Vietnamese labels', async () => {
    const res = await request(app)
      .get(`/v1/reports/on-time?${period}&groupBy=field`)
      .set(auth)
      .set('Accept', 'text/csv')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain('bao-cao-dung-han_field_2025-11-01_2025-11-30.csv');
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = body.toString('utf8').slice(1).split('\r\n');
    expect(lines[0]!.startsWith('Lĩnh vực,Số hồ sơ tiếp nhận,Đã giải quyết đúng hạn')).toBe(true);
    expect(lines).toContain('HT,1,0,0,0,1,0,,100.0,0');
    expect(lines).toContain('NMT-DD,4,2,1,0,1,0,66.7,50.0,1');
    expect(lines).toContain('Tổng cộng,5,2,1,0,2,0,66.7,60.0,1');
  });
});
