import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors/error-codes.js';
import { GatewayError } from '../../src/errors/gateway-error.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const openapi = JSON.parse(readFileSync(new URL('../../schemas/openapi.json', import.meta.url), 'utf8')) as {
  components: { schemas: { ErrorCode: { enum: string[] } } };
};

describe('error registry', () => {
  const codes = Object.keys(ERROR_CODES);

  it('When the registry is read, then every code follows GW_ERR_<AREA>_<WHAT> and has a status and message', () => {
    for (const [code, def] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^GW_ERR_[A-Z]+(_[A-Z]+)*$/);
      expect(def.status).toBeGreaterThanOrEqual(400);
      expect(def.message.length).toBeGreaterThan(5);
    }
  });

  it('When a code exists, then the README table documents it with its status and retryability', () => {
    for (const [code, def] of Object.entries(ERROR_CODES)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
      expect(row, `${code} missing from README`).toBeDefined();
      expect(row).toContain(`| ${def.status} |`);
      expect(row).toContain(def.retryable ? '| yes |' : '| no |');
    }
  });

  it('When a code exists, then the OpenAPI ErrorCode enum lists it, and lists nothing else', () => {
    expect([...openapi.components.schemas.ErrorCode.enum].sort()).toEqual([...codes].sort());
  });

  it('When a GatewayError is built, then its body is {code, message, details} and retryable comes from the registry', () => {
    const e = new GatewayError('GW_ERR_SYSTEM_TIMEOUT', { outcome: 'unknown' });
    expect(e.toBody()).toEqual({
      code: 'GW_ERR_SYSTEM_TIMEOUT',
      message: ERROR_CODES.GW_ERR_SYSTEM_TIMEOUT.message,
      details: null,
    });
    expect(e.retryable).toBe(true);
    expect(e.status).toBe(504);
    expect(new GatewayError('GW_ERR_SYSTEM_REJECTED').retryable).toBe(false);
  });
});
