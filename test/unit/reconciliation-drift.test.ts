import { describe, expect, it } from 'vitest';
import type { StatusReading } from '../../src/adapters/adapter.js';
import { findDrift, type DriftInput, type PortalRow } from '../../src/reconciliation/drift.js';

const M = 'H40.22-251105-0001';

function row(TrangThai: PortalRow['TrangThai'], at: string): PortalRow {
  return {
    MaHoSo: M,
    NguoiXuLy: 'Trần Thị Mai',
    ChucDanh: '',
    ThoiDiemXuLy: at,
    PhongBanXuLy: '',
    NoiDungXuLy: `bước ${TrangThai}`,
    TrangThai,
    NgayBatDau: at,
    NgayKetThucTheoQuyDinh: '20251119170000',
  };
}

function land(
  code: string,
  status: StatusReading['entries'][number]['status'],
  ...ids: string[]
): StatusReading {
  const entries = (ids.length ? ids : ['152347']).map((externalId) => ({
    externalId,
    status,
    code,
    updatedAt: '20251106100000',
    initial: code === '1',
  }));
  return {
    entries,
    event: {
      system: 'land',
      eventId: `hoso:${entries[0]!.externalId}:${code}`,
      MaHoSo: M,
      occurredAt: '20251106100000',
      kind: 'x',
      status,
    },
  };
}

/** A land dossier at 4 on every side: land says 2 (→ 4), the portal shows 4 with the one row sent. */
function agreeing(patch: Partial<DriftInput> = {}): DriftInput {
  const sent = [row('4', '20251105100000')];
  return {
    MaHoSo: M,
    status: '4',
    route: ['land', 'tax'],
    completion: ['land'],
    systemStatus: { land: '4' },
    NgayHenTra: '20251119170000',
    portalKnown: true,
    entered: { land: { externalId: '152347' }, tax: { externalId: 'PC-1' } },
    sentRows: sent,
    portal: { found: true, TrangThaiHoSo: '4', NgayHenTra: '20251119170000', DanhSachTienDo: [...sent] },
    readings: { land: land('2', '4'), tax: 'unreadable' },
    settledBefore: '20251107000000',
    ...patch,
  };
}

describe('reconciliation: finding drift', () => {
  it('When the three copies agree, then there is no finding (tax, which cannot be read back, is not guessed)', () => {
    expect(findDrift(agreeing())).toEqual([]);
  });

  it('When a system only says it received the dossier and the gateway heard nothing yet, then that is agreement', () => {
    expect(
      findDrift(
        agreeing({
          systemStatus: {},
          status: '2',
          readings: { land: land('1', '4') },
          portal: { found: true, TrangThaiHoSo: '2', NgayHenTra: '20251119170000', DanhSachTienDo: [] },
          sentRows: [],
        }),
      ),
    ).toEqual([]);
  });

  it('When land moved on without telling, then the drift is repairable by its own event, and the portal is not also blamed', () => {
    const [d, ...rest] = findDrift(agreeing({ readings: { land: land('3', '5') } }));
    expect(rest).toEqual([]);
    expect(d).toMatchObject({
      kind: 'system-status',
      party: 'land',
      classification: 'repairable',
      evidence: { gatewayKnew: '4', systemStatus: '5', portalShould: '5', portalShows: '4' },
      repair: { kind: 'event' },
    });
  });

  it('When the change read back is still settling, then it is left to the callback on its way', () => {
    expect(
      findDrift(agreeing({ readings: { land: land('3', '5') }, settledBefore: '20251106095959' })),
    ).toEqual([]);
  });

  it('When the system is at a status the gateway may not move to, then a person decides', () => {
    const [d] = findDrift(
      agreeing({
        status: '9',
        systemStatus: { land: '9' },
        readings: { land: land('2', '4') },
        portal: {
          found: true,
          TrangThaiHoSo: '9',
          NgayHenTra: '20251119170000',
          DanhSachTienDo: [row('4', '20251105100000')],
        },
      }),
    );
    expect(d).toMatchObject({ kind: 'system-status', classification: 'needs-person' });
    expect(d!.repair).toBeUndefined();
  });

  it('When the result was handed over (land 8 → 10 while land last said 9), then that is agreement', () => {
    const portal = {
      found: true as const,
      TrangThaiHoSo: '10',
      NgayHenTra: '20251119170000',
      DanhSachTienDo: [row('4', '20251105100000')],
    };
    expect(
      findDrift(
        agreeing({ status: '10', systemStatus: { land: '9' }, readings: { land: land('8', '10') }, portal }),
      ),
    ).toEqual([]);
  });

  it('When land holds the dossier twice, or not at all, then a person is needed', () => {
    const [dup] = findDrift(agreeing({ readings: { land: land('2', '4', '152347', '152351') } }));
    expect(dup).toMatchObject({
      kind: 'system-duplicate',
      classification: 'needs-person',
      key: '152347,152351',
    });
    const [unknown] = findDrift(agreeing({ readings: { land: { entries: [] } } }));
    expect(unknown).toMatchObject({ kind: 'system-unknown', classification: 'needs-person' });
    // Not entered yet (the delivery is still on its way): not knowing it is no drift.
    expect(findDrift(agreeing({ entered: {}, readings: { land: { entries: [] } } }))).toEqual([]);
  });

  it('When the portal shows another status, then syncing repairs it only if the portal may move there', () => {
    const base = agreeing();
    const behind = findDrift({
      ...base,
      portal: { ...(base.portal as object), TrangThaiHoSo: '2' } as DriftInput['portal'],
    });
    expect(behind[0]).toMatchObject({
      kind: 'portal-status',
      classification: 'repairable',
      repair: { kind: 'record' },
    });
    const ahead = findDrift({
      ...base,
      portal: { ...(base.portal as object), TrangThaiHoSo: '10' } as DriftInput['portal'],
    });
    expect(ahead[0]).toMatchObject({ kind: 'portal-status', classification: 'needs-person' });
  });

  it('When the appointment differs, then an earlier one is repaired and a later one left to a person', () => {
    const base = agreeing();
    const with_ = (NgayHenTra: string) =>
      findDrift({ ...base, portal: { ...(base.portal as object), NgayHenTra } as DriftInput['portal'] })[0];
    expect(with_('20251110170000')).toMatchObject({ kind: 'appointment', classification: 'repairable' });
    expect(with_('')).toMatchObject({ kind: 'appointment', classification: 'repairable' });
    expect(with_('20251231170000')).toMatchObject({ kind: 'appointment', classification: 'needs-person' });
  });

  it('When a row the portal accepted is gone, then it is sent again, unless the portal is terminal elsewhere', () => {
    const sent = [row('4', '20251105100000'), row('5', '20251106100000')];
    const lost = findDrift(
      agreeing({
        status: '5',
        systemStatus: { land: '5' },
        readings: { land: land('3', '5') },
        sentRows: sent,
        portal: { found: true, TrangThaiHoSo: '5', NgayHenTra: '20251119170000', DanhSachTienDo: [sent[1]!] },
      }),
    );
    expect(lost).toEqual([
      expect.objectContaining({
        kind: 'progress-missing',
        classification: 'repairable',
        repair: { kind: 'progress', rows: [sent[0]] },
      }),
    ]);
    const closed = findDrift(
      agreeing({
        status: '10',
        systemStatus: { land: '9' },
        readings: { land: land('8', '10') },
        sentRows: sent,
        portal: {
          found: true,
          TrangThaiHoSo: '10',
          NgayHenTra: '20251119170000',
          DanhSachTienDo: [sent[1]!],
        },
      }),
    );
    expect(closed).toEqual([
      expect.objectContaining({ kind: 'progress-missing', classification: 'needs-person' }),
    ]);
  });

  it('When the portal could not be read, then only the systems are compared; when it does not know the dossier, a person is needed', () => {
    expect(findDrift(agreeing({ portal: null }))).toEqual([]);
    expect(findDrift(agreeing({ portal: { found: false } }))[0]).toMatchObject({
      kind: 'portal-unknown',
      classification: 'needs-person',
    });
  });
});
