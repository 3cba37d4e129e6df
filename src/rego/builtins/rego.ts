/**
 * Built-ins tied to the language itself: `print`'s formatting, `trace`, the
 * `in` operator (`internal.member_2`/`_3`), `walk`, and introspection
 * (`rego.metadata.*`, `rego.parse_module`, `opa.runtime`). `print` is evaluated by the compiler
 * (undefined operands must reach it); the table entry only covers direct use.
 */
import type { BuiltinTable, RelationTable } from './builtin.js';
import { builtinError, str } from './operands.js';
import { formatValue } from './sprintf.js';
import { RegoErrors } from '../errors.js';
import { parseModule } from '../syntax/parser.js';
import { moduleJSON } from '../syntax/ast-json.js';
import { equals, hasOwn, isObject, RegoObject, RegoSet, sortedEntries, type JsonObject, type Value } from '../value.js';

/** `print`'s text of an operand (Go's `%v` of a term): strings bare, everything else in Rego syntax. */
export function formatPrintValue(v: Value): string {
  return typeof v === 'string' ? v : formatValue(v);
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
    ctx.note?.(str('trace', args, 1));
    return true;
  },
  'internal.member_2': (args) => member(args[0]!, args[1]!),
  'internal.member_3': (args) => memberAt(args[0]!, args[1]!, args[2]!),
  // OPA's test runner injects this call into test rules with cases (tester.injectTestCaseFunc): it
  // tells the runner which case the evaluation reached, so that a case failing later still counts.
  'internal.test_case': (args, ctx) => {
    ctx.testCase?.(args[0]!);
    return true;
  },
  'opa.runtime': () => ({ env: {}, version: 'defenseclaw', commit: '', config: {} }),
  // The compiler replaces calls inside rules with their constant answer
  // (`compile/metadata.ts`); what is left is a call outside any rule (a query).
  'rego.metadata.rule': () => ({}),
  'rego.metadata.chain': () => [],
  'rego.parse_module': (args) => {
    const file = str('rego.parse_module', args, 1);
    const source = str('rego.parse_module', args, 2);
    try {
      return moduleJSON(parseModule(file, source));
    } catch (e) {
      if (e instanceof RegoErrors) throw builtinError('rego.parse_module', e.message);
      throw e;
    }
  },
};

export const relations: RelationTable = {
  walk: (args) => walkValue(args[0]!, []),
};
