/**
 * Quick-start demo: the gateway with the built-in simulators of the portal and the five systems,
 * on loopback and a Redis key prefix of its own. It pushes dossiers of the interconnected procedure
 * groups, makes the systems act on them (with a timeout after commit, a duplicate push, duplicate
 * and reordered callbacks on the way), and prints every dossier's status at the portal and its
 * entries in each system as they change. Bounded: well under a minute.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { parseConfig } from '../config/config.js';
import type { DossierRecord } from '../domain/dossier.js';
import { Gateway } from '../gateway.js';
import { createLogger } from '../logging/logger.js';
import { repoPath } from '../paths.js';
import { startWorld, WORLD_SECRETS } from '../simulators/world.js';

function example(path: string): DossierRecord {
  const body = JSON.parse(readFileSync(repoPath('..', 'shared', 'specs', 'examples', path), 'utf8')) as {
    data: DossierRecord[];
  };
  return body.data[0]!;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`demo: timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function main(): Promise<void> {
  const redisUrl = process.env.LIENTHONG_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `lt-demo-${process.pid}`;
  const world = await startWorld({
    systems: 'all',
    redisUrl,
    prefix,
    pace: 'demo',
    logLevel: process.env.LIENTHONG_LOG ?? 'error',
  });
  const config = parseConfig(world.rawConfig, {
    env: { ...WORLD_SECRETS },
    readFile: (p) => readFileSync(p, 'utf8'),
  });
  const gateway = new Gateway(config, 'all', createLogger(config.log.level, { demo: true }));
  await gateway.start();
  world.connect(gateway.url!);
  const { portal, land, civil, tax, bhxh, doc } = world;
  console.log(
    `lienthong demo — gateway ${gateway.url}; simulators of the portal and the five systems on loopback\n`,
  );

  const transfer = { ...example('portal/feed-land-tax.json') };
  const birth = example('portal/feed-birth.json');
  const child = birth.HoTich!.NguoiDuocKhaiSinh!;
  const birthCard: DossierRecord = {
    ...structuredClone(birth),
    MaTTHC: '2.001023',
    TenTTHC: 'Liên thông đăng ký khai sinh, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi',
    BHXH: {
      MaSoBHXH: '',
      LoaiHoSo: 'CAP_THE_BHYT_TRE_EM',
      HoTen: child.HoTen,
      NgaySinh: child.NgaySinh,
      SoCCCD: '',
    },
  };
  const death = example('portal/feed-death-bhxh.json');
  const permit = example('portal/feed-document.json');
  const dossiers = [
    { d: transfer, label: 'chuyển nhượng QSDĐ (đất đai + thuế)' },
    { d: birthCard, label: 'khai sinh + thẻ BHYT (hộ tịch + BHXH)' },
    { d: death, label: 'khai tử + mai táng (hộ tịch + BHXH)' },
    { d: permit, label: 'giấy phép xây dựng (QLVB)' },
  ];
  const entries = (M: string): string =>
    [
      ['đất', land.entries(M)],
      ['hộ tịch', civil!.entries(M)],
      ['thuế', tax!.entries(M)],
      ['BHXH', bhxh!.entries(M)],
      ['QLVB', doc!.entries(M)],
    ]
      .filter(([, n]) => Number(n) > 0)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
  const show = async (step: string): Promise<void> => {
    console.log(`— ${step}`);
    for (const { d, label } of dossiers) {
      const st = (portal.record(d.MaHoSo)?.TrangThaiHoSo as string | undefined) ?? '-';
      console.log(`  ${d.MaHoSo}  trạng thái cổng ${st.padEnd(2)}  ${label.padEnd(38)} ${entries(d.MaHoSo)}`);
    }
  };

  try {
    for (const { d } of dossiers) portal.seed(d);
    land.setFaults({ timeoutAfterCommitNext: 1 });
    for (const { d } of dossiers) await portal.push(d.MaHoSo);
    await portal.redeliverLast(death.MaHoSo);
    await until(
      'every system entered',
      () =>
        land.entries(transfer.MaHoSo) === 1 &&
        tax!.entries(transfer.MaHoSo) === 1 &&
        civil!.entries(birthCard.MaHoSo) === 1 &&
        civil!.entries(death.MaHoSo) === 1 &&
        bhxh!.entries(death.MaHoSo) === 1 &&
        doc!.entries(permit.MaHoSo) === 1,
    );
    await show(
      'received and entered (the land intake timed out after commit; the death dossier was pushed twice)',
    );

    land.setFaults({ reorder: true, duplicateNext: 2 });
    land.act(transfer.MaHoSo, [
      {
        Operation: 'ChuyenHoSo',
        BuocXuLy: 'Thẩm định hồ sơ',
        PhongBan: 'Phòng Đăng ký',
        NguoiXuLy: 'Trần Thị Mai',
      },
    ]);
    tax!.issueNoticesFor(transfer.MaHoSo, 2);
    civil!.setStatus(birthCard.MaHoSo, 4);
    doc!.setStatuses(permit.MaHoSo, [{ StatusCode: '01' }, { StatusCode: '03' }]);
    await until('tax notices at the portal', () => portal.record(transfer.MaHoSo)?.TrangThaiHoSo === '6');
    await until(
      'child card entered at BHXH after the birth was registered',
      () => bhxh!.entries(birthCard.MaHoSo) === 1,
    );
    await sleep(800);
    land.setFaults({ reorder: false });
    await show(
      "land office at work, tax notices issued, birth registered (BHXH got the child's new identity number), permit in review",
    );

    tax!.confirmPayment(transfer.MaHoSo, 'all');
    bhxh!.setStatus(birthCard.MaHoSo, 4);
    civil!.setStatus(death.MaHoSo, 4);
    bhxh!.setStatus(death.MaHoSo, 4);
    doc!.setStatus(permit.MaHoSo, '06');
    await until('taxes paid', () => portal.record(transfer.MaHoSo)?.TrangThaiHoSo === '4');
    land.finish(transfer.MaHoSo, { TrangThaiKetThuc: 0 });
    await until('all finished', () =>
      dossiers.every(({ d }) => portal.record(d.MaHoSo)?.TrangThaiHoSo === '9'),
    );
    await show('taxes paid, every system finished: 9 everywhere');

    await portal.handOverResult(transfer.MaHoSo, '20251125093000');
    await until('result handed over at land', () => land.dossiers(transfer.MaHoSo)[0]?.TrangThai === 8);
    await show('land result handed to the applicant at the desk (the land registry is told)');

    console.log('\nPortal status history (never a step back, never a progress row twice):');
    for (const { d } of dossiers) {
      const history = portal.statuses(d.MaHoSo).filter((s, i, a) => i === 0 || a[i - 1] !== s);
      console.log(
        `  ${d.MaHoSo}: ${history.join(' → ').padEnd(26)} rows ${portal.progress(d.MaHoSo).length}, duplicate rows ${portal.duplicateProgressRows(d.MaHoSo).length}`,
      );
    }
    console.log(
      `\nEach system holds exactly one entry per dossier routed to it. Dossier API: GET ${gateway.url}/v1/dossiers/{MaHoSo} with X-MotCua-Key.`,
    );
  } finally {
    await gateway.stop();
    await world.close();
    const r = new Redis(redisUrl);
    for (const pattern of [`${prefix}:*`, `${prefix}-bull:*`]) {
      const keys = await r.keys(pattern);
      if (keys.length > 0) await r.del(...keys);
    }
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
