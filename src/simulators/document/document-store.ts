import type { AttachmentInfo, Organ } from './edxml-document.js';
import type { DocumentKind } from './one-stop-profile.js';

/** A document the axis accepted, with the package exactly as received. */
export interface StoredDocument {
  docId: string;
  DocumentId: string;
  /** Consumer key of the client that sent it: its statuses go to that client's inbox. */
  consumerKey: string;
  /** From the one-stop profile (`Content` `MaHoSo=`); undefined when the profile is not enforced and absent. */
  maHoSo?: string;
  kind?: DocumentKind;
  from: Organ;
  to: Organ[];
  code: string;
  promulgationDate: string;
  subject: string;
  content?: string;
  dueDate?: string;
  contentSegments: Record<string, string>;
  attachments: Array<Omit<AttachmentInfo, 'head'>>;
  /** The decoded edXML, byte-identical to what was sent (as a JS string of the UTF-8 text). */
  edxml: string;
  /** The `noiDung` string as received. */
  noiDung: string;
  /** Whether every text of the package was NFC (README §2); kept for assertions, never enforced. */
  nfc: boolean;
  receivedAt: string;
}

/**
 * Documents by `docId`, deduplicated on the edXML `DocumentId` (§4.3): a second package with the
 * same `DocumentId` is never stored; a new `DocumentId` for the same dossier is a second document.
 */
export class DocumentStore {
  private readonly byDocId = new Map<string, StoredDocument>();
  private readonly byDocumentId = new Map<string, StoredDocument>();

  add(doc: StoredDocument): void {
    this.byDocId.set(doc.docId, doc);
    this.byDocumentId.set(doc.DocumentId, doc);
  }

  withDocumentId(documentId: string): StoredDocument | undefined {
    return this.byDocumentId.get(documentId);
  }

  withDocId(docId: string): StoredDocument | undefined {
    return this.byDocId.get(docId);
  }

  /** By `docId`, else edXML `DocumentId`, else the latest document of a dossier code. */
  find(ref: string): StoredDocument | undefined {
    return this.byDocId.get(ref) ?? this.byDocumentId.get(ref) ?? this.forDossier(ref).at(-1);
  }

  forDossier(maHoSo: string, kind?: DocumentKind): StoredDocument[] {
    return this.all().filter((d) => d.maHoSo === maHoSo && (kind === undefined || d.kind === kind));
  }

  /** How many documents the axis holds for a dossier code (optionally of one kind). */
  entries(maHoSo: string, kind?: DocumentKind): number {
    return this.forDossier(maHoSo, kind).length;
  }

  /** Entries per dossier code. */
  entriesByDossier(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const d of this.byDocId.values())
      if (d.maHoSo !== undefined) out[d.maHoSo] = (out[d.maHoSo] ?? 0) + 1;
    return out;
  }

  all(): StoredDocument[] {
    return [...this.byDocId.values()];
  }

  latest(): StoredDocument | undefined {
    return this.all().at(-1);
  }

  clear(): void {
    this.byDocId.clear();
    this.byDocumentId.clear();
  }
}
