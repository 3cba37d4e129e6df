/**
 * Reading inside values: indexing a collection by one key, iterating its
 * entries, and patching a value at a path (for `with`). Shared by reference
 * evaluation, `some ... in`, `every` and the data document.
 */
import { hasOwn, isObject, ObjectBuilder, objectEntries, RegoObject, RegoSet, setOwn, sortedEntries, sortStrings, type JsonObject, type Value } from '../value.js';

/** `v[key]`, or undefined. Arrays take integer numbers, objects any key, sets their members. */
export function indexValue(v: Value, key: Value): Value | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  if (Array.isArray(v)) {
    if (typeof key === 'number') return Number.isInteger(key) && key >= 0 && key < v.length ? v[key] : undefined;
    return undefined;
  }
  if (v instanceof RegoSet) return v.has(key) ? key : undefined;
  if (v instanceof RegoObject) return v.get(key);
  // (A `RegoNumber` box has no own keys: nothing is found in it.)
  if (typeof key !== 'string') return undefined;
  return hasOwn(v, key) ? (v as JsonObject)[key] : undefined;
}

/**
 * Calls `each(key, value)` for every entry; stops when it returns true. Sets
 * give (member, member). Sets and objects are walked in OPA's order (sorted
 * members and keys), so that results built while iterating come out as OPA's.
 */
export function iterateValue(v: Value, each: (key: Value, value: Value) => boolean): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (each(i, v[i]!)) return true;
    return false;
  }
  if (v instanceof RegoSet) {
    const members = v.members();
    for (let i = 0; i < members.length; i++) if (each(members[i]!, members[i]!)) return true;
    return false;
  }
  if (v instanceof RegoObject) {
    for (const [k, x] of sortedEntries(v)) if (each(k, x)) return true;
    return false;
  }
  const keys = Object.keys(v);
  if (keys.length > 1) sortStrings(keys);
  for (const k of keys) if (each(k, (v as JsonObject)[k]!)) return true;
  return false;
}

/**
 * A copy of `base` with `value` at `path` (string keys), creating objects along
 * the way; only the objects on the path are copied. Used by `with`.
 */
export function setAtPath(base: Value | undefined, path: readonly string[], value: Value, from = 0): Value {
  if (from === path.length) return value;
  const key = path[from]!;
  const b = new ObjectBuilder();
  let child: Value | undefined;
  if (base !== undefined && isObject(base)) {
    for (const [k, x] of objectEntries(base)) b.set(k, x);
    child = indexValue(base, key);
  }
  b.set(key, setAtPath(child, path, value, from + 1));
  return b.build();
}

/** Plain-object copy helper for building documents. */
export function plainCopy(v: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k in v) if (hasOwn(v, k)) setOwn(out, k, v[k]!);
  return out;
}
