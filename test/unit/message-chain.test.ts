import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { entryDigest, GENESIS, headOf, verifyChain, type LogEntry } from '../../src/message-log/chain.js';
import { dossiersNamedIn, withoutCredentials } from '../../src/message-log/exchange.js';
import { MessageCipher, parseLogKey } from '../../src/message-log/message-cipher.js';

const cipher = new MessageCipher(randomBytes(32));

/** A chain of `n` entries as the log writes them, and its head. */
function chain(n: number, c: MessageCipher | null = cipher): { raw: string[]; head: string } {
  const raw: string[] = [];
  let prev = GENESIS;
  let head = '';
  for (let seq = 1; seq <= n; seq += 1) {
    const unsigned: Omit<LogEntry, 'hash'> = {
      v: 1,
      seq,
      at: `2025-11-05T08:3${seq % 10}:00+07:00`,
      MaHoSo: 'H40.22-251105-0001',
      direction: seq % 2 ? 'out' : 'in',
      party: 'land',
      operation: 'POST tiepnhan',
      purpose: 'deliver tiepnhan',
      status: 200,
      outcome: 'ok',
      code: 'OK',
      durationMs: 12,
      bodyDigest: 'a'.repeat(64),
      replyDigest: 'b'.repeat(64),
      bodyKept: true,
      prev,
    };
    const e: LogEntry = { ...unsigned, hash: entryDigest(unsigned, c) };
    raw.push(JSON.stringify(e));
    prev = e.hash;
    head = headOf(e);
  }
  return { raw, head };
}

describe('message log chain', () => {
  it('When nothing was touched, then the chain holds, keyed or not', () => {
    const { raw, head } = chain(5);
    expect(verifyChain(raw, head, cipher)).toEqual({ ok: true, entries: 5 });
    const plain = chain(3, null);
    expect(verifyChain(plain.raw, plain.head, null).ok).toBe(true);
    expect(verifyChain([], null, cipher).ok).toBe(true);
  });

  it('When an entry is changed, then its own link breaks, even with a recomputed unkeyed digest', () => {
    const { raw, head } = chain(5);
    const e = JSON.parse(raw[2]!) as LogEntry;
    raw[2] = JSON.stringify({ ...e, status: 500 });
    expect(verifyChain(raw, head, cipher).broken).toEqual({
      seq: 3,
      index: 2,
      reason: 'the entry was changed after it was written',
    });
    const forged = { ...e, status: 500 };
    raw[2] = JSON.stringify({ ...forged, hash: entryDigest(forged, null) });
    expect(verifyChain(raw, head, cipher).broken?.seq).toBe(3);
    raw[2] = JSON.stringify({ ...e, extra: 'x' });
    expect(verifyChain(raw, head, cipher).broken?.reason).toBe('the entry has fields an entry never has');
  });

  it('When an entry is removed in the middle, at the start or at the end, then the gap is named', () => {
    const { raw, head } = chain(5);
    expect(verifyChain([...raw.slice(0, 2), ...raw.slice(3)], head, cipher).broken).toEqual({
      seq: 3,
      index: 2,
      reason: 'entries 3..3 are missing',
    });
    expect(verifyChain(raw.slice(1), head, cipher).broken?.reason).toBe('entries 1..1 are missing');
    expect(verifyChain(raw.slice(0, 3), head, cipher).broken).toEqual({
      seq: 4,
      index: 3,
      reason: 'entries 4..5 are missing at the end',
    });
    expect(verifyChain(raw, null, cipher).broken?.reason).toBe('the head of the chain is missing');
  });

  it('When entries are swapped or renumbered, then the chain breaks where the order does', () => {
    const { raw, head } = chain(4);
    const swapped = [raw[0]!, raw[2]!, raw[1]!, raw[3]!];
    expect(verifyChain(swapped, head, cipher).broken?.seq).toBe(2);
    const e = JSON.parse(raw[3]!) as LogEntry;
    const renumbered = [...raw.slice(0, 3), JSON.stringify({ ...e, seq: 3 })];
    expect(verifyChain(renumbered, head, cipher).broken?.reason).toContain('numbered 3 where 4');
    expect(verifyChain([...raw.slice(0, 3), 'not json'], head, cipher).broken?.reason).toBe(
      'the entry is not readable',
    );
  });
});

describe('message log cipher and bodies', () => {
  it('When a body is sealed, then it opens only with the same key and in the same place', () => {
    const sealed = cipher.seal('{"ChuHoSo":"Nguyễn Văn Hùng"}', 'M|3');
    expect(JSON.stringify(sealed)).not.toContain('Hùng');
    expect(cipher.open(sealed, 'M|3')).toBe('{"ChuHoSo":"Nguyễn Văn Hùng"}');
    expect(() => cipher.open(sealed, 'M|4')).toThrow();
    expect(() => new MessageCipher(randomBytes(32)).open(sealed, 'M|3')).toThrow();
    expect(() => cipher.open({ ...sealed, ct: Buffer.from('x').toString('base64') }, 'M|3')).toThrow();
  });

  it('When the key is read, then 64 hex digits or base64 of 32 bytes are accepted, anything else refused', () => {
    const k = randomBytes(32);
    expect(parseLogKey(k.toString('hex'))?.equals(k)).toBe(true);
    expect(parseLogKey(k.toString('base64'))?.equals(k)).toBe(true);
    expect(parseLogKey('short')).toBeNull();
    expect(parseLogKey(randomBytes(16).toString('hex'))).toBeNull();
  });

  it('When a body carries credentials, then they are cut out before it is digested or kept', () => {
    expect(withoutCredentials('{"session":"abc123","madonvi":"H40.22"}')).toBe(
      '{"session":"***","madonvi":"H40.22"}',
    );
    expect(
      withoutCredentials(
        '<wsse:Password Type="…#PasswordText">s3cret</wsse:Password><tns:MaHoSo>M</tns:MaHoSo>',
      ),
    ).toBe('<wsse:Password Type="…#PasswordText">***</wsse:Password><tns:MaHoSo>M</tns:MaHoSo>');
  });

  it('When a message is read for its dossier codes, then every format names them', () => {
    expect(dossiersNamedIn('{"data":[{"MaHoSo":"H40.22-1"}]}')).toEqual(['H40.22-1']);
    expect(dossiersNamedIn('{"EventId":"x","MaHoSoMotCua":"H40.22-2"}')).toEqual(['H40.22-2']);
    expect(dossiersNamedIn('<s:Body><tns:MaHoSo>H40.22-3</tns:MaHoSo></s:Body>')).toEqual(['H40.22-3']);
    expect(
      dossiersNamedIn('<DATA><ROW><MA_HSO>A-1</MA_HSO></ROW><ROW><MA_HSO>A-2</MA_HSO></ROW></DATA>'),
    ).toEqual(['A-1', 'A-2']);
    expect(dossiersNamedIn('{"MaHoSo":"bad code!"}')).toEqual([]);
    expect(dossiersNamedIn(null)).toEqual([]);
  });
});
