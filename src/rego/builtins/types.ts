/** Type built-ins: type_name, is_*, to_number and the deprecated cast_* family. */
import type { BuiltinImpl, BuiltinTable } from './builtin.js';
import { builtinError, typeError } from './operands.js';
import * as dec from './decimal.js';
import { goQuote } from './go-quote.js';
import { isNumber, isObject, RegoSet, typeName, type TypeName, type Value } from '../value.js';

function isType(t: TypeName): BuiltinImpl {
  return (args) => typeName(args[0]!) === t;
}

/**
 * A number from its text, accepted as Go's strconv.ParseFloat does (decimal forms;
 * `inf`/`nan` are refused since they are not Rego numbers), keeping the exact value.
 */
export function parseNumberText(name: string, text: string): number | bigint {
  const parseError = (why: string) => builtinError(name, `strconv.ParseFloat: parsing ${goQuote(text)}: ${why}`);
  const d = dec.parseDecimal(text);
  if (d === undefined) throw parseError('invalid syntax');
  // Go reports overflow as out of range; underflow rounds to zero.
  if (!Number.isFinite(Number(text))) throw parseError('value out of range');
  if (d === 'exponent') return 0;
  return dec.toNumber(d);
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
