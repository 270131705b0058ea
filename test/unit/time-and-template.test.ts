import { describe, expect, it } from 'vitest';
import {
  formatPortalDateTime,
  landUtcToPortal,
  parsePortalDateTime,
  portalToLandUtc,
} from '../../src/domain/time.js';
import { applyMapping, MappingError } from '../../src/mapping/template.js';
import { maskString, redactValue } from '../../src/logging/redact.js';

describe('time conversions (Asia/Ho_Chi_Minh)', () => {
  it('When local 08:30 on 5 Nov 2025 goes to the land registry, then it is 01:30 UTC without offset (land.md §2)', () => {
    expect(portalToLandUtc('20251105083000')).toBe('2025-11-05T01:30:00');
    expect(landUtcToPortal('2025-11-07T03:00:00')).toBe('20251107100000');
  });
  it('When a time crosses midnight or a year end, then the date moves with it', () => {
    expect(portalToLandUtc('20260101030000')).toBe('2025-12-31T20:00:00');
    expect(landUtcToPortal('2025-12-31T20:00:00')).toBe('20260101030000');
  });
  it('When a date does not exist, then it is refused', () => {
    expect(parsePortalDateTime('20250229000000')).toBeNull();
    expect(parsePortalDateTime('20251105246000')).toBeNull();
    expect(parsePortalDateTime('2025110508300')).toBeNull();
    expect(formatPortalDateTime(parsePortalDateTime('20240229235959')!)).toBe('20240229235959');
  });
});

describe('mapping templates', () => {
  const src = { A: '12', B: { C: 'x' }, L: [{ n: '1' }, { n: '2' }], E: '' };
  it('When templates are applied, then values, conversions, lists, switches and optionals work', () => {
    expect(
      applyMapping(
        {
          i: '{A|int}',
          s: 'v={B.C}',
          l: { $each: 'L', map: { n: '{n|int}' } },
          w: { $switch: 'A', cases: { '12': 'twelve' } },
          o: { $optional: '{E}' },
          j: { $join: { $each: 'L', map: '#{n}' }, separator: '+' },
          c: '{$config.k}',
        },
        src,
        { config: { k: 7 } },
      ),
    ).toEqual({ i: 12, s: 'v=x', l: [{ n: 1 }, { n: 2 }], w: 'twelve', j: '#1+#2', c: 7 });
  });
  it('When a value cannot be converted, then the error names the position and the field', () => {
    expect(() => applyMapping({ x: { y: '{B.C|int}' } }, src)).toThrow(MappingError);
    expect(() => applyMapping({ x: { y: '{B.C|int}' } }, src)).toThrow('$.x.y: B.C: not an integer');
  });
});

describe('log redaction', () => {
  it('When identity numbers, phone numbers or secrets are logged, then they are masked', () => {
    expect(maskString('CCCD 040085001234 và SĐT 0912345678')).toBe('CCCD *********234 và SĐT *******678');
    expect(maskString('POST /callbacks/land/Xk29Qm7Lp4Tz/ChuyenHoSo')).toBe(
      'POST /callbacks/land/***/ChuyenHoSo',
    );
    expect(
      redactValue({
        password: 'p',
        headers: { 'x-motcua-key': 'k' },
        SoDinhDanh: '040085001234',
        MaHoSo: 'H40.22-251105-0001',
      }),
    ).toEqual({
      password: '[REDACTED]',
      headers: { 'x-motcua-key': '[REDACTED]' },
      SoDinhDanh: '*********234',
      MaHoSo: 'H40.22-251105-0001',
    });
  });
});
