/**
 * RFC 4648 standard alphabet with `=` padding. `noiDung` must be exactly that (no line breaks);
 * `ContentTransferEncoded` may carry line breaks, which are ignored (§1).
 */
export function isStrictBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

/** Decodes `ContentTransferEncoded`: line breaks (and the indentation around them) ignored. */
export function decodeWrappedBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\n\t ]+/g, '');
  return compact !== '' && isStrictBase64(compact) ? Buffer.from(compact, 'base64') : undefined;
}
