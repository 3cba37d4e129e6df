/**
 * Shapes of compiled code. Rule bodies are compiled once into closures that
 * work in continuation-passing style over a frame of variable slots:
 *
 *  - `ExprFn`   runs an expression (or body) and calls `k` once per solution,
 *               with the solution's variables bound in the frame; returns true
 *               to stop the whole search early (used by `not`, `every`, ...).
 *  - `ValFn`    computes a term that never iterates (undefined = no value).
 *  - `GenFn`    computes a term that may have several values (ref iteration).
 *  - `UnifyFn`  matches a pattern term against a value, binding its variables
 *               for the duration of `k` and unbinding them afterwards.
 *
 * Most expressions never iterate (comparisons, `x := f(y)`): they also carry a
 * straight-line form (`step`, `match`) that needs no continuation closure per
 * evaluation. A step leaves its bindings in the frame: slots are only read
 * where the compiler knows them bound, i.e. after their binding expression ran
 * on the current path, so a stale value is never seen.
 */
import type { Location } from '../errors.js';
import type { Value } from '../value.js';
import type { EvalState } from './state.js';
import type { RuleIndex } from '../compile/indexer.js';

export type Frame = (Value | undefined)[];
export type Cont = () => boolean;
/** A non-iterating expression or body: binds its variables and says whether it holds (at most one solution). */
export type StepFn = (st: EvalState, f: Frame) => boolean;
export interface ExprFn {
  (st: EvalState, f: Frame, k: Cont): boolean;
  /** Present when the expression (or every expression of the body) never iterates. */
  step?: StepFn;
  /**
   * On a step that reports coverage before running (`covered`): the same step
   * without the report, so that a body's run of steps tests for a coverage sink
   * once instead of once per expression.
   */
  uncovered?: StepFn;
}
export type ValFn = (st: EvalState, f: Frame) => Value | undefined;
export type GenFn = (st: EvalState, f: Frame, k: (v: Value) => boolean) => boolean;
export interface UnifyFn {
  (st: EvalState, f: Frame, v: Value, k: Cont): boolean;
  /** Present when the pattern matches at most one way: binds (or compares) and says whether it matched. */
  match?: (st: EvalState, f: Frame, v: Value) => boolean;
}

export interface CompiledTerm {
  gen: GenFn;
  /** Present when the term never iterates. */
  val?: ValFn;
  /** Present when the term is a constant. */
  constant?: Value;
}

/** One rule definition (or one link of an `else` chain), compiled. */
export interface CompiledRule {
  loc: Location;
  frameSize: number;
  /** Function rules: binds the argument patterns to the call's operands. */
  args?: UnifyFn[];
  body: ExprFn;
  /** Head value (complete rules, functions) or member (partial sets). */
  value: CompiledTerm;
  /** True if the value is a constant: the first solution decides. */
  constantValue: boolean;
  /** Ref-head rules: the remaining path segments below the node, evaluated per solution. */
  rest?: CompiledTerm[];
  /** For dynamic rules: whether the leaf is a set member (`contains`). */
  multi?: boolean;
  else?: CompiledRule;
  /** Rule-index guard: cheap pre-check that must hold for the body to have any solution. */
  guard?: ValFn;
  /** No `else`, a body that never iterates (`body.step`) and a head with one value (`value.val`). */
  straight?: boolean;
  /**
   * The body's step for evaluations that collect no coverage (`body.uncovered`,
   * else `body.step`): present when the body never iterates.
   */
  plainStep?: StepFn;
  /** An `else` chain whose every link is straight but for its `else`: evaluated link by link without callbacks. */
  straightChain?: boolean;
  /**
   * A function definition (and each link of its `else` chain) whose argument
   * patterns match at most one way (`match`), whose body never iterates and
   * whose head has one value: called without continuation closures.
   */
  straightCall?: boolean;
}

export interface CompiledNode {
  kind: 'complete' | 'multi' | 'function' | undefined;
  rules: CompiledRule[];
  defaultRule?: CompiledRule;
  dynamic: CompiledRule[];
  /** Rule index over `rules` (many rules comparing one input path with constants). */
  index?: RuleIndex;
  arity?: number;
  /** Joined path for messages and function overrides (`data.a.f`). */
  name: string;
}
