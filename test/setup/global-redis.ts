import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Tests use a real Redis (BullMQ's Lua scripts cannot run on a mock). On a fresh machine the
 * server may be missing or stopped: the same script `.ci/run` uses installs and starts it.
 */
export default function setup(): void {
  const script = fileURLToPath(new URL('../../scripts/ensure-redis.sh', import.meta.url));
  execFileSync('bash', [script], { stdio: 'inherit' });
}
