/**
 * `uuid.rfc4122` (a random version 4 UUID, the same for the same operand within
 * one evaluation, as OPA caches it) and `uuid.parse` (OPA's description of a
 * UUID as google/uuid parses it, internal/uuid/uuid.go; undefined for an invalid UUID).
 */
import { randomUUID } from 'node:crypto';
import type { BuiltinTable } from './builtin.js';
import { str } from './operands.js';
import { normalizeBigInt, type JsonObject, type Value } from '../value.js';

/** google/uuid.Parse: 36 chars, {36}, urn:uuid:36, or 32 hex digits. The 16 bytes, or undefined. */
function parseUUID(s: string): Uint8Array | undefined {
  let hex: string;
  if (s.length === 36 || s.length === 38 || s.length === 45) {
    if (s.length === 38) {
      if (s[0] !== '{' || s[37] !== '}') return undefined;
      s = s.slice(1, 37);
    } else if (s.length === 45) {
      if (s.slice(0, 9).toLowerCase() !== 'urn:uuid:') return undefined;
      s = s.slice(9);
    }
    if (s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') return undefined;
    hex = s.slice(0, 8) + s.slice(9, 13) + s.slice(14, 18) + s.slice(19, 23) + s.slice(24);
  } else if (s.length === 32) hex = s;
  else return undefined;
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return 'RFC4122';
  if ((b & 0xe0) === 0xc0) return 'Microsoft';
  if ((b & 0xe0) === 0xe0) return 'Future';
  return 'Reserved';
}

/** 100-ns intervals between the Gregorian epoch (1582-10-15) and the Unix epoch. */
const GREGORIAN_TO_UNIX = 122192928000000000n;

function uint32(u: Uint8Array, at: number): number {
  return u[at]! * 0x1000000 + ((u[at + 1]! << 16) | (u[at + 2]! << 8) | u[at + 3]!);
}

function describe(u: Uint8Array): JsonObject {
  const version = u[6]! >> 4;
  const out: JsonObject = { version, variant: variant(u[8]!) };
  if (version === 1 || version === 2) {
    const timeLow = BigInt(uint32(u, 0));
    const timeMid = BigInt((u[4]! << 8) | u[5]!);
    const timeHi = BigInt(((u[6]! << 8) | u[7]!) & 0x0fff);
    // google/uuid's Time() reads time_low for version 2 as well, although that field holds the id there.
    const ticks = (timeHi << 48n) | (timeMid << 32n) | timeLow;
    out.time = normalizeBigInt((ticks - GREGORIAN_TO_UNIX) * 100n);
    out.clocksequence = ((u[8]! & 0x3f) << 8) | u[9]!;
    const node = Array.from(u.slice(10), (b) => b.toString(16).padStart(2, '0'));
    out.nodeid = node.join('-');
    out.macvariables = `${u[10]! & 0x02 ? 'local' : 'global'}:${u[10]! & 0x01 ? 'multicast' : 'unicast'}`;
    if (version === 2) {
      out.id = uint32(u, 0);
      const domains = ['Person', 'Group', 'Org'];
      out.domain = domains[u[9]!] ?? `Domain${u[9]!}`;
    }
  }
  return out;
}

export const builtins: BuiltinTable = {
  'uuid.rfc4122': (args, ctx) => {
    const k = str('uuid.rfc4122', args, 1);
    const key = 'uuid.rfc4122\u0000' + k;
    const cached = ctx.cache.get(key);
    if (typeof cached === 'string') return cached;
    const id = randomUUID();
    ctx.cache.set(key, id);
    return id;
  },

  'uuid.parse': (args): Value | undefined => {
    const u = parseUUID(str('uuid.parse', args, 1));
    return u === undefined ? undefined : describe(u);
  },
};
