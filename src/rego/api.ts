/**
 * The Rego engine's library API, in OPA's shape: compile modules once into an
 * immutable policy, prepare a query once, evaluate it many times.
 * Implemented by `src/rego/index.ts`.
 */
import type { Location } from './errors.js';
import type { Module } from './syntax/ast.js';
import type { Value } from './value.js';
import type { EvalBudgets } from './eval/state.js';
import type { CompileCache } from './compile/incremental.js';

export type { EvalBudgets } from './eval/state.js';
import type { Tracer } from './eval/trace.js';

export interface ModuleSource {
  /** File name used in locations and error messages. */
  file: string;
  source: string;
}

export interface CompileOptions {
  /** Parse sources as Rego v0 (OPA's `--v0-compatible`). Default: v1. */
  v0Compatible?: boolean;
  /** Built-ins that policies may not call; a call is a compile error naming the built-in. */
  refusedBuiltins?: readonly string[];
  /**
   * OPA's compiler strict mode (`opa check --strict`): unused imports, unused
   * local assignments and function arguments, duplicate imports, `input`/`data`
   * shadowed and deprecated built-ins are errors in v0 modules too.
   */
  strict?: boolean;
  /**
   * Kept by a caller that compiles the same policy again and again (a
   * server's reloads): files whose text did not change are not parsed again,
   * and an edit that leaves every rule's path, kind and arity as it was
   * recompiles only the modules that changed. The result (policy or errors)
   * is the one of a full compile. See `compile/incremental.ts`.
   */
  cache?: CompileCache;
  /**
   * Compile the traced variant of the closures (`--explain`): evaluations
   * given a `tracer` report OPA's trace events to it. Off by default; an
   * ordinary compile contains no tracing code.
   */
  trace?: boolean;
}

export interface EvalOptions {
  input?: Value;
  /** Base data document (JSON). Never copied or mutated. */
  data?: Value;
  /** OPA's strict-builtin-errors: a failing built-in fails the evaluation instead of being undefined. */
  strictBuiltinErrors?: boolean;
  /** Sink for `print()` output (one call per print). Default: discard. */
  print?: (message: string) => void;
  /** Sink for `internal.test_case(path)` calls: the test cases a test reached (`opa test`'s sub-results). */
  testCase?: (path: Value) => void;
  /** Fixed `time.now_ns()` for this evaluation. Default: the clock at the start of evaluation. */
  nowNs?: bigint;
  /** Abort with `eval_cancel_error` once `Date.now()` passes this (checked periodically). */
  deadline?: number;
  /**
   * Abort with `eval_cancel_error` once the evaluation has run about this long
   * (ms). Unlike `deadline` it costs no clock read for evaluations too short to
   * be checked: the budget starts at the first periodic check.
   */
  timeoutMs?: number;
  /**
   * Size budgets (collection members, grown string characters) past which the
   * evaluation fails with `eval_budget_error`. Default: `DEFAULT_BUDGETS`
   * (`src/rego/eval/state.ts`); the same object can be passed to every evaluation.
   */
  budgets?: Readonly<EvalBudgets>;
  /** Coverage sink: called with the location of each rule head and expression evaluated. */
  coverage?: (loc: Location) => void;
  /** Trace events sink (policies compiled with `trace: true`). */
  tracer?: Tracer;
}

export interface ResultExpression {
  value: Value;
  text: string;
  location: Location;
}

/** One solution of a query: OPA's `rego.Result`. */
export interface Result {
  expressions: ResultExpression[];
  bindings: Record<string, Value>;
}

export interface PreparedQuery {
  /** All solutions; `[]` when the query is undefined. Throws `RegoError` (eval_* codes). */
  eval(opts?: EvalOptions): Result[];
  /**
   * Fast path for hot decisions: the value of a single-term query such as
   * `data.defenseclaw.admission` (undefined when undefined), without building a
   * result set. Throws `RegoError` like `eval`.
   */
  evalValue?(opts?: EvalOptions): Value | undefined;
}

/** Selected fields of a package document: `undefined` where the document has no such key. */
export type FieldValues = Record<string, Value | undefined>;

/** Selected fields' values in the order the fields were given (`undefined`: no such key). */
export type FieldList = (Value | undefined)[];

/** Selected rules of one package, evaluated together (one evaluation, one memo). */
export interface PreparedFields {
  /** The value of each selected field, as the package document would hold it. Throws `RegoError` like `eval`. */
  evalFields(opts?: EvalOptions): FieldValues;
  /**
   * The same values by position (the hot path: an array costs a fraction of an
   * object keyed by names computed at run time). Optional for other implementations.
   * A function of its own, called without `this` (the policy layer keeps it as it is).
   */
  evalFieldList?: (opts?: EvalOptions) => FieldList;
}

export interface Policy {
  readonly modules: readonly Module[];
  /** Parses and compiles a query against this policy. Throws `RegoErrors`. */
  prepare(query: string): PreparedQuery;
  /**
   * Hot decisions read a few rules of a package (`verdict`, `reason`), not its
   * whole document: only those rules (and what they depend on) are evaluated.
   * Undefined when the package's document is not simply the object of its rules
   * (no rules there, a rule or ref-head rule defining the package path itself):
   * evaluate the package query instead. Optional for other `Policy` implementations.
   */
  prepareFields?(packagePath: readonly string[], fields: readonly string[]): PreparedFields | undefined;
}
