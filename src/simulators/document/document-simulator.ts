import express from 'express';
import { FaultInjector } from '../fault-injector.js';
import type { FaultCounts, FaultSettings } from '../fault-injector.js';
import { listen } from '../http-harness.js';
import type { Listening } from '../http-harness.js';
import { mountApiRoutes } from './api-routes.js';
import { mountControlRoutes } from './control-routes.js';
import type { DocumentCounters } from './counters.js';
import type { StoredDocument } from './document-store.js';
import { LgspAxis } from './lgsp-axis.js';
import type { DocumentKind } from './one-stop-profile.js';
import { resolveOptions } from './options.js';
import type { DocumentSimulatorOptions } from './options.js';
import type { DocumentFaultSettings } from './protocol-faults.js';
import type { InboxItem, ItemState } from './status-inbox.js';
import { StatusProducer } from './status-producer.js';
import type { MalformedKind, StatusSpec } from './status-producer.js';

export type DocumentSummary = Omit<StoredDocument, 'edxml' | 'noiDung'>;

/** Everything `GET /__sim/state` returns. */
export interface DocumentSimState {
  counters: DocumentCounters;
  faults: FaultSettings;
  faultCounts: FaultCounts;
  protocolFaults: DocumentFaultSettings;
  activeTokens: number;
  /** Documents held per dossier code. */
  entries: Record<string, number>;
  documents: DocumentSummary[];
  inbox: InboxItem[];
}

/** The LGSP interconnection axis (document-management.md), in memory, on loopback. */
export interface DocumentSimulator {
  /** Listens on 127.0.0.1; resolves the base URL (no trailing slash). */
  start(port?: number): Promise<string>;
  /** Stops listening, ends connections held by faults. */
  close(): Promise<void>;
  readonly url: string | undefined;
  readonly faults: FaultInjector;
  /** Live counters (the object is replaced by `reset`). */
  readonly counters: DocumentCounters;
  /** Patch of shared fault settings and/or the axis' own switches. */
  setFaults(patch: Partial<FaultSettings & DocumentFaultSettings>): void;
  readonly protocolFaults: DocumentFaultSettings;
  /** Makes every issued token invalid: the next API call answers 401 `900901`. Returns how many were active. */
  expireTokens(): number;
  /** Documents the axis holds for a dossier code (optionally of one kind); stays 1 when the same DocumentId is resent. */
  entries(maHoSo: string, kind?: DocumentKind): number;
  /** 1 when a document with this edXML `DocumentId` is held, else 0. */
  documentsWithDocumentId(documentId: string): number;
  /** A document by `docId`, edXML `DocumentId` or dossier code (latest), with its package as received. */
  document(ref: string): StoredDocument | undefined;
  documents(): StoredDocument[];
  /** Puts one status about a document (`docId`, `DocumentId` or `MaHoSo`) into its sender's inbox. */
  setStatus(target: string, StatusCode: string, details?: Omit<StatusSpec, 'StatusCode'>): InboxItem[];
  /** Several statuses that happened in this order (placed newest first when `reorderStatuses` is on). */
  setStatuses(target: string, statuses: StatusSpec[]): InboxItem[];
  /** Puts an unreadable status item in the inbox (default: about the latest document, truncated XML). */
  injectMalformedStatus(options?: { target?: string; kind?: MalformedKind }): InboxItem;
  /** Inbox items, all or in one state. */
  inbox(state?: ItemState): InboxItem[];
  state(): DocumentSimState;
  /** Forgets documents, inbox, tokens, counters and faults. */
  reset(): void;
}

export function createDocumentSimulator(options: DocumentSimulatorOptions = {}): DocumentSimulator {
  const resolved = resolveOptions(options);
  const axis = new LgspAxis(resolved);
  const producer = new StatusProducer(axis);
  const faults = new FaultInjector(resolved.seed);
  let listening: Listening | undefined;

  const summary = ({ edxml: _x, noiDung: _n, ...rest }: StoredDocument): DocumentSummary => rest;

  const sim: DocumentSimulator = {
    async start(port = 0) {
      if (listening) return listening.url;
      const app = express();
      app.disable('x-powered-by');
      mountControlRoutes(app, sim);
      mountApiRoutes(app, axis, faults);
      listening = await listen(app, port, '127.0.0.1', () => faults.releaseHanging());
      return listening.url;
    },
    async close() {
      const l = listening;
      listening = undefined;
      faults.releaseHanging();
      if (l) await l.close();
    },
    get url() {
      return listening?.url;
    },
    faults,
    get counters() {
      return axis.counters;
    },
    setFaults(patch) {
      const shared: Partial<FaultSettings> = {};
      const own: Partial<DocumentFaultSettings> = {};
      for (const [key, value] of Object.entries(patch)) {
        if (key in axis.protocol) Object.assign(own, { [key]: value });
        else Object.assign(shared, { [key]: value });
      }
      faults.set(shared);
      axis.setProtocolFaults(own);
    },
    get protocolFaults() {
      return axis.protocol;
    },
    expireTokens: () => axis.tokens.expireAll(axis.nowMs()),
    entries: (maHoSo, kind) => axis.documents.entries(maHoSo, kind),
    documentsWithDocumentId: (documentId) => (axis.documents.withDocumentId(documentId) ? 1 : 0),
    document: (ref) => axis.documents.find(ref),
    documents: () => axis.documents.all(),
    setStatus: (target, StatusCode, details = {}) => producer.put(target, [{ ...details, StatusCode }]),
    setStatuses: (target, statuses) => producer.put(target, statuses),
    injectMalformedStatus: (opts = {}) => producer.malformed(opts.target, opts.kind),
    inbox: (state) => axis.inbox.all().filter((i) => state === undefined || i.trangThai === state),
    state: () => ({
      counters: axis.counters,
      faults: faults.settings,
      faultCounts: faults.counts,
      protocolFaults: axis.protocol,
      activeTokens: axis.tokens.active(axis.nowMs()),
      entries: axis.documents.entriesByDossier(),
      documents: axis.documents.all().map(summary),
      inbox: axis.inbox.all(),
    }),
    reset() {
      axis.reset();
      producer.reset();
      faults.reset();
      faults.releaseHanging();
      for (const key of Object.keys(faults.counts) as Array<keyof FaultCounts>) faults.counts[key] = 0;
    },
  };
  return sim;
}
