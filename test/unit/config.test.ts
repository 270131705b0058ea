import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/config.js';

const env = { PW: 'secret-pw', KEY: 'land-key', CODE: 'Code1234', FEED: 'feed' };
const source = {
  env,
  readFile: (p: string) =>
    p === '/run/secrets/pw'
      ? 'from-file\n'
      : (() => {
          throw Object.assign(new Error('no'), { code: 'ENOENT' });
        })(),
};

function minimal(): Record<string, unknown> {
  return {
    feed: { key: { env: 'FEED' } },
    portal: { baseUrl: 'http://127.0.0.1:8081', username: 'u', password: { env: 'PW' }, madonvi: 'H40.22' },
    systems: {
      land: {
        baseUrl: 'http://127.0.0.1:8082',
        apiKey: { env: 'KEY' },
        tinhId: 40,
        callbackSecurityCode: { env: 'CODE' },
      },
    },
  };
}

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw, source);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('When a minimal config is loaded, then defaults are applied and secrets read from the environment', () => {
    const c = parseConfig(minimal(), source);
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.http.bodyLimitBytes).toBe(1048576);
    expect(c.systems.land?.retry.attempts).toBe(12);
    expect(c.systems.land?.breaker.errorThresholdPercentage).toBe(50);
    expect(c.portal.password).toBe('secret-pw');
    expect(c.systems.land?.apiKey).toBe('land-key');
    expect(Object.isFrozen(c.portal)).toBe(true);
  });

  it('When a secret is written inline, then the start stops naming the key', () => {
    const raw = minimal();
    (raw.portal as Record<string, unknown>).password = 'plain-text';
    expect(problems(raw)).toEqual(expect.arrayContaining([expect.stringContaining('portal.password')]));
  });

  it('When a value is out of range or of the wrong type, then the message names the key', () => {
    const raw = minimal();
    (raw.systems as { land: Record<string, unknown> }).land.retry = { attempts: 0 };
    (raw as Record<string, unknown>).http = { port: 'eighty' };
    const p = problems(raw);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringContaining('systems.land.retry.attempts'),
        expect.stringContaining('http.port'),
      ]),
    );
  });

  it('When a key is unknown or required one missing, then both are reported', () => {
    const raw = minimal();
    (raw.portal as Record<string, unknown>).pasword = { env: 'PW' };
    delete (raw.portal as Record<string, unknown>).madonvi;
    const p = problems(raw);
    expect(p).toEqual(
      expect.arrayContaining(['portal.pasword: is not a known key', 'portal.madonvi: is required']),
    );
  });

  it('When a secret variable is unset or a secret file unreadable, then the start stops naming both', () => {
    const raw = minimal();
    (raw.portal as Record<string, unknown>).password = { file: '/nope' };
    (raw.systems as { land: Record<string, unknown> }).land.apiKey = { env: 'UNSET_VAR' };
    const p = problems(raw);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringContaining('portal.password: secret file /nope'),
        expect.stringContaining('UNSET_VAR is not set'),
      ]),
    );
    (raw.systems as { land: Record<string, unknown> }).land.apiKey = { env: 'KEY' };
    (raw.portal as Record<string, unknown>).password = { file: '/run/secrets/pw' };
    expect(parseConfig(raw, source).portal.password).toBe('from-file');
  });
});
