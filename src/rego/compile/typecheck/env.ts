/**
 * Where the checker keeps types (OPA's TypeEnv, v1/ast/env.go):
 *  - `DataTypes`: the types of rules by their path below `data`, merged as
 *    rules are inferred (each rule's type the union of its definitions, ref
 *    heads folded into the objects above them). A path nothing defines is
 *    base data: any.
 *  - `Scope`: variables of a body, nested for comprehensions and `every`;
 *    a variable declared in a scope (`:=`, `some`) hides outer ones of the
 *    same name, as OPA's renaming of local variables does.
 */
import type { Term } from '../../syntax/ast.js';
import { keyOf, type Value } from '../../value.js';
import { constantValue, isConstant } from './terms.js';
import {
  ANY,
  anyOf,
  dynamicObject,
  objectOf,
  or,
  select,
  STRING,
  typeOfValue,
  valuesOf,
  type MaybeType,
  type ObjectType,
  type StaticProperty,
  type Type,
} from './types.js';

export class Scope {
  private readonly vars = new Map<string, MaybeType>();
  constructor(readonly parent?: Scope) {}

  /** A variable's type, from the nearest scope that knows the variable. */
  get(name: string): MaybeType {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.vars.has(name)) return s.vars.get(name);
    }
    return undefined;
  }
  put(name: string, t: MaybeType): void {
    this.vars.set(name, t);
  }
  /** A variable local to this scope, untyped so far. */
  declare(name: string): void {
    if (!this.vars.has(name)) this.vars.set(name, undefined);
  }
}

export class TypeNode {
  readonly children = new Map<string, TypeNode>();
  value: MaybeType;
  /** This node's extent, kept until something below it changes. */
  extent: Type | undefined;
  constructor(readonly key: Value) {}
  child(key: Value): TypeNode | undefined {
    return this.children.get(keyOf(key));
  }
  ensureChild(key: Value): TypeNode {
    const k = keyOf(key);
    let c = this.children.get(k);
    if (!c) this.children.set(k, (c = new TypeNode(key)));
    return c;
  }
}

/** The type of a ref's remaining elements inside a value of type `t`: constants select, anything else iterates. */
export function selectRef(t: MaybeType, path: readonly Term[], from = 0): MaybeType {
  for (let i = from; i < path.length && t !== undefined; i++) {
    const p = path[i]!;
    t = isConstant(p) && p.type !== 'array' && p.type !== 'object' && p.type !== 'set' ? select(t, constantValue(p)) : valuesOf(t);
  }
  return t;
}

export class DataTypes {
  readonly root = new TypeNode('data');

  /** `ensure(prefix)` is called before types below a constant path are read: it infers the rules there first. */
  constructor(readonly ensure: (prefix: readonly Value[]) => void) {}

  /** The type of `data` followed by `path`. */
  lookup(path: readonly Term[]): MaybeType {
    this.ensure(constantPrefix(path));
    let node = this.root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      if (node.value !== undefined) {
        const child = isConstant(seg) ? node.child(constantValue(seg)) : undefined;
        if (child) {
          node = child;
          continue;
        }
        return selectRef(node.value, path, i);
      }
      if (!isConstant(seg)) return selectRef(this.extent(node), path, i);
      const child = node.child(constantValue(seg));
      if (!child) return ANY;
      node = child;
    }
    return this.extent(node);
  }

  /** A node's type: its own when rules define it, else an object of its children (open to any other key). */
  extent(node: TypeNode): Type {
    if (node.value !== undefined) return node.value;
    if (node.extent) return node.extent;
    const props: StaticProperty[] = [];
    for (const c of node.children.values()) {
      const k = c.key;
      if (typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') props.push({ key: k, value: this.extent(c) });
    }
    return (node.extent = objectOf(props, { key: STRING, value: ANY }));
  }

  /** The nodes of `path` (created when missing), whose extents change with what is put there. */
  private walk(path: readonly Value[]): TypeNode {
    let node = this.root;
    node.extent = undefined;
    for (const k of path) {
      node = node.ensureChild(k);
      node.extent = undefined;
    }
    return node;
  }

  /** Replaces the type at `path` (a rule whose body has errors is typed any, so that its uses raise no more). */
  put(path: readonly Value[], t: Type): void {
    this.walk(path).value = t;
  }

  /** Creates the nodes of `path` without typing them. */
  touch(path: readonly Value[]): void {
    this.walk(path);
  }

  /** Adds a rule's type at `path`, merging it with what is there and into the objects of the rules above it. */
  insert(path: readonly Value[], t: Type): void {
    this.walk(path);
    let node = this.root;
    for (let i = 0; i < path.length; i++) {
      const existing = node.child(path[i]!);
      const child = existing ?? node.ensureChild(path[i]!);
      if (existing && child.value?.kind === 'object' && i + 1 < path.length) child.value = insertIntoObject(child.value, path.slice(i + 1), t);
      node = child;
    }
    node.value = mergeTypes(node.value, t);
    if (t.kind === 'object' && node.children.size > 0) {
      for (const [p, leaf] of leaves(node)) node.value = insertIntoObject(node.value as ObjectType, p, leaf);
    }
  }
}

/** The leading constant elements of a path, as values. */
export function constantPrefix(path: readonly Term[]): Value[] {
  const out: Value[] = [];
  for (const seg of path) {
    if (!isConstant(seg)) break;
    out.push(constantValue(seg));
  }
  return out;
}

function leaves(node: TypeNode): [Value[], Type][] {
  const out: [Value[], Type][] = [];
  const walk = (n: TypeNode, path: Value[]): void => {
    const p = [...path, n.key];
    if (n.value !== undefined) out.push([p, n.value]);
    else for (const c of n.children.values()) walk(c, p);
  };
  for (const c of node.children.values()) walk(c, []);
  return out;
}

/** Folds the type of a rule at `path` below an object-typed rule into that object's dynamic part. */
function insertIntoObject(o: ObjectType, path: readonly Value[], t: MaybeType): ObjectType {
  if (path.length === 0) return o;
  const key = typeOfValue(path[0]!);
  const value = path.length === 1 ? t : insertIntoObject(objectOf([], undefined), path.slice(1), t);
  const dyn = o.dynamic ? { key: or(o.dynamic.key, key), value: or(o.dynamic.value, value) } : { key, value };
  return objectOf(o.static, dyn);
}

/**
 * The union of two definitions' types (OPA's mergeTypes): sets of both kinds
 * merge their element types, objects without static keys merge their dynamic
 * parts, anything else becomes a union.
 */
export function mergeTypes(a: MaybeType, b: MaybeType): MaybeType {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.kind === 'object' && a.static.length === 0) {
    if (b.kind === 'object' && b.static.length === 0) {
      return dynamicObject(or(a.dynamic?.key, b.dynamic?.key), mergeTypes(a.dynamic?.value, b.dynamic?.value));
    }
    if (b.kind === 'any') {
      const i = b.of.findIndex((t) => t.kind === 'object' && t.static.length === 0);
      if (i >= 0) {
        const t = b.of[i] as ObjectType;
        const merged = dynamicObject(or(t.dynamic?.key, a.dynamic?.key), or(t.dynamic?.value, a.dynamic?.value));
        return anyOf(b.of.map((x, j) => (j === i ? merged : x)));
      }
    }
  } else if (a.kind === 'set' && b.kind === 'set') {
    return { kind: 'set', of: or(a.of, b.of) };
  } else if (a.kind === 'any' && b.kind !== 'any') {
    return mergeTypes(b, a);
  }
  return or(a, b);
}
