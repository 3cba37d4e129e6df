/**
 * Whether two types can describe the same value (OPA's `unifies` in
 * ast/check.go): unknown unifies with nothing; a union unifies with whatever
 * one of its members unifies with (the empty union with everything but
 * functions); arrays and objects unify part by part, their static parts on
 * both sides and their dynamic parts when both have one; functions of the same
 * arity unify argument by argument.
 */
import { select, type AnyType, type ArrayType, type MaybeType, type ObjectType, type Type } from './types.js';

export function unifies(a: MaybeType, b: MaybeType): boolean {
  if (a === undefined || b === undefined) return false;
  if (a.kind === 'any' && unifiesAny(a, b)) return true;
  if (b.kind === 'any' && unifiesAny(b, a)) return true;
  if (a.kind === 'any' || b.kind === 'any') return false;
  switch (a.kind) {
    case 'array':
      return b.kind === 'array' && unifiesArrays(a, b);
    case 'object':
      return b.kind === 'object' && unifiesObjects(a, b);
    case 'set':
      return b.kind === 'set' && unifies(a.of, b.of);
    case 'function':
      return b.kind === 'function' && a.args.length === b.args.length && a.args.every((t, i) => unifies(t, b.args[i]));
    default:
      return a.kind === b.kind;
  }
}

function unifiesAny(a: AnyType, b: Type): boolean {
  if (b.kind === 'function') return false;
  return a.of.length === 0 || a.of.some((t) => unifies(t, b));
}

function unifiesArrays(a: ArrayType, b: ArrayType): boolean {
  const staticSide = (x: ArrayType, y: ArrayType): boolean => x.static.every((t, i) => unifies(t, y.static.length > i ? y.static[i] : y.dynamic));
  if (!staticSide(a, b) || !staticSide(b, a)) return false;
  return a.dynamic === undefined || b.dynamic === undefined || unifies(a.dynamic, b.dynamic);
}

function unifiesObjects(a: ObjectType, b: ObjectType): boolean {
  const staticSide = (x: ObjectType, y: ObjectType): boolean => x.static.every((p) => unifies(p.value, select(y, p.key)));
  if (!staticSide(a, b) || !staticSide(b, a)) return false;
  return a.dynamic === undefined || b.dynamic === undefined || unifies(a.dynamic.value, b.dynamic.value);
}
