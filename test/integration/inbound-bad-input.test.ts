import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deathDossier, landDossier, nextCode, taxOnlyDossier } from '../helpers/dossiers.js';
import { BHXH_CB_PASSWORD, BHXH_CB_USER, startStack, TAX_KEY, type Stack } from '../helpers/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';

const example = (p: string): string =>
  readFileSync(new URL(`../../../shared/specs/examples/${p}`, import.meta.url), 'utf8');

let stack: Stack;
let taxM = '';
let bhxhM = '';
beforeAll(async () => {
  stack = await startStack({ name: 'inbound', systems: 'all' });
  taxM = nextCode('TXB');
  bhxhM = nextCode('BHB');
  for (const d of [taxOnlyDossier(taxM), deathDossier(bhxhM)]) {
    stack.portal.seed(d);
    await stack.portal.push(d.MaHoSo);
  }
  await waitFor('entered', () => stack.tax!.entries(taxM) === 1 && stack.bhxh!.entries(bhxhM) === 1, 20_000);
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

async function post(
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

async function inbox(M: string): Promise<number> {
  return stack.gateway!.store.redis.zcard(stack.gateway!.keys.inbox(M));
}

/** Runs `act` and checks that it changed nothing: no event waiting, no new progress row at the portal. */
async function nothingApplied(M: string, act: () => Promise<void>): Promise<void> {
  await waitFor('quiet inbox', async () => (await inbox(M)) === 0);
  await sleep(400);
  const rows = stack.portal.progress(M).length;
  await act();
  await sleep(400);
  expect(await inbox(M)).toBe(0);
  expect(stack.portal.progress(M)).toHaveLength(rows);
}

const xml = { 'Content-Type': 'application/xml; charset=utf-8' };

describe('tax pushes through the gateway', () => {
  const notice = (M: string): string =>
    example('tax/thongbaothue-push.xml').replaceAll('H40.22-251105-0001', M);

  it('When the SecurityKey is wrong, then 401 with MA_LOI 02 and nothing is applied', async () => {
    await nothingApplied(taxM, async () => {
      const r = await post('/callbacks/tax/thongbaothue', notice(taxM), { ...xml, SecurityKey: 'wrong-key' });
      expect(r.status).toBe(401);
      expect(r.text).toContain('<MA_LOI>02</MA_LOI>');
    });
  });

  it('When the XML is malformed or carries a DOCTYPE, then MA_LOI 01 and nothing is applied', async () => {
    await nothingApplied(taxM, async () => {
      const broken = await post('/callbacks/tax/thongbaothue', '<DATA><HEADER>', {
        ...xml,
        SecurityKey: TAX_KEY,
      });
      expect(broken.text).toContain('<MA_LOI>01</MA_LOI>');
      const entity = await post(
        '/callbacks/tax/thongbaothue',
        `<?xml version="1.0"?><!DOCTYPE DATA [<!ENTITY x "y">]>${notice(taxM).replace(/^<\?xml[^>]*>/, '')}`,
        { ...xml, SecurityKey: TAX_KEY },
      );
      expect(entity.text).toContain('<MA_LOI>01</MA_LOI>');
    });
  });

  it('When a notice has a wrong type or concerns an unknown dossier, then MA_LOI 01 naming it', async () => {
    await nothingApplied(taxM, async () => {
      const typed = await post(
        '/callbacks/tax/thongbaothue',
        notice(taxM).replace('<SO_TIEN>19000000</SO_TIEN>', '<SO_TIEN>mười chín triệu</SO_TIEN>'),
        {
          ...xml,
          SecurityKey: TAX_KEY,
        },
      );
      expect(typed.text).toContain('<MA_LOI>01</MA_LOI>');
      expect(typed.text).toContain('SO_TIEN');
      const unknown = await post('/callbacks/tax/thongbaothue', notice('H40.22-NOT-KNOWN'), {
        ...xml,
        SecurityKey: TAX_KEY,
      });
      expect(unknown.text).toContain('<MA_LOI>01</MA_LOI>');
    });
  });

  it('When a payment confirmation has a wrong type, then MA_LOI 01', async () => {
    await nothingApplied(taxM, async () => {
      const body = JSON.parse(example('tax/xacnhannopthue-push.json')) as Record<string, unknown>;
      body.MaHoSo = taxM;
      (body.ThongTinThanhToan as Record<string, unknown>).TrangThaiThanhToan = '1';
      const r = await post('/callbacks/tax/xacnhannopthue', JSON.stringify(body), {
        'Content-Type': 'application/json; charset=utf-8',
        SecurityKey: TAX_KEY,
      });
      expect(r.text).toContain('<MA_LOI>01</MA_LOI>');
      expect(r.text).toContain('TrangThaiThanhToan');
    });
  });
});

describe('social insurance callbacks through the gateway', () => {
  const envelope = (M: string, user = BHXH_CB_USER, password = BHXH_CB_PASSWORD): string =>
    example('social-insurance/callback-request.xml')
      .replaceAll('H40.22-251105-0003', M)
      .replace('bhxh_nghean', user)
      .replace('Example-Callback-Passw0rd', password);
  const soap = {
    'Content-Type': 'text/xml; charset=utf-8',
    SOAPAction: '"urn:bhxh:hoso:v1/CapNhatTrangThaiHoSo"',
  };

  it('When the UsernameToken is wrong, then a SOAP fault and nothing is applied', async () => {
    await nothingApplied(bhxhM, async () => {
      const r = await post('/callbacks/social-insurance', envelope(bhxhM, BHXH_CB_USER, 'wrong'), soap);
      expect(r.status).toBe(500);
      expect(r.text).toContain('soap:Fault');
    });
  });

  it('When the envelope is malformed, has a DOCTYPE or a wrong type, then a soap:Client fault naming the problem', async () => {
    await nothingApplied(bhxhM, async () => {
      const broken = await post('/callbacks/social-insurance', '<soap:Envelope', soap);
      expect(broken.text).toContain('soap:Client');
      const dtd = await post(
        '/callbacks/social-insurance',
        `<!DOCTYPE x [<!ENTITY a "b">]>${envelope(bhxhM)}`,
        soap,
      );
      expect(dtd.text).toContain('soap:Client');
      const typed = await post(
        '/callbacks/social-insurance',
        envelope(bhxhM).replace('<tns:TrangThai>4</tns:TrangThai>', '<tns:TrangThai>bốn</tns:TrangThai>'),
        soap,
      );
      expect(typed.text).toContain('soap:Client');
      expect(typed.text).toContain('TrangThai');
      const zone = await post(
        '/callbacks/social-insurance',
        envelope(bhxhM).replace('2025-11-11T15:00:00+07:00', '2025-11-11T15:00:00'),
        soap,
      );
      expect(zone.text).toContain('soap:Client');
    });
  });

  it('When the callback concerns an unknown dossier, then it is answered as not found and nothing is stored', async () => {
    const r = await post('/callbacks/social-insurance', envelope('H40.22-NOT-KNOWN'), soap);
    expect(r.status).toBe(200);
    expect(r.text).toContain('<tns:MaKetQua>4</tns:MaKetQua>');
    expect(await stack.gateway!.store.exists('H40.22-NOT-KNOWN')).toBe(false);
  });

  it('When a valid callback is posted twice, then it is applied once', async () => {
    const first = await post('/callbacks/social-insurance', envelope(bhxhM), soap);
    const second = await post('/callbacks/social-insurance', envelope(bhxhM), soap);
    expect(first.text).toContain('<tns:MaKetQua>0</tns:MaKetQua>');
    expect(second.text).toContain('<tns:MaKetQua>0</tns:MaKetQua>');
    await waitFor('row at the portal', () => stack.portal.progress(bhxhM).length >= 1);
    await sleep(500);
    expect(
      stack.portal.progress(bhxhM).filter((r) => String(r.NoiDungXuLy).includes('mai táng')),
    ).toHaveLength(1);
  });
});

describe('non-retryable faults end to end', () => {
  it('When a system rejects a dossier, then its delivery is failed at once with the reason and the other system is unaffected', async () => {
    const { tax, land } = stack;
    const M = nextCode('REJ');
    // The tax authority answers the next transfer form with 400 (the gateway's only caller there).
    tax!.setFaults({ failNext: 1, failStatus: 400 });
    stack.portal.seed(landDossier(M));
    await stack.portal.push(M);
    await waitFor('tax delivery failed', async () =>
      (await stack.gateway!.store.deliveries(M)).some((d) => d.system === 'tax' && d.state === 'failed'),
    );
    await waitFor('land delivered', () => land.entries(M) === 1);
    const taxDelivery = (await stack.gateway!.store.deliveries(M)).find((d) => d.system === 'tax')!;
    expect(taxDelivery.attempts).toBe(1);
    expect(taxDelivery.lastError?.code).toBe('GW_ERR_SYSTEM_REJECTED');
    expect(tax!.entries(M)).toBe(0);
    const job = await stack.gateway!.queues.delivery.get('tax')!.getJob(`${M}~tax~phieuchuyen`);
    expect(await job?.getState()).toBe('failed');
    expect(job?.failedReason).toContain('GW_ERR_SYSTEM_REJECTED');
  });
});
