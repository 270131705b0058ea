import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StatusStep } from './simulator-types.js';
import type { Person } from './person-registry.js';
import type { Credentials } from './ws-security.js';
import { DEFAULT_SERVICE_PATH } from './protocol.js';

/** Options of `createSocialInsuranceSimulator`. Every timing knob defaults to the spec's value. */
export interface SocialInsuranceSimulatorOptions {
  /** UsernameToken the service accepts (issued by BHXH). Default: the examples' `motcua_h40` / `Example-Passw0rd`. */
  credentials?: Credentials;
  /** Address of the client's `CapNhatTrangThaiService`; without it, callbacks fail and are retried as if unreachable. */
  callbackUrl?: string;
  /** UsernameToken BHXH sends to the callback. Default: the examples' `bhxh_nghean` / `Example-Callback-Passw0rd`. */
  callbackCredentials?: Credentials;
  /** Seed of the fault and duplicate random sources. Default 1. */
  seed?: number;
  /** Service path. Default `/bhxh/hoso`. */
  path?: string;
  /** Persons registered with BHXH, in addition to the example person (`4005123456`). */
  persons?: Person[];
  /** Accept an unknown `MaSoBHXH` by registering the submitted person (demo, fault suite). Default false. */
  autoRegisterPersons?: boolean;
  /** Receipt number prefix: `<prefix>-<yyMMdd>-<seq 6 digits>`. Default `BN40`. */
  receiptPrefix?: string;
  /** First receipt sequence number. Default 1 (123 reproduces the examples' `BN40-251105-000123`). */
  receiptSeqStart?: number;
  /** Clock source. Default real time; `setClock()` pins it. */
  now?: () => Date;
  /** Pause between callback attempts (§4.3: 5 minutes). */
  callbackRetryIntervalMs?: number;
  /** Callback attempts per event, first one included (§4.3: 13). */
  callbackMaxAttempts?: number;
  /** No answer to a callback within this time = failed attempt (§4.3: 30 s). */
  callbackTimeoutMs?: number;
  /** After `NopHoSo` is accepted, apply these status changes one every `intervalMs` (demo). */
  autoProgress?: { steps: StatusStep[]; intervalMs: number };
  /** Folder holding `social-insurance.wsdl`. Default: `/work/shared/specs` found relative to this module. */
  specsDir?: string;
}

export interface ResolvedOptions {
  credentials: Credentials;
  callbackUrl: string | undefined;
  callbackCredentials: Credentials;
  seed: number;
  path: string;
  persons: Person[];
  autoRegisterPersons: boolean;
  receiptPrefix: string;
  receiptSeqStart: number;
  now: (() => Date) | undefined;
  callbackRetryIntervalMs: number;
  callbackMaxAttempts: number;
  callbackTimeoutMs: number;
  autoProgress: { steps: StatusStep[]; intervalMs: number } | undefined;
  wsdlFile: string;
}

/** `shared/specs` sits next to the repository: 4 levels up from src/…, 5 from a build in dist/src/…. */
function defaultWsdlFile(specsDir: string | undefined): string {
  if (specsDir) return `${specsDir.replace(/\/$/, '')}/social-insurance.wsdl`;
  const candidates = [
    '../../../../shared/specs/social-insurance.wsdl',
    '../../../../../shared/specs/social-insurance.wsdl',
  ].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((f) => existsSync(f)) ?? (candidates[0] as string);
}

export function resolveOptions(o: SocialInsuranceSimulatorOptions): ResolvedOptions {
  return {
    credentials: o.credentials ?? { username: 'motcua_h40', password: 'Example-Passw0rd' },
    callbackUrl: o.callbackUrl,
    callbackCredentials: o.callbackCredentials ?? {
      username: 'bhxh_nghean',
      password: 'Example-Callback-Passw0rd',
    },
    seed: o.seed ?? 1,
    path: o.path ?? DEFAULT_SERVICE_PATH,
    persons: o.persons ?? [],
    autoRegisterPersons: o.autoRegisterPersons ?? false,
    receiptPrefix: o.receiptPrefix ?? 'BN40',
    receiptSeqStart: o.receiptSeqStart ?? 1,
    now: o.now,
    callbackRetryIntervalMs: o.callbackRetryIntervalMs ?? 5 * 60_000,
    callbackMaxAttempts: o.callbackMaxAttempts ?? 13,
    callbackTimeoutMs: o.callbackTimeoutMs ?? 30_000,
    autoProgress: o.autoProgress,
    wsdlFile: defaultWsdlFile(o.specsDir),
  };
}
