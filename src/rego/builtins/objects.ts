/** Object built-ins: object.get/keys/remove/filter/union/union_n/subset. */
import type { BuiltinTable } from './builtin.js';
import { BuiltinError } from './builtin.js';
import { arr, elementTypeError, obj, typeError } from './operands.js';
import {
  equals,
  isObject,
  objectEntries,
  objectGet,
  ObjectBuilder,
  objectKeys,
  RegoSet,
  type JsonObject,
  type RegoObject,
  type Value,
} from '../value.js';

type Obj = JsonObject | RegoObject;

/** Child of `v` at `key` (object key, array index, set member), or undefined. */
function child(v: Value, key: Value): Value | undefined {
  if (isObject(v)) return objectGet(v, key);
  if (Array.isArray(v)) {
    if (typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < v.length) return v[key];
    return undefined;
  }
  if (v instanceof RegoSet) return v.has(key) ? key : undefined;
  return undefined;
}

/** `object.get(o, key, default)`; an array key is a path (the empty path is `o` itself). */
function get(args: Value[]): Value {
  const o = obj('object.get', args, 1);
  const key = args[1]!;
  const fallback = args[2]!;
  if (!Array.isArray(key)) {
    // A key holding null exists: only a missing key gives the default.
    const v = objectGet(o, key);
    return v === undefined ? fallback : v;
  }
  let cur: Value = o;
  for (const k of key) {
    const next = child(cur, k);
    if (next === undefined) return fallback;
    cur = next;
  }
  return cur;
}

/** The keys named by object.remove / object.filter's second operand (array, set or object's keys). */
function keySet(name: string, args: Value[]): RegoSet {
  const v = args[1]!;
  if (Array.isArray(v)) return new RegoSet(v);
  if (v instanceof RegoSet) return v;
  if (isObject(v)) return new RegoSet(objectKeys(v));
  throw typeError(name, 2, 'one of {object, set, array}', v);
}

function selectKeys(name: string, keep: boolean) {
  return (args: Value[]): Value => {
    const o = obj(name, args, 1);
    const keys = keySet(name, args);
    const out = new ObjectBuilder();
    for (const [k, v] of objectEntries(o)) if (keys.has(k) === keep) out.set(k, v);
    return out.build();
  };
}

/** Recursive merge: b's values win, except that two objects under the same key are merged. */
export function mergeObjects(a: Obj, b: Obj): Obj {
  const out = new ObjectBuilder();
  for (const [k, v] of objectEntries(a)) out.set(k, v);
  for (const [k, v] of objectEntries(b)) {
    const prev = out.get(k);
    out.set(k, prev !== undefined && isObject(prev) && isObject(v) ? mergeObjects(prev, v) : v);
  }
  return out.build();
}

function unionN(args: Value[]): Value {
  const list = arr('object.union_n', args, 1);
  // OPA merges back to front, so the last member that is not an object is the one reported.
  for (let i = list.length - 1; i >= 0; i--) {
    if (!isObject(list[i]!)) throw elementTypeError('object.union_n', 1, list, list[i]!, 'object');
  }
  let acc: Obj = {};
  for (const x of list) acc = mergeObjects(acc, x as Obj);
  return acc;
}

/** Whether `sub` is a contiguous run of `sup`. */
function arraySubset(sup: Value[], sub: Value[]): boolean {
  if (sub.length === 0) return true;
  outer: for (let i = 0; i + sub.length <= sup.length; i++) {
    for (let j = 0; j < sub.length; j++) if (!equals(sup[i + j]!, sub[j]!)) continue outer;
    return true;
  }
  return false;
}

function setSubset(sup: RegoSet, sub: RegoSet): boolean {
  for (const k of sub.map.keys()) if (!sup.map.has(k)) return false;
  return true;
}

/**
 * subset.go arraySetSubset, kept as OPA has it: it counts array members found in
 * the set, duplicates included (`[1, 1]` covers `{1, 2}`), and an empty array
 * covers nothing, not even the empty set.
 */
function arraySetSubset(sup: Value[], sub: RegoSet): boolean {
  let unmatched = sub.size;
  for (const v of sup) {
    if (sub.has(v)) unmatched--;
    if (unmatched <= 0) return true;
  }
  return false;
}

/**
 * Objects: every key of sub is in sup with an equal value, or both values are
 * objects, sets or arrays of the same kind and the sub one is a subset (an array
 * against a set is not compared here, unlike at the top level).
 */
function objectSubset(sup: Obj, sub: Obj): boolean {
  for (const [k, v] of objectEntries(sub)) {
    const w = objectGet(sup, k);
    if (w === undefined) return false;
    if (equals(w, v)) continue;
    if (isObject(w) && isObject(v)) {
      if (!objectSubset(w, v)) return false;
    } else if (w instanceof RegoSet && v instanceof RegoSet) {
      if (!setSubset(w, v)) return false;
    } else if (Array.isArray(w) && Array.isArray(v)) {
      if (!arraySubset(w, v)) return false;
    } else return false;
  }
  return true;
}

/** OPA's subset relation, or undefined when the two kinds do not combine. */
function subset(sup: Value, sub: Value): boolean | undefined {
  if (isObject(sup) && isObject(sub)) return objectSubset(sup, sub);
  if (sup instanceof RegoSet && sub instanceof RegoSet) return setSubset(sup, sub);
  if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub);
  if (Array.isArray(sup) && sub instanceof RegoSet) return arraySetSubset(sup, sub);
  return undefined;
}

function objectSubsetBuiltin(args: Value[]): Value {
  const [sup, sub] = args as [Value, Value];
  // subset.go has one message for every pair it does not combine, scalars included.
  const r = subset(sup, sub);
  if (r === undefined) {
    throw new BuiltinError('eval_type_error', 'object.subset: both arguments object.subset must be of the same type or array and set');
  }
  return r;
}

export const builtins: BuiltinTable = {
  'object.get': get,
  'object.keys': (args) => new RegoSet(objectKeys(obj('object.keys', args, 1))),
  'object.remove': selectKeys('object.remove', false),
  'object.filter': selectKeys('object.filter', true),
  'object.union': (args) => mergeObjects(obj('object.union', args, 1), obj('object.union', args, 2)),
  'object.union_n': unionN,
  'object.subset': objectSubsetBuiltin,
};
