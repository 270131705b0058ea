#!/usr/bin/env node
import { ConfigError, loadConfigFile } from './config/config.js';
import { Gateway, StartupError, type GatewayMode } from './gateway.js';
import { ADMIN_COMMANDS, ADMIN_USAGE, runAdminCommand } from './cli/index.js';

const USAGE = `usage: lienthong <api|worker|all> [--config <file>]
  api     HTTP intake (portal feed, system callbacks, dossier API)
  worker  delivery queues, portal sync, pollers
  all     both in one process
The config file comes from --config or LIENTHONG_CONFIG.`;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const mode = process.argv[2];
  if (mode !== undefined && ADMIN_COMMANDS.has(mode)) {
    return runAdminCommand(process.argv.slice(2), process.env, {
      out: process.stdout,
      err: process.stderr,
      tty: process.stderr.isTTY === true,
      pollMs: 500,
    });
  }
  if (mode !== 'api' && mode !== 'worker' && mode !== 'all') {
    console.error(`${USAGE}\n\n${ADMIN_USAGE}`);
    return 2;
  }
  const path = arg('--config') ?? process.env.LIENTHONG_CONFIG;
  if (!path) {
    console.error('lienthong: no configuration: pass --config <file> or set LIENTHONG_CONFIG');
    return 2;
  }
  let gateway: Gateway;
  try {
    gateway = new Gateway(loadConfigFile(path), mode as GatewayMode);
    await gateway.start();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError) {
      console.error(`lienthong: ${err.message}`);
      return 2;
    }
    throw err;
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    gateway.log.info({ signal }, 'stopping');
    void gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        gateway.log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    console.error('lienthong: fatal:', err);
    process.exit(1);
  },
);
