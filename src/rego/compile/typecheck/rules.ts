/**
 * Rule types (OPA's checkRule): every rule, `else` branch and function is
 * checked once, after the rules it reads (`ensure` infers those first, on
 * demand: recursion has been refused before type checking, so dependencies
 * form no cycle). A rule's type joins the types of all its definitions at its
 * path:
 *  - a complete rule: the type of its value; with variables in its ref head
 *    (`p[k] := v`, `a.b[c].d := v`) an object keyed by their types, nested;
 *  - a multi-value rule (`p contains x`): a set of its key's type;
 *  - a function: its parameters' types (any when the body leaves one
 *    untyped) and its value's type.
 * A rule whose body has errors is typed any, so that its uses report nothing more.
 */
import type { RegoError } from '../../errors.js';
import type { Rule, Term } from '../../syntax/ast.js';
import type { Value } from '../../value.js';
import type { ResolvedRule } from '../resolve.js';
import type { RuleNode } from '../ruletree.js';
import { BodyChecker, type CheckContext } from './body.js';
import { Scope, type DataTypes } from './env.js';
import type { Step } from './normalize.js';
import { constantValue, isConstant, isScalar } from './terms.js';
import { ANY, dynamicObject, functionOf, setOf, type MaybeType, type Type } from './types.js';

const TRUE = (loc: Term['loc']): Term => ({ type: 'boolean', value: true, loc });

/** What checking one rule did to the types of `data`, in order (paths and types are never mutated). */
export type TypeEffect = { op: 'put' | 'insert'; path: Value[]; type: Type } | { op: 'touch'; path: Value[] };

/**
 * Effects kept between compiles (`../incremental.ts`): a rule checked in an
 * earlier compile, in a policy whose rules have the same paths and (as the
 * incremental compile verifies) the same types, would find the same types
 * and have the same effects: they are replayed instead of checking it again.
 */
export interface TypeMemo {
  replay?: (rr: ResolvedRule) => readonly TypeEffect[] | undefined;
  /** Receives the effects of every rule checked (not replayed) now. */
  recorded: Map<ResolvedRule, readonly TypeEffect[]>;
}

export class RuleTypes {
  readonly errors: RegoError[] = [];
  private readonly started = new Set<ResolvedRule>();
  /** Rule-tree nodes whose whole subtree has been inferred. */
  private readonly subtreeDone = new Set<RuleNode>();
  /** The effects of the rule being checked (with a memo). */
  private effects: TypeEffect[] | undefined;
  /** Rules checked so far (not counting replays). */
  checked = 0;

  constructor(
    private readonly tree: RuleNode,
    private readonly cx: CheckContext,
    private readonly memo?: TypeMemo,
  ) {}

  get data(): DataTypes {
    return this.cx.data;
  }

  /** Infers (once) the rules that can define `data` below `prefix`: those on the way there and all below it. */
  ensure(prefix: readonly Value[]): void {
    let node: RuleNode | undefined = this.tree;
    for (const key of prefix) {
      this.checkNodeRules(node);
      const next: RuleNode | undefined = typeof key === 'string' ? node.child(key) : undefined;
      if (!next) return;
      node = next;
    }
    this.checkSubtree(node);
  }

  private checkNodeRules(node: RuleNode): void {
    for (const rr of node.rules) this.check(rr);
    for (const d of node.dynamic) this.check(d.rule);
  }

  private checkSubtree(node: RuleNode): void {
    if (this.subtreeDone.has(node)) return;
    this.checkNodeRules(node);
    for (const c of node.children.values()) this.checkSubtree(c);
    this.subtreeDone.add(node);
  }

  check(rr: ResolvedRule): void {
    if (this.started.has(rr)) return;
    this.started.add(rr);
    const replay = this.memo?.replay?.(rr);
    if (replay !== undefined) {
      for (const e of replay) this.apply(e);
      return;
    }
    this.checked++;
    const outer = this.effects;
    const mine: TypeEffect[] | undefined = this.memo ? [] : undefined;
    this.effects = mine;
    try {
      const head = rr.rule.head;
      for (let branch: Rule | undefined = rr.rule; branch; branch = branch.else) {
        const value = branch === rr.rule ? head.value : (branch.head.value ?? TRUE(branch.head.loc));
        this.checkBranch(rr, branch, value);
      }
    } finally {
      this.effects = outer;
    }
    if (mine !== undefined) this.memo!.recorded.set(rr, mine);
  }

  private apply(e: TypeEffect): void {
    this.effects?.push(e);
    if (e.op === 'put') this.data.put(e.path, e.type);
    else if (e.op === 'insert') this.data.insert(e.path, e.type);
    else this.data.touch(e.path);
  }

  private checkBranch(rr: ResolvedRule, rule: Rule, value: Term | undefined): void {
    const head = rr.rule.head;
    const checker = new BodyChecker(this.cx, new Scope());
    const after: Step[] = [];
    const ground = groundLength(rr.path);
    const refVars = rr.path.slice(ground).map((t) => (t.type === 'var' || isScalar(t) ? t : checker.headTerm(t, after)));
    const key = head.kind === 'multi' ? checker.headTerm(head.key ?? value ?? TRUE(head.loc), after) : undefined;
    const val = head.kind !== 'multi' ? checker.headTerm(value ?? TRUE(head.loc), after) : undefined;
    checker.checkBody(rule.body, after);
    const path = rr.path.slice(0, ground).map(constantValue);
    if (checker.errors.length > 0) {
      this.errors.push(...checker.errors);
      if (ground === rr.path.length) this.apply({ op: 'put', path, type: ANY });
      else this.apply({ op: 'touch', path });
      return;
    }
    let tpe: MaybeType;
    // OPA types a function without parameters (`f() := v`) as a rule: its value's type.
    if (head.kind === 'function' && (head.args?.length ?? 0) > 0) {
      for (const a of head.args ?? []) typeArgVars(checker, a);
      tpe = functionOf(
        (head.args ?? []).map((a) => checker.typeOf(a)),
        checker.typeOf(val!),
      );
    } else if (head.kind === 'multi') {
      // A set at a path with variables (`a[x].b contains y`) only makes the objects above it known to have keys.
      if (ground < rr.path.length) return this.apply({ op: 'touch', path });
      const k = checker.typeOf(key!);
      tpe = k === undefined ? undefined : setOf(k);
    } else {
      tpe = nestedObject(checker, refVars, checker.typeOf(val!));
    }
    if (tpe !== undefined) this.apply({ op: 'insert', path, type: tpe });
  }
}

/** Number of leading constant elements of a rule's path. */
function groundLength(path: readonly Term[]): number {
  let i = 0;
  while (i < path.length && isConstant(path[i]!)) i++;
  return i;
}

/** Parameters the body left untyped are any. */
function typeArgVars(checker: BodyChecker, t: Term): void {
  if (t.type === 'var') {
    if (checker.scope.get(t.name) === undefined) checker.scope.put(t.name, ANY);
    return;
  }
  if (t.type === 'array' || t.type === 'set') for (const x of t.items) typeArgVars(checker, x);
  else if (t.type === 'object') for (const [k, v] of t.items) (typeArgVars(checker, k), typeArgVars(checker, v));
  else if (t.type === 'ref') for (const p of [t.head, ...t.path]) typeArgVars(checker, p);
}

/** The value type under the variable part of a ref head: one object level (keyed by the element's type) per element. */
function nestedObject(checker: BodyChecker, rest: readonly Term[], value: MaybeType): Type | undefined {
  let t: MaybeType = value;
  for (let i = rest.length - 1; i >= 0 && t !== undefined; i--) {
    const k = checker.typeOf(rest[i]!);
    t = k === undefined ? undefined : dynamicObject(k, t);
  }
  return t;
}
