import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

type Client = Redis | Cluster;
type Arg = string | number | Buffer;

/**
 * A Lua script run with EVALSHA: its text goes to Redis once (EVAL after a NOSCRIPT answer, e.g.
 * the first call or after a Redis restart), not with every call as plain EVAL does.
 *
 * @remarks Profiling the intake and end-to-end benchmarks showed every lock release, chain advance,
 * in-flight claim and message-log append sending its whole script text each time (the message-log
 * script is ~0.5 kB, eight times per dossier). ioredis's own `defineCommand` would do this, but a
 * command defined on a client whose auto-pipeline is already open misaligns the pipeline's replies
 * ("results[i] is not iterable", ioredis issue #1931, fixed after 5.11): our store connection
 * auto-pipelines and scripts are defined on first use, so EVALSHA is sent as a plain command.
 */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly lua: string,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Client, keys: readonly string[], args: readonly Arg[] = []): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      // EVAL runs it and caches it under the same SHA1 for the next calls.
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/** Deletes a lock key only if it still holds the caller's token. */
export const RELEASE_LOCK = new LuaScript(
  'releaseLock',
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
);
