/**
 * A minimal ASN.1 DER reader for the X.509 built-ins: enough to walk
 * certificates, CSRs and their extensions and keep the raw bytes of each part
 * (Go's x509 structures expose `Raw*` fields).
 */

export class DerError extends Error {}

export interface Tlv {
  /** Tag class: 0 universal, 1 application, 2 context-specific, 3 private. */
  cls: number;
  constructed: boolean;
  tag: number;
  /** Whole element (header and content). */
  raw: Buffer;
  /** Content bytes. */
  content: Buffer;
}

/** Reads one element at `offset`; returns it and the offset after it. */
export function readTlv(buf: Buffer, offset = 0): [Tlv, number] {
  if (offset + 2 > buf.length) throw new DerError('x509: malformed data: truncated');
  const first = buf[offset]!;
  const cls = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let tag = first & 0x1f;
  let p = offset + 1;
  if (tag === 0x1f) {
    tag = 0;
    for (;;) {
      if (p >= buf.length) throw new DerError('x509: malformed data: truncated tag');
      const b = buf[p++]!;
      tag = tag * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
  }
  if (p >= buf.length) throw new DerError('x509: malformed data: truncated length');
  let len = buf[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new DerError('x509: malformed data: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  const end = p + len;
  if (end > buf.length) throw new DerError('x509: malformed data: truncated content');
  return [{ cls, constructed, tag, raw: buf.subarray(offset, end), content: buf.subarray(p, end) }, end];
}

/** Children of a constructed element. */
export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let p = 0;
  while (p < t.content.length) {
    const [c, next] = readTlv(t.content, p);
    out.push(c);
    p = next;
  }
  return out;
}

/** Parses `buf` as exactly one element. */
export function parseDer(buf: Buffer): Tlv {
  const [t, end] = readTlv(buf, 0);
  if (end !== buf.length) throw new DerError('x509: trailing data');
  return t;
}

/** OBJECT IDENTIFIER arcs. */
export function oidArcs(t: Tlv): number[] {
  const b = t.content;
  if (b.length === 0) throw new DerError('x509: malformed OID');
  const arcs: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      if (arcs.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        arcs.push(first, v - first * 40);
      } else arcs.push(v);
      v = 0;
    }
  }
  return arcs;
}

export function oidString(t: Tlv): string {
  return oidArcs(t).join('.');
}

/** INTEGER as a bigint (two's complement). */
export function integer(t: Tlv): bigint {
  const b = t.content;
  if (b.length === 0) return 0n;
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  if (b[0]! & 0x80) n -= 1n << BigInt(b.length * 8);
  return n;
}

/** Unsigned big-endian bytes as a bigint. */
export function unsigned(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

/** The string value of a string-typed element (UTF8String, PrintableString, IA5String, BMPString, ...). */
export function asString(t: Tlv): string {
  if (t.tag === 30) {
    // BMPString: UTF-16BE
    const chars: string[] = [];
    for (let i = 0; i + 1 < t.content.length; i += 2) chars.push(String.fromCharCode((t.content[i]! << 8) | t.content[i + 1]!));
    return chars.join('');
  }
  if (t.tag === 12) return t.content.toString('utf8');
  return t.content.toString('latin1');
}

/** UTCTime / GeneralizedTime as RFC 3339 text (Go's time.Time JSON in UTC). */
export function asTime(t: Tlv): string {
  const s = t.content.toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  let rest: string;
  if (t.tag === 23 && (m = /^(\d{2})(\d{10})Z$/.exec(s))) {
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    rest = m[2]!;
  } else if (t.tag === 24 && (m = /^(\d{4})(\d{10})Z$/.exec(s))) {
    year = Number(m[1]);
    rest = m[2]!;
  } else throw new DerError('x509: malformed time');
  const [mo, d, h, mi, se] = [0, 2, 4, 6, 8].map((i) => rest.slice(i, i + 2));
  return `${String(year).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${se}Z`;
}

/** BIT STRING content without the unused-bits byte, and the number of bits. */
export function bitString(t: Tlv): { bytes: Buffer; bitLength: number } {
  const unused = t.content[0] ?? 0;
  const bytes = t.content.subarray(1);
  return { bytes, bitLength: bytes.length * 8 - unused };
}
