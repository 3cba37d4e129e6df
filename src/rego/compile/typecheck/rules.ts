/**
 * Rule types (OPA's checkRule): every rule, `else` branch and function is
 * checked once, after the rules it reads (`ensure` infers those first, on
 * demand, as OPA checks rules in dependency order: recursion has been refused
 * before type checking, so dependencies form no cycle). A rule's type joins the types of all its definitions at its
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

/** What checking one definition did to the types of `data`: a type added at its path, or put there (any), or the path only made (paths and types are never mutated). */
export interface TypeEffect {
  path: Value[];
  insert?: Type;
  put?: Type;
}

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
  private depth = 0;
  /** Rule-tree nodes whose whole subtree has been inferred. */
  private readonly subtreeDone = new Set<RuleNode>();
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

  /**
   * Checks a rule and its `else` branches, then records their errors and
   * types. Dependencies are checked first, on demand, at most `MAX_DEPTH`
   * deep: past that `TooDeep` unwinds (forgetting the unfinished rules) and
   * the driver (`checkRule`) checks the deeper rule first, then retries.
   */
  check(rr: ResolvedRule): void {
    if (this.started.has(rr)) return;
    const replay = this.memo?.replay?.(rr);
    if (replay !== undefined) {
      this.started.add(rr);
      for (const e of replay) this.apply(e);
      return;
    }
    if (this.depth >= MAX_DEPTH) throw new TooDeep(rr);
    this.started.add(rr);
    this.depth++;
    const outcomes: Outcome[] = [];
    try {
      const head = rr.rule.head;
      for (let branch: Rule | undefined = rr.rule; branch; branch = branch.else) {
        const value = branch === rr.rule ? head.value : (branch.head.value ?? TRUE(branch.head.loc));
        outcomes.push(this.checkBranch(rr, branch, value));
      }
    } catch (e) {
      this.started.delete(rr);
      throw e;
    } finally {
      this.depth--;
    }
    this.checked++;
    for (const o of outcomes) {
      this.errors.push(...o.errors);
      this.apply(o);
    }
    this.memo?.recorded.set(rr, outcomes);
  }

  private apply(e: TypeEffect): void {
    if (e.put) this.data.put(e.path, e.put);
    else if (e.insert) this.data.insert(e.path, e.insert);
    else this.data.touch(e.path);
  }

  /** Checks `rr` and, first, whatever rules it depends on, however long the chain (no deep recursion). */
  checkRule(rr: ResolvedRule): void {
    const pending = [rr];
    while (pending.length > 0) {
      try {
        this.check(pending[pending.length - 1]!);
        pending.pop();
      } catch (e) {
        if (!(e instanceof TooDeep)) throw e;
        pending.push(e.rule);
      }
    }
  }

  private checkBranch(rr: ResolvedRule, rule: Rule, value: Term | undefined): Outcome {
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
      return ground === rr.path.length ? { path, errors: checker.errors, put: ANY } : { path, errors: checker.errors };
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
      if (ground < rr.path.length) return { path, errors: [] };
      const k = checker.typeOf(key!);
      tpe = k === undefined ? undefined : setOf(k);
    } else {
      tpe = nestedObject(checker, refVars, checker.typeOf(val!));
    }
    return tpe === undefined ? { path, errors: [] } : { path, errors: [], insert: tpe };
  }
}

/** What checking one definition gave: its errors, and the type to add at its path (or any, replacing it, after errors). */
interface Outcome extends TypeEffect {
  errors: RegoError[];
}

/** How deep dependencies are checked on demand before the driver takes over. */
const MAX_DEPTH = 64;

class TooDeep {
  constructor(readonly rule: ResolvedRule) {}
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
