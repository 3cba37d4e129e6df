/**
 * The type model of OPA's type checker (its `types` package): null, boolean,
 * number, string, arrays (a static prefix of element types plus a dynamic
 * element type), objects (static properties by constant key plus a dynamic
 * key/value pair), sets, `any` (a union, or everything when empty) and
 * functions. `undefined` stands for an unknown type (OPA's nil): a variable the
 * checker has not typed yet. Types are immutable; unions are kept sorted in
 * OPA's type order so that equal types compare equal.
 *
 * Static object keys are values (a constant key's JSON: strings, numbers,
 * booleans, null, arrays, objects with string keys), compared in OPA's order.
 */
import { compare as compareValues, formatNumber, isObject, objectEntries, RegoNumber, RegoObject, RegoSet, type Value } from '../../value.js';

export type MaybeType = Type | undefined;

export type Type = ScalarType | ArrayType | ObjectType | SetType | AnyType | FunctionType;

export interface ScalarType {
  readonly kind: 'null' | 'boolean' | 'number' | 'string';
}
export interface ArrayType {
  readonly kind: 'array';
  readonly static: readonly MaybeType[];
  readonly dynamic: MaybeType;
}
export interface StaticProperty {
  readonly key: Value;
  readonly value: MaybeType;
}
export interface DynamicProperty {
  readonly key: MaybeType;
  readonly value: MaybeType;
}
export interface ObjectType {
  readonly kind: 'object';
  /** Sorted by key. */
  readonly static: readonly StaticProperty[];
  readonly dynamic: DynamicProperty | undefined;
}
export interface SetType {
  readonly kind: 'set';
  readonly of: MaybeType;
}
/** A union of types, sorted; no members means any value at all. */
export interface AnyType {
  readonly kind: 'any';
  readonly of: readonly Type[];
}
/** A function: argument types, result (absent for `print`-like void built-ins), variadic rest; built-ins name their parameters. */
export interface FunctionType {
  readonly kind: 'function';
  readonly args: readonly MaybeType[];
  readonly result: MaybeType;
  readonly variadic?: MaybeType;
  readonly argNames?: readonly string[];
  readonly resultName?: string;
}

export const NULL: ScalarType = { kind: 'null' };
export const BOOLEAN: ScalarType = { kind: 'boolean' };
export const NUMBER: ScalarType = { kind: 'number' };
export const STRING: ScalarType = { kind: 'string' };
export const ANY: AnyType = { kind: 'any', of: [] };

export function arrayOf(staticTypes: readonly MaybeType[], dynamic: MaybeType): ArrayType {
  return { kind: 'array', static: staticTypes, dynamic };
}
export function setOf(of: MaybeType): SetType {
  return { kind: 'set', of };
}
export function objectOf(props: readonly StaticProperty[], dynamic: DynamicProperty | undefined): ObjectType {
  return { kind: 'object', static: props.length > 1 ? props.slice().sort((a, b) => compareValues(a.key, b.key)) : props, dynamic };
}
export function dynamicObject(key: MaybeType, value: MaybeType): ObjectType {
  return { kind: 'object', static: [], dynamic: { key, value } };
}
export function anyOf(types: readonly Type[]): AnyType {
  return { kind: 'any', of: types.slice().sort(compare) };
}
export function functionOf(args: readonly MaybeType[], result: MaybeType): FunctionType {
  return { kind: 'function', args, result };
}

// ---------------------------------------------------------------------------
// Order and unions

const ORDER: Record<Type['kind'], number> = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5, set: 6, any: 7, function: 8 };

function rank(t: MaybeType): number {
  return t === undefined ? -1 : ORDER[t.kind];
}

/** OPA's total order over types (unknown first). */
export function compare(a: MaybeType, b: MaybeType): number {
  const x = rank(a);
  const y = rank(b);
  if (x !== y) return x < y ? -1 : 1;
  if (a === undefined || b === undefined || a === b) return 0;
  switch (a.kind) {
    case 'array': {
      const o = b as ArrayType;
      if (a.dynamic !== undefined && o.dynamic === undefined) return 1;
      if (o.dynamic !== undefined && a.dynamic === undefined) return -1;
      if (a.dynamic !== undefined) {
        const c = compare(a.dynamic, o.dynamic);
        if (c !== 0) return c;
      }
      return compareLists(a.static, o.static);
    }
    case 'object': {
      const o = b as ObjectType;
      if (a.dynamic && !o.dynamic) return 1;
      if (o.dynamic && !a.dynamic) return -1;
      if (a.dynamic && o.dynamic) {
        const c = compare(a.dynamic.key, o.dynamic.key) || compare(a.dynamic.value, o.dynamic.value);
        if (c !== 0) return c;
      }
      const n = Math.min(a.static.length, o.static.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(a.static[i]!.key, o.static[i]!.key) || compare(a.static[i]!.value, o.static[i]!.value);
        if (c !== 0) return c;
      }
      return Math.sign(a.static.length - o.static.length);
    }
    case 'set': {
      const o = b as SetType;
      if (a.of === undefined || o.of === undefined) return a.of === o.of ? 0 : a.of === undefined ? -1 : 1;
      return compare(a.of, o.of);
    }
    case 'any':
      return compareLists(a.of, (b as AnyType).of);
    case 'function': {
      const o = b as FunctionType;
      if (a.args.length !== o.args.length) return a.args.length < o.args.length ? -1 : 1;
      return compareLists(a.args, o.args) || compare(a.result, o.result) || compare(a.variadic, o.variadic);
    }
    default:
      return 0;
  }
}

function compareLists(a: readonly MaybeType[], b: readonly MaybeType[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compare(a[i], b[i]);
    if (c !== 0) return c;
  }
  return Math.sign(a.length - b.length);
}

/** True if `a` is `b` or a union that contains it (the empty union contains everything but functions). */
export function contains(a: MaybeType, b: MaybeType): boolean {
  if (a?.kind === 'any') return anyContains(a, b);
  return compare(a, b) === 0;
}

function anyContains(a: AnyType, b: MaybeType): boolean {
  if (b?.kind === 'function') return false;
  if (a.of.length === 0) return true;
  return a.of.some((t) => compare(t, b) === 0);
}

/** The union of two types (a superset is returned as it is; unknown is the identity). */
export function or(a: MaybeType, b: MaybeType): MaybeType {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.kind === 'function' || b.kind === 'function') {
    return a.kind === 'function' && b.kind === 'function' ? unionFunctions(a, b) : undefined;
  }
  if (a.kind === 'any') return mergeAny(a, b);
  if (b.kind === 'any') return mergeAny(b, a);
  if (compare(a, b) === 0) return a;
  return anyOf([a, b]);
}

function mergeAny(a: AnyType, b: Type): AnyType {
  if (b.kind === 'any') {
    if (a.of.length === 0) return a;
    if (b.of.length === 0) return b;
    const merged = a.of.slice();
    for (const t of b.of) if (!merged.some((x) => compare(x, t) === 0)) merged.push(t);
    return anyOf(merged);
  }
  if (anyContains(a, b)) return a;
  return anyOf([...a.of, b]);
}

function unionFunctions(a: FunctionType, b: FunctionType): FunctionType | undefined {
  if (a.args.length !== b.args.length) return undefined;
  if ((a.variadic === undefined) !== (b.variadic === undefined)) return undefined;
  const fn: FunctionType = {
    kind: 'function',
    args: a.args.map((t, i) => or(t, b.args[i])),
    result: or(a.result, b.result),
  };
  const variadic = or(a.variadic, b.variadic);
  return variadic === undefined ? fn : { ...fn, variadic };
}

// ---------------------------------------------------------------------------
// Selection

/** The type of `a[x]` for a constant key `x` (a value), or unknown. */
export function select(a: MaybeType, x: Value): MaybeType {
  if (a === undefined) return undefined;
  switch (a.kind) {
    case 'array': {
      const n = x instanceof RegoNumber ? x.value : x;
      if (typeof n !== 'bigint' && (typeof n !== 'number' || !Number.isInteger(n))) return undefined;
      const pos = Number(n);
      if (pos < 0) return undefined;
      return pos < a.static.length ? a.static[pos] : a.dynamic;
    }
    case 'object':
      return selectProperty(a, x);
    case 'set': {
      const t = typeOfValue(x);
      if (compare(a.of, t) === 0) return a.of;
      if (a.of?.kind === 'any' && anyContains(a.of, t)) return t;
      return undefined;
    }
    case 'any': {
      if (a.of.length === 0) return ANY;
      let out: MaybeType;
      for (const t of a.of) out = or(select(t, x), out);
      return out;
    }
    default:
      return undefined;
  }
}

export function selectProperty(o: ObjectType, key: Value): MaybeType {
  const prop = staticProperty(o, key);
  if (prop) return prop.value;
  if (o.dynamic && contains(o.dynamic.key, typeOfValue(key))) return o.dynamic.value;
  return undefined;
}

export function staticProperty(o: ObjectType, key: Value): StaticProperty | undefined {
  let lo = 0;
  let hi = o.static.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = compareValues(o.static[mid]!.key, key);
    if (c === 0) return o.static[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return undefined;
}

// Types are immutable: the keys and values of a (large) type are worked out once.
const keysCache = new WeakMap<Type, MaybeType>();
const valuesCache = new WeakMap<Type, MaybeType>();

function cached(cache: WeakMap<Type, MaybeType>, a: Type, f: (a: Type) => MaybeType): MaybeType {
  if (cache.has(a)) return cache.get(a);
  const t = f(a);
  cache.set(a, t);
  return t;
}

/** The type of the keys one can enumerate: numbers for arrays, the key types of objects, the elements of sets. */
export function keysOf(a: MaybeType): MaybeType {
  if (a === undefined) return undefined;
  return a.kind === 'object' || a.kind === 'any' ? cached(keysCache, a, keysOfUncached) : keysOfUncached(a);
}

function keysOfUncached(a: Type): MaybeType {
  switch (a.kind) {
    case 'array':
      return NUMBER;
    case 'object': {
      let out: MaybeType;
      for (const p of a.static) out = or(out, typeOfValue(p.key));
      if (a.dynamic) out = or(out, a.dynamic.key);
      return out;
    }
    case 'set':
      return a.of;
    case 'any': {
      if (a.of.length === 0) return ANY;
      let out: MaybeType;
      for (const t of a.of) out = or(keysOf(t), out);
      return out;
    }
    default:
      return undefined;
  }
}

/** The type of the values one can enumerate (elements, property values, set members). */
export function valuesOf(a: MaybeType): MaybeType {
  if (a === undefined) return undefined;
  return a.kind === 'object' || a.kind === 'any' || a.kind === 'array' ? cached(valuesCache, a, valuesOfUncached) : valuesOfUncached(a);
}

function valuesOfUncached(a: Type): MaybeType {
  switch (a.kind) {
    case 'array': {
      let out: MaybeType;
      for (const t of a.static) out = or(out, t);
      return or(out, a.dynamic);
    }
    case 'object': {
      let out: MaybeType;
      for (const p of a.static) out = or(out, p.value);
      if (a.dynamic) out = or(out, a.dynamic.value);
      return out;
    }
    case 'set':
      return a.of;
    case 'any': {
      if (a.of.length === 0) return ANY;
      let out: MaybeType;
      for (const t of a.of) out = or(valuesOf(t), out);
      return out;
    }
    default:
      return undefined;
  }
}

/** True if the type is unknown or has an unknown part. */
export function isNil(a: MaybeType): boolean {
  if (a === undefined) return true;
  switch (a.kind) {
    case 'function':
      return a.args.some(isNil) || isNil(a.result);
    case 'array':
      return a.static.some(isNil) || (a.dynamic !== undefined && isNil(a.dynamic));
    case 'object':
      return a.static.some((p) => isNil(p.value)) || (a.dynamic !== undefined && (isNil(a.dynamic.key) || isNil(a.dynamic.value)));
    case 'set':
      return isNil(a.of);
    default:
      return false;
  }
}

/** The type of a constant (a static key's value): objects and arrays with their static parts. */
export function typeOfValue(x: Value): Type {
  if (x === null) return NULL;
  switch (typeof x) {
    case 'boolean':
      return BOOLEAN;
    case 'string':
      return STRING;
    case 'number':
    case 'bigint':
      return NUMBER;
  }
  if (x instanceof RegoNumber) return NUMBER;
  if (Array.isArray(x)) return arrayOf(x.map(typeOfValue), undefined);
  if (x instanceof RegoSet) return arrayOf(x.sorted().map(typeOfValue), undefined);
  if (isObject(x)) return objectOf(objectEntries(x).map(([k, v]) => ({ key: k, value: typeOfValue(v) })), undefined);
  return ANY;
}

// ---------------------------------------------------------------------------
// Text, as OPA prints types in error details

export function typeText(t: MaybeType): string {
  if (t === undefined) return '???';
  switch (t.kind) {
    case 'array': {
      let s = 'array';
      if (t.static.length > 0) s += '<' + t.static.map(typeText).join(', ') + '>';
      if (t.dynamic !== undefined) s += '[' + typeText(t.dynamic) + ']';
      return s;
    }
    case 'object': {
      let s = 'object';
      if (t.static.length > 0) s += '<' + t.static.map((p) => `${goText(p.key)}: ${typeText(p.value)}`).join(', ') + '>';
      if (t.dynamic) s += `[${typeText(t.dynamic.key)}: ${typeText(t.dynamic.value)}]`;
      return s;
    }
    case 'set':
      return `set[${typeText(t.of)}]`;
    case 'any':
      return t.of.length === 0 ? 'any' : 'any<' + t.of.map(typeText).join(', ') + '>';
    case 'function':
      return `${argsText(t, false, false)} => ${typeText(t.result)}`;
    default:
      return t.kind;
  }
}

/**
 * A function's parameters as OPA prints them (`(x: string, delimiter: string)`):
 * with the built-in's parameter names when `named`, the result appended when `withResult`.
 */
export function argsText(fn: FunctionType, named: boolean, withResult: boolean): string {
  const part = (t: MaybeType, name: string | undefined): string => (named && name ? `${name}: ${typeText(t)}` : typeText(t));
  const parts = fn.args.map((t, i) => part(t, fn.argNames?.[i]));
  if (withResult && fn.result !== undefined) parts.push(part(fn.result, fn.resultName));
  if (fn.variadic !== undefined) parts.push(typeText(fn.variadic) + '...');
  return '(' + parts.join(', ') + ')';
}

/** A static key as Go's `%v` prints its JSON value. */
function goText(v: Value): string {
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'boolean':
      return String(v);
  }
  if (v instanceof RegoNumber) return v.text;
  if (Array.isArray(v)) return '[' + v.map(goText).join(' ') + ']';
  if (v instanceof RegoSet) return '[' + v.sorted().map(goText).join(' ') + ']';
  if (v instanceof RegoObject || isObject(v)) {
    const entries = objectEntries(v).sort((a, b) => compareValues(a[0], b[0]));
    return 'map[' + entries.map(([k, x]) => `${goText(k)}:${goText(x)}`).join(' ') + ']';
  }
  return String(v);
}

// ---------------------------------------------------------------------------
// JSON (the capabilities file's declaration language, and error details)

/** A type in OPA's JSON form (`{"type": "array", "dynamic": {"type": "any"}}`). */
export function typeJSON(t: MaybeType): unknown {
  if (t === undefined) return null;
  switch (t.kind) {
    case 'array': {
      const out: Record<string, unknown> = { type: 'array' };
      if (t.static.length > 0) out.static = t.static.map(typeJSON);
      if (t.dynamic !== undefined) out.dynamic = typeJSON(t.dynamic);
      return out;
    }
    case 'object': {
      const out: Record<string, unknown> = { type: 'object' };
      if (t.static.length > 0) out.static = t.static.map((p) => ({ key: p.key, value: typeJSON(p.value) }));
      if (t.dynamic) out.dynamic = { key: typeJSON(t.dynamic.key), value: typeJSON(t.dynamic.value) };
      return out;
    }
    case 'set':
      return t.of === undefined ? { type: 'set' } : { type: 'set', of: typeJSON(t.of) };
    case 'any':
      return t.of.length === 0 ? { type: 'any' } : { type: 'any', of: t.of.map(typeJSON) };
    case 'function': {
      const out: Record<string, unknown> = { type: 'function' };
      if (t.args.length > 0) out.args = t.args.map(typeJSON);
      if (t.result !== undefined) out.result = typeJSON(t.result);
      if (t.variadic !== undefined) out.variadic = typeJSON(t.variadic);
      return out;
    }
    default:
      return { type: t.kind };
  }
}

interface Decl {
  type?: string;
  of?: unknown;
  static?: unknown;
  dynamic?: unknown;
  args?: unknown;
  result?: unknown;
  variadic?: unknown;
  key?: unknown;
  value?: unknown;
}

/** Reads a type from OPA's JSON declaration form (as in the capabilities file). */
export function typeFromJSON(raw: unknown): MaybeType {
  if (raw === null || typeof raw !== 'object') return undefined;
  const d = raw as Decl;
  switch (d.type) {
    case 'null':
      return NULL;
    case 'boolean':
      return BOOLEAN;
    case 'number':
      return NUMBER;
    case 'string':
      return STRING;
    case 'array':
      return arrayOf(Array.isArray(d.static) ? d.static.map(typeFromJSON) : [], d.dynamic === undefined ? undefined : typeFromJSON(d.dynamic));
    case 'object': {
      const props = Array.isArray(d.static) ? (d.static as Decl[]).map((p) => ({ key: p.key as Value, value: typeFromJSON(p.value) })) : [];
      const dyn = d.dynamic as Decl | undefined;
      return objectOf(props, dyn ? { key: typeFromJSON(dyn.key), value: typeFromJSON(dyn.value) } : undefined);
    }
    case 'set':
      return setOf(d.of === undefined ? undefined : typeFromJSON(d.of));
    case 'any':
      return Array.isArray(d.of) ? anyOf(d.of.map(typeFromJSON).filter((t): t is Type => t !== undefined)) : ANY;
    case 'function': {
      const args = Array.isArray(d.args) ? d.args.map(typeFromJSON) : [];
      const fn: FunctionType = { kind: 'function', args, result: d.result === undefined ? undefined : typeFromJSON(d.result) };
      return d.variadic === undefined ? fn : { ...fn, variadic: typeFromJSON(d.variadic) };
    }
    default:
      return undefined;
  }
}
