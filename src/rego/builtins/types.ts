/** Type built-ins: type_name, is_*, to_number and the deprecated cast_* family. */
import type { BuiltinImpl, BuiltinTable } from './builtin.js';
import { builtinError, typeError } from './operands.js';
import * as dec from './decimal.js';
import { goQuote } from './go-quote.js';
import { isNumber, isObject, numberFromText, RegoSet, typeName, type RegoNumber, type TypeName, type Value } from '../value.js';

function isType(t: TypeName): BuiltinImpl {
  return (args) => typeName(args[0]!) === t;
}

/**
 * Go's strconv underscoreOK: underscores only between digits, or between a base
 * prefix and a digit.
 */
function underscoreOK(text: string): boolean {
  let s = text;
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/;

/**
 * A number from its text, accepted as Go's strconv.ParseFloat does (decimal forms,
 * hexadecimal floats with a `p` exponent, `_` digit separators), keeping the exact
 * value of decimal text. OPA (casts.go builtinToNumber) refuses `inf`/`infinity`/`nan`
 * with a type error before ParseFloat sees them: they are not Rego numbers.
 */
/** `to_number` of a string: OPA checks it with strconv.ParseFloat and keeps the text as the number (`"1.50"` stays `1.50`). */
export function parseNumberText(name: string, text: string): number | bigint | RegoNumber {
  const word = text.replace(/^[+-]+/, '').toLowerCase();
  if (word === 'inf' || word === 'infinity' || word === 'nan') throw typeError(name, 1, 'valid number string', text);
  const parseError = (why: string) => builtinError(name, `strconv.ParseFloat: parsing ${goQuote(text)}: ${why}`);
  let plain = text;
  if (text.includes('_')) {
    if (!underscoreOK(text)) throw parseError('invalid syntax');
    plain = text.replace(/_/g, '');
  }
  const hex = HEX_FLOAT.exec(plain);
  if (hex) {
    const digits = (hex[2] ?? '') + (hex[3] ?? '');
    if (digits === '') throw parseError('invalid syntax');
    // OPA keeps the text as the number; its value is the float64 Go reads.
    const v = parseInt(digits, 16) * 2 ** (Number(hex[4]) - 4 * (hex[3] ?? '').length);
    if (!Number.isFinite(v)) throw parseError('value out of range');
    plain = String(hex[1] === '-' ? -v : v);
  }
  const d = dec.parseDecimal(plain);
  if (d === undefined) throw parseError('invalid syntax');
  // Go reports overflow as out of range; underflow rounds to zero.
  if (!Number.isFinite(Number(plain))) throw parseError('value out of range');
  return numberFromText(text, d === 'exponent' ? 0 : dec.toNumber(d));
}

function toNumber(args: Value[]): Value {
  const v = args[0]!;
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isNumber(v)) return v;
  if (typeof v === 'string') return parseNumberText('to_number', v);
  throw typeError('to_number', 1, 'one of {null, boolean, number, string}', v);
}

/** `cast_T(x)`: x itself when it is a T, else a type error (deprecated built-ins). */
function castIdentity(name: string, t: TypeName): BuiltinImpl {
  return (args) => {
    const v = args[0]!;
    if (typeName(v) !== t) throw typeError(name, 1, t, v);
    return v;
  };
}

export const builtins: BuiltinTable = {
  type_name: (args) => typeName(args[0]!),
  is_number: isType('number'),
  is_string: isType('string'),
  is_boolean: isType('boolean'),
  is_array: isType('array'),
  is_set: isType('set'),
  is_object: isType('object'),
  is_null: isType('null'),
  to_number: toNumber,
  cast_array: (args) => {
    const v = args[0]!;
    if (Array.isArray(v)) return v;
    if (v instanceof RegoSet) return v.sorted();
    throw typeError('cast_array', 1, 'one of {array, set}', v);
  },
  cast_set: (args) => {
    const v = args[0]!;
    if (v instanceof RegoSet) return v;
    if (Array.isArray(v)) return new RegoSet(v);
    throw typeError('cast_set', 1, 'one of {array, set}', v);
  },
  cast_string: castIdentity('cast_string', 'string'),
  cast_boolean: castIdentity('cast_boolean', 'boolean'),
  cast_null: castIdentity('cast_null', 'null'),
  cast_object: (args) => {
    const v = args[0]!;
    if (!isObject(v)) throw typeError('cast_object', 1, 'object', v);
    return v;
  },
};
