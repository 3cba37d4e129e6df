/**
 * units.parse ("10K", "500m", "1.5Gi" → numbers) and units.parse_bytes
 * ("10KB", "1.5GiB" → integer byte counts), with OPA's unit spellings and errors.
 * Amounts are exact decimals, so "0.0005K" is exactly 0.5.
 */
import type { BuiltinTable } from './builtin.js';
import { builtinError, str } from './operands.js';
import * as dec from './decimal.js';
import type { Value } from '../value.js';

const SI = [1n, 1000n, 1000n ** 2n, 1000n ** 3n, 1000n ** 4n, 1000n ** 5n, 1000n ** 6n];
const IEC = [1n, 1024n, 1024n ** 2n, 1024n ** 3n, 1024n ** 4n, 1024n ** 5n, 1024n ** 6n];

/** units.parse: case matters for the first letter only ("m" is milli, "M" mega). */
const UNITS: ReadonlyMap<string, dec.Decimal> = new Map<string, dec.Decimal>([
  ['', { m: 1n, e: 0 }],
  ['m', { m: 1n, e: -3 }],
  ...(['k', 'K'] as const).flatMap((u) => [[u, { m: SI[1]!, e: 0 }] as const, [u + 'i', { m: IEC[1]!, e: 0 }] as const]),
  ['M', { m: SI[2]!, e: 0 }],
  ['mi', { m: IEC[2]!, e: 0 }],
  ['Mi', { m: IEC[2]!, e: 0 }],
  ...['g', 't', 'p', 'e'].flatMap((u, i) => {
    const si = { m: SI[i + 3]!, e: 0 };
    const iec = { m: IEC[i + 3]!, e: 0 };
    const U = u.toUpperCase();
    return [[u, si] as const, [U, si] as const, [u + 'i', iec] as const, [U + 'i', iec] as const];
  }),
]);

/** units.parse_bytes: lower-cased unit, with or without a trailing "b". */
const BYTE_UNITS: ReadonlyMap<string, bigint> = new Map<string, bigint>([
  ['', 1n],
  ...['k', 'm', 'g', 't', 'p', 'e'].flatMap((u, i) => [
    [u, SI[i + 1]!] as const,
    [u + 'b', SI[i + 1]!] as const,
    [u + 'i', IEC[i + 1]!] as const,
    [u + 'ib', IEC[i + 1]!] as const,
  ]),
]);

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/**
 * Splits "1.5e3Ki" into amount and unit for units.parse: the amount may hold a
 * sign and an exponent ("e" followed by a digit or sign), else "e" starts the unit.
 */
function splitAmountWithExponent(s: string): [string, string] {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === 'e' || c === 'E') {
      const next = s[i + 1];
      if (!isDigit(next) && next !== '+' && next !== '-') return [s.slice(0, i), s.slice(i)];
      if (next === '+' || next === '-') i++;
      continue;
    }
    if (!isDigit(c) && c !== '.' && c !== '+' && c !== '-') return [s.slice(0, i), s.slice(i)];
  }
  return [s, ''];
}

/** Splits "10KB" into amount and unit for units.parse_bytes (digits and dots only). */
function splitAmount(s: string): [string, string] {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (!isDigit(c) && c !== '.') return [s.slice(0, i), s.slice(i)];
  }
  return [s, ''];
}

function parseUnits(args: Value[]): Value {
  const name = 'units.parse';
  // Quotes are dropped, for parity with units.parse_bytes.
  const s = str(name, args, 1).replaceAll('"', '');
  if (s.includes(' ')) throw builtinError(name, 'spaces not allowed in resource strings');
  const [amount, rawUnit] = splitAmountWithExponent(s);
  if (amount === '') throw builtinError(name, 'no amount provided');
  const unit = rawUnit.length > 1 ? rawUnit[0] + rawUnit.slice(1).toLowerCase() : rawUnit;
  const factor = UNITS.get(unit);
  if (factor === undefined) throw builtinError(name, `unit ${unit} not recognized`);
  const n = dec.parseDecimal(amount);
  if (n === undefined) throw builtinError(name, 'could not parse amount to a number');
  if (n === 'exponent') throw builtinError(name, 'exponent too large');
  return dec.toNumber(dec.mul(n, factor));
}

function parseBytes(args: Value[]): Value {
  const name = 'units.parse_bytes';
  const s = str(name, args, 1).toLowerCase().replaceAll('"', '');
  if (s.includes(' ')) throw builtinError(name, 'spaces not allowed in resource strings');
  const [amount, unit] = splitAmount(s);
  if (amount === '') throw builtinError(name, 'no byte amount provided');
  const factor = BYTE_UNITS.get(unit);
  if (factor === undefined) throw builtinError(name, `byte unit ${unit} not recognized`);
  const n = dec.parseDecimal(amount);
  if (n === undefined || n === 'exponent') throw builtinError(name, 'could not parse byte amount to a number');
  // Whole bytes: the fraction is dropped (truncated toward zero).
  return dec.toNumber({ m: dec.roundTo(dec.mul(n, { m: factor, e: 0 }), 'trunc'), e: 0 });
}

export const builtins: BuiltinTable = {
  'units.parse': parseUnits,
  'units.parse_bytes': parseBytes,
};
