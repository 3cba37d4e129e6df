/**
 * The reference check (OPA's refChecker, v1/ast/check.go): walks a ref
 * element by element against what is known of the value it reads. Under
 * `data` it follows the rules' type tree (a variable there gets the key type
 * of the node; a path no rule defines is base data, any); below a typed value
 * each element must be a possible key: a constant key the type has, or a
 * variable, ref or composite whose type unifies with the key type. A typed
 * scalar has no elements at all. Variables met as keys take the key type.
 */
import type { RegoError } from '../../errors.js';
import type { RefTerm, Term } from '../../syntax/ast.js';
import { compare, writeValue, type Value } from '../../value.js';
import { constantPrefix, type DataTypes, type Scope, type TypeNode } from './env.js';
import { refInvalid, refUnsupported } from './errors.js';
import { constantValue, isConstant } from './terms.js';
import { ANY, keysOf, select, STRING, valuesOf, type MaybeType } from './types.js';
import { unifies } from './unifies.js';

export interface RefContext {
  readonly scope: Scope;
  readonly cx: { readonly data: DataTypes };
  typeOf(t: Term): MaybeType;
  getByRef(r: RefTerm): MaybeType;
  unify1(t: Term, tpe: MaybeType, union: boolean): boolean;
}

export function checkRef(c: RefContext, ref: RefTerm): RegoError | undefined {
  const head = ref.head;
  if (head.type !== 'var') return checkLeaf(c, ref, c.typeOf(head) ?? ANY, 1);
  if (head.name === 'data') return checkData(c, ref);
  if (head.name === 'input') return checkLeaf(c, ref, ANY, 1);
  const t = c.scope.get(head.name);
  if (t !== undefined) return checkLeaf(c, ref, t, 1);
  // An untyped variable read as a collection: from now on it is any.
  c.scope.put(head.name, ANY);
  return checkLeaf(c, ref, ANY, 1);
}

function element(ref: RefTerm, i: number): Term {
  return i === 0 ? ref.head : ref.path[i - 1]!;
}

function checkData(c: RefContext, ref: RefTerm): RegoError | undefined {
  const data = c.cx.data;
  data.ensure(constantPrefix(ref.path));
  let node = data.root;
  // Until a rule is typed, nothing is known of `data` (OPA's type tree has no `data` node yet).
  if (node.children.size === 0) return checkLeaf(c, ref, ANY, 1);
  for (let idx = 1; idx <= ref.path.length; idx++) {
    const seg = element(ref, idx);
    // OPA's compiler first binds a ref or comprehension used as a key to a variable (its RewriteDynamicTerms stage).
    const asVar = seg.type === 'var' || !isConstant(seg);
    // A package path: its first two elements must be names.
    if ((idx === 1 || idx === 2) && !asVar && seg.type !== 'string') {
      return refInvalid(ref.head, ref.path, idx, c.typeOf(seg), STRING, nodeKeys(node));
    }
    if (asVar) {
      const keys = keysOf(data.extent(node));
      const exist = seg.type === 'var' ? c.scope.get(seg.name) : c.typeOf(seg);
      if (exist === undefined) {
        if (seg.type === 'var') c.scope.put(seg.name, keys);
      } else if (!unifies(keys, exist)) return refInvalid(ref.head, ref.path, idx, exist, keys, nodeKeys(node));
    }
    const child = isConstant(seg) ? node.child(constantValue(seg)) : undefined;
    if (!child) return checkLeaf(c, ref, ANY, 1);
    if (child.value !== undefined) return checkLeaf(c, ref, child.value, idx + 1);
    node = child;
  }
  return undefined;
}

function checkLeaf(c: RefContext, ref: RefTerm, start: MaybeType, from: number): RegoError | undefined {
  let tpe = start;
  for (let idx = from; idx <= ref.path.length; idx++) {
    const seg = element(ref, idx);
    const keys = keysOf(tpe);
    if (keys === undefined) return refUnsupported(ref.head, ref.path, idx - 1, tpe);
    switch (seg.type) {
      case 'var': {
        const exist = c.scope.get(seg.name);
        if (exist === undefined) c.scope.put(seg.name, keys);
        else if (!unifies(exist, keys)) return refInvalid(ref.head, ref.path, idx, exist, keys, typeKeys(tpe));
        break;
      }
      case 'ref':
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp': {
        const exist = c.typeOf(seg);
        if (exist !== undefined && !unifies(exist, keys)) return refInvalid(ref.head, ref.path, idx, exist, keys, typeKeys(tpe));
        break;
      }
      case 'array':
      case 'object':
      case 'set':
        if (!c.unify1(seg, keys, false)) return refInvalid(ref.head, ref.path, idx, c.typeOf(seg), keys, []);
        break;
      case 'null':
      case 'boolean':
      case 'number':
      case 'string': {
        const child = select(tpe, constantValue(seg));
        if (child === undefined) return refInvalid(ref.head, ref.path, idx, undefined, keys, typeKeys(tpe));
        tpe = child;
        continue;
      }
      default:
        break; // template strings and calls (bound to variables beforehand)
    }
    tpe = valuesOf(tpe);
  }
  return undefined;
}

const REGO_TEXT = { quote: (s: string) => JSON.stringify(s), json: false, separator: ', ', colon: ': ' };

function keyTexts(keys: Value[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const k of keys.sort(compare)) {
    const text = writeValue(k, REGO_TEXT);
    if (!seen.has(text)) out.push(text);
    seen.add(text);
  }
  return out;
}

function nodeKeys(node: TypeNode): string[] {
  return keyTexts(Array.from(node.children.values(), (c) => c.key));
}

/** The static keys of an object type (of every object in a union), for `want (one of)`. */
function typeKeys(t: MaybeType): string[] {
  const keys: Value[] = [];
  const collect = (x: MaybeType): void => {
    if (x?.kind === 'object') for (const p of x.static) keys.push(p.key);
    else if (x?.kind === 'any') x.of.forEach(collect);
  };
  collect(t);
  return keyTexts(keys);
}
