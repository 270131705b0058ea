import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';

const docker = (name: string): string =>
  readFileSync(new URL(`../../docker/${name}`, import.meta.url), 'utf8');

function demoEnv(): Record<string, string> {
  return Object.fromEntries(
    docker('demo.env')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('the deployment files in docker/', () => {
  it('When the example configuration is read with the demo environment and secret files, then it is valid and names every secret by reference', () => {
    const text = docker('config.example.json');
    const config = parseConfig(JSON.parse(text), {
      env: demoEnv(),
      readFile: (p) => {
        if (p === '/run/secrets/portal_password') return docker('demo-secrets/portal_password');
        throw Object.assign(new Error(p), { code: 'ENOENT' });
      },
    });
    expect(config.portal.password).toBe('Example-Passw0rd');
    expect(config.workers.heartbeatFile).toBe('/tmp/lienthong/heartbeat');
    // No secret value is written in the file itself.
    for (const value of Object.values(demoEnv())) expect(text).not.toContain(value);
  });

  it('When compose starts the simulators on ports from 9100, then the example configuration points at each of them in serve.ts order', () => {
    const raw = JSON.parse(docker('config.example.json')) as {
      portal: { baseUrl: string };
      systems: Record<string, { baseUrl: string }>;
    };
    const order = ['land', 'civil-registration', 'tax', 'social-insurance', 'document'];
    expect(raw.portal.baseUrl).toBe('http://simulators:9100');
    order.forEach((s, i) => expect(raw.systems[s]?.baseUrl).toBe(`http://simulators:${9101 + i}`));
    const serve = readFileSync(new URL('../../src/simulators/serve.ts', import.meta.url), 'utf8');
    expect(serve).toContain(`['portal', ${order.map((s) => `'${s}'`).join(', ')}]`);
    const compose = docker('compose.yaml');
    expect(compose).toMatch(/- ['"]9100['"]/);
    expect(compose).toContain('--maxmemory-policy');
    expect(compose).toMatch(/noeviction/);
    expect(compose).toMatch(/--appendonly\s*\n\s*- ['"]yes['"]/);
  });

  it('When the image is built, then it runs as a non-root user with a health check and no secret in it', () => {
    const file = docker('Dockerfile');
    expect(file).toMatch(/^USER node$/m);
    expect(file).toMatch(/^HEALTHCHECK /m);
    expect(file).toMatch(/npm ci --omit=dev/);
    expect(file).not.toMatch(/^(ENV|ARG) .*(PASSWORD|SECRET|KEY|TOKEN)/im);
  });
});
