/**
 * What the type checker needs to know about terms: whether a term is constant
 * and its value, and a ref's text as OPA prints it in `undefined ref` errors
 * (`data.test.q[x]`, `arr[0].dead.beef`).
 */
import type { Term } from '../../syntax/ast.js';
import { makeObject, RegoSet, type Value } from '../../value.js';

const constantComposites = new WeakMap<Term, boolean>();

/** True if the term has no variables, references, calls or comprehensions. */
export function isConstant(t: Term): boolean {
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set':
    case 'object': {
      let c = constantComposites.get(t);
      if (c === undefined) {
        c = t.type === 'object' ? t.items.every(([k, v]) => isConstant(k) && isConstant(v)) : t.items.every(isConstant);
        constantComposites.set(t, c);
      }
      return c;
    }
    default:
      return false;
  }
}

export function isScalar(t: Term): boolean {
  return t.type === 'null' || t.type === 'boolean' || t.type === 'number' || t.type === 'string';
}

/** The value of a constant term (call only when `isConstant`). */
export function constantValue(t: Term): Value {
  switch (t.type) {
    case 'null':
      return null;
    case 'boolean':
    case 'number':
    case 'string':
      return t.value;
    case 'array':
      return t.items.map(constantValue);
    case 'set':
      return new RegoSet(t.items.map(constantValue));
    case 'object':
      return makeObject(t.items.map(([k, v]) => [constantValue(k), constantValue(v)] as [Value, Value]));
    default:
      return null;
  }
}

/** A static key as OPA keeps it: the key's JSON (a set becomes its sorted array). */
export function keyValue(t: Term): Value {
  const v = constantValue(t);
  return v instanceof RegoSet ? v.sorted() : v;
}

const KEYWORDS = new Set(['as', 'contains', 'default', 'else', 'every', 'false', 'if', 'import', 'in', 'not', 'null', 'package', 'some', 'true', 'with']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A term's Rego text as OPA prints it (`Term.String()`). */
export function termText(t: Term): string {
  switch (t.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return String(t.value);
    case 'number':
      return t.raw;
    case 'string':
      return JSON.stringify(t.value);
    case 'var':
      return varText(t.name, t.wildcard === true);
    case 'ref':
      return refText(t.head, t.path);
    case 'array':
      return '[' + t.items.map(termText).join(', ') + ']';
    case 'set':
      return t.items.length === 0 ? 'set()' : '{' + t.items.map(termText).join(', ') + '}';
    case 'object':
      return '{' + t.items.map(([k, v]) => `${termText(k)}: ${termText(v)}`).join(', ') + '}';
    case 'call':
      return `${termText(t.fn)}(${t.args.map(termText).join(', ')})`;
    case 'arraycomp':
      return `[${termText(t.term)} | ...]`;
    case 'setcomp':
      return `{${termText(t.term)} | ...}`;
    case 'objectcomp':
      return `{${termText(t.key)}: ${termText(t.value)} | ...}`;
    case 'template':
      return '$"..."';
  }
}

/** Synthetic variables of the checker (`$t3`, the output of a nested call) print as OPA's generated locals. */
function varText(name: string, wildcard: boolean): string {
  if (wildcard) return '_';
  if (name.startsWith('$t')) return `__local${name.slice(2)}__`;
  return name;
}

/** A ref's text; `upto` limits it to its first elements (head included). */
export function refText(head: Term, path: readonly Term[], upto = path.length + 1): string {
  let s = termText(head);
  for (let i = 0; i < upto - 1 && i < path.length; i++) {
    const p = path[i]!;
    if (p.type === 'string' && IDENT.test(p.value) && !KEYWORDS.has(p.value)) s += '.' + p.value;
    else s += '[' + termText(p) + ']';
  }
  return s;
}
