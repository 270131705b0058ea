import { readFileSync } from 'node:fs';
import { registerConverter } from '../../src/mapping/template.js';
import { repoPath } from '../../src/paths.js';
import { portalToDisplay, portalToIsoDate } from './edxml-time.js';

/** The operations that send a document; each has its block in `mappings/document.json`. */
export type DocumentOperation = 'guivanban' | 'guiphieuxinloi';
export const DOCUMENT_OPERATIONS: readonly DocumentOperation[] = ['guivanban', 'guiphieuxinloi'];

export interface DocumentTemplate {
  /** Where the parts of `DocumentId` that are not derived from the delivery come from. */
  identity: { PromulgationDate: unknown; CodeNotationPrefix: string };
  /** Appended to `Subject` when it does not contain the dossier code literally (§6). */
  subjectMustContainMaHoSo?: string;
  /** `lodged`: the dossier's TaiLieuNop (when enabled); `apologyForm`: the generated form 04 PDF. */
  attachments: 'lodged' | 'apologyForm';
  MessageHeader: Record<string, unknown>;
  lodgedAttachment?: unknown;
  form?: {
    ContentId: string;
    ContentType: string;
    Description: unknown;
    AttachmentName: unknown;
    lines: unknown;
  };
}

export interface StatusTemplate {
  status: Record<string, string>;
  progress: unknown;
  facts: unknown;
  data: unknown;
}

export interface DocumentMappingFile {
  documents: Record<DocumentOperation, DocumentTemplate>;
  statuses: { known: string[]; names: Record<string, string> } & Record<DocumentOperation, StatusTemplate>;
}

/**
 * Converters of the document mapping. Registered once, under names no other adapter uses, because
 * the converter registry is shared by every mapping.
 */
function registerDocumentConverters(): void {
  registerConverter('edxmlDate', (v) => {
    const out = portalToIsoDate(String(v ?? ''));
    if (out === null) throw new Error(`not a yyyyMMddHHmmss date-time: ${JSON.stringify(v)}`);
    return out;
  });
  registerConverter('edxmlDisplayDate', (v) => {
    const out = portalToDisplay(String(v ?? ''));
    if (out === null) throw new Error(`not a yyyyMMddHHmmss date-time: ${JSON.stringify(v)}`);
    return out;
  });
  // §6: a Content value must not contain `;`, the segment separator; a comma reads the same to people.
  registerConverter('edxmlSegment', (v) => String(v ?? '').replaceAll(';', ','));
}

registerDocumentConverters();

export function loadDocumentMapping(): DocumentMappingFile {
  return JSON.parse(readFileSync(repoPath('mappings', 'document.json'), 'utf8')) as DocumentMappingFile;
}
