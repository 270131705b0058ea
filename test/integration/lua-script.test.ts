import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuaScript } from '../../src/store/lua-script.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const prefix = uniquePrefix('lua');
let plain: Redis;
let piped: Redis;

beforeAll(() => {
  plain = new Redis(REDIS_URL);
  // As the gateway's store connection: auto-pipelined, so concurrent calls share one write.
  piped = new Redis(REDIS_URL, { enableAutoPipelining: true });
});
afterAll(async () => {
  plain?.disconnect();
  piped?.disconnect();
  await dropPrefix(prefix);
});

/** A script Redis has certainly never seen (its text is unique to this run). */
function freshScript(body: string): LuaScript {
  return new LuaScript('t', `-- ${prefix} ${Math.random()}\n${body}`);
}

describe('LuaScript (EVALSHA with a fallback to EVAL)', () => {
  it('runs a script Redis does not know yet, and Redis knows it afterwards by its SHA1', async () => {
    const s = freshScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    expect(await plain.script('EXISTS', s.sha)).toEqual([0]);
    expect(await s.run(plain, [`${prefix}:n`], [5])).toBe(5);
    expect(await plain.script('EXISTS', s.sha)).toEqual([1]);
    // Ran once on the NOSCRIPT answer, not twice.
    expect(await plain.get(`${prefix}:n`)).toBe('5');
    expect(await s.run(plain, [`${prefix}:n`], [2])).toBe(7);
  });

  it('keeps replies in order on an auto-pipelined client, mixed with plain commands', async () => {
    const s = freshScript("redis.call('RPUSH', KEYS[1], ARGV[1]) return ARGV[1]");
    const key = `${prefix}:list`;
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 200; i += 1) {
      calls.push(s.run(piped, [key], [`v${i}`]));
      calls.push(piped.incr(`${prefix}:count`));
    }
    const replies = await Promise.all(calls);
    for (let i = 0; i < 200; i += 1) {
      expect(replies[2 * i]).toBe(`v${i}`);
      expect(replies[2 * i + 1]).toBe(i + 1);
    }
    // The first calls met NOSCRIPT and ran through EVAL: every value is in the list exactly once.
    const list = await plain.lrange(key, 0, -1);
    expect(list).toHaveLength(200);
    expect(new Set(list).size).toBe(200);
  });

  it("passes on a script's own error, not as NOSCRIPT", async () => {
    const s = freshScript("return redis.error_reply('LT_TEST no such thing')");
    await expect(s.run(plain, [`${prefix}:x`])).rejects.toThrow(/LT_TEST no such thing/);
  });
});
