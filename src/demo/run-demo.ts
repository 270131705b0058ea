/**
 * Quick-start demo: the gateway with the built-in simulators of the portal and the land registry,
 * on loopback and a Redis key prefix of its own. It pushes dossiers, makes the land office act on
 * them (including a timeout after commit, duplicate and reordered callbacks), and prints each
 * dossier's status at the portal and at the land registry as it changes. Bounded: about 20 s.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { parseConfig } from '../config/config.js';
import type { DossierRecord } from '../domain/dossier.js';
import { Gateway } from '../gateway.js';
import { createLogger } from '../logging/logger.js';
import { repoPath } from '../paths.js';
import { createLandSimulator } from '../simulators/land/index.js';
import { createPortalSimulator } from '../simulators/portal/index.js';

const FEED_KEY = 'demo-feed-key';
const LAND_KEY = 'demo-land-key';
const CODE = 'DemoSecurityCode1';
const PASSWORD = 'Demo-Passw0rd';

function example(path: string): DossierRecord {
  const body = JSON.parse(readFileSync(repoPath('..', 'shared', 'specs', 'examples', path), 'utf8')) as {
    data: DossierRecord[];
  };
  return body.data[0]!;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`demo: timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function main(): Promise<void> {
  const redisUrl = process.env.LIENTHONG_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `lt-demo-${process.pid}`;
  const land = createLandSimulator({ apiKey: LAND_KEY, retryIntervalMs: 200 });
  const portal = createPortalSimulator({
    password: PASSWORD,
    feedKey: FEED_KEY,
    feedRetryIntervalMs: 300,
    feedMaxAttempts: 20,
  });
  const landUrl = await land.start();
  const portalUrl = await portal.start();
  const env = { FEED: FEED_KEY, LAND: LAND_KEY, CODE, PW: PASSWORD };
  const config = parseConfig(
    {
      redis: { url: redisUrl, prefix },
      http: { host: '127.0.0.1', port: 0 },
      feed: { key: { env: 'FEED' } },
      portal: {
        baseUrl: portalUrl,
        username: 'lienthong_h40',
        password: { env: 'PW' },
        madonvi: 'H40.22',
        reorderWindowMs: 300,
        retry: { attempts: 20, backoffMs: 100, maxBackoffMs: 1000 },
      },
      systems: {
        land: {
          baseUrl: landUrl,
          apiKey: { env: 'LAND' },
          tinhId: 40,
          callbackSecurityCode: { env: 'CODE' },
          timeoutMs: 1500,
          retry: { attempts: 10, backoffMs: 100, maxBackoffMs: 1000 },
        },
      },
      workers: { lockDurationMs: 5000, stalledIntervalMs: 2000 },
      log: { level: process.env.LIENTHONG_LOG ?? 'warn' },
    },
    { env, readFile: (p) => readFileSync(p, 'utf8') },
  );
  const gateway = new Gateway(config, 'all', createLogger(config.log.level, { demo: true }));
  await gateway.start();
  land.setCallbackTarget(`${gateway.url}/callbacks/land`, CODE);
  portal.setFeedTarget(`${gateway.url}/v1/portal/feed`, FEED_KEY);
  console.log(
    `lienthong demo: gateway ${gateway.url}, portal simulator ${portalUrl}, land simulator ${landUrl}\n`,
  );

  const codes = ['H40.22-251105-0001', 'H40.22-251105-0005', 'H40.22-251105-0006'];
  const show = async (step: string): Promise<void> => {
    console.log(`— ${step}`);
    for (const M of codes) {
      const d = await gateway.store.get(M);
      if (!d) continue;
      const landDossiers = land.dossiers(M);
      const dl = (await gateway.store.deliveries(M)).map((x) => `${x.operation}:${x.state}`).join(' ');
      console.log(
        `  ${M}  portal=${String(portal.record(M)?.TrangThaiHoSo ?? '-').padEnd(2)}  land=${landDossiers.map((x) => x.TrangThai).join(',') || '-'} (${landDossiers.length} dossier)  ${dl}`,
      );
    }
  };

  try {
    const base = example('portal/feed-land-tax.json');
    for (const M of codes) portal.seed({ ...structuredClone(base), MaHoSo: M });

    await portal.push(codes[0]!);
    land.setFaults({ timeoutAfterCommitNext: 1 });
    await portal.push(codes[1]!);
    await portal.push(codes[2]!);
    await portal.redeliverLast(codes[2]!);
    await until('three land dossiers', () => codes.every((M) => land.entries(M) === 1));
    await sleep(200);
    await show('received and entered at the land registry (one timed out after commit; one pushed twice)');

    land.setFaults({ reorder: true, duplicateNext: 2 });
    for (const M of codes) {
      land.act(M, [
        {
          Operation: 'ChuyenHoSo',
          BuocXuLy: 'Thẩm định hồ sơ',
          PhongBan: 'Phòng Đăng ký',
          NguoiXuLy: 'Trần Thị Mai',
        },
        {
          Operation: 'YeuCauBoSungHoSo',
          NoiDungYeuCau: 'Bổ sung bản sao hợp đồng chuyển nhượng có công chứng',
        },
      ]);
    }
    await until('status 5 at the portal', () => codes.every((M) => portal.record(M)?.TrangThaiHoSo === '5'));
    land.setFaults({ reorder: false });
    await show(
      'land office moved them on and asked for a supplement (callbacks sent twice and newest first)',
    );

    for (const M of codes)
      await portal.handInSupplement(M, {
        NgayTiepNhanBoSung: '20251110090000',
        NoiDungBoSung: 'Đã nộp bản sao hợp đồng',
      });
    await until('supplements recorded', () => codes.every((M) => land.dossiers(M)[0]?.TrangThai === 2));
    await sleep(500);
    await show('applicants handed the supplement in at the desk');

    for (const M of codes) land.finish(M, { TrangThaiKetThuc: 0 });
    await until('status 9', () => codes.every((M) => portal.record(M)?.TrangThaiHoSo === '9'));
    await show('land office finished (result documents written into the portal record)');

    for (const M of codes) await portal.handOverResult(M, '20251125093000');
    await until('result handed over at land', () => codes.every((M) => land.dossiers(M)[0]?.TrangThai === 8));
    await show('results handed to the applicants');

    console.log('\nPortal status history (no step back, no duplicate progress row):');
    for (const M of codes) {
      const history = portal.statuses(M).filter((s, i, a) => i === 0 || a[i - 1] !== s);
      console.log(
        `  ${M}: ${history.join(' → ')}   progress rows: ${portal.progress(M).length}, duplicates: ${portal.duplicateProgressRows(M).length}`,
      );
    }
    console.log(
      `\nLand dossiers per code: ${codes.map((M) => land.entries(M)).join(', ')} (exactly one each)`,
    );
    console.log(`Dossier API: GET ${gateway.url}/v1/dossiers/${codes[1]} with X-MotCua-Key`);
  } finally {
    await gateway.stop();
    await land.close();
    await portal.close();
    const r = new Redis(redisUrl);
    const keys = [...(await r.keys(`${prefix}:*`)), ...(await r.keys(`${prefix}-bull:*`))];
    if (keys.length > 0) await r.del(...keys);
    r.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
