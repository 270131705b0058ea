import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, OPERATOR_TOKEN, VIEWER_TOKEN, withViewer } from '../helpers/admin.js';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

interface Operation {
  'x-required-role'?: 'viewer' | 'operator';
}
const openapi = JSON.parse(readFileSync(new URL('../../schemas/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};

/** Every admin operation the API document declares, with the role it needs. */
const ADMIN_OPERATIONS = Object.entries(openapi.paths)
  .filter(([path]) => path.startsWith('/admin'))
  .flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      role: op['x-required-role'],
    })),
  );

let stack: Stack;
let M: string;
beforeAll(async () => {
  stack = await startStack({ name: 'admin-roles', patch: withViewer });
  M = nextCode('ROLE');
  stack.portal.seed(landDossier(M));
  await stack.portal.push(M);
  await waitFor('delivered', () => stack.land.entries(M) === 1);
});
afterAll(async () => {
  await stack?.close();
});

/** Reads answer 200, except a replay run that does not exist: authorised, but 404. */
const expectedRead = (path: string): number => (path === '/admin/replays/{id}' ? 404 : 200);

function concrete(path: string): string {
  if (path === '/admin/replays/{id}') return '/admin/replays/none';
  return path
    .replace('{id}', encodeURIComponent(`${M}~land~tiepnhan`))
    .replace('{system}', 'land')
    .replace('{MaHoSo}', M);
}

function bodyFor(path: string): unknown {
  if (path.endsWith('/breaker')) return { state: 'auto', reason: 'role check' };
  if (path === '/admin/replays' || path === '/admin/syncs/replay') return { dryRun: true };
  return { reason: 'role check' };
}

describe('admin roles', () => {
  it('When the API document is read, then every admin route declares the role it needs', () => {
    expect(ADMIN_OPERATIONS.length).toBeGreaterThanOrEqual(15);
    for (const op of ADMIN_OPERATIONS)
      expect(['viewer', 'operator'], `${op.method} ${op.path}`).toContain(op.role);
    expect(ADMIN_OPERATIONS.filter((o) => o.method === 'POST').every((o) => o.role === 'operator')).toBe(
      true,
    );
  });

  it('When any admin route is called without a token or with an unknown one, then 401 and nothing happens', async () => {
    for (const op of ADMIN_OPERATIONS) {
      const path = concrete(op.path);
      const body = op.method === 'POST' ? bodyFor(op.path) : undefined;
      const none = await adminCall<{ code: string }>(stack.gatewayUrl, op.method, path, {
        token: null,
        body,
      });
      expect(none.status, `${op.method} ${path}`).toBe(401);
      expect(none.body.code).toBe('GW_ERR_AUTH_MISSING');
      const wrong = await adminCall<{ code: string }>(stack.gatewayUrl, op.method, path, {
        token: 'nope',
        body,
      });
      expect(wrong.status, `${op.method} ${path}`).toBe(401);
      expect(wrong.body.code).toBe('GW_ERR_AUTH_INVALID');
    }
    const audit = await adminCall<{ items: unknown[] }>(stack.gatewayUrl, 'GET', '/admin/audit');
    expect(audit.body.items).toEqual([]);
  });

  it('When a viewer calls each admin route, then reads are answered and every mutation is 403 with nothing done', async () => {
    for (const op of ADMIN_OPERATIONS) {
      const path = concrete(op.path);
      const body = op.method === 'POST' ? bodyFor(op.path) : undefined;
      const r = await adminCall<{ code: string }>(stack.gatewayUrl, op.method, path, {
        token: VIEWER_TOKEN,
        body,
      });
      if (op.role === 'operator') {
        expect(r.status, `${op.method} ${path}`).toBe(403);
        expect(r.body.code).toBe('GW_ERR_AUTH_FORBIDDEN');
      } else {
        expect(r.status, `${op.method} ${path}`).toBe(expectedRead(op.path));
      }
    }
    // The viewer's pause did not pause anything, nor reach the audit log.
    expect(await stack.gateway!.queues.delivery.get('land')!.isPaused()).toBe(false);
    const audit = await adminCall<{ items: unknown[] }>(stack.gatewayUrl, 'GET', '/admin/audit');
    expect(audit.body.items).toEqual([]);
  });

  it('When the operator calls each read route, then it is answered too (operator includes viewer)', async () => {
    for (const op of ADMIN_OPERATIONS.filter((o) => o.role === 'viewer')) {
      const r = await adminCall(stack.gatewayUrl, op.method, concrete(op.path), { token: OPERATOR_TOKEN });
      expect(r.status, `${op.method} ${op.path}`).toBe(expectedRead(op.path));
    }
  });

  it('When a viewer reads a delivery, then identity data in its payload is masked; the operator sees it whole', async () => {
    const id = encodeURIComponent(`${M}~land~tiepnhan`);
    type Detail = {
      payload: { body: { ChuSuDung: Record<string, string>; MaHoSoMotCua: string }; masked: boolean };
    };
    const asViewer = await adminCall<Detail>(stack.gatewayUrl, 'GET', `/admin/deliveries/${id}`, {
      token: VIEWER_TOKEN,
    });
    const asOperator = await adminCall<Detail>(stack.gatewayUrl, 'GET', `/admin/deliveries/${id}`);
    const whole = asOperator.body.payload.body.ChuSuDung;
    const masked = asViewer.body.payload.body.ChuSuDung;
    expect(asOperator.body.payload.masked).toBe(false);
    expect(asViewer.body.payload.masked).toBe(true);
    expect(whole.SoGiayTo).toMatch(/^[0-9]{9,12}$/);
    expect(masked.SoGiayTo).toBe(`***${whole.SoGiayTo!.slice(-3)}`);
    expect(masked.HoTen).not.toBe(whole.HoTen);
    expect(JSON.stringify(asViewer.body)).not.toContain(whole.SoGiayTo);
    expect(JSON.stringify(asViewer.body)).not.toContain(whole.HoTen);
    // What is not identity data stays readable.
    expect(asViewer.body.payload.body.MaHoSoMotCua).toBe(M);
  });

  it('When the audit log is asked to change, then there is no route for it', async () => {
    for (const method of ['DELETE', 'PUT', 'PATCH', 'POST']) {
      const r = await adminCall(stack.gatewayUrl, method, '/admin/audit', { body: {} });
      expect(r.status, method).toBe(404);
    }
  });

  it('When the queue UI is opened without a login, then 401 asks for Basic; with a viewer token it is served read-only', async () => {
    const none = await fetch(`${stack.gatewayUrl}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const basic = `Basic ${Buffer.from(`viewer:${VIEWER_TOKEN}`).toString('base64')}`;
    const page = await fetch(`${stack.gatewayUrl}/admin/queues`, { headers: { Authorization: basic } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const api = await fetch(`${stack.gatewayUrl}/admin/queues/api/queues`, {
      headers: { Authorization: basic },
    });
    expect(api.status).toBe(200);
    const queues = ((await api.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> }).queues;
    expect(queues.map((q) => q.name)).toContain('deliver-land');
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);
    // A mutation from the UI is refused: the queue stays running.
    await fetch(`${stack.gatewayUrl}/admin/queues/api/queues/deliver-land/pause`, {
      method: 'PUT',
      headers: { Authorization: basic },
    });
    expect(await stack.gateway!.queues.delivery.get('land')!.isPaused()).toBe(false);
  });
});
