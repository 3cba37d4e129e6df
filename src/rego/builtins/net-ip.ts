/**
 * IP addresses and networks with Go's `net` package semantics, which OPA's
 * `net.cidr_*` built-ins are defined by.
 *
 * An address is its bytes: 4 for IPv4, 16 for IPv6, and (as Go's `net.ParseIP`
 * returns) 16 bytes in the IPv4-mapped form `::ffff:a.b.c.d` for a textual IPv4
 * address. Go treats mapped addresses as IPv4 when matching and printing, so
 * these helpers do too (`to4`).
 *
 * Parsing is Go's `net/netip` (`netip.ts`): no leading zeros in IPv4 octets, no zones,
 * at most one `::`, which must stand for at least one group.
 *
 * Why not the npm `ipaddr.js` package (removed from package.json): its parser
 * accepts what Go refuses (octal and hexadecimal octets, short forms such as
 * `10.1`, zones) and its CIDR helpers neither keep Go's 16-byte form of IPv4
 * addresses nor print networks as Go's `IPNet.String` does, all of which show in
 * `net.cidr_*` answers; Go's rules are a few dozen lines.
 */
import { parseAddr } from './netip.js';

export type IP = Uint8Array;

export interface IPNet {
  /** Network address (masked), 4 or 16 bytes. */
  ip: IP;
  /** Mask, 4 or 16 bytes. */
  mask: IP;
}

const V4_IN_V6_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** Go's `net.ParseIP`: always 16 bytes (IPv4 in mapped form), or null. */
export function parseIP(s: string): IP | null {
  const a = parseAddr(s);
  if (typeof a === 'string' || a.zone !== '') return null; // net.ParseIP refuses zones
  return a.bytes.length === 4 ? Uint8Array.from([...V4_IN_V6_PREFIX, ...a.bytes]) : Uint8Array.from(a.bytes);
}

/** Go's `net.CIDRMask(ones, bits)`. */
export function cidrMask(ones: number, bits: number): IP {
  const m = new Uint8Array(bits / 8);
  for (let i = 0; i < m.length; i++) {
    const take = Math.max(0, Math.min(8, ones - i * 8));
    m[i] = (0xff << (8 - take)) & 0xff;
  }
  return m;
}

/**
 * Go's `net.ParseCIDR`: the network (address masked), or an error message
 * (`invalid CIDR address: <s>`, as Go's ParseError prints).
 */
export function parseCIDR(s: string): IPNet | string {
  const err = `invalid CIDR address: ${s}`;
  const slash = s.indexOf('/');
  if (slash < 0) return err;
  const addr = parseAddr(s.slice(0, slash));
  const maskText = s.slice(slash + 1);
  if (typeof addr === 'string' || addr.zone !== '' || !/^[0-9]+$/.test(maskText)) return err;
  const bits = addr.bytes.length * 8;
  const digits = maskText.replace(/^0+(?=.)/, ''); // Go's dtoi allows leading zeros
  const ones = digits.length > 8 ? Infinity : Number(digits);
  if (ones > bits) return err;
  const mask = cidrMask(ones, bits);
  const ip16 = bits === 32 ? Uint8Array.from([...V4_IN_V6_PREFIX, ...addr.bytes]) : Uint8Array.from(addr.bytes);
  return { ip: maskIP(ip16, mask)!, mask };
}

function isV4InV6(ip: IP): boolean {
  if (ip.length !== 16) return false;
  for (let i = 0; i < 12; i++) if (ip[i] !== V4_IN_V6_PREFIX[i]) return false;
  return true;
}

/** Go's `IP.To4`: the 4-byte form of an IPv4 (or mapped) address, else null. */
export function to4(ip: IP): IP | null {
  if (ip.length === 4) return ip;
  if (isV4InV6(ip)) return ip.slice(12);
  return null;
}

/** Go's `IP.Mask`. */
export function maskIP(ip: IP, mask: IP): IP | null {
  if (mask.length === 16 && ip.length === 4 && mask.subarray(0, 12).every((b) => b === 0xff)) mask = mask.slice(12);
  if (mask.length === 4 && ip.length === 16 && isV4InV6(ip)) ip = ip.slice(12);
  if (ip.length !== mask.length) return null;
  return ip.map((b, i) => b & mask[i]!);
}

/** Go's `IPMask.Size`: [ones, bits], or [0, 0] for a non-canonical mask. */
export function maskSize(mask: IP): [number, number] {
  let ones = 0;
  let seenZero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      if ((byte >> bit) & 1) {
        if (seenZero) return [0, 0];
        ones++;
      } else seenZero = true;
    }
  }
  return [ones, mask.length * 8];
}

function networkNumberAndMask(n: IPNet): [IP, IP] | null {
  let ip = to4(n.ip);
  if (!ip) {
    ip = n.ip;
    if (ip.length !== 16) return null;
  }
  let m = n.mask;
  if (m.length === 4) {
    if (ip.length !== 4) return null;
  } else if (m.length === 16) {
    if (ip.length === 4) m = m.slice(12);
  } else return null;
  return [ip, m];
}

/** Go's `IPNet.Contains`. */
export function netContains(n: IPNet, ip: IP): boolean {
  const nm = networkNumberAndMask(n);
  if (!nm) return false;
  const [nn, m] = nm;
  const x = to4(ip) ?? ip;
  if (x.length !== nn.length) return false;
  for (let i = 0; i < x.length; i++) if ((nn[i]! & m[i]!) !== (x[i]! & m[i]!)) return false;
  return true;
}

/** Last address of a network (OPA's `getLastIP`): the address with every host bit set. */
export function lastIP(n: IPNet): IP {
  const [ones, bits] = maskSize(n.mask);
  const out = n.ip.slice();
  let hostBits = bits - ones;
  for (let i = out.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    out[i] = out[i]! | (0xff >> Math.max(0, 8 - hostBits));
  }
  return out;
}

/** Go's `IP.String`: dotted IPv4 for IPv4 and mapped addresses, RFC 5952 text for IPv6. */
export function ipString(ip: IP): string {
  const v4 = to4(ip);
  if (v4) return Array.from(v4).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i]! << 8) | ip[i + 1]!);
  // Longest run (at least two) of zero groups, first on a tie, becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number) => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(':');
  return groups.slice(0, bestStart).map(hex).join(':') + '::' + groups.slice(bestStart + bestLen).map(hex).join(':');
}

/** Go's `IPNet.String`: `<network>/<prefix length>`. */
export function netString(n: IPNet): string {
  const nm = networkNumberAndMask(n);
  if (!nm) return '<nil>';
  const [nn, m] = nm;
  const [ones, bits] = maskSize(m);
  if (ones === 0 && bits === 0) return `${ipString(nn)}/${Array.from(m, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  return `${ipString(nn)}/${ones}`;
}

/** Go's `IP.DefaultMask` (classful) for an IPv4 address; null for IPv6. */
export function defaultMask(ip: IP): IP | null {
  const v4 = to4(ip);
  if (!v4) return null;
  if (v4[0]! < 0x80) return cidrMask(8, 32);
  if (v4[0]! < 0xc0) return cidrMask(16, 32);
  return cidrMask(24, 32);
}

export function ipToBigInt(ip: IP): bigint {
  let n = 0n;
  for (const b of ip) n = (n << 8n) | BigInt(b);
  return n;
}

export function bigIntToIP(n: bigint, length: number): IP {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}
