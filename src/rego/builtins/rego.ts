/**
 * Built-ins tied to the language itself: `print`'s formatting, `trace`, the
 * `in` operator (`internal.member_2`/`_3`), `walk`, and introspection
 * (`rego.metadata.*`, `opa.runtime`). `print` is evaluated by the compiler
 * (undefined operands must reach it); the table entry only covers direct use.
 */
import type { BuiltinTable, RelationTable } from './builtin.js';
import { builtinError, str } from './operands.js';
import { equals, formatNumber, hasOwn, isObject, RegoObject, RegoSet, sortedEntries, type JsonObject, type Value } from '../value.js';

/** OPA's `%v` text of a term: strings bare at top level, JSON-like otherwise (`{"a": 1}`, sets `{1, 2}`). */
export function formatPrintValue(v: Value): string {
  return typeof v === 'string' ? v : termText(v);
}

export function termText(v: Value): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return '[' + v.map(termText).join(', ') + ']';
      if (v instanceof RegoSet) return v.size === 0 ? 'set()' : '{' + v.sorted().map(termText).join(', ') + '}';
      return '{' + sortedEntries(v).map(([k, x]) => termText(k) + ': ' + termText(x)).join(', ') + '}';
  }
}

function member(x: Value, coll: Value): boolean {
  if (Array.isArray(coll)) {
    for (const m of coll) if (equals(m, x)) return true;
    return false;
  }
  if (coll instanceof RegoSet) return coll.has(x);
  if (coll instanceof RegoObject) {
    for (const [, v] of coll.entries()) if (equals(v, x)) return true;
    return false;
  }
  if (isObject(coll)) {
    for (const k in coll) if (hasOwn(coll, k) && equals((coll as JsonObject)[k]!, x)) return true;
    return false;
  }
  return false;
}

function memberAt(key: Value, x: Value, coll: Value): boolean {
  if (Array.isArray(coll)) {
    return typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < coll.length && equals(coll[key]!, x);
  }
  if (coll instanceof RegoSet) return false;
  if (coll instanceof RegoObject) {
    const v = coll.get(key);
    return v !== undefined && equals(v, x);
  }
  if (isObject(coll)) return typeof key === 'string' && hasOwn(coll, key) && equals((coll as JsonObject)[key]!, x);
  return false;
}

/** All [path, value] pairs of a value, parents before children, children in key order (as OPA). */
function* walkValue(v: Value, path: Value[]): Generator<Value> {
  yield [path.slice(), v];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      yield* walkValue(v[i]!, path);
      path.pop();
    }
  } else if (v instanceof RegoSet) {
    for (const m of v.sorted()) {
      path.push(m);
      yield* walkValue(m, path);
      path.pop();
    }
  } else if (isObject(v)) {
    for (const [k, x] of sortedEntries(v)) {
      path.push(k);
      yield* walkValue(x, path);
      path.pop();
    }
  }
}

export const builtins: BuiltinTable = {
  print: (args, ctx) => {
    ctx.print(args.map(formatPrintValue).join(' '));
    return true;
  },
  trace: (args, ctx) => {
    ctx.print(str('trace', args, 1));
    return true;
  },
  'internal.member_2': (args) => member(args[0]!, args[1]!),
  'internal.member_3': (args) => memberAt(args[0]!, args[1]!, args[2]!),
  'opa.runtime': () => ({ env: {}, version: 'defenseclaw', commit: '', config: {} }),
  // Annotations are not carried into evaluation yet: no metadata.
  'rego.metadata.rule': () => ({}),
  'rego.metadata.chain': () => [],
  'rego.parse_module': () => {
    throw builtinError('rego.parse_module', 'not supported by this engine');
  },
};

export const relations: RelationTable = {
  walk: (args) => walkValue(args[0]!, []),
};
