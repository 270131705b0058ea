import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierRecord } from '../../src/domain/dossier.js';
import {
  birthDossier,
  birthWithCardDossier,
  deathDossier,
  documentDossier,
  funeralOnlyDossier,
  landDossier,
  monotonic,
  nextCode,
  taxOnlyDossier,
} from '../helpers/dossiers.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'five', systems: 'all' });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

function portalStatus(M: string): string | undefined {
  return stack.portal.record(M)?.TrangThaiHoSo as string | undefined;
}

async function push(d: DossierRecord): Promise<void> {
  stack.portal.seed(d);
  const r = await stack.portal.push(d.MaHoSo);
  expect(r.lastStatusCode, `intake of ${d.MaHoSo}: ${r.lastError ?? ''}`).toBe(202);
}

function assertCleanHistory(M: string): void {
  expect(monotonic(stack.portal.statuses(M))).toBe(true);
  expect(stack.portal.duplicateProgressRows(M)).toEqual([]);
}

describe('civil registration (polled)', () => {
  it('When a birth is registered, then the poller brings 4 and 9 to the portal once each, with the result document', async () => {
    const { civil, portal } = stack;
    const M = nextCode('KS');
    await push(birthDossier(M));
    await waitFor('NhanDKHT', () => civil!.entries(M) === 1);
    civil!.setStatus(M, 2);
    await waitFor('4 at the portal', () => portalStatus(M) === '4');
    civil!.setStatus(M, 4);
    await waitFor('9 at the portal', () => portalStatus(M) === '9');
    const rec = portal.record(M) as unknown as DossierRecord;
    expect(rec.DanhSachGiayToKetQua?.[0]?.TenGiayTo).toContain('khai sinh');
    await sleep(800);
    expect(portal.progress(M).map((r) => r.TrangThai)).toEqual(['4', '9']);
    expect(civil!.entries(M)).toBe(1);
    assertCleanHistory(M);
  });

  it('When the token expires and the answer to NhanDKHT is lost after commit, then the birth is still registered once', async () => {
    const { civil } = stack;
    const M = nextCode('KST');
    civil!.expireTokens();
    civil!.setFaults({ dropAfterCommitNext: 1 });
    await push(birthDossier(M));
    await waitFor(
      'delivered',
      async () => (await stack.gateway!.store.deliveries(M))[0]?.state === 'delivered',
      20_000,
    );
    expect(civil!.entries(M)).toBe(1);
  });
});

describe('social insurance (SOAP, callbacks)', () => {
  it('When a funeral allowance is handled, then NopHoSo is entered once and the callbacks reach the portal once, in order, duplicates dropped', async () => {
    const { bhxh } = stack;
    const M = nextCode('MT');
    bhxh!.setFaults({ dropAfterCommitNext: 1 });
    await push(funeralOnlyDossier(M));
    await waitFor(
      'NopHoSo',
      async () => (await stack.gateway!.store.deliveries(M))[0]?.state === 'delivered',
      20_000,
    );
    expect(bhxh!.entries(M)).toBe(1);
    bhxh!.duplicateNextCallbacks(2);
    bhxh!.emitBatch(M, [{ trangThai: 2 }, { trangThai: 4 }]);
    await waitFor('9 at the portal', () => portalStatus(M) === '9', 20_000);
    await sleep(800);
    // BHXH reports reception (TrangThai 1) itself, then 2 and 4: three events, three rows, no duplicate.
    const rows = stack.portal.progress(M);
    expect(rows.map((r) => r.TrangThai)).toEqual(['4', '4', '9']);
    expect(new Set(rows.map((r) => r.ThoiDiemXuLy)).size).toBe(3);
    assertCleanHistory(M);
  });
});

describe('reordered and repeated status events', () => {
  it("When BHXH sends a dossier's callbacks newest first and some twice, then the portal gets them once each, in the order they happened", async () => {
    const { bhxh, portal } = stack;
    const M = nextCode('MTR');
    await push(funeralOnlyDossier(M));
    await waitFor('NopHoSo', () => bhxh!.entries(M) === 1);
    await waitFor('reception callback applied', () => portal.progress(M).length >= 1);
    bhxh!.reorderCallbacks(true);
    bhxh!.duplicateNextCallbacks(3);
    bhxh!.emitBatch(M, [
      { trangThai: 3, ghiChu: 'Bổ sung giấy chứng tử' },
      { trangThai: 2 },
      { trangThai: 4 },
    ]);
    await waitFor('9 at the portal', () => portalStatus(M) === '9', 20_000);
    bhxh!.reorderCallbacks(false);
    await sleep(800);
    const rows = portal.progress(M).map((r) => r.TrangThai);
    expect(rows.slice(-3)).toEqual(['5', '4', '9']);
    assertCleanHistory(M);
  });

  it('When document statuses sit in the inbox newest first and repeated, then the portal gets each once, in order', async () => {
    const { doc, portal } = stack;
    const M = nextCode('GPR');
    await push(documentDossier(M));
    await waitFor('guivanban', () => doc!.entries(M) === 1);
    doc!.setFaults({ reorderStatuses: true, duplicateStatusNext: 2 });
    doc!.setStatuses(M, [{ StatusCode: '01' }, { StatusCode: '03' }, { StatusCode: '06' }]);
    await waitFor('9 at the portal', () => portalStatus(M) === '9', 20_000);
    doc!.setFaults({ reorderStatuses: false });
    await sleep(800);
    expect(portal.progress(M).map((r) => r.TrangThai)).toEqual(['4', '4', '9']);
    assertCleanHistory(M);
  });
});

describe('tax (XML pushes)', () => {
  it('When notices are pushed and then paid, then the dossier goes to 6 and back to 4, each notice applied once', async () => {
    const { tax } = stack;
    const M = nextCode('TX');
    await push(taxOnlyDossier(M));
    await waitFor('phieuchuyen', () => tax!.entries(M) === 1);
    const notices = tax!.issueNoticesFor(M, 2);
    await waitFor('6 at the portal', () => portalStatus(M) === '6');
    tax!.repeatLast();
    await sleep(600);
    expect(stack.portal.progress(M).filter((r) => r.TrangThai === '6')).toHaveLength(1);
    tax!.confirmPayment(M, 'all');
    await waitFor('4 at the portal', () => portalStatus(M) === '4');
    await sleep(600);
    const rows = stack.portal.progress(M);
    // One row for the notices, one per paid notice; the last payment brings the dossier back to 4.
    expect(rows.map((r) => r.TrangThai)).toEqual(['6', '6', '4']);
    expect(rows[0]!.NoiDungXuLy).toContain(
      String(notices.body).match(/<SO_QUYET_DINH>([^<]+)</)?.[1] ?? 'TB',
    );
    expect(tax!.entries(M)).toBe(1);
    assertCleanHistory(M);
  });
});

describe('document management (edXML, polled inbox)', () => {
  it('When the building permit is processed and signed, then the portal gets 4 then 9, and the document is entered once', async () => {
    const { doc } = stack;
    const M = nextCode('GP');
    doc!.setFaults({ dropAfterCommitNext: 1 });
    doc!.expireTokens();
    await push(documentDossier(M));
    await waitFor(
      'guivanban',
      async () => (await stack.gateway!.store.deliveries(M))[0]?.state === 'delivered',
      20_000,
    );
    expect(doc!.entries(M)).toBe(1);
    doc!.setStatuses(M, [{ StatusCode: '03' }, { StatusCode: '06' }]);
    await waitFor('9 at the portal', () => portalStatus(M) === '9', 20_000);
    await sleep(800);
    expect(stack.portal.progress(M).map((r) => r.TrangThai)).toEqual(['4', '9']);
    assertCleanHistory(M);
  });
});

describe('interconnected procedure groups', () => {
  it('When a land-use right transfer runs through land and tax, then each system is entered once, notices from both sides count once, and the land result finishes the dossier', async () => {
    const { land, tax, portal } = stack;
    const M = nextCode('CN');
    await push(landDossier(M));
    await waitFor('land and tax entered', () => land.entries(M) === 1 && tax!.entries(M) === 1);
    land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    await waitFor('4', () => portalStatus(M) === '4');
    const push1 = tax!.issueNoticesFor(M, 2);
    await waitFor('6', () => portalStatus(M) === '6');
    // The land registry tells the same notices again (tax.md §4.1): applied once.
    const numbers = [...String(push1.body).matchAll(/<SO_QUYET_DINH>([^<]+)</g)].map((m) => m[1]!);
    land.sendTaxResult(
      M,
      numbers.map((n) => ({ SoThongBaoThue: n, LoaiThue: 'LPTB', SoTien: 1000 })),
    );
    await sleep(700);
    expect(portal.progress(M).filter((r) => r.TrangThai === '6')).toHaveLength(1);
    tax!.confirmPayment(M, 'all');
    await waitFor('back to 4 after payment', () => portalStatus(M) === '4');
    land.finish(M, { TrangThaiKetThuc: 0 });
    await waitFor('9', () => portalStatus(M) === '9');
    expect(land.entries(M)).toBe(1);
    expect(tax!.entries(M)).toBe(1);
    expect(stack.doc!.entries(M)).toBe(0);
    assertCleanHistory(M);
  });

  it('When a land-use right transfer also carries a document to issue, then land, tax and document management are each entered once', async () => {
    const { land, tax, doc } = stack;
    const M = nextCode('CN3');
    const d = landDossier(M);
    d.VanBan = {
      TrichYeu: `Văn bản chuyển hồ sơ chuyển nhượng quyền sử dụng đất thửa số 125 (hồ sơ ${M})`,
      NoiNhan: [{ MaDonVi: '000.12.12.H40', TenDonVi: 'Văn phòng đăng ký đất đai tỉnh Nghệ An' }],
    };
    await push(d);
    await waitFor(
      'three systems entered',
      () => land.entries(M) === 1 && tax!.entries(M) === 1 && doc!.entries(M) === 1,
    );
    doc!.setStatus(M, '06');
    land.finish(M, { TrangThaiKetThuc: 0 });
    await waitFor('9 (land is the completing system)', () => portalStatus(M) === '9');
    await stack.portal.redeliverLast(M);
    await sleep(500);
    expect([land.entries(M), tax!.entries(M), doc!.entries(M)]).toEqual([1, 1, 1]);
    assertCleanHistory(M);
  });

  it('When a birth is registered with a card for the child, then BHXH waits for the identity number civil registration assigns, and the dossier finishes when both have', async () => {
    const { civil, bhxh } = stack;
    const M = nextCode('KSB');
    await push(birthWithCardDossier(M));
    await waitFor('NhanDKHT', () => civil!.entries(M) === 1);
    await sleep(600);
    expect(bhxh!.entries(M)).toBe(0);
    const bh = (await stack.gateway!.store.deliveries(M)).find((d) => d.system === 'social-insurance');
    expect(bh?.state).toBe('queued');
    expect(bh?.attempts).toBe(0);
    civil!.setStatus(M, 4);
    await waitFor('card dossier entered at BHXH', () => bhxh!.entries(M) === 1, 20_000);
    const soDinhDanh = civil!.record(M)?.soDinhDanh;
    expect(soDinhDanh).toMatch(/^\d{12}$/);
    expect(JSON.stringify(bhxh!.record(M))).toContain(String(soDinhDanh));
    await sleep(500);
    expect(portalStatus(M)).toBe('4');
    bhxh!.setStatus(M, 4);
    await waitFor('9 when both finished', () => portalStatus(M) === '9', 20_000);
    assertCleanHistory(M);
  });

  it('When a death is registered with the funeral allowance, then civil registration and BHXH are each entered once and both must finish', async () => {
    const { civil, bhxh } = stack;
    const M = nextCode('KT');
    await push(deathDossier(M));
    await waitFor('both entered', () => civil!.entries(M) === 1 && bhxh!.entries(M) === 1, 20_000);
    bhxh!.setStatus(M, 4);
    await sleep(800);
    expect(portalStatus(M)).toBe('4');
    civil!.setStatus(M, 4);
    await waitFor('9', () => portalStatus(M) === '9', 20_000);
    assertCleanHistory(M);
  });

  it('When the same dossier is pushed twice, then no system is entered twice', async () => {
    const { civil, bhxh, portal } = stack;
    const M = nextCode('KTD');
    await push(deathDossier(M));
    await portal.redeliverLast(M);
    await waitFor('both entered', () => civil!.entries(M) === 1 && bhxh!.entries(M) === 1, 20_000);
    await portal.redeliverLast(M);
    await sleep(600);
    expect(civil!.entries(M)).toBe(1);
    expect(bhxh!.entries(M)).toBe(1);
  });
});
