import type { Request, Response } from 'express';
import type { PortalContext } from './context.js';
import { isPlainObject } from './record-shape.js';

/** A tiny valid-looking PDF naming the dossier and file, so downloads can be told apart. */
function dummyPdf(maHoSo: string, name: string): Buffer {
  return Buffer.from(
    `%PDF-1.4\n% lienthong portal simulator: ${maHoSo}/${name}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
    'utf8',
  );
}

/**
 * `GET /files/:maHoSo/:name` — the documents lodged (`TaiLieuNop[].DuongDanTaiTepTin`), downloadable
 * without authentication (§3.2). 404 unless the dossier exists and lists the file (by
 * `TenTepDinhKem` or by the last segment of its URL).
 */
export function filesHandler(ctx: PortalContext) {
  return (req: Request, res: Response): void => {
    const maHoSo = String(req.params.maHoSo ?? '');
    const name = String(req.params.name ?? '');
    const entry = ctx.store.get(maHoSo);
    const docs = (entry?.record.TaiLieuNop as unknown[] | undefined) ?? [];
    const listed = docs.some((d) => {
      if (!isPlainObject(d)) return false;
      const url = typeof d.DuongDanTaiTepTin === 'string' ? d.DuongDanTaiTepTin : '';
      let last = '';
      try {
        last = decodeURIComponent(url.split('?')[0]?.split('/').pop() ?? '');
      } catch {
        last = '';
      }
      return d.TenTepDinhKem === name || last === name;
    });
    if (!listed) {
      res.status(404).type('text/plain').send('Not Found');
      return;
    }
    ctx.counters.fileDownloads += 1;
    const type = name.toLowerCase().endsWith('.pdf') ? 'application/pdf' : 'application/octet-stream';
    res.status(200).type(type).send(dummyPdf(maHoSo, name));
  };
}
