import { describe, expect, it } from 'vitest';
import {
  applyEvents,
  deriveStatus,
  statusAtSend,
  type ProgressState,
} from '../../src/domain/dossier-progress.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import type { SystemEvent } from '../../src/domain/system-event.js';
import { specExample } from '../helpers/stack.js';

const record = specExample<{ data: DossierRecord[] }>('portal/feed-land-tax.json').data[0]!;

function state(over: Partial<ProgressState> = {}): ProgressState {
  return {
    MaHoSo: record.MaHoSo,
    record: structuredClone(record),
    status: '2',
    route: ['land'],
    completion: ['land'],
    taxNotices: {},
    systemStatus: {},
    systemLastEventAt: {},
    lastNguoiXuLy: undefined,
    ...over,
  };
}

function ev(
  id: string,
  at: string,
  status: SystemEvent['status'],
  extra: Partial<SystemEvent> = {},
): SystemEvent {
  return {
    system: 'land',
    eventId: id,
    MaHoSo: record.MaHoSo,
    occurredAt: at,
    kind: `k-${id}`,
    status,
    progress: {
      NguoiXuLy: '',
      ChucDanh: '',
      PhongBanXuLy: '',
      NoiDungXuLy: `row ${id}`,
      NgayKetThucTheoQuyDinh: '',
    },
    ...extra,
  };
}

describe('applying system events', () => {
  it('When events arrive newest first inside the window, then they are applied in the order they happened', () => {
    const out = applyEvents(
      state(),
      [
        ev('b', '20251106090000', '5', { supplementRequest: { NoiDungYeuCau: 'x' } }),
        ev('a', '20251105090000', '4'),
      ],
      'Hệ thống',
    );
    const rows = out.operations.filter((o) => o.kind === 'progress');
    expect(rows.map((o) => (o.kind === 'progress' ? o.row.TrangThai : ''))).toEqual(['4', '5']);
    expect(out.state.status).toBe('5');
  });

  it('When an event older than one already applied arrives late, then its row carries the current status (never going back)', () => {
    const first = applyEvents(
      state(),
      [ev('b', '20251106090000', '9', { result: { NgayKetThucXuLy: '20251106090000', documents: [] } })],
      'x',
    );
    const late = applyEvents(first.state, [ev('a', '20251105090000', '4')], 'x');
    expect(late.applied[0]?.late).toBe(true);
    expect(late.state.status).toBe('9');
    expect(late.operations).toHaveLength(1);
    expect(late.operations[0]).toMatchObject({
      kind: 'progress',
      row: { TrangThai: '9', NoiDungXuLy: 'row a' },
    });
  });

  it('When a system asks for a supplement, then the record gets a DanhSachHoSoBoSung entry before the progress row (R6)', () => {
    const out = applyEvents(
      state({ status: '4' }),
      [ev('s', '20251107100000', '5', { supplementRequest: { NoiDungYeuCau: 'Bổ sung hợp đồng' } })],
      'x',
    );
    expect(out.operations.map((o) => o.kind)).toEqual(['record', 'progress']);
    expect(out.state.record.DanhSachHoSoBoSung).toEqual([
      expect.objectContaining({
        MaHoSoBoSung: `${record.MaHoSo}-BS01`,
        NoiDungYeuCau: 'Bổ sung hợp đồng',
        NgayHenTraTruoc: record.NgayHenTra,
        NgayYeuCauBoSung: '20251107100000',
      }),
    ]);
  });

  it('When a transition is not allowed (9 → 5), then the status is kept and the refusal reported', () => {
    const out = applyEvents(
      state({ status: '9', systemStatus: { land: '9' } }),
      [ev('x', '20251108100000', '5')],
      'x',
    );
    expect(out.state.status).toBe('9');
    expect(out.applied[0]?.refused).toContain('9 → 5');
    expect(out.state.systemStatus.land).toBe('9');
  });

  it('When the handling system names nobody, then the last handler, else the configured actor, signs the row', () => {
    const out = applyEvents(state(), [ev('a', '20251105090000', '4')], 'Hệ thống liên thông');
    expect(out.operations[0]).toMatchObject({ row: { NguoiXuLy: 'Hệ thống liên thông' } });
  });

  it('When several systems handle a dossier, then the written rule derives one status', () => {
    expect(deriveStatus(['land', 'tax'], { land: '4' })).toBe('4');
    expect(deriveStatus(['land', 'tax'], { land: '9', tax: '6' })).toBe('6');
    expect(deriveStatus(['land', 'tax'], { land: '5', tax: '6' })).toBe('5');
    expect(deriveStatus(['land', 'tax'], { land: '9' })).toBe('4');
    expect(deriveStatus(['land', 'tax'], { land: '9', tax: '9' })).toBe('9');
    expect(deriveStatus(['land', 'tax'], { land: '8', tax: '9' })).toBe('8');
    expect(deriveStatus(['land'], {})).toBe('2');
  });

  it('When the portal pushed a newer version after an operation was made, then the operation carries the current status, never the older one', () => {
    expect(statusAtSend({ versions: 2 }, '5', { status: '4', versions: 3 })).toBe('4');
    expect(statusAtSend({ versions: 3 }, '5', { status: '5', versions: 3 })).toBe('5');
    expect(statusAtSend({}, '6', { status: '4', versions: 9 })).toBe('6');
  });
});
