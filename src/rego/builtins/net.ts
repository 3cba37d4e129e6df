/**
 * `net.cidr_*` built-ins, as OPA's topdown/cidr.go (Go `net` semantics, see
 * net-ip.ts). `net.lookup_ip_addr` needs the network and lives in unsupported.ts.
 */
import type { BuiltinTable } from './builtin.js';
import { builtinError, typeError } from './operands.js';
import { isObject, objectEntries, RegoSet, type Value } from '../value.js';
import {
  bigIntToIP,
  cidrMask,
  defaultMask,
  ipString,
  ipToBigInt,
  lastIP,
  maskSize,
  netContains,
  netString,
  parseCIDR,
  parseIP,
  to4,
  type IPNet,
} from './net-ip.js';

/**
 * `net.cidr_expand` materialises every address; OPA would loop until cancelled
 * on huge networks, we refuse beyond this many addresses instead.
 */
export const MAX_EXPANSION = 1 << 18;

/**
 * A CIDR operand. OPA's helper reports a wrong type as "operand 1" whatever the
 * operand's position (getNetFromOperand), and we keep its wording.
 */
function cidrOperand(name: string, v: Value): IPNet {
  if (typeof v !== 'string') throw typeError(name, 1, 'string', v);
  const n = parseCIDR(v);
  if (typeof n === 'string') throw builtinError(name, n);
  return n;
}

function cidrContains(name: string, a: Value, b: Value): boolean {
  const netA = cidrOperand(name, a);
  if (typeof b !== 'string') throw typeError(name, 1, 'string', b);
  // b is an address or a network: try the address first.
  const ip = parseIP(b);
  if (ip) return netContains(netA, ip);
  const netB = parseCIDR(b);
  if (typeof netB === 'string') throw builtinError(name, `not a valid textual representation of an IP address or CIDR: ${b}`);
  // A contains B when it contains both B's first and last addresses.
  return netContains(netA, netB.ip) && netContains(netA, lastIP(netB));
}

function cidrIntersects(name: string, a: Value, b: Value): boolean {
  const netA = cidrOperand(name, a);
  const netB = cidrOperand(name, b);
  return netContains(netA, netB.ip) || netContains(netB, netA.ip);
}

function cidrExpand(name: string, v: Value): RegoSet {
  const n = cidrOperand(name, v);
  const [ones, bits] = maskSize(n.mask);
  const count = 2n ** BigInt(bits - ones);
  if (count > BigInt(MAX_EXPANSION)) {
    throw builtinError(name, `network ${v} has ${count} addresses, more than the ${MAX_EXPANSION} this engine expands`);
  }
  const out = new RegoSet();
  const start = ipToBigInt(n.ip);
  for (let i = 0n; i < count; i++) out.add(ipString(bigIntToIP(start + i, n.ip.length)));
  return out;
}

// ---------------------------------------------------------------------------
// net.cidr_contains_matches

/** The CIDR of a collection member: a string, or the first element of an array (extra data allowed). */
function matchTerm(operand: number, v: Value): Value {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (v.length === 0) throw new Error(`operand ${operand}: element must be string or non-empty array`);
    return v[0]!;
  }
  throw new Error(`operand ${operand}: element must be string or non-empty array`);
}

/** [cidr, key] pairs of an operand: a string is its own key, arrays use indexes, sets members, objects keys. */
function matchPairs(name: string, operand: number, v: Value): [Value, Value][] {
  const wrap = (f: () => Value): Value => {
    try {
      return f();
    } catch (e) {
      throw builtinError(name, (e as Error).message);
    }
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => [wrap(() => matchTerm(operand, x)), i]);
  if (v instanceof RegoSet) return v.sorted().map((x) => [wrap(() => matchTerm(operand, x)), x]);
  if (isObject(v)) return objectEntries(v).map(([k, x]) => [wrap(() => matchTerm(operand, x)), k]);
  return [];
}

function cidrContainsMatches(name: string, a: Value, b: Value): RegoSet {
  const out = new RegoSet();
  const left = matchPairs(name, 1, a);
  const right = matchPairs(name, 2, b);
  for (const [cidr1, k1] of left) {
    for (const [cidr2, k2] of right) {
      if (cidrContains(name, cidr1, cidr2)) out.add([k1, k2]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// net.cidr_merge

interface Range {
  first: bigint;
  last: bigint;
  /** Address length in bytes (4 or 16). */
  len: number;
  /** The one network this range came from; dropped once ranges are merged. */
  network: IPNet | null;
}

/** An element of `net.cidr_merge`'s operand: a CIDR, or an IPv4 address with its classful default mask (as OPA). */
function mergeElement(name: string, v: Value): IPNet {
  if (typeof v !== 'string') throw builtinError(name, 'element must be string');
  const ip = parseIP(v);
  if (!ip) {
    const n = parseCIDR(v);
    if (typeof n === 'string') throw builtinError(name, n);
    return n;
  }
  const mask = defaultMask(ip);
  if (!mask) throw builtinError(name, 'IPv6 invalid: needs prefix length');
  // OPA keeps the address unmasked here (so "192.168.1.1" alone merges to "192.168.1.1/24").
  return { ip, mask };
}

function toRange(n: IPNet): Range {
  const first = to4(n.ip) ?? n.ip;
  const last = to4(lastIP(n)) ?? lastIP(n);
  return { first: ipToBigInt(first), last: ipToBigInt(last), len: first.length, network: n };
}

/** The fewest aligned networks covering [first, last]. */
function rangeToCIDRs(first: bigint, last: bigint, len: number): string[] {
  const bits = len * 8;
  const out: string[] = [];
  let start = first;
  while (start <= last) {
    // Largest block aligned at `start`...
    let hostBits = 0;
    while (hostBits < bits && (start & ((1n << BigInt(hostBits + 1)) - 1n)) === 0n) hostBits++;
    // ...that does not pass `last`.
    while (hostBits > 0 && start + (1n << BigInt(hostBits)) - 1n > last) hostBits--;
    out.push(netString({ ip: bigIntToIP(start, len), mask: cidrMask(bits - hostBits, bits) }));
    start += 1n << BigInt(hostBits);
  }
  return out;
}

function cidrMerge(name: string, v: Value): RegoSet {
  let elems: Value[];
  if (Array.isArray(v)) elems = v;
  else if (v instanceof RegoSet) elems = v.sorted();
  else throw builtinError(name, 'operand must be an array');
  const out = new RegoSet();
  // IPv4 and IPv6 never merge with each other.
  for (const len of [4, 16]) {
    const ranges = elems
      .map((e) => toRange(mergeElement(name, e)))
      .filter((r) => r.len === len)
      .sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : x.last > y.last ? -1 : x.last < y.last ? 1 : 0));
    const merged: Range[] = [];
    for (const r of ranges) {
      const prev = merged[merged.length - 1];
      if (prev && r.first <= prev.last + 1n) {
        if (r.last > prev.last) prev.last = r.last;
        prev.network = null;
      } else merged.push({ ...r });
    }
    for (const r of merged) {
      if (r.network) out.add(netString(r.network));
      else for (const c of rangeToCIDRs(r.first, r.last, r.len)) out.add(c);
    }
  }
  return out;
}

function cidrIsValid(v: Value): boolean {
  return typeof v === 'string' && typeof parseCIDR(v) !== 'string';
}

export const builtins: BuiltinTable = {
  'net.cidr_contains': ([a, b]) => cidrContains('net.cidr_contains', a!, b!),
  // Deprecated name of net.cidr_contains (OPA registers the same function).
  'net.cidr_overlap': ([a, b]) => cidrContains('net.cidr_overlap', a!, b!),
  'net.cidr_intersects': ([a, b]) => cidrIntersects('net.cidr_intersects', a!, b!),
  'net.cidr_expand': ([a]) => cidrExpand('net.cidr_expand', a!),
  'net.cidr_contains_matches': ([a, b]) => cidrContainsMatches('net.cidr_contains_matches', a!, b!),
  'net.cidr_merge': ([a]) => cidrMerge('net.cidr_merge', a!),
  'net.cidr_is_valid': ([a]) => cidrIsValid(a!),
};
