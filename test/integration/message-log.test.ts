import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../../src/cli/index.js';
import type { LogEntryView } from '../../src/message-log/message-log.js';
import { adminCall, OPERATOR_TOKEN, VIEWER_TOKEN, withViewer } from '../helpers/admin.js';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { REDIS_URL } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let stack: Stack;
let redis: Redis;
beforeAll(async () => {
  stack = await startStack({ name: 'msglog', patch: withViewer });
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.close();
});

interface LogView {
  MaHoSo: string;
  bodies: string;
  chain: { ok: boolean; entries: number };
  entries: LogEntryView[];
}

const listKey = (M: string): string => `${stack.prefix}:ml:{${M}}`;

/** Runs `lienthong <args>` against the test gateway; returns the exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = { write: (s: string) => ((out += s), true) };
  const code = await runAdminCommand(
    args,
    { LIENTHONG_ADMIN_URL: stack.gatewayUrl, LIENTHONG_ADMIN_TOKEN: OPERATOR_TOKEN },
    { out: sink, err: sink, tty: false, pollMs: 50 },
  );
  return { code, out };
}

/** A land dossier entered and moved to 4, with its messages logged (feed, tiepnhan, callback, portal). */
async function exchanged(tag: string): Promise<string> {
  const { land, portal } = stack;
  const M = nextCode(tag);
  portal.seed(landDossier(M));
  await portal.push(M);
  await waitFor('tiepnhan', () => land.entries(M) === 1);
  land.transfer(M, { BuocXuLy: 'Thẩm định hồ sơ', PhongBan: 'Phòng Đăng ký', NguoiXuLy: 'Trần Thị Mai' });
  await waitFor('4 at the portal', () => portal.record(M)?.TrangThaiHoSo === '4');
  await waitFor('four messages logged', async () => (await redis.llen(listKey(M))) >= 4);
  return M;
}

describe('message log', () => {
  it('When a dossier flows, then every message is chained in its log, bodies shown to an operator only and never in clear in Redis', async () => {
    const M = await exchanged('MLA');
    const asOperator = await adminCall<LogView>(stack.gatewayUrl, 'GET', `/admin/dossiers/${M}/messages`);
    expect(asOperator.status).toBe(200);
    expect(asOperator.body.chain.ok).toBe(true);
    const seen = asOperator.body.entries.map((e) => [e.seq, e.direction, e.party, e.operation, e.outcome]);
    expect(seen).toEqual(
      expect.arrayContaining([
        expect.arrayContaining(['in', 'portal', 'DongBoHoSoMC', 'ok']),
        expect.arrayContaining(['out', 'land', 'POST tiepnhan', 'ok']),
        expect.arrayContaining(['in', 'land', 'ChuyenHoSo', 'ok']),
        expect.arrayContaining(['out', 'portal', 'CapNhatTienDoHoSoMC', 'ok']),
      ]),
    );
    const entries = asOperator.body.entries;
    expect(
      entries.every((e, i) => e.seq === i + 1 && e.hash.length === 64 && e.bodyDigest?.length === 64),
    ).toBe(true);
    expect(entries[1]!.prev).toBe(entries[0]!.hash);
    const intake = entries.find((e) => e.direction === 'in' && e.party === 'portal')!;
    expect(intake.body).toContain('Nguyễn Văn Hùng');
    expect(intake.reply).toContain(M);
    // The portal session and other credentials are cut out of what is kept.
    const portalOut = entries.find((e) => e.party === 'portal' && e.direction === 'out')!;
    expect(portalOut.body).toContain('"session":"***"');

    const asViewer = await adminCall<LogView>(stack.gatewayUrl, 'GET', `/admin/dossiers/${M}/messages`, {
      token: VIEWER_TOKEN,
    });
    expect(asViewer.status).toBe(200);
    expect(asViewer.body.bodies).toBe('withheld');
    expect(asViewer.body.entries.every((e) => e.body === undefined && e.bodyNote === 'withheld')).toBe(true);
    expect(JSON.stringify(asViewer.body)).not.toContain('Nguyễn Văn Hùng');

    // Every raw value of the log's keys, as anyone with access to Redis would read them.
    const record = landDossier(M);
    const secrets = [record.ChuHoSo!, record.SoGiayToChuHoSo!, 'Hùng', '040085001234'];
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${stack.prefix}:ml:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    expect(keys.some((k) => k.includes(':body:'))).toBe(true);
    let raw = '';
    for (const k of keys) {
      const type = await redis.type(k);
      raw += type === 'list' ? (await redis.lrange(k, 0, -1)).join('\n') : ((await redis.get(k)) ?? '');
    }
    expect(raw.length).toBeGreaterThan(1000);
    for (const s of secrets) expect(raw).not.toContain(s);
    expect(await cli('verify-log', M)).toMatchObject({ code: 0, out: expect.stringContaining('OK') });
  });

  it('When an entry is changed or removed in Redis, then verify-log names the first broken link', async () => {
    const tampered = await exchanged('MLT');
    const removed = await exchanged('MLR');
    const truncated = await exchanged('MLE');
    const second = JSON.parse((await redis.lindex(listKey(tampered), 1))!) as Record<string, unknown>;
    await redis.lset(listKey(tampered), 1, JSON.stringify({ ...second, status: 500, outcome: 'error' }));
    const third = (await redis.lindex(listKey(removed), 2))!;
    await redis.lrem(listKey(removed), 1, third);
    await redis.rpop(listKey(truncated));

    const one = await cli('verify-log', tampered);
    expect(one.code).toBe(1);
    expect(one.out).toContain(
      `${tampered}: BROKEN at entry 2 (position 1): the entry was changed after it was written`,
    );
    const two = await cli('verify-log', removed);
    expect(two.code).toBe(1);
    expect(two.out).toContain(`${removed}: BROKEN at entry 3 (position 2): entries 3..3 are missing`);
    const end = await cli('verify-log', truncated);
    expect(end.out).toMatch(
      /BROKEN at entry \d+ \(position \d+\): entries \d+\.\.\d+ are missing at the end/,
    );

    const all = await cli('verify-log', '--all');
    expect(all.code).toBe(1);
    for (const M of [tampered, removed, truncated]) expect(all.out).toContain(`${M}: BROKEN`);
    expect(all.out).toContain('3 chain(s) broken');
    // Rewriting the entry with a digest made without the key does not pass either.
    const { createHash } = await import('node:crypto');
    const forged = { ...second, status: 500 } as Record<string, unknown>;
    delete forged.hash;
    forged.hash = createHash('sha256').update(JSON.stringify(forged)).digest('hex');
    await redis.lset(listKey(tampered), 1, JSON.stringify(forged));
    expect((await cli('verify-log', tampered)).code).toBe(1);
    const usage = await cli('verify-log');
    expect(usage.code).toBe(2);
  });

  it('When retention runs, then whole old chains go and every chain left still verifies', async () => {
    const log = stack.gateway!.messageLogging;
    // The chains broken by the previous test are past retention too: they are removed whole.
    const old = await exchanged('MLO');
    const kept = await exchanged('MLK');
    const DAY = 24 * 3600 * 1000;
    const index = `${stack.prefix}:idx:ml`;
    const members = await redis.zrange(index, 0, -1);
    for (const M of members) if (M !== kept) await redis.zadd(index, Date.now() - 800 * DAY, M);
    const purged = await log.retention!.run();
    expect(purged).toEqual(expect.arrayContaining([old]));
    expect(purged).not.toContain(kept);
    expect(await redis.exists(listKey(old), `${listKey(old)}:head`, `${listKey(old)}:body:1`)).toBe(0);
    expect(await redis.llen(listKey(kept))).toBeGreaterThanOrEqual(4);
    const all = await cli('verify-log', '--all');
    expect(all).toMatchObject({ code: 0 });
    expect(all.out).toContain('OK: 1 chain(s) verified');
    const audit = await adminCall<{ items: Array<{ target: string; dossiers: string[] }> }>(
      stack.gatewayUrl,
      'GET',
      '/admin/audit?action=purge',
    );
    expect(audit.body.items.find((e) => e.target === 'message-log')?.dossiers).toEqual(
      expect.arrayContaining([old]),
    );
    // A chain deleted behind retention's back (still dated recent in the index) is a broken link.
    await redis.del(listKey(kept), `${listKey(kept)}:head`);
    const gone = await cli('verify-log', kept);
    expect(gone.code).toBe(1);
    expect(gone.out).toContain('the whole chain is missing');
  });
});
