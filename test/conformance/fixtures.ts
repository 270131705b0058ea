import type { SystemAdapter } from '../../src/adapters/adapter.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import type { SystemId } from '../../src/domain/system-event.js';
import type { FaultSettings } from '../../src/simulators/fault-injector.js';
import { LandAdapter } from '../../adapters/land/index.js';
import { CivilRegistrationAdapter } from '../../adapters/civil-registration/index.js';
import { TaxAdapter } from '../../adapters/tax/index.js';
import { SocialInsuranceAdapter } from '../../adapters/social-insurance/index.js';
import { DocumentAdapter } from '../../adapters/document/index.js';
import { createLandSimulator } from '../../src/simulators/land/index.js';
import { createCivilRegistrationSimulator } from '../../src/simulators/civil-registration/index.js';
import { createTaxSimulator } from '../../src/simulators/tax/index.js';
import { createSocialInsuranceSimulator } from '../../src/simulators/social-insurance/index.js';
import { createDocumentSimulator } from '../../src/simulators/document/index.js';
import {
  BHXH_CB_PASSWORD,
  BHXH_CB_USER,
  BHXH_PASSWORD,
  BHXH_USER,
  CIVIL_CLIENT,
  CIVIL_SECRET,
  DOC_KEY,
  DOC_SECRET,
  EXAMPLE_NOW,
  LAND_KEY,
  SECURITY_CODE,
  TAX_KEY,
} from '../helpers/stack.js';
import {
  birthDossier,
  documentDossier,
  funeralOnlyDossier,
  landDossier,
  taxOnlyDossier,
} from '../helpers/dossiers.js';

/**
 * The fault switches every simulator shares (`src/simulators/fault-injector.ts`); each simulator's
 * `setFaults` takes them under the same names (the land simulator too: its own
 * `failAfterCommitNext` is an extra, not a replacement).
 */
export type SharedFaults = Partial<
  Pick<FaultSettings, 'down' | 'failNext' | 'failStatus' | 'dropAfterCommitNext'>
>;

/** The switches back to "healthy", applied after every check. */
export const NO_FAULTS: Required<SharedFaults> = {
  down: false,
  failNext: 0,
  failStatus: 503,
  dropAfterCommitNext: 0,
};

/** One adapter wired to its own simulator on loopback. */
export interface Backend {
  adapter: SystemAdapter;
  /** Entries the simulated system holds for a dossier code (2 = entered twice). */
  entries(maHoSo: string): number;
  setFaults(patch: SharedFaults): void;
  /** Poll systems: a status change made at the system for a dossier delivered earlier. */
  changeStatus?(maHoSo: string): void;
  close(): Promise<void>;
}

export interface ConformanceFixture {
  system: SystemId;
  /** Goes into the dossier codes of this system's checks (`nextCode(tag)`). */
  tag: string;
  /** The spec's example dossier for this system, under a new code. */
  example(maHoSo: string): DossierRecord;
  /** The same dossier without the block this system needs. */
  withoutBlock(maHoSo: string): DossierRecord;
  /**
   * Set when `health()` cannot tell an outage of the *simulator* (`down: true`) from a healthy
   * system: the reason, shown in the name of the skipped assertion.
   */
  healthBlindToDown?: string;
  start(): Promise<Backend>;
}

/** Same timeout as the test stack (`test/helpers/stack.ts`, `fast.timeoutMs`). */
const TIMEOUT_MS = 2000;

function without<K extends keyof DossierRecord>(record: DossierRecord, key: K): DossierRecord {
  const copy = structuredClone(record);
  delete copy[key];
  return copy;
}

export const FIXTURES: ConformanceFixture[] = [
  {
    system: 'land',
    tag: 'CFLAND',
    example: landDossier,
    withoutBlock: (m) => without(landDossier(m), 'ThongTinThuaDat'),
    async start() {
      const sim = createLandSimulator({ apiKey: LAND_KEY, retryIntervalMs: 100, callbackTimeoutMs: 3000 });
      const baseUrl = await sim.start();
      const adapter = new LandAdapter({
        baseUrl,
        apiKey: LAND_KEY,
        timeoutMs: TIMEOUT_MS,
        tinhId: 40,
        callbackSecurityCode: SECURITY_CODE,
      });
      return {
        adapter,
        entries: (m) => sim.entries(m),
        setFaults: (p) => void sim.setFaults(p),
        close: () => sim.close(),
      };
    },
  },
  {
    system: 'civil-registration',
    tag: 'CFCIVIL',
    example: birthDossier,
    withoutBlock: (m) => without(birthDossier(m), 'HoTich'),
    async start() {
      const sim = createCivilRegistrationSimulator({
        clientId: CIVIL_CLIENT,
        clientSecret: CIVIL_SECRET,
        rateLimitPerSecond: 0,
      });
      const baseUrl = await sim.start();
      const adapter = new CivilRegistrationAdapter({
        baseUrl,
        clientId: CIVIL_CLIENT,
        clientSecret: CIVIL_SECRET,
        timeoutMs: TIMEOUT_MS,
        windowThreshold: 20,
        maxRequestsPerSecond: 10,
      });
      return {
        adapter,
        entries: (m) => sim.entries(m),
        setFaults: (p) => void sim.setFaults(p),
        // trangThai 2: "being processed" (civil-registration.md §4.2).
        changeStatus: (m) => void sim.setStatus(m, 2),
        close: () => sim.close(),
      };
    },
  },
  {
    system: 'tax',
    tag: 'CFTAX',
    example: taxOnlyDossier,
    withoutBlock: (m) => without(taxOnlyDossier(m), 'Thue'),
    healthBlindToDown:
      'tax.md defines no query or status operation, so TaxTransport.probe() GETs "/" and counts any answer below 500 as up; ' +
      'the tax simulator\'s fault switches (down included) guard only /api/thue/*, so "/" answers 404 while down. ' +
      'A real outage (refused connection, 5xx) is detected.',
    async start() {
      const sim = createTaxSimulator({
        securityKey: TAX_KEY,
        pushSecurityKey: TAX_KEY,
        unitCodes: ['H40.22'],
        retryIntervalMs: 150,
        maxAttempts: 20,
        pushTimeoutMs: 3000,
      });
      const baseUrl = await sim.start();
      const adapter = new TaxAdapter({
        baseUrl,
        securityKey: TAX_KEY,
        inboundSecurityKey: TAX_KEY,
        maDviGui: 'H40.22',
        timeoutMs: TIMEOUT_MS,
      });
      return {
        adapter,
        entries: (m) => sim.entries(m),
        setFaults: (p) => sim.setFaults(p),
        close: () => sim.close(),
      };
    },
  },
  {
    system: 'social-insurance',
    tag: 'CFBHXH',
    example: funeralOnlyDossier,
    withoutBlock: (m) => without(funeralOnlyDossier(m), 'BHXH'),
    async start() {
      const sim = createSocialInsuranceSimulator({
        credentials: { username: BHXH_USER, password: BHXH_PASSWORD },
        callbackCredentials: { username: BHXH_CB_USER, password: BHXH_CB_PASSWORD },
        autoRegisterPersons: true,
        // The example dossiers are of 5 November 2025 and BHXH checks dates against its clock.
        now: () => EXAMPLE_NOW,
        callbackRetryIntervalMs: 150,
        callbackMaxAttempts: 20,
        callbackTimeoutMs: 3000,
      });
      const serviceUrl = await sim.start();
      const adapter = new SocialInsuranceAdapter({
        serviceUrl,
        username: BHXH_USER,
        password: BHXH_PASSWORD,
        timeoutMs: TIMEOUT_MS,
      });
      return {
        adapter,
        entries: (m) => sim.entries(m),
        setFaults: (p) => void sim.setFaults(p),
        close: () => sim.close(),
      };
    },
  },
  {
    system: 'document',
    tag: 'CFDOC',
    example: documentDossier,
    withoutBlock: (m) => without(documentDossier(m), 'VanBan'),
    async start() {
      const sim = createDocumentSimulator({
        consumerKey: DOC_KEY,
        consumerSecret: DOC_SECRET,
        quotaPerSecond: 0,
      });
      const baseUrl = await sim.start();
      const adapter = new DocumentAdapter({
        baseUrl,
        consumerKey: DOC_KEY,
        consumerSecret: DOC_SECRET,
        organId: '000.00.22.H40',
        organName: 'Trung tâm Phục vụ hành chính công tỉnh Nghệ An',
        place: 'Nghệ An',
        timeoutMs: TIMEOUT_MS,
        dossierSigner: { Competence: 'TM. ỦY BAN NHÂN DÂN', Position: 'Chủ tịch', FullName: 'Nguyễn Văn A' },
        apologyAgencies: {
          default: {
            receivers: [{ OrganId: '000.12.12.H40', OrganName: 'Văn phòng đăng ký đất đai tỉnh Nghệ An' }],
            signer: { Competence: 'TM. ỦY BAN NHÂN DÂN', Position: 'Chủ tịch', FullName: 'Nguyễn Văn A' },
          },
        },
        attachLodgedDocuments: false,
        maxRequestsPerSecond: 0,
      });
      return {
        adapter,
        entries: (m) => sim.entries(m),
        setFaults: (p) => sim.setFaults(p),
        // StatusCode 05 "being processed" (document-management.md §5.3) from the receiving unit.
        changeStatus: (m) => void sim.setStatus(m, '05'),
        close: () => sim.close(),
      };
    },
  },
];
