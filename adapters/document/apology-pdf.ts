/**
 * The form 04 PDF the apology letter must carry (§6: exactly one PDF attachment), generated from
 * the data the gateway holds: nothing is downloaded to make it.
 *
 * @remarks A minimal PDF 1.4 with the standard Helvetica font, which has no Vietnamese glyphs: the
 * text is written without diacritics (the signed original is the recipient's business; the edXML
 * header carries the exact Vietnamese text). The output depends on the lines only, so a resend
 * carries the same bytes.
 */
export function buildApologyPdf(lines: readonly string[]): Buffer {
  const text = lines.flatMap((l) => wrap(toPdfText(l), 85));
  const ops = ['BT', '/F1 14 Tf', '72 770 Td'];
  text.forEach((line, i) => {
    if (i === 1) ops.push('/F1 11 Tf', '0 -28 Td');
    else if (i > 1) ops.push('0 -17 Td');
    ops.push(`(${escape(line)}) Tj`);
  });
  ops.push('ET');
  const stream = `${ops.join('\n')}\n`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}endstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Vietnamese without diacritics (đ → d), printable ASCII only. */
export function toPdfText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x7e]/g, '?');
}

function escape(s: string): string {
  return s.replace(/[\\()]/g, (c) => `\\${c}`);
}

function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      out.push(current);
      current = '';
    }
    current = current === '' ? word : `${current} ${word}`;
    while (current.length > width) {
      out.push(current.slice(0, width));
      current = current.slice(width);
    }
  }
  if (current !== '') out.push(current);
  return out;
}
