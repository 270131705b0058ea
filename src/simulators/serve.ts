#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { startWorld, WORLD_SECRETS } from './world.js';

const USAGE = `usage: serve [--gateway URL] [--host H --port-base N --public-host NAME] [--redis-url URL]
             [--prefix P] [--config-out FILE]
Runs the portal and the five specialist systems' simulators standalone and prints their URLs.
  --gateway URL       where the simulators send feeds, callbacks and pushes (default http://127.0.0.1:8080)
  --host H            also expose each simulator on H (e.g. 0.0.0.0), on ports N, N+1, … (--port-base, default 9100)
  --public-host NAME  the host name the gateway uses to reach them (e.g. the compose service name)
  --redis-url URL     written into the gateway configuration printed (default redis://127.0.0.1:6379)
  --prefix P          Redis key prefix of that configuration (default lt)
  --config-out FILE   also write that configuration (secrets as environment references) to FILE`;

const NAMES = ['portal', 'land', 'civil-registration', 'tax', 'social-insurance', 'document'] as const;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * Forwards every connection on `host:port` to a simulator on the loopback. The simulators listen on
 * 127.0.0.1 only (they are test doubles); in a container, the gateway reaches them through these.
 */
function relay(host: string, port: number, target: number): Promise<Server> {
  const server = createServer((inbound) => {
    const outbound = createConnection({ host: '127.0.0.1', port: target });
    inbound.pipe(outbound).pipe(inbound);
    const close = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', close);
    outbound.on('error', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * Standalone simulated world (the portal and the five systems, `world.ts`): for the demo, for a
 * gateway run by hand, and for `docker/compose.yaml`. Prints each simulator's URL and the gateway
 * configuration that points at them, then runs until SIGTERM/SIGINT.
 *
 * @remarks URLs that a simulator writes into its own messages (the land registry's file links)
 * name its loopback address, which a gateway in another container cannot follow; everything the
 * gateway calls is reached through the relays.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const gateway = option(args, '--gateway') ?? 'http://127.0.0.1:8080';
  const host = option(args, '--host');
  const portBase = Number(option(args, '--port-base') ?? 9100);
  const publicHost = option(args, '--public-host') ?? (host && host !== '0.0.0.0' ? host : '127.0.0.1');
  const world = await startWorld({
    systems: 'all',
    redisUrl: option(args, '--redis-url') ?? 'redis://127.0.0.1:6379',
    prefix: option(args, '--prefix') ?? 'lt',
    pace: 'demo',
    logLevel: 'info',
  });
  world.connect(gateway.replace(/\/$/, ''));
  const raw = world.rawConfig;
  const portal = raw.portal as { baseUrl: string };
  const systems = raw.systems as Record<string, { baseUrl: string }>;
  const loopback: Record<string, string> = { portal: portal.baseUrl };
  for (const n of NAMES) if (n !== 'portal' && systems[n]) loopback[n] = systems[n].baseUrl;
  const servers: Server[] = [];
  const urls: Record<string, string> = { ...loopback };
  if (host) {
    for (const [i, n] of NAMES.entries()) {
      const target = Number(new URL(loopback[n]!).port);
      servers.push(await relay(host, portBase + i, target));
      urls[n] = `http://${publicHost}:${portBase + i}`;
    }
    portal.baseUrl = urls.portal!;
    for (const n of NAMES) if (n !== 'portal' && systems[n]) systems[n].baseUrl = urls[n]!;
  }
  raw.http = { host: '0.0.0.0', port: 8080 };
  raw.log = { level: 'info' };
  for (const n of NAMES) console.log(`${n.padEnd(20)} ${urls[n]}`);
  console.log(`${'callbacks and feed →'.padEnd(20)} ${gateway}`);
  console.log(`secrets the configuration names: ${Object.keys(WORLD_SECRETS).join(', ')}`);
  const out = option(args, '--config-out');
  if (out) {
    writeFileSync(out, `${JSON.stringify(raw, null, 2)}\n`);
    console.log(`gateway configuration written to ${out}`);
  } else console.log(JSON.stringify(raw, null, 2));

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const s of servers) s.close();
    void world.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error('serve: fatal:', err);
  process.exit(1);
});
