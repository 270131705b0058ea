import axios, { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import * as soap from 'soap';
import { normaliseHttpError } from '../../src/adapters/http-errors.js';
import { sendCorrelationHeaders } from '../../src/adapters/correlation-headers.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { parseXml } from '../../src/xml/safe-xml.js';
import { MAX_XML_BYTES } from './protocol.js';

export interface SocialInsuranceTransportOptions {
  serviceUrl: string;
  username: string;
  password: string;
  timeoutMs: number;
  wsdlPath: string;
}

/** `tns:NopHoSo` in the WSDL's element order (built by `mappings/social-insurance.json`). */
export type NopHoSoRequest = Record<string, string>;

/** What `NopHoSo` settled: the receipt number, and whether BHXH already held the dossier (`MaKetQua` 1). */
export interface NopHoSoOutcome {
  SoBienNhanBHXH: string;
  existed: boolean;
  MoTa: string;
}

export type TraCuuHoSoOutcome =
  | {
      found: true;
      TrangThai: number;
      SoBienNhanBHXH: string;
      NgayCapNhat: string;
      GhiChu?: string;
      MoTa: string;
    }
  | { found: false; MoTa: string };

interface SoapFault {
  faultcode?: unknown;
  faultstring?: unknown;
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

/** `xs:int` as received (whitespace collapsed); NaN when it is not one. */
const int = (v: unknown): number => {
  const s = text(v)?.trim();
  return s !== undefined && /^[+-]?\d+$/.test(s) ? Number(s) : Number.NaN;
};

/**
 * Turns every failure of a BHXH call into a GatewayError, in one place (GUIDE.md §2; spec §1.2, §5).
 *
 * @remarks `soap:Client` means the request is wrong and nothing was processed: never retried, and
 * the authentication fault (faultstring `Xác thực không thành công…`) is told apart so an operator
 * sees a credentials problem. `soap:Server` is temporary and retried; the spec says nothing was
 * processed, but the outcome is recorded as unknown, the conservative reading (NopHoSo is
 * idempotent, so a resend is harmless either way). Transport failures go through the shared HTTP
 * normalisation: a refused connection is `not-applied`, a timeout, reset or bare 5xx `unknown`.
 */
export function normaliseSoapError(err: unknown, operation: string): GatewayError {
  if (err instanceof GatewayError) return err;
  const what = `social-insurance ${operation}`;
  const e = err as { root?: { Envelope?: { Body?: { Fault?: SoapFault } } }; response?: AxiosResponse };
  const fault = e?.root?.Envelope?.Body?.Fault;
  if (fault && typeof fault === 'object') {
    const faultcode = text(fault.faultcode) ?? '';
    const faultstring = text(fault.faultstring) ?? '';
    const local = faultcode.slice(faultcode.indexOf(':') + 1);
    const details = { faultcode, faultstring };
    const upstreamStatus = e.response?.status;
    if (local === 'Server' || local.startsWith('Server.')) {
      return new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
        message: `${what}: soap:Server fault: ${faultstring}; retried later`,
        outcome: 'unknown',
        details,
        upstreamStatus,
      });
    }
    if (faultstring.startsWith('Xác thực không thành công')) {
      return new GatewayError('GW_ERR_SYSTEM_AUTH', {
        message: `${what}: WS-Security credentials refused: ${faultstring}`,
        details,
        upstreamStatus,
      });
    }
    return new GatewayError('GW_ERR_SYSTEM_REJECTED', {
      message: `${what}: ${faultcode || 'SOAP fault'}: ${faultstring}`,
      details,
      upstreamStatus,
    });
  }
  if (axios.isAxiosError(err)) return normaliseHttpError(err, { system: 'social-insurance', operation });
  const res = e?.response;
  if (res && typeof res.status === 'number' && res.status !== 200) {
    return normaliseHttpError(new AxiosError(`HTTP ${res.status}`, undefined, res.config, undefined, res), {
      system: 'social-insurance',
      operation,
    });
  }
  return new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
    message: `${what}: unreadable answer (${(err as Error)?.message ?? String(err)}); outcome unknown`,
    outcome: 'unknown',
    cause: err,
  });
}

/**
 * Refuses an answer before the soap package parses it: the hardened reader of src/xml reads it
 * first (no DTD so no entity expansion, no other declared encoding, depth and attribute limits,
 * well-formed), or an answer that is neither a 200 nor a SOAP fault. Size is capped by axios
 * (`maxContentLength`). An empty body is left to the status check.
 */
function screenAnswer(res: AxiosResponse): AxiosResponse {
  const body =
    typeof res.data === 'string' ? res.data : Buffer.isBuffer(res.data) ? res.data.toString('utf8') : '';
  const isFault = res.status === 500 && /<([A-Za-z_][\w.-]*:)?Fault[\s>]/.test(body);
  if (res.status !== 200 && !isFault)
    throw new AxiosError(`HTTP ${res.status}`, undefined, res.config, undefined, res);
  try {
    parseXml(body, { explicitArray: false }, { maxBytes: MAX_XML_BYTES, bom: 'drop' });
  } catch (err) {
    throw new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
      message: `social-insurance: the answer was refused (${(err as Error).message}); outcome unknown`,
      outcome: 'unknown',
      upstreamStatus: res.status,
    });
  }
  return res;
}

/**
 * The only file of the social insurance adapter that talks SOAP (GUIDE.md §2): one `soap` client
 * built from `social-insurance.wsdl`, created on first use and reused, with the endpoint and the
 * WS-Security UsernameToken (PasswordText) from the options.
 */
export class SocialInsuranceTransport {
  private client: Promise<soap.Client> | undefined;
  private readonly http: AxiosInstance;

  constructor(private readonly options: SocialInsuranceTransportOptions) {
    if (!existsSync(options.wsdlPath)) {
      throw new GatewayError('GW_ERR_CONFIG_INVALID', {
        message: `social-insurance: WSDL not found at ${options.wsdlPath}`,
      });
    }
    this.http = axios.create({
      // An API call is never redirected (a redirect would take the request elsewhere); without
      // redirects axios also skips follow-redirects, a measurable share of each call's CPU.
      maxRedirects: 0,
      timeout: options.timeoutMs,
      maxContentLength: MAX_XML_BYTES,
      maxBodyLength: MAX_XML_BYTES,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
      transitional: { clarifyTimeoutError: true },
    });
    sendCorrelationHeaders(this.http);
    this.http.interceptors.response.use(screenAnswer);
  }

  private soapClient(): Promise<soap.Client> {
    this.client ??= soap
      .createClientAsync(this.options.wsdlPath, {
        endpoint: this.options.serviceUrl,
        // The same axios under its CommonJS typings (soap is CommonJS).
        request: this.http as unknown as NonNullable<soap.IOptions['request']>,
      })
      .then((client) => {
        // Deterministic header (no Timestamp, Nonce or Created): BHXH ignores them (§1.1).
        client.setSecurity(
          new soap.WSSecurity(this.options.username, this.options.password, {
            passwordType: 'PasswordText',
            hasTimeStamp: false,
            hasTokenCreated: false,
            mustUnderstand: true,
          }),
        );
        return client;
      })
      .catch((err: unknown) => {
        this.client = undefined;
        throw new GatewayError('GW_ERR_CONFIG_INVALID', {
          message: `social-insurance: cannot build the SOAP client from ${this.options.wsdlPath}: ${(err as Error).message}`,
          cause: err,
        });
      });
    return this.client;
  }

  private async call(
    operation: 'NopHoSo' | 'TraCuuHoSo',
    args: object,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const client = await this.soapClient();
    try {
      const method = client[`${operation}Async`] as (a: object, o: object) => Promise<[unknown]>;
      const [result] = await method.call(client, args, {
        timeout: this.options.timeoutMs,
        ...(signal ? { signal } : {}),
      });
      if (!result || typeof result !== 'object') throw new Error(`no ${operation}Response element`);
      return result;
    } catch (err) {
      throw normaliseSoapError(err, operation);
    }
  }

  /** `NopHoSo` (§2): 0 created, 1 already exists (success-equivalent), anything else refused. */
  async nopHoSo(request: NopHoSoRequest, signal?: AbortSignal): Promise<NopHoSoOutcome> {
    const r = (await this.call('NopHoSo', request, signal)) as Record<string, unknown>;
    const maKetQua = int(r.MaKetQua);
    const moTa = text(r.MoTa) ?? '';
    const receipt = text(r.SoBienNhanBHXH);
    if (maKetQua === 0 || maKetQua === 1) {
      if (!receipt) {
        throw new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
          message: `social-insurance NopHoSo: MaKetQua ${maKetQua} without SoBienNhanBHXH; outcome unknown`,
          outcome: 'unknown',
        });
      }
      return { SoBienNhanBHXH: receipt, existed: maKetQua === 1, MoTa: moTa };
    }
    throw new GatewayError('GW_ERR_SYSTEM_REJECTED', {
      message: `social-insurance NopHoSo: MaKetQua ${text(r.MaKetQua) ?? '?'}: ${moTa}`,
      details: { MaKetQua: text(r.MaKetQua) ?? null, MoTa: moTa, element: moTa.split(':')[0] || null },
    });
  }

  /** `TraCuuHoSo` (§3): 0 found, 4 not found; anything else is a refusal. */
  async traCuuHoSo(maHoSo: string, signal?: AbortSignal): Promise<TraCuuHoSoOutcome> {
    const r = (await this.call('TraCuuHoSo', { MaHoSo: maHoSo }, signal)) as Record<string, unknown>;
    const maKetQua = int(r.MaKetQua);
    const moTa = text(r.MoTa) ?? '';
    if (maKetQua === 4) return { found: false, MoTa: moTa };
    const receipt = text(r.SoBienNhanBHXH);
    if (maKetQua === 0 && receipt) {
      const ghiChu = text(r.GhiChu);
      return {
        found: true,
        TrangThai: int(r.TrangThai),
        SoBienNhanBHXH: receipt,
        NgayCapNhat: text(r.NgayCapNhat) ?? '',
        ...(ghiChu !== undefined ? { GhiChu: ghiChu } : {}),
        MoTa: moTa,
      };
    }
    if (maKetQua === 0) {
      throw new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
        message: 'social-insurance TraCuuHoSo: MaKetQua 0 without SoBienNhanBHXH; asked again later',
      });
    }
    throw new GatewayError('GW_ERR_SYSTEM_REJECTED', {
      message: `social-insurance TraCuuHoSo: MaKetQua ${text(r.MaKetQua) ?? '?'}: ${moTa}`,
      details: { MaKetQua: text(r.MaKetQua) ?? null, MoTa: moTa },
    });
  }
}
