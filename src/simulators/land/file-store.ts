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

/** A minimal, valid one-page PDF naming the document, so a downloaded file is a real PDF. */
export function placeholderPdf(title: string): Buffer {
  const text = title.replace(/[^\x20-\x7e]/g, '?').replace(/[()\\]/g, '');
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
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
