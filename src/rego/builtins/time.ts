/**
 * `time.*` built-ins. Timestamps are nanoseconds since the Unix epoch that must
 * fit in an int64 (as Go's `time.UnixNano`), handled as bigint. Time zones are
 * IANA names read from the zone database as Go does (tzif.ts), with `Intl` for what
 * the files leave to rules or when there are none; layouts are Go's (see time-layout.ts).
 */
import type { BuiltinTable } from './builtin.js';
import { BuiltinError } from './builtin.js';
import { builtinError, int, str } from './operands.js';
import { isInteger, isNumber, normalizeBigInt, plainNumber, RegoNumber, typeName, type Value } from '../value.js';
import { parseDecimal } from './decimal.js';
import { civilFromDays, daysFromCivil, daysIn, format, LONG_DAYS, NAMED_LAYOUTS, parse, TimeParseError, weekday, type Civil } from './time-layout.js';
import { parseDuration } from './time-duration.js';
import { loadZone, lookupZone } from './tzif.js';

const NS = 1_000_000_000n;
const MIN_NS = -(2n ** 63n);
const MAX_NS = 2n ** 63n - 1n;

// ---------------------------------------------------------------------------
// Zones

const zoneCache = new Map<string, Intl.DateTimeFormat>();

/** A formatter for an IANA zone, or undefined if the zone is unknown. */
function zoneFormatter(tz: string): Intl.DateTimeFormat | undefined {
  let f = zoneCache.get(tz);
  if (f) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
    });
  } catch {
    return undefined;
  }
  if (zoneCache.size < 1000) zoneCache.set(tz, f);
  return f;
}

/**
 * Offset (seconds east of UTC) and abbreviation of `tz` at a UTC instant (seconds):
 * from the zone's TZif file as Go reads it when there is one (tzif.ts), else from `Intl`.
 */
function zoneAt(tz: string, f: Intl.DateTimeFormat, utcSeconds: number): { offset: number; zone: string } {
  const data = loadZone(tz);
  if (data) {
    const z = lookupZone(data, utcSeconds);
    if (!('rule' in z)) return { offset: z.offset, zone: z.abbr };
    // Past the last transition, a DST rule decides: Intl tells which offset applies, the rule names it.
    const offset = intlOffset(f, utcSeconds);
    return { offset, zone: offset === z.rule.dstOffset ? z.rule.dst! : z.rule.std };
  }
  const { offset, name } = intlZone(f, utcSeconds);
  return { offset, zone: goZoneName(name, offset) };
}

function intlOffset(f: Intl.DateTimeFormat, utcSeconds: number): number {
  return intlZone(f, utcSeconds).offset;
}

/** Offset and `Intl`'s short zone name at an instant. */
function intlZone(f: Intl.DateTimeFormat, utcSeconds: number): { offset: number; name: string } {
  // Intl works on JavaScript dates (±8.64e15 ms); clamp far instants to the ends of that range.
  const ms = Math.max(-8.64e15, Math.min(8.64e15, utcSeconds * 1000));
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const local = daysFromCivil(year, Number(parts.month), Number(parts.day)) * 86400 + Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second);
  return { offset: local - Math.floor(ms / 1000), name: parts.timeZoneName ?? '' };
}

/** Go prints an abbreviation when the zone database has one, else the offset as "+03" / "+0530". */
function goZoneName(intlName: string, offset: number): string {
  if (/^[A-Z]{3,5}$/.test(intlName) && intlName !== 'GMT') return intlName;
  if (offset === 0 && intlName === 'GMT') return 'GMT';
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = Math.floor(abs / 60) % 60;
  return sign + hh + (mm ? String(mm).padStart(2, '0') : '');
}

/** Civil time of an instant in a zone ("" and "UTC" are UTC; "Local" is the process's zone). */
function toCivil(ns: bigint, tz: string): Civil {
  let secs = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    nsec += NS;
    secs -= 1n;
  }
  let offset = 0;
  let zone = 'UTC';
  if (tz !== '' && tz !== 'UTC') {
    const name = tz === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : tz;
    const f = zoneFormatter(name)!;
    ({ offset, zone } = zoneAt(name, f, Number(secs)));
  }
  const local = Number(secs) + offset;
  const days = Math.floor(local / 86400);
  const rem = local - days * 86400;
  const [year, month, day] = civilFromDays(days);
  return { year, month, day, hour: Math.floor(rem / 3600), minute: Math.floor(rem / 60) % 60, second: rem % 60, nsec: Number(nsec), offset, zone };
}

/** Instant (ns) of civil fields at a fixed offset; undefined if outside the int64 range. */
function toNanos(c: Omit<Civil, 'zone'>): bigint | undefined {
  const secs = BigInt(daysFromCivil(c.year, c.month, c.day)) * 86400n + BigInt(c.hour * 3600 + c.minute * 60 + c.second - c.offset);
  const ns = secs * NS + BigInt(c.nsec);
  return ns < MIN_NS || ns > MAX_NS ? undefined : ns;
}

// ---------------------------------------------------------------------------
// Operands

const TIME_OPERAND = 'either number (ns) or [number (ns), string (tz)]';

/** A nanosecond count that must be an exact int64 (OPA: "timestamp too big" otherwise). */
function nanos(name: string, v: Value, pos: number): bigint {
  if (!isNumber(v)) throw new BuiltinError('eval_type_error', `${name}: operand ${pos} must be number but got ${typeName(v)}`);
  // OPA reads the number through big.Float, so `1e18` or `5.0` are whole numbers of nanoseconds too
  // (but not `1e-400`, which only rounds to zero).
  if (v instanceof RegoNumber) {
    const d = parseDecimal(v.text);
    if (d === undefined || d === 'exponent' || d.e < 0) throw builtinError(name, 'timestamp too big');
  }
  v = plainNumber(v);
  if (!isInteger(v) || !Number.isFinite(Number(v))) throw builtinError(name, 'timestamp too big');
  const n = BigInt(v);
  if (n < MIN_NS || n > MAX_NS) throw builtinError(name, 'timestamp too big');
  return n;
}

/** OPA's tzTime: a number, or [ns], [ns, tz], [ns, tz, layout]. */
function timeOperand(name: string, v: Value, pos: number): { ns: bigint; tz: string; layout: string } {
  let layout = NAMED_LAYOUTS.RFC3339Nano!;
  if (isNumber(v)) return { ns: nanos(name, v, pos), tz: '', layout };
  if (!Array.isArray(v) || v.length === 0) throw new BuiltinError('eval_type_error', `${name}: operand ${pos} must be ${TIME_OPERAND} but got ${typeName(v)}`);
  const ns = nanos(name, v[0]!, 1);
  let tz = '';
  if (v.length > 1) {
    const t = v[1]!;
    if (typeof t !== 'string') throw new BuiltinError('eval_type_error', `${name}: operand 1 must be string but got ${typeName(t)}`);
    tz = t;
    if (tz !== '' && tz !== 'UTC' && tz !== 'Local') checkZoneName(name, tz);
  }
  if (v.length > 2) {
    const l = v[2]!;
    if (typeof l !== 'string') throw new BuiltinError('eval_type_error', `${name}: operand 1 must be string but got ${typeName(l)}`);
    layout = NAMED_LAYOUTS[l] ?? l;
  }
  return { ns, tz, layout };
}

/**
 * Go's time.LoadLocation checks: no dot-dot or leading slash ("time: invalid location
 * name"), and a name the zone database knows, spelled exactly (zone files are looked
 * up by path, so "europe/paris" is unknown although `Intl` would take it).
 */
function checkZoneName(name: string, tz: string): void {
  if (tz.includes('..') || tz.startsWith('/') || tz.startsWith('\\')) throw builtinError(name, 'time: invalid location name');
  const f = zoneFormatter(tz);
  if (f === undefined) throw builtinError(name, `unknown time zone ${tz}`);
  const canonical = f.resolvedOptions().timeZone;
  if (canonical !== tz && canonical.toLowerCase() === tz.toLowerCase() && loadZone(tz) === null) throw builtinError(name, `unknown time zone ${tz}`);
}

function civilOperand(name: string, args: Value[], pos: number): Civil {
  const { ns, tz } = timeOperand(name, args[pos - 1]!, pos);
  return toCivil(ns, tz);
}

function parsed(name: string, layout: string, value: string): Value {
  let p;
  try {
    p = parse(layout, value);
  } catch (e) {
    if (e instanceof TimeParseError) throw builtinError(name, e.message);
    throw e;
  }
  const ns = toNanos({ ...p.civil, offset: p.offset ?? 0 });
  if (ns === undefined) throw builtinError(name, 'time outside of valid range');
  return normalizeBigInt(ns);
}

/**
 * The offset Go's time.Date gives a wall clock in a zone: the zone's offset at the
 * wall clock read as UTC, unless the instant that offset gives is in another period,
 * then the offset there (so a wall clock skipped or repeated by DST lands as in Go).
 */
function zoneOffsetOfWallClock(tz: string, c: Omit<Civil, 'zone' | 'offset'>): number {
  if (tz === '' || tz === 'UTC') return 0;
  const unix = daysFromCivil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
  const name = tz === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : tz;
  const f = zoneFormatter(name)!;
  const offset = zoneAt(name, f, unix).offset;
  if (offset === 0) return 0;
  const there = zoneAt(name, f, unix - offset).offset;
  return there === offset ? offset : there;
}

// ---------------------------------------------------------------------------
// time.add_date (Go's Time.AddDate: normalises month and day overflow)

function addDate(name: string, args: Value[]): Value {
  // OPA reads the time with tzTime, so [ns, tz] works too: the date moves in that zone's wall clock.
  const { ns, tz } = timeOperand(name, args[0]!, 1);
  const years = int(name, args, 2);
  const months = int(name, args, 3);
  const days = int(name, args, 4);
  const c = toCivil(ns, tz);
  let m = c.month - 1 + months;
  const y = c.year + years + Math.floor(m / 12);
  m = ((m % 12) + 12) % 12;
  // Go's Date normalises day overflow by counting days from the first of the month.
  const dayNumber = daysFromCivil(y, m + 1, 1) + c.day - 1 + days;
  // Huge operands (1e308 years) leave the exact integer range: no int64 instant is that far.
  if (!Number.isSafeInteger(y) || !Number.isSafeInteger(dayNumber)) throw builtinError(name, 'time outside of valid range');
  const [yy, mm, dd] = civilFromDays(dayNumber);
  const out = toNanos({ ...c, year: yy, month: mm, day: dd, offset: zoneOffsetOfWallClock(tz, { ...c, year: yy, month: mm, day: dd }) });
  if (out === undefined) throw builtinError(name, 'time outside of valid range');
  return normalizeBigInt(out);
}

// ---------------------------------------------------------------------------
// time.diff (OPA's port of icza/gox)

function diff(name: string, args: Value[]): Value {
  const a = timeOperand(name, args[0]!, 1);
  const b = timeOperand(name, args[1]!, 2);
  let [t1, t2] = [a.ns, b.ns];
  if (t1 > t2) [t1, t2] = [t2, t1];
  const c1 = toCivil(t1, a.tz); // t2 is shown in t1's location, as OPA does
  const c2 = toCivil(t2, a.tz);
  let year = c2.year - c1.year;
  let month = c2.month - c1.month;
  let day = c2.day - c1.day;
  let hour = c2.hour - c1.hour;
  let min = c2.minute - c1.minute;
  let sec = c2.second - c1.second;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    day += daysIn(c1.month, c1.year);
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}

// ---------------------------------------------------------------------------

export const builtins: BuiltinTable = {
  'time.now_ns': (_args, ctx) => normalizeBigInt(ctx.nowNs),

  'time.parse_ns': (args) => {
    const name = 'time.parse_ns';
    // A layout named after one of Go's constants ("RFC822") stands for it, as in time.format.
    const layout = str(name, args, 1);
    return parsed(name, NAMED_LAYOUTS[layout] ?? layout, str(name, args, 2));
  },

  'time.parse_rfc3339_ns': (args) => {
    const name = 'time.parse_rfc3339_ns';
    return parsed(name, NAMED_LAYOUTS.RFC3339!, str(name, args, 1));
  },

  'time.parse_duration_ns': (args) => {
    const name = 'time.parse_duration_ns';
    const r = parseDuration(str(name, args, 1));
    if (typeof r === 'string') throw builtinError(name, r);
    return normalizeBigInt(r);
  },

  'time.format': (args) => {
    const name = 'time.format';
    const { ns, tz, layout } = timeOperand(name, args[0]!, 1);
    return format(toCivil(ns, tz), layout);
  },

  'time.date': (args) => {
    const c = civilOperand('time.date', args, 1);
    return [c.year, c.month, c.day];
  },

  'time.clock': (args) => {
    const c = civilOperand('time.clock', args, 1);
    return [c.hour, c.minute, c.second];
  },

  'time.weekday': (args) => LONG_DAYS[weekday(civilOperand('time.weekday', args, 1))]!,

  'time.add_date': (args) => addDate('time.add_date', args),

  'time.diff': (args) => diff('time.diff', args),
};
