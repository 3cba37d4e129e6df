/**
 * The Rego value model.
 *
 * Values are plain JavaScript wherever JSON already fits, so that `input` and
 * base `data` parsed by `JSON.parse` are used as they are, never copied:
 *
 *   null, boolean, string          as themselves
 *   number                         `number` (float64), or `bigint` for integers
 *                                  outside the safe range (never a bigint that fits),
 *                                  or `RegoNumber` for a literal whose text says more
 *                                  than those (`3.50`, `1e21`, `1e-400`): see below
 *   array                          `Value[]`
 *   object with only string keys   a plain object (`JsonObject`)
 *   object with any other key      `RegoObject` (at least one non-string key)
 *   set                            `RegoSet`
 *
 * Invariant: an object whose keys are all strings is always a plain object, and a
 * `RegoObject` always holds at least one non-string key, so the two never
 * compare equal. Build objects with `makeObject` / `ObjectBuilder` to keep it.
 *
 * Plain objects may come from JSON.parse and so have Object.prototype: always
 * read them with `objectGet` / `hasOwn`, never `obj[key]`.
 *
 * Values are immutable once built: never mutate a value you did not just create.
 */

import * as dec from './builtins/decimal.js';

export type Value = null | boolean | number | bigint | RegoNumber | string | Value[] | JsonObject | RegoObject | RegoSet;

export interface JsonObject {
  [key: string]: Value;
}

const hasOwnProperty = Object.prototype.hasOwnProperty;

export function hasOwn(obj: object, key: string): boolean {
  return hasOwnProperty.call(obj, key);
}

/**
 * A set: members kept by canonical key. Iterated in OPA's order (sorted, as
 * OPA iterates sets), computed once and kept until the set changes.
 * `map` is the membership table: iterate `values()`, not `map`, where order matters.
 */
export class RegoSet {
  readonly map: Map<string, Value>;
  private order: Value[] | null = null;
  constructor(values?: Iterable<Value>) {
    this.map = new Map();
    if (values) for (const v of values) this.map.set(keyOf(v), v);
  }
  get size(): number {
    return this.map.size;
  }
  add(v: Value): void {
    this.map.set(keyOf(v), v);
    this.order = null;
  }
  has(v: Value): boolean {
    return this.map.has(keyOf(v));
  }
  /** Members in OPA's order. */
  values(): IterableIterator<Value> {
    return this.ordered()[Symbol.iterator]();
  }
  /** Members in OPA's total order (a new array the caller may change). */
  sorted(): Value[] {
    return this.ordered().slice();
  }
  /**
   * Members in OPA's total order: the set's own cached array, not to be
   * changed. Walking it by index costs no iterator (`values()` costs one, and
   * `Array.from` of it more than building a small set).
   */
  members(): readonly Value[] {
    return this.ordered();
  }
  /** The cached order; rebuilt when members were added (also through `map`, seen by the size). */
  private ordered(): readonly Value[] {
    if (this.order === null || this.order.length !== this.map.size) {
      const members: Value[] = [];
      let strings = true;
      for (const m of this.map.values()) {
        if (typeof m !== 'string') strings = false;
        members.push(m);
      }
      this.order = strings ? sortStrings(members as string[]) : members.sort(compare);
    }
    return this.order;
  }
}

/** An object with at least one non-string key. Entries kept by the key's canonical form. */
export class RegoObject {
  readonly map: Map<string, [Value, Value]>;
  constructor(entries?: Iterable<[Value, Value]>) {
    this.map = new Map();
    if (entries) for (const [k, v] of entries) this.map.set(keyOf(k), [k, v]);
  }
  get size(): number {
    return this.map.size;
  }
  get(k: Value): Value | undefined {
    return this.map.get(keyOf(k))?.[1];
  }
  entries(): IterableIterator<[Value, Value]> {
    return this.map.values();
  }
}

/**
 * A number kept as the text it was written in. OPA keeps every number as its
 * text (Go's json.Number): `3.50` prints as `3.50`, `1e21` as `1e21`, and a
 * number written with a fraction or an exponent is a floating-point number
 * even when its value is whole (sprintf's `%d` refuses `100.0`, integer
 * operands refuse `1e2`, arithmetic on `1e21` is floating-point). JavaScript
 * numbers lose that, so a number literal whose text is not the one its value
 * would print as is kept in this box; all other numbers stay plain `number` /
 * `bigint` (the hot path never meets a box: JSON input has none).
 *
 * `value` is the plain value nearest to the text (the exact integer when it is
 * one, else the nearest double); `valueOf()` gives the double, so arithmetic
 * written for plain numbers keeps working. Order, equality and keys use the
 * exact decimal of the text (`1e-400 > 0`, `1e400 > 1e399`).
 */
export class RegoNumber {
  // Private fields are not own properties: reading a key of a box, or iterating
  // it, finds nothing without a type test on the hot path of plain objects.
  readonly #text: string;
  readonly #value: number | bigint;
  constructor(text: string, value: number | bigint) {
    this.#text = text;
    this.#value = value;
  }
  get text(): string {
    return this.#text;
  }
  get value(): number | bigint {
    return this.#value;
  }
  valueOf(): number {
    return Number(this.#value);
  }
  toString(): string {
    return this.text;
  }
}

// ---------------------------------------------------------------------------
// Type tests

export type TypeName = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set';

export function isNumber(v: Value): v is number | bigint | RegoNumber {
  const t = typeof v;
  return t === 'number' || t === 'bigint' || v instanceof RegoNumber;
}

export function isObject(v: Value): v is JsonObject | RegoObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RegoSet) && !(v instanceof RegoNumber);
}

export function isPlainObject(v: Value): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RegoSet) && !(v instanceof RegoObject) && !(v instanceof RegoNumber);
}

/** A number's plain value (a box's nearest plain value), for code that computes on plain numbers. */
export function plainNumber(n: number | bigint | RegoNumber): number | bigint {
  return n instanceof RegoNumber ? n.value : n;
}

export function isSet(v: Value): v is RegoSet {
  return v instanceof RegoSet;
}

/** OPA's type names (`type_name` and error messages). */
export function typeName(v: Value): TypeName {
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return 'array';
      if (v instanceof RegoSet) return 'set';
      if (v instanceof RegoNumber) return 'number';
      return 'object';
  }
}

/** Rank in OPA's total order: null < boolean < number < string < array < object < set. */
function typeRank(v: Value): number {
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    default:
      if (v === null) return 0;
      if (Array.isArray(v)) return 4;
      if (v instanceof RegoSet) return 6;
      if (v instanceof RegoNumber) return 2;
      return 5;
  }
}

// ---------------------------------------------------------------------------
// Objects

/** Number of keys of an object value. */
export function objectSize(obj: JsonObject | RegoObject): number {
  if (obj instanceof RegoObject) return obj.size;
  let n = 0;
  for (const k in obj) if (hasOwn(obj, k)) n++;
  return n;
}

/** Value at `key`, or undefined. Works for both object representations. */
export function objectGet(obj: JsonObject | RegoObject, key: Value): Value | undefined {
  if (obj instanceof RegoObject) return obj.get(key);
  if (typeof key !== 'string') return undefined;
  return hasOwn(obj, key) ? obj[key] : undefined;
}

/** All [key, value] pairs (unordered; use `sortedEntries` for OPA's order). */
export function objectEntries(obj: JsonObject | RegoObject): [Value, Value][] {
  if (obj instanceof RegoObject) return Array.from(obj.entries());
  const out: [Value, Value][] = [];
  for (const k of Object.keys(obj)) out.push([k, obj[k]!]);
  return out;
}

/** Entries sorted by key in OPA's order. */
export function sortedEntries(obj: JsonObject | RegoObject): [Value, Value][] {
  if (obj instanceof RegoObject) return objectEntries(obj).sort((a, b) => compare(a[0], b[0]));
  const keys = sortStrings(Object.keys(obj));
  return keys.map((k) => [k, obj[k]!]);
}

export function objectKeys(obj: JsonObject | RegoObject): Value[] {
  if (obj instanceof RegoObject) return Array.from(obj.entries(), (e) => e[0]);
  return Object.keys(obj);
}

/** Sets `obj[key] = value` safely on a plain object we are building (handles `__proto__`). */
export function setOwn(obj: JsonObject, key: string, value: Value): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * Builds an object from entries, choosing the representation by its keys.
 * Later entries with an equal key replace earlier ones (callers check conflicts).
 */
export class ObjectBuilder {
  private plain: JsonObject | null = {};
  private rich: RegoObject | null = null;

  set(key: Value, value: Value): void {
    if (this.plain !== null) {
      if (typeof key === 'string') {
        setOwn(this.plain, key, value);
        return;
      }
      this.rich = new RegoObject(objectEntries(this.plain));
      this.plain = null;
    }
    this.rich!.map.set(keyOf(key), [key, value]);
  }

  get(key: Value): Value | undefined {
    if (this.plain !== null) return typeof key === 'string' && hasOwn(this.plain, key) ? this.plain[key] : undefined;
    return this.rich!.get(key);
  }

  build(): JsonObject | RegoObject {
    return this.plain ?? this.rich!;
  }
}

export function makeObject(entries: Iterable<[Value, Value]>): JsonObject | RegoObject {
  const b = new ObjectBuilder();
  for (const [k, v] of entries) b.set(k, v);
  return b.build();
}

// ---------------------------------------------------------------------------
// Numbers

/** Normalises a bigint to a number when it fits in the safe integer range. */
export function normalizeBigInt(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

export function isInteger(n: number | bigint): boolean {
  return typeof n === 'bigint' || Number.isInteger(n);
}

function compareNumbers(a: number | bigint | RegoNumber, b: number | bigint | RegoNumber): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof RegoNumber || b instanceof RegoNumber) return dec.compare(decimalOf(a), decimalOf(b));
  // Mixed: compare exactly where both are integers, else as floats.
  if (isInteger(a) && isInteger(b) && Number.isFinite(Number(a)) !== false) {
    try {
      const x = BigInt(a);
      const y = BigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    } catch {
      /* fall through to float comparison */
    }
  }
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The exact decimal a number denotes (a box: its text's). */
function decimalOf(n: number | bigint | RegoNumber): dec.Decimal {
  if (n instanceof RegoNumber) {
    const d = dec.parseDecimal(n.text);
    if (d !== undefined && d !== 'exponent') return d;
  }
  return dec.fromNumber(plainNumber(n));
}

/** Canonical text of a number, equal for numerically equal values (1, 1.0, 1e0). */
export function numberKey(n: number | bigint | RegoNumber): string {
  if (n instanceof RegoNumber) {
    const d = dec.normalize(decimalOf(n));
    if (d.e >= 0) return dec.toBigInt(d).toString();
    // The key of the double it equals, if any; else its exact decimal (equal to no double).
    const near = Number(n.value);
    if (dec.compare(dec.fromNumber(near), d) === 0) return String(near);
    return `${d.m}e${d.e}`;
  }
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && Number.isFinite(n)) return BigInt(n).toString();
  return String(n);
}

/**
 * The box for a number literal, or its plain value when the plain value prints
 * as the literal was written (see `RegoNumber`).
 */
export function numberFromText(text: string, value: number | bigint): number | bigint | RegoNumber {
  if (!/[.eE]/.test(text) || formatNumber(value) === text) return value;
  return new RegoNumber(text, value);
}

// ---------------------------------------------------------------------------
// Order and equality

/** JavaScript strings compare by UTF-16 code units; OPA (Go) compares bytes, i.e. code points. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (code points above U+FFFF) sort after every BMP character in UTF-8.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Sorts strings in OPA's order, in place. JavaScript's default sort (UTF-16
 * code units) already is that order unless a string holds a character above
 * U+FFFF, so the comparator only runs when one does.
 */
export function sortStrings(strings: string[]): string[] {
  const n = strings.length;
  if (n < 2) return strings;
  if (n <= 16) {
    // Few strings (a decision's output sets): an insertion sort by code units (`<`, as the default sort) costs less than a call to `sort`.
    for (let i = 1; i < n; i++) {
      const x = strings[i]!;
      let j = i - 1;
      for (; j >= 0 && strings[j]! > x; j--) strings[j + 1] = strings[j]!;
      strings[j + 1] = x;
    }
  } else strings.sort();
  if (anySurrogate(strings)) strings.sort(compareStrings);
  return strings;
}

/** Whether a string holds a UTF-16 surrogate (a character above U+FFFF); short strings are scanned without a regex call. */
function anySurrogate(strings: readonly string[]): boolean {
  for (let k = 0; k < strings.length; k++) {
    const s = strings[k]!;
    if (s.length > 64) {
      if (SURROGATE.test(s)) return true;
      continue;
    }
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdfff) return true;
    }
  }
  return false;
}

/** OPA's total order over values. Returns <0, 0 or >0. */
export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a === false ? -1 : 1;
    case 2:
      return compareNumbers(a as number | bigint, b as number | bigint);
    case 3:
      return compareStrings(a as string, b as string);
    case 4: {
      const x = a as Value[];
      const y = b as Value[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    case 5: {
      const x = sortedEntries(a as JsonObject | RegoObject);
      const y = sortedEntries(b as JsonObject | RegoObject);
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const ck = compare(x[i]![0], y[i]![0]);
        if (ck !== 0) return ck;
        const cv = compare(x[i]![1], y[i]![1]);
        if (cv !== 0) return cv;
      }
      return x.length - y.length;
    }
    default: {
      const x = (a as RegoSet).sorted();
      const y = (b as RegoSet).sorted();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
  }
}

export function equals(a: Value, b: Value): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta === 'string' || ta === 'boolean' || typeof b === 'string' || typeof b === 'boolean') return false;
  if (ta === 'number' && typeof b === 'number') return a === b;
  // A number equals only a number (an object has no keys to compare it by).
  const na = isNumber(a);
  if (na || isNumber(b)) return na && isNumber(b) && compareNumbers(a, b as number | bigint | RegoNumber) === 0;
  if (a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i]!, b[i]!)) return false;
    return true;
  }
  if (a instanceof RegoSet) {
    if (!(b instanceof RegoSet) || a.size !== b.size) return false;
    for (const k of a.map.keys()) if (!b.map.has(k)) return false;
    return true;
  }
  if (a instanceof RegoObject) {
    if (!(b instanceof RegoObject) || a.size !== b.size) return false;
    for (const [k, [, v]] of a.map) {
      const e = b.map.get(k);
      if (e === undefined || !equals(v, e[1])) return false;
    }
    return true;
  }
  if (typeof b !== 'object' || Array.isArray(b) || b instanceof RegoSet || b instanceof RegoObject) return false;
  const ka = Object.keys(a as JsonObject);
  if (ka.length !== objectSize(b)) return false;
  for (const k of ka) {
    if (!hasOwn(b, k) || !equals((a as JsonObject)[k]!, (b as JsonObject)[k]!)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Canonical keys (for sets, non-string object keys, memo tables)

/**
 * A string that is equal for equal values and different otherwise.
 * Strings, the common case, are their own key (no allocation on set and
 * object-key lookups). The three kinds of key never meet: a string not starting
 * with NUL is itself; a string starting with NUL is `\0s` + itself; any other
 * value is `\0x` + its canonical text.
 */
export function keyOf(v: Value): string {
  if (typeof v === 'string') return v.charCodeAt(0) === 0 ? '\u0000s' + v : v;
  return '\u0000x' + canonical(v);
}

function canonical(v: Value): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
    case 'bigint':
      return numberKey(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      if (v === null) return 'null';
      if (v instanceof RegoNumber) return numberKey(v);
      if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
      if (v instanceof RegoSet) return '<' + Array.from(v.values(), canonical).sort().join(',') + '>';
      return '{' + sortedEntries(v).map(([k, x]) => canonical(k) + ':' + canonical(x)).join(',') + '}';
  }
}

// ---------------------------------------------------------------------------
// Conversion to and from JSON

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Text of a number as OPA prints it in JSON: integers in full, floats in Go's
 * shortest form (`1e+21` style exponents as Go's strconv 'g' with -1 precision
 * would for large magnitudes is approximated by JavaScript's own shortest form).
 */
export function formatNumber(n: number | bigint | RegoNumber): string {
  // A box prints as written (OPA prints a number's text), when that is JSON's syntax.
  if (n instanceof RegoNumber) return JSON_NUMBER.test(n.text) ? n.text : formatNumber(n.value);
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(n);
}

// ---------------------------------------------------------------------------
// Writing values as text

/**
 * What differs between the writers of a value's text: JSON (`toJSONText`, and
 * Go's json.Marshal for the `json.*` built-ins) and Rego syntax (`sprintf`'s
 * `%v`, `print`). Numbers, literals and ordering are the same for all.
 */
export interface TextStyle {
  /** A string literal (JSON quoting, Go's json.Marshal or Go's strconv.Quote). */
  readonly quote: (s: string) => string;
  /**
   * JSON has no sets and only string keys: sets become sorted arrays, a
   * non-string key the string of its own text, and keys sort by their text (as
   * Go sorts map keys). Otherwise sets are `{1, 2}`/`set()`, keys as they are.
   */
  readonly json: boolean;
  /** Between items (`,` in JSON, `, ` in Rego). */
  readonly separator: string;
  /** Between a key and its value. */
  readonly colon: string;
}

/** A value's text in the given style, on one line. */
export function writeValue(v: Value, style: TextStyle): string {
  switch (typeof v) {
    case 'string':
      return style.quote(v);
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default: {
      if (v === null) return 'null';
      if (v instanceof RegoNumber) return formatNumber(v);
      const write = (x: Value) => writeValue(x, style);
      if (Array.isArray(v)) return '[' + v.map(write).join(style.separator) + ']';
      if (v instanceof RegoSet) {
        const items = v.sorted().map(write).join(style.separator);
        if (style.json) return '[' + items + ']';
        return v.size === 0 ? 'set()' : '{' + items + '}';
      }
      const entries = style.json
        ? jsonEntries(v, style).map(([k, x]) => style.quote(k) + style.colon + write(x))
        : sortedEntries(v).map(([k, x]) => write(k) + style.colon + write(x));
      return '{' + entries.join(style.separator) + '}';
    }
  }
}

/**
 * A value's JSON text laid out as Go's json.MarshalIndent(v, prefix, indent)
 * (and JSON.stringify with an indent, which agrees): one item a line, `": "`
 * after keys, empty arrays and objects as `[]` and `{}`; the first line carries
 * no prefix.
 */
export function writeIndentedJSON(v: Value, style: TextStyle, prefix: string, indent: string): string {
  const write = (x: Value, depth: number): string => {
    const nl = '\n' + prefix + indent.repeat(depth);
    const inner = '\n' + prefix + indent.repeat(depth + 1);
    if (Array.isArray(x) || x instanceof RegoSet) {
      const items = Array.isArray(x) ? x : x.sorted();
      if (items.length === 0) return '[]';
      return '[' + items.map((e) => inner + write(e, depth + 1)).join(',') + nl + ']';
    }
    if (isObject(x)) {
      const entries = jsonEntries(x, style);
      if (entries.length === 0) return '{}';
      return '{' + entries.map(([k, e]) => inner + style.quote(k) + ': ' + write(e, depth + 1)).join(',') + nl + '}';
    }
    return writeValue(x, style);
  };
  return write(v, 0);
}

/** An object's entries as JSON has them: keys as strings (a non-string key as its own text), sorted by that text. */
function jsonEntries(obj: JsonObject | RegoObject, style: TextStyle): [string, Value][] {
  if (!(obj instanceof RegoObject)) return sortedEntries(obj) as [string, Value][];
  const entries = objectEntries(obj).map(([k, x]): [string, Value] => [typeof k === 'string' ? k : writeValue(k, style), x]);
  return entries.sort((a, b) => compareStrings(a[0], b[0]));
}

/** JSON as OPA writes its results (standard JSON string escaping). */
const JSON_TEXT: TextStyle = { quote: (s) => JSON.stringify(s), json: true, separator: ',', colon: ':' };

/**
 * Serialises a value as OPA does in JSON output: sets become sorted arrays,
 * object keys are sorted, non-string object keys are written as their JSON text.
 */
export function toJSONText(v: Value, indent = ''): string {
  return indent ? writeIndentedJSON(v, JSON_TEXT, '', indent) : writeValue(v, JSON_TEXT);
}

/** Converts to a plain JSON-compatible JavaScript value (bigints beyond float range lose precision). */
export function toJS(v: Value): unknown {
  switch (typeof v) {
    case 'bigint':
      return Number(v);
    case 'object':
      if (v === null) return null;
      if (v instanceof RegoNumber) return Number(v.value);
      if (Array.isArray(v)) return v.map(toJS);
      if (v instanceof RegoSet) return v.sorted().map(toJS);
      {
        const out: Record<string, unknown> = {};
        for (const [key, x] of jsonEntries(v, JSON_TEXT)) {
          if (key === '__proto__') Object.defineProperty(out, key, { value: toJS(x), enumerable: true, writable: true, configurable: true });
          else out[key] = toJS(x);
        }
        return out;
      }
    default:
      return v;
  }
}

/**
 * Accepts a JSON-compatible JavaScript value (as JSON.parse or a YAML parser
 * returns) as a Rego value. Plain JSON is already a Value; this only rejects
 * what JSON cannot hold (undefined, functions, NaN) and converts unsafe integers
 * that a parser produced as bigint.
 */
export function fromJS(x: unknown): Value {
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return x;
    case 'number':
      if (!Number.isFinite(x)) throw new TypeError(`cannot convert ${x} to a Rego number`);
      return x;
    case 'bigint':
      return normalizeBigInt(x);
    case 'object':
      if (x === null) return null;
      if (Array.isArray(x)) return x.map(fromJS);
      if (x instanceof RegoSet || x instanceof RegoObject || x instanceof RegoNumber) return x;
      {
        const out: JsonObject = {};
        for (const k of Object.keys(x)) setOwn(out, k, fromJS((x as Record<string, unknown>)[k]));
        return out;
      }
    default:
      throw new TypeError(`cannot convert ${typeof x} to a Rego value`);
  }
}
