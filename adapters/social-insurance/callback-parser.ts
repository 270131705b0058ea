import { readFile } from 'node:fs/promises';
import type { ProgressRow, SystemEvent } from '../../src/domain/system-event.js';
import { isStatus } from '../../src/domain/status-machine.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { applyMapping, MappingError } from '../../src/mapping/template.js';
import { repoPath } from '../../src/paths.js';
import type { Violation } from '../../src/schemas.js';
import { attributeValue, childElement as child } from '../../src/xml/xml-tree.js';
import { collapse, parseXsDateTime } from '../../src/xml/xs-date-time.js';
import { loadSocialInsuranceMapping, type SocialInsuranceMappingFile } from './mapping.js';
import { CALLBACK_OPERATION, MAX_XML_BYTES, SOAP11_ENV_NS, TNS, WSSE_NS } from './protocol.js';
import { readXml, type XmlNode } from './xml-reader.js';
import { xsDateTimeToPortal } from './xs-dates.js';

/** The WS-Security UsernameToken of a received message (§1.1), as sent. */
export interface UsernameToken {
  username: string;
  password: string;
  /** The `Type` attribute of `wsse:Password`; absent means PasswordText. */
  passwordType: string | undefined;
}

/** A received SOAP 1.1 envelope, before authentication and payload validation. */
export interface CallbackEnvelope {
  token: UsernameToken | undefined;
  /** Header blocks marked `soap:mustUnderstand="1"` that this service does not process. */
  notUnderstood: string[];
  /** The one element of `soap:Body`. */
  payload: XmlNode;
}

/** `tns:CapNhatTrangThaiHoSo` (§4.1), validated; values exactly as received. */
export interface CallbackFields {
  MaHoSo: string;
  SoBienNhanBHXH: string;
  TrangThai: 1 | 2 | 3 | 4 | 5;
  /** As received (`xs:dateTime` with offset). */
  ThoiDiem: string;
  GhiChu?: string;
  MaSuKien: string;
}

export interface SocialInsuranceCallbackParserOptions {
  /** `social-insurance-callback.wsdl`, served at `?wsdl`. Default: the spec folder next to the repository. */
  callbackWsdlPath?: string;
  /** Largest envelope read. Default 1 MiB. */
  maxBytes?: number;
  mapping?: SocialInsuranceMappingFile;
}

const chars = (v: string): number => [...v].length;

type Check = (value: string) => string | undefined;

const length =
  (min: number, max: number): Check =>
  (v) =>
    chars(v) < min || chars(v) > max
      ? min === 0
        ? `tối đa ${max} ký tự`
        : `phải có từ ${min} đến ${max} ký tự`
      : undefined;

/** The `xs:sequence` of `tns:CapNhatTrangThaiHoSo` in `social-insurance-callback.wsdl`, in order. */
const SEQUENCE: ReadonlyArray<{ name: keyof CallbackFields; required: boolean; check: Check }> = [
  {
    name: 'MaHoSo',
    required: true,
    check: (v) =>
      /^[A-Za-z0-9.-]{1,50}$/.test(v)
        ? undefined
        : 'phải gồm 1 đến 50 ký tự A-Z, a-z, 0-9, dấu chấm (.) hoặc gạch ngang (-)',
  },
  { name: 'SoBienNhanBHXH', required: true, check: length(1, 50) },
  {
    name: 'TrangThai',
    required: true,
    check: (v) => {
      const s = collapse(v);
      return /^[+-]?\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 5
        ? undefined
        : 'phải là số nguyên từ 1 đến 5';
    },
  },
  {
    name: 'ThoiDiem',
    required: true,
    check: (v) => {
      if (parseXsDateTime(v).ok) return undefined;
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(collapse(v))
        ? 'thiếu múi giờ (xs:dateTime phải có +hh:mm hoặc Z, ví dụ 2025-11-11T15:00:00+07:00)'
        : 'phải là xs:dateTime hợp lệ có múi giờ (yyyy-MM-ddTHH:mm:ss±hh:mm)';
    },
  },
  { name: 'GhiChu', required: false, check: length(0, 2000) },
  { name: 'MaSuKien', required: true, check: length(1, 64) },
];

function invalid(violations: Violation[]): GatewayError {
  return new GatewayError('GW_ERR_CALLBACK_INVALID', {
    message: violations
      .map((v) => (v.path === '/' ? v.message : `${v.path.slice(1)}: ${v.message}`))
      .join('; '),
    details: violations,
  });
}

/**
 * Reads BHXH's `CapNhatTrangThaiHoSo` calls (social-insurance.md §4, `social-insurance-callback.wsdl`)
 * and turns them into SystemEvents; the inbound route does the HTTP and the authentication.
 *
 * @remarks Validation follows the WSDL strictly (element order, namespace, types, lengths, offset
 * mandatory) because a refused call is answered with a `soap:Client` fault, which BHXH resends
 * (§4.3): a mistake here costs a resend, while a wrongly accepted event would reach the portal.
 * Nothing here touches the store, so a call refused here has stored nothing.
 */
export class SocialInsuranceCallbackParser {
  readonly maxBytes: number;
  private readonly mapping: SocialInsuranceMappingFile;
  private readonly wsdlPath: string;
  private wsdl: Promise<string> | undefined;

  constructor(options: SocialInsuranceCallbackParserOptions = {}) {
    this.maxBytes = options.maxBytes ?? MAX_XML_BYTES;
    this.mapping = options.mapping ?? loadSocialInsuranceMapping();
    this.wsdlPath =
      options.callbackWsdlPath ?? repoPath('..', 'shared', 'specs', 'social-insurance-callback.wsdl');
  }

  /** Parses the envelope (hardened) and finds the UsernameToken and the payload. */
  async read(raw: Buffer | string): Promise<CallbackEnvelope> {
    const root = readXml(raw, this.maxBytes);
    const fail = (message: string): never => {
      throw invalid([{ path: '/', message }]);
    };
    if (root.uri !== SOAP11_ENV_NS || root.local !== 'Envelope') {
      fail(`Envelope: phần tử gốc phải là soap:Envelope của SOAP 1.1 (${SOAP11_ENV_NS})`);
    }
    let header: XmlNode | undefined;
    let body: XmlNode | undefined;
    for (const c of root.children) {
      if (c.uri === SOAP11_ENV_NS && c.local === 'Header' && !header && !body) header = c;
      else if (c.uri === SOAP11_ENV_NS && c.local === 'Body' && !body) body = c;
      else if (!body) fail(`Envelope: phần tử ${c.name} không hợp lệ trước soap:Body`);
    }
    if (!body) return fail('Body: thiếu soap:Body');
    const [payload, ...extra] = body.children;
    if (!payload) return fail('Body: soap:Body không có phần tử nào');
    if (extra.length > 0) fail('Body: soap:Body chỉ được chứa một phần tử');

    const security = child(header, WSSE_NS, 'Security');
    const tokenEl = child(security, WSSE_NS, 'UsernameToken');
    const username = child(tokenEl, WSSE_NS, 'Username');
    const password = child(tokenEl, WSSE_NS, 'Password');
    const token =
      username && password
        ? {
            username: username.text,
            password: password.text,
            passwordType: attributeValue(password, '', 'Type'),
          }
        : undefined;
    const notUnderstood = (header?.children ?? [])
      .filter((h) => h !== security)
      .filter((h) =>
        h.attributes.some(
          (a) =>
            a.uri === SOAP11_ENV_NS &&
            a.local === 'mustUnderstand' &&
            ['1', 'true'].includes(collapse(a.value)),
        ),
      )
      .map((h) => h.name);
    return { token, notUnderstood, payload: payload as XmlNode };
  }

  /** Validates `tns:CapNhatTrangThaiHoSo` against the WSDL. Throws GW_ERR_CALLBACK_INVALID naming the element. */
  fields(payload: XmlNode): CallbackFields {
    if (payload.uri !== TNS || payload.local !== CALLBACK_OPERATION) {
      throw invalid([
        {
          path: `/${payload.local}`,
          message: `thao tác không được hỗ trợ (chỉ tns:${CALLBACK_OPERATION}, không gian tên ${TNS})`,
        },
      ]);
    }
    const violations: Violation[] = [];
    const values: Record<string, string> = {};
    const items = payload.children;
    let i = 0;
    for (const el of SEQUENCE) {
      const c = items[i];
      if (c && c.local === el.name && c.uri !== TNS) {
        violations.push({ path: `/${el.name}`, message: `phải thuộc không gian tên ${TNS}` });
        i += 1;
        continue;
      }
      if (!c || c.local !== el.name) {
        if (el.required) {
          const later = items.slice(i + 1).some((x) => x.local === el.name);
          violations.push({
            path: `/${el.name}`,
            message: later ? 'sai thứ tự phần tử' : 'thiếu phần tử bắt buộc',
          });
        }
        continue;
      }
      i += 1;
      if (c.children.length > 0) {
        violations.push({ path: `/${el.name}`, message: 'không được chứa phần tử con' });
        continue;
      }
      const problem = el.check(c.text);
      if (problem) violations.push({ path: `/${el.name}`, message: problem });
      else values[el.name] = c.text;
    }
    for (const extra of items.slice(i)) {
      if (!violations.some((v) => v.path === `/${extra.local}`)) {
        violations.push({ path: `/${extra.local}`, message: 'phần tử không được phép ở vị trí này' });
      }
    }
    if (violations.length > 0) throw invalid(violations);
    return {
      MaHoSo: values.MaHoSo as string,
      SoBienNhanBHXH: values.SoBienNhanBHXH as string,
      TrangThai: Number(collapse(values.TrangThai as string)) as CallbackFields['TrangThai'],
      ThoiDiem: values.ThoiDiem as string,
      ...(values.GhiChu !== undefined ? { GhiChu: values.GhiChu } : {}),
      MaSuKien: values.MaSuKien as string,
    };
  }

  /**
   * The event a callback means for the gateway: `MaSuKien` is the event id (duplicates are dropped
   * by the sink), `ThoiDiem` becomes local portal time and orders the events of the dossier,
   * status, progress row and supplement request come from the mapping.
   */
  toEvent(payload: XmlNode): SystemEvent {
    const f = this.fields(payload);
    const occurredAt = xsDateTimeToPortal(f.ThoiDiem) as string;
    const source = {
      MaHoSo: f.MaHoSo,
      SoBienNhanBHXH: f.SoBienNhanBHXH,
      TrangThai: String(f.TrangThai),
      ThoiDiem: occurredAt,
      GhiChu: f.GhiChu ?? '',
      MaSuKien: f.MaSuKien,
    };
    const map = this.mapping.callback;
    try {
      const status = applyMapping(map.status, source);
      const progress = applyMapping(map.progress, source) as Partial<ProgressRow>;
      const supplementRequest = applyMapping(map.supplementRequest, source) as
        SystemEvent['supplementRequest'] | null;
      const event: SystemEvent = {
        system: 'social-insurance',
        eventId: f.MaSuKien,
        MaHoSo: f.MaHoSo,
        externalId: f.SoBienNhanBHXH,
        occurredAt,
        kind: `TrangThai ${f.TrangThai}`,
        progress: {
          NguoiXuLy: progress.NguoiXuLy ?? '',
          ChucDanh: progress.ChucDanh ?? '',
          PhongBanXuLy: progress.PhongBanXuLy ?? '',
          NoiDungXuLy: (progress.NoiDungXuLy ?? '').trim() || `TrangThai ${f.TrangThai}`,
          NgayKetThucTheoQuyDinh: progress.NgayKetThucTheoQuyDinh ?? '',
        },
        data: {
          TrangThai: f.TrangThai,
          ThoiDiem: f.ThoiDiem,
          ...(f.GhiChu !== undefined ? { GhiChu: f.GhiChu } : {}),
        },
      };
      if (isStatus(status)) event.status = status;
      if (supplementRequest) event.supplementRequest = supplementRequest;
      return event;
    } catch (err) {
      if (err instanceof MappingError) {
        throw invalid([{ path: '/', message: `không ánh xạ được: ${err.message}` }]);
      }
      throw err;
    }
  }

  /** The callback WSDL with its `soap:address` set to where it was fetched from (as SOAP stacks publish it). */
  async describe(location: string): Promise<string> {
    this.wsdl ??= readFile(this.wsdlPath, 'utf8').catch((err: unknown) => {
      this.wsdl = undefined;
      throw err;
    });
    const attr = location.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    return (await this.wsdl).replace(/(<soap:address\s+location=")[^"]*(")/, `$1${attr}$2`);
  }
}
