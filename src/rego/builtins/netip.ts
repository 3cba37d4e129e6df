/**
 * Go's `netip.ParseAddr`: the one IP text parser behind `net.ParseIP` (the
 * `net.cidr_*` built-ins) and `url.Parse`'s check of bracketed hosts (`uri.*`).
 * IPv4 is dotted-quad only with no leading zeros; IPv6 allows one `::` that must
 * stand for at least one group, an embedded IPv4 tail, and a `%zone`.
 * Failures carry netip's message: `ParseAddr("1.2.3"): IPv4 address too short`.
 */
import { goQuote } from './go-quote.js';

export interface ParsedAddr {
  /** 4 bytes (IPv4) or 16 (IPv6). */
  bytes: number[];
  zone: string;
}

class AddrError {
  constructor(
    readonly input: string,
    readonly msg: string,
    readonly at = '',
  ) {}
  get message(): string {
    return `ParseAddr(${goQuote(this.input)}): ${this.msg}` + (this.at !== '' ? ` (at ${goQuote(this.at)})` : '');
  }
}

/** The address, or netip's error message. */
export function parseAddr(s: string): ParsedAddr | string {
  const r = parseAny(s);
  return r instanceof AddrError ? r.message : r;
}

function parseAny(s: string): ParsedAddr | AddrError {
  for (let i = 0; i < s.length; i++) {
    switch (s[i]) {
      case '.':
        return parseV4(s, s, 0, s.length);
      case ':':
        return parseV6(s);
      case '%':
        return new AddrError(s, 'missing IPv6 address');
    }
  }
  return new AddrError(s, 'unable to parse IP');
}

/** IPv4 fields of `input.slice(start, end)`; errors name the whole `input`. */
function parseV4(input: string, s: string, start: number, end: number): ParsedAddr | AddrError {
  const fields: number[] = [];
  let val = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && val === 0) return new AddrError(input, 'IPv4 field has octet with leading zero');
      val = val * 10 + (c - 48);
      digits++;
      if (val > 255) return new AddrError(input, 'IPv4 field has value >255');
    } else if (c === 46) {
      if (i === start || i === end - 1 || s[i - 1] === '.') {
        return new AddrError(input, 'IPv4 field must have at least one digit', s.slice(i, end));
      }
      if (fields.length === 3) return new AddrError(input, 'IPv4 address too long');
      fields.push(val);
      val = 0;
      digits = 0;
    } else {
      return new AddrError(input, 'unexpected character', s.slice(i, end));
    }
  }
  if (fields.length < 3) return new AddrError(input, 'IPv4 address too short');
  fields.push(val);
  return { bytes: fields, zone: '' };
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseV6(input: string): ParsedAddr | AddrError {
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct >= 0) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') return new AddrError(input, 'zone must be a non-empty string');
  }
  const ip = new Array<number>(16).fill(0);
  let ellipsis = -1;
  if (s.startsWith('::')) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === '') return { bytes: ip, zone };
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const h = hexValue(s.charCodeAt(off));
      if (h < 0) break;
      acc = acc * 16 + h;
      if (off > 3) return new AddrError(input, 'each group must have 4 or less digits', s);
      if (acc > 0xffff) return new AddrError(input, 'IPv6 field has value >=2^16', s);
    }
    if (off === 0) return new AddrError(input, 'each colon-separated field must have at least one digit', s);
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return new AddrError(input, 'embedded IPv4 address must replace the final 2 fields of the address', s);
      if (i + 4 > 16) return new AddrError(input, 'too many hex fields to fit an embedded IPv4 at the end of the address', s);
      const v4 = parseV4(input, s, 0, s.length);
      if (v4 instanceof AddrError) return v4;
      for (const b of v4.bytes) ip[i++] = b;
      s = '';
      break;
    }
    ip[i++] = acc >> 8;
    ip[i++] = acc & 0xff;
    s = s.slice(off);
    if (s === '') break;
    if (s[0] !== ':') return new AddrError(input, 'unexpected character, want colon', s);
    if (s.length === 1) return new AddrError(input, 'colon must be followed by more characters', s);
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return new AddrError(input, 'multiple :: in address', s);
      ellipsis = i;
      s = s.slice(1);
      if (s === '') break;
    }
  }
  if (s !== '') return new AddrError(input, 'trailing garbage after address', s);
  if (i < 16) {
    if (ellipsis < 0) return new AddrError(input, 'address string too short');
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    for (let j = ellipsis; j < ellipsis + n; j++) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return new AddrError(input, 'the :: must expand to at least one field of zeros', s);
  }
  return { bytes: ip, zone };
}
