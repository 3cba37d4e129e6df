/**
 * `json.*` built-ins: Go-compatible (un)marshalling, `json.filter` and
 * `json.remove` over JSON-pointer-like paths, RFC 6902 `json.patch` (sets
 * supported as OPA does: a set member is its own path segment) and JSON Schema
 * validation (see json-schema.ts).
 */
import type { BuiltinTable } from './builtin.js';
import { BuiltinError } from './builtin.js';
import { arr, builtinError, obj, str } from './operands.js';
import {
  equals,
  isObject,
  makeObject,
  objectEntries,
  objectGet,
  RegoSet,
  sortedEntries,
  typeName,
  type JsonObject,
  type RegoObject,
  type Value,
} from '../value.js';
import { goMarshal, goMarshalIndent, isValidJSON, JSONSyntaxError, parseJSON } from './json-text.js';
import { matchSchema, verifySchema } from './json-schema.js';
import { formatValue } from './sprintf.js';

type Obj = JsonObject | RegoObject;

// ---------------------------------------------------------------------------
// Paths: "a/b/c" (JSON-pointer escapes ~0 ~1) or an array of segments

type Path = Value[];

function parsePath(name: string, p: Value): Path {
  if (typeof p === 'string') {
    if (p === '') return [];
    return p
      .replace(/^\/+/, '')
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  if (Array.isArray(p)) return p;
  throw new BuiltinError('eval_type_error', `${name}: operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
}

function parsePaths(name: string, v: Value, want: string): Path[] {
  if (Array.isArray(v)) return v.map((p) => parsePath(name, p));
  if (v instanceof RegoSet) return v.sorted().map((p) => parsePath(name, p));
  throw new BuiltinError('eval_type_error', `${name}: operand 2 must be ${want} but got ${typeName(v)}`);
}

/** OPA's pathsToObject: a tree of the paths; `null` marks "keep/remove everything below". */
type PathTree = Map<string, { key: Value; child: PathTree | null }>;

function pathsToTree(paths: Path[]): PathTree {
  const root: PathTree = new Map();
  for (const path of paths) {
    if (path.length === 0) continue;
    let node: PathTree | null = root;
    for (let i = 0; i < path.length - 1 && node !== null; i++) {
      const k = keyText(path[i]!);
      const entry: { key: Value; child: PathTree | null } | undefined = node.get(k);
      if (entry === undefined) {
        const child: PathTree = new Map();
        node.set(k, { key: path[i]!, child });
        node = child;
      } else node = entry.child;
    }
    if (node !== null) node.set(keyText(path[path.length - 1]!), { key: path[path.length - 1]!, child: null });
  }
  return root;
}

function keyText(v: Value): string {
  return typeof v === 'string' ? 's' + v : 'x' + goMarshal(v);
}

/** Sub-tree for a key: undefined when absent, null for a leaf. */
function subTree(tree: PathTree, key: Value): PathTree | null | undefined {
  const e = tree.get(keyText(key));
  return e === undefined ? undefined : e.child;
}

/** OPA's filterObject: keep only what the tree names (array indexes are string keys "0", "1"…). */
function filterValue(v: Value, tree: PathTree | null): Value {
  if (tree === null) return v;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const t = subTree(tree, String(i));
      if (t !== undefined) out.push(filterValue(x, t));
    });
    return out;
  }
  if (v instanceof RegoSet) {
    const out = new RegoSet();
    for (const x of v.values()) {
      const t = subTree(tree, x);
      if (t !== undefined) out.add(filterValue(x, t));
    }
    return out;
  }
  if (isObject(v)) {
    const out: [Value, Value][] = [];
    for (const [k, x] of objectEntries(v)) {
      const t = subTree(tree, k);
      if (t !== undefined) out.push([k, filterValue(x, t)]);
    }
    return makeObject(out);
  }
  return v;
}

/** OPA's jsonRemove: drop what the tree names (array elements shift left); undefined = removed. */
function removeValue(v: Value, tree: PathTree | null | undefined): Value | undefined {
  if (tree === undefined) return v;
  if (tree === null) return undefined;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const r = removeValue(x, subTree(tree, String(i)));
      if (r !== undefined) out.push(r);
    });
    return out;
  }
  if (v instanceof RegoSet) {
    const out = new RegoSet();
    for (const x of v.values()) {
      const r = removeValue(x, subTree(tree, x));
      if (r !== undefined) out.add(r);
    }
    return out;
  }
  if (isObject(v)) {
    const out: [Value, Value][] = [];
    for (const [k, x] of objectEntries(v)) {
      const r = removeValue(x, subTree(tree, k));
      if (r !== undefined) out.push([k, r]);
    }
    return makeObject(out);
  }
  return v;
}

// ---------------------------------------------------------------------------
// json.patch (RFC 6902), functional: every step rebuilds the path it changes

function arrayIndex(key: Value, len: number, allowEnd: boolean): number | undefined {
  if (allowEnd && key === '-') return len;
  let n: number;
  if (typeof key === 'string' && /^-?[0-9]+$/.test(key)) n = Number(key);
  else if (typeof key === 'number' && Number.isInteger(key)) n = key;
  else return undefined;
  return n >= 0 && n <= (allowEnd ? len : len - 1) ? n : undefined;
}

function childAt(v: Value, key: Value): Value | undefined {
  if (Array.isArray(v)) {
    const i = arrayIndex(key, v.length, false);
    return i === undefined ? undefined : v[i];
  }
  if (v instanceof RegoSet) return v.has(key) ? key : undefined;
  if (isObject(v)) return objectGet(v, key);
  return undefined;
}

function getAt(doc: Value, path: Path): Value | undefined {
  let cur: Value | undefined = doc;
  for (const k of path) {
    if (cur === undefined) return undefined;
    cur = childAt(cur, k);
  }
  return cur;
}

/** Replaces the value at `path` by `fn(old)`; undefined when the path is missing or fn fails. */
function updateAt(doc: Value, path: Path, fn: (parent: Value) => Value | undefined): Value | undefined {
  if (path.length === 0) return fn(doc);
  const [k, ...rest] = path;
  const child = childAt(doc, k!);
  if (child === undefined) return undefined;
  const updated = updateAt(child, rest, fn);
  if (updated === undefined) return undefined;
  if (Array.isArray(doc)) {
    const copy = doc.slice();
    copy[arrayIndex(k!, doc.length, false)!] = updated;
    return copy;
  }
  if (doc instanceof RegoSet) {
    const copy = new RegoSet(Array.from(doc.values()).filter((x) => !equals(x, k!)));
    copy.add(updated);
    return copy;
  }
  return setKey(doc as Obj, k!, updated);
}

function setKey(o: Obj, key: Value, value: Value): Obj {
  const entries = objectEntries(o).filter(([k]) => !equals(k, key));
  entries.push([key, value]);
  return makeObject(entries);
}

function patchAdd(doc: Value, path: Path, value: Value): Value | undefined {
  if (path.length === 0) return value;
  const key = path[path.length - 1]!;
  return updateAt(doc, path.slice(0, -1), (parent) => {
    if (Array.isArray(parent)) {
      const i = arrayIndex(key, parent.length, true);
      if (i === undefined) return undefined;
      return [...parent.slice(0, i), value, ...parent.slice(i)];
    }
    if (parent instanceof RegoSet) {
      const copy = new RegoSet(parent.values());
      copy.add(value);
      return copy;
    }
    if (isObject(parent)) return setKey(parent, key, value);
    return undefined;
  });
}

function patchRemove(doc: Value, path: Path): Value | undefined {
  if (path.length === 0) return undefined;
  const key = path[path.length - 1]!;
  return updateAt(doc, path.slice(0, -1), (parent) => {
    if (Array.isArray(parent)) {
      const i = arrayIndex(key, parent.length, false);
      return i === undefined ? undefined : [...parent.slice(0, i), ...parent.slice(i + 1)];
    }
    if (parent instanceof RegoSet) {
      if (!parent.has(key)) return undefined;
      return new RegoSet(Array.from(parent.values()).filter((x) => !equals(x, key)));
    }
    if (isObject(parent)) {
      if (objectGet(parent, key) === undefined) return undefined;
      return makeObject(objectEntries(parent).filter(([k]) => !equals(k, key)));
    }
    return undefined;
  });
}

function patchReplace(doc: Value, path: Path, value: Value): Value | undefined {
  if (path.length === 0) return value;
  if (getAt(doc, path) === undefined) return undefined;
  const removed = patchRemove(doc, path);
  return removed === undefined ? undefined : patchAdd(removed, path, value);
}

function isPrefix(a: Path, b: Path): boolean {
  return a.length < b.length && a.every((x, i) => equals(x, b[i]!));
}

/**
 * OPA's applyPatches. Any failure — an element that is not an object, a missing
 * or ill-typed attribute, an unknown op, a bad path, a failed test — makes
 * json.patch undefined, never an error (builtinJSONPatch returns nil on it).
 */
function jsonPatch(target: Value, ops: Value[]): Value | undefined {
  let doc: Value | undefined = target;
  const pathOf = (v: Value | undefined): Path | undefined => (typeof v === 'string' || Array.isArray(v) ? parsePath('json.patch', v) : undefined);
  for (const op of ops) {
    if (!isObject(op)) return undefined;
    const kind = objectGet(op, 'op');
    if (typeof kind !== 'string' || !PATCH_OPS.has(kind)) return undefined;
    const path = objectGet(op, 'path') === undefined ? undefined : pathOf(objectGet(op, 'path'));
    if (path === undefined) return undefined;
    const from = kind === 'move' || kind === 'copy' ? pathOf(objectGet(op, 'from')) : [];
    const value = kind === 'add' || kind === 'replace' || kind === 'test' ? objectGet(op, 'value') : null;
    if (from === undefined || value === undefined) return undefined;
    const d: Value = doc;
    switch (kind) {
      case 'add':
        doc = patchAdd(d, path, value);
        break;
      case 'remove':
        doc = patchRemove(d, path);
        break;
      case 'replace':
        doc = patchReplace(d, path, value);
        break;
      case 'move': {
        const v = getAt(d, from);
        if (v === undefined || isPrefix(from, path)) doc = undefined;
        else {
          const removed = patchRemove(d, from);
          doc = removed === undefined ? undefined : patchAdd(removed, path, v);
        }
        break;
      }
      case 'copy': {
        const v = getAt(d, from);
        doc = v === undefined ? undefined : patchAdd(d, path, v);
        break;
      }
      case 'test': {
        const v = getAt(d, path);
        doc = v !== undefined && equals(v, value) ? d : undefined;
        break;
      }
    }
    if (doc === undefined) return undefined; // patches are atomic: one failure, no result
  }
  return doc;
}

const PATCH_OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

// ---------------------------------------------------------------------------
// json.marshal_with_options

function marshalWithOptions(name: string, args: Value[]): string {
  const value = args[0]!;
  const opts = obj(name, args, 2);
  let indent = '\t';
  let prefix = '';
  let implicitPretty = false;
  let explicitPretty: boolean | undefined;
  const operandError = (msg: string) => new BuiltinError('eval_type_error', `${name}: operand 2 ${msg}`);
  sortedEntries(opts).forEach(([k, v], idx) => {
    if (typeof k !== 'string') throw operandError(`failed to stringify key ${formatValue(k)} at index ${idx}: operand ${idx} must be string but got ${typeName(k)}`);
    const asString = (): string => {
      if (typeof v !== 'string') throw operandError(`key ${k} failed cast to string: operand ${idx} must be string but got ${typeName(v)}`);
      return v;
    };
    switch (k) {
      case 'prefix':
        prefix = asString();
        implicitPretty = true;
        break;
      case 'indent':
        indent = asString();
        implicitPretty = true;
        break;
      case 'pretty':
        if (typeof v !== 'boolean') throw operandError(`key ${k} failed cast to bool`);
        explicitPretty = v;
        break;
      default:
        throw operandError(`object contained unknown key ${k}`);
    }
  });
  const pretty = explicitPretty ?? implicitPretty;
  return pretty ? prefix + goMarshalIndent(value, prefix, indent) : goMarshal(value);
}

// ---------------------------------------------------------------------------

export const builtins: BuiltinTable = {
  'json.marshal': (args) => goMarshal(args[0]!),
  'json.marshal_with_options': (args) => marshalWithOptions('json.marshal_with_options', args),

  'json.unmarshal': (args) => {
    const text = str('json.unmarshal', args, 1);
    try {
      return parseJSON(text);
    } catch (e) {
      if (e instanceof JSONSyntaxError) throw builtinError('json.unmarshal', e.message);
      throw e;
    }
  },

  'json.is_valid': (args) => typeof args[0] === 'string' && isValidJSON(args[0]),

  'json.filter': (args) => {
    const name = 'json.filter';
    const o = obj(name, args, 1);
    const tree = pathsToTree(parsePaths(name, args[1]!, 'one of {set, array}'));
    return filterValue(o, tree);
  },

  'json.remove': (args) => {
    const name = 'json.remove';
    const o = obj(name, args, 1);
    const paths = args[1]!;
    if (!Array.isArray(paths) && !(paths instanceof RegoSet)) throw new BuiltinError('eval_type_error', `${name}: operand 2 must be one of {set, array} but got ${typeName(paths)}`);
    return removeValue(o, pathsToTree(parsePaths(name, paths, 'one of {set, array}')));
  },

  'json.patch': (args) => jsonPatch(args[0]!, arr('json.patch', args, 2)),

  'json.match_schema': (args) => {
    const name = 'json.match_schema';
    return matchSchema(name, args[0]!, args[1]!);
  },

  'json.verify_schema': (args) => verifySchema(args[0]!),
};
