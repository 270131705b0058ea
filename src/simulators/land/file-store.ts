import { onePagePdf } from '../one-page-pdf.js';

/**
 * Files the land system serves at `GET /api/motcua/tep/{name}` (tax notices, result documents):
 * downloadable with the `X-VBDLIS-Key` header for 30 days (land.md §7.3).
 *
 * @remarks land.md does not say what an unknown or expired file answers; the simulator answers
 * 404 with the usual envelope and `status.code` `NOT_FOUND` (a real vendor's most likely choice).
 */
export interface StoredFile {
  name: string;
  contentType: string;
  content: Buffer;
  createdAt: number;
  expiresAt: number;
}

export const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;

/** A one-page PDF naming the document, so a downloaded file is a real PDF. */
export function placeholderPdf(title: string): Buffer {
  const text = title.replace(/[^\x20-\x7e]/g, '?').replace(/[()\\]/g, '');
  return onePagePdf(text, { fontSize: 12, x: 72, y: 720 });
}

export class FileStore {
  private readonly files = new Map<string, StoredFile>();

  constructor(
    private readonly now: () => number,
    private readonly lifetimeMs: number,
  ) {}

  put(name: string, content?: Buffer | string, contentType = 'application/pdf'): StoredFile {
    const createdAt = this.now();
    const file: StoredFile = {
      name,
      contentType,
      content: content === undefined ? placeholderPdf(name) : Buffer.from(content),
      createdAt,
      expiresAt: createdAt + this.lifetimeMs,
    };
    this.files.set(name, file);
    return file;
  }

  /** The file, or undefined when unknown or past its 30 days. */
  get(name: string): StoredFile | undefined {
    const f = this.files.get(name);
    return f && this.now() < f.expiresAt ? f : undefined;
  }

  names(): string[] {
    return [...this.files.keys()];
  }

  clear(): void {
    this.files.clear();
  }
}
