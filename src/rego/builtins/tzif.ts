/**
 * Zone abbreviations and offsets as Go's `time` package reads them: from the
 * TZif files of the system zone database (time.LoadLocation looks in
 * /usr/share/zoneinfo and a few other directories before its embedded copy).
 * `Intl` knows offsets but not the database's abbreviations (it says "GMT+1"
 * where Go prints "CET"), so time.ts asks here first and falls back to `Intl`
 * when no TZif file is found.
 *
 * Lookup follows Go's Location.lookup: before the first transition the first
 * standard-time zone (lookupFirstZone), then the last transition at or before
 * the instant; past the last transition the TZ string at the end of the file
 * rules. Only that rule's names and offsets are read here: which of the two
 * applies at an instant is left to the caller (`Intl` computes it), so no POSIX
 * rule arithmetic is needed.
 */
import { readFileSync } from 'node:fs';

/** Go's platformZoneSources on Unix. */
const ZONE_DIRS = ['/usr/share/zoneinfo/', '/usr/share/lib/zoneinfo/', '/usr/lib/locale/TZ/', '/etc/zoneinfo/'];

interface ZoneType {
  offset: number;
  isDst: boolean;
  abbr: string;
}

interface Footer {
  std: string;
  stdOffset: number;
  dst?: string;
  dstOffset?: number;
}

export interface TzData {
  /** Transition instants (Unix seconds), ascending. */
  when: number[];
  /** Zone type index of each transition. */
  index: number[];
  types: ZoneType[];
  footer: Footer | undefined;
}

/** A zone at an instant: its offset, abbreviation, or `rule` when the TZ string decides between two. */
export type ZoneLookup = { offset: number; abbr: string } | { rule: Footer };

const cache = new Map<string, TzData | null>();

/** The TZif data of an IANA zone, or null when no file holds it (or it does not parse). */
export function loadZone(name: string): TzData | null {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  let data: TzData | null = null;
  // Go's own guard (LoadLocation): no dot-dot and no leading slash, so the name stays a relative path.
  if (!name.includes('..') && !name.startsWith('/') && !name.startsWith('\\') && !name.includes('\0')) {
    for (const dir of ZONE_DIRS) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(dir + name);
      } catch {
        continue;
      }
      data = parseTzif(bytes);
      break;
    }
  }
  if (cache.size < 1000) cache.set(name, data);
  return data;
}

/** Parses TZif (RFC 8536), version 1 data or, when present, the 64-bit version 2+ data and TZ string. */
export function parseTzif(b: Buffer): TzData | null {
  if (b.length < 44 || b.toString('latin1', 0, 4) !== 'TZif') return null;
  const version = b[4]!;
  const counts = (at: number) => ({
    isut: b.readUInt32BE(at + 20),
    isstd: b.readUInt32BE(at + 24),
    leap: b.readUInt32BE(at + 28),
    time: b.readUInt32BE(at + 32),
    type: b.readUInt32BE(at + 36),
    char: b.readUInt32BE(at + 40),
  });
  let at = 0;
  let c = counts(0);
  let wide = false;
  if (version >= 0x32 /* '2' */) {
    // Skip the version 1 block to the second header.
    at = 44 + c.time * 4 + c.time + c.type * 6 + c.char + c.leap * 8 + c.isstd + c.isut;
    if (b.length < at + 44 || b.toString('latin1', at, at + 4) !== 'TZif') return null;
    c = counts(at);
    wide = true;
  }
  let p = at + 44;
  const size = wide ? 8 : 4;
  const need = c.time * size + c.time + c.type * 6 + c.char + c.leap * (size + 4) + c.isstd + c.isut;
  if (b.length < p + need) return null;
  const when: number[] = [];
  for (let i = 0; i < c.time; i++, p += size) when.push(wide ? Number(b.readBigInt64BE(p)) : b.readInt32BE(p));
  const index: number[] = [];
  for (let i = 0; i < c.time; i++) index.push(b[p++]!);
  const raw: { offset: number; isDst: boolean; abbrAt: number }[] = [];
  for (let i = 0; i < c.type; i++, p += 6) raw.push({ offset: b.readInt32BE(p), isDst: b[p + 4] !== 0, abbrAt: b[p + 5]! });
  const chars = b.subarray(p, p + c.char);
  p += c.char + c.leap * (size + 4) + c.isstd + c.isut;
  const types = raw.map((t) => {
    const end = chars.indexOf(0, t.abbrAt);
    return { offset: t.offset, isDst: t.isDst, abbr: chars.toString('latin1', t.abbrAt, end < 0 ? chars.length : end) };
  });
  if (types.length === 0 || index.some((i) => i >= types.length)) return null;
  let footer: Footer | undefined;
  if (wide && b[p] === 0x0a) {
    const end = b.indexOf(0x0a, p + 1);
    if (end > p) footer = parseTzString(b.toString('latin1', p + 1, end));
  }
  return { when, index, types, footer };
}

/** Names and offsets (seconds east of UTC) of a POSIX TZ string such as `CET-1CEST,M3.5.0,M10.5.0/3`. */
function parseTzString(s: string): Footer | undefined {
  let i = 0;
  const name = (): string | undefined => {
    if (s[i] === '<') {
      const end = s.indexOf('>', i);
      if (end < 0) return undefined;
      const n = s.slice(i + 1, end);
      i = end + 1;
      return n;
    }
    const m = /^[A-Za-z]{3,}/.exec(s.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  const offset = (): number | undefined => {
    const m = /^([+-]?)(\d{1,3})(?::(\d{1,2})(?::(\d{1,2}))?)?/.exec(s.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    const secs = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    // POSIX offsets count west of UTC.
    return m[1] === '-' ? secs : -secs;
  };
  const std = name();
  if (std === undefined) return undefined;
  const stdOffset = offset();
  if (stdOffset === undefined) return undefined;
  if (i >= s.length || s[i] === ',') return { std, stdOffset };
  const dst = name();
  if (dst === undefined) return { std, stdOffset };
  let dstOffset = stdOffset + 3600;
  if (i < s.length && s[i] !== ',') dstOffset = offset() ?? dstOffset;
  return { std, stdOffset, dst, dstOffset };
}

/** Go's lookupFirstZone: the zone in effect before the first transition. */
function firstZone(z: TzData): number {
  if (!z.index.includes(0)) return 0;
  if (z.index.length > 0 && z.types[z.index[0]!]!.isDst) {
    for (let zi = z.index[0]! - 1; zi >= 0; zi--) if (!z.types[zi]!.isDst) return zi;
  }
  const std = z.types.findIndex((t) => !t.isDst);
  return std < 0 ? 0 : std;
}

/** The zone of `z` at a Unix instant (seconds), as Go's Location.lookup. */
export function lookupZone(z: TzData, sec: number): ZoneLookup {
  if (z.when.length === 0) {
    // Go gives a file without transitions one at the beginning of time, with zone 0; the TZ string then rules.
    if (z.footer) return z.footer.dst === undefined ? { offset: z.footer.stdOffset, abbr: z.footer.std } : { rule: z.footer };
    return { offset: z.types[0]!.offset, abbr: z.types[0]!.abbr };
  }
  if (sec < z.when[0]!) {
    const t = z.types[firstZone(z)]!;
    return { offset: t.offset, abbr: t.abbr };
  }
  let lo = 0;
  let hi = z.when.length;
  while (hi - lo > 1) {
    const m = (lo + hi) >>> 1;
    if (sec < z.when[m]!) hi = m;
    else lo = m;
  }
  if (lo === z.when.length - 1 && z.footer) {
    const f = z.footer;
    if (f.dst === undefined) return { offset: f.stdOffset, abbr: f.std };
    return { rule: f };
  }
  const t = z.types[z.index[lo]!]!;
  return { offset: t.offset, abbr: t.abbr };
}
