/**
 * Operand checks shared by every built-in namespace, with OPA's messages:
 * `<name>: operand 1 must be string but got number` (code eval_type_error).
 */
import { BuiltinError } from './builtin.js';
import {
  isInteger,
  isNumber,
  plainNumber,
  RegoNumber,
  isObject,
  RegoSet,
  typeName,
  type JsonObject,
  type RegoObject,
  type Value,
} from '../value.js';

export function typeError(name: string, pos: number, want: string, got: Value): BuiltinError {
  return new BuiltinError('eval_type_error', `${name}: operand ${pos} must be ${want} but got ${typeName(got)}`);
}

/** A failure that is not about operand types (`eval_builtin_error`), message prefixed with the built-in's name. */
export function builtinError(name: string, message: string): BuiltinError {
  return new BuiltinError('eval_builtin_error', `${name}: ${message}`);
}

export function str(name: string, args: Value[], pos: number): string {
  const v = args[pos - 1]!;
  if (typeof v !== 'string') throw typeError(name, pos, 'string', v);
  return v;
}

export function num(name: string, args: Value[], pos: number): number | bigint {
  const v = args[pos - 1]!;
  if (!isNumber(v)) throw typeError(name, pos, 'number', v);
  return plainNumber(v);
}

/** A number that must be an integer; returned as a JS number (throws if it is not an integer). */
export function int(name: string, args: Value[], pos: number): number {
  const v = num(name, args, pos);
  // A number written with a fraction or an exponent (`1.0`, `1e2`) is not an integer to OPA (Number.Int).
  if (!isInteger(v) || args[pos - 1] instanceof RegoNumber) throw new BuiltinError('eval_type_error', `${name}: operand ${pos} must be integer number but got floating-point number`);
  return Number(v);
}

export function bool(name: string, args: Value[], pos: number): boolean {
  const v = args[pos - 1]!;
  if (typeof v !== 'boolean') throw typeError(name, pos, 'boolean', v);
  return v;
}

export function arr(name: string, args: Value[], pos: number): Value[] {
  const v = args[pos - 1]!;
  if (!Array.isArray(v)) throw typeError(name, pos, 'array', v);
  return v;
}

export function set(name: string, args: Value[], pos: number): RegoSet {
  const v = args[pos - 1]!;
  if (!(v instanceof RegoSet)) throw typeError(name, pos, 'set', v);
  return v;
}

export function obj(name: string, args: Value[], pos: number): JsonObject | RegoObject {
  const v = args[pos - 1]!;
  if (!isObject(v)) throw typeError(name, pos, 'object', v);
  return v;
}

/** Members of an array or set (OPA's `one of {array, set}` operands). */
export function collection(name: string, args: Value[], pos: number): Value[] {
  const v = args[pos - 1]!;
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.sorted();
  throw typeError(name, pos, 'one of {array, set}', v);
}

/**
 * A member of a collection operand has the wrong type (OPA's NewOperandElementErr):
 * `NAME: operand 1 must be array of strings but got array containing number`.
 */
export function elementTypeError(name: string, pos: number, collection: Value, member: Value, want: string): BuiltinError {
  const kind = typeName(collection);
  return new BuiltinError('eval_type_error', `${name}: operand ${pos} must be ${kind} of ${want}s but got ${kind} containing ${typeName(member)}`);
}
