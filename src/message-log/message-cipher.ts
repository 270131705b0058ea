import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** A body as stored: AES-256-GCM, a fresh 96-bit IV per body, the tag apart, all base64. */
export interface SealedBody {
  /** Which key sealed it (the first 8 hex digits of the key's SHA-256): tells a rotated key apart. */
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

/**
 * Reads `messageLog.key`: 32 bytes as 64 hex digits or as base64 (44 characters). Returns null
 * for anything else, so the configuration can name the key in its error.
 */
export function parseLogKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    return b.length === 32 ? b : null;
  }
  return null;
}

/**
 * The two uses of the one configured key, kept apart by HKDF: sealing bodies, and keying the
 * digests that chain the entries.
 *
 * @remarks The chain digest is an HMAC, not a bare hash: someone able to write to Redis but
 * without the key can neither alter an entry nor rebuild the chain after it. Without a key the
 * chain falls back to SHA-256, which still shows accidental changes and deletions but not a
 * deliberate rewrite of the whole chain, and no body is kept.
 */
export class MessageCipher {
  readonly kid: string;
  private readonly sealKey: Buffer;
  private readonly macKey: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the message log key must be 32 bytes');
    this.kid = createHash('sha256').update(key).digest('hex').slice(0, 8);
    this.sealKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'lienthong message-log seal', 32));
    this.macKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'lienthong message-log chain', 32));
  }

  /** `aad` binds the body to its place (dossier and sequence number): a body moved elsewhere does not open. */
  seal(plain: string, aad: string): SealedBody {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.sealKey, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return {
      kid: this.kid,
      iv: iv.toString('base64'),
      tag: c.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
  }

  /** Throws when the body was altered, moved, or sealed with another key. */
  open(sealed: SealedBody, aad: string): string {
    const d = createDecipheriv('aes-256-gcm', this.sealKey, Buffer.from(sealed.iv, 'base64'));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(sealed.ct, 'base64')), d.final()]).toString('utf8');
  }

  mac(text: string): string {
    return createHmac('sha256', this.macKey).update(text, 'utf8').digest('hex');
  }
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
