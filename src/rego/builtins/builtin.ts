/**
 * The contract between the evaluator and built-in functions.
 *
 * A built-in receives its operands as fully evaluated (ground) values and returns
 * its result, or `undefined` to make the call undefined. It reports failure by
 * throwing a `BuiltinError`: the evaluator turns it into undefined, or into an
 * evaluation error when strict built-in errors are on (OPA's behaviour).
 */
import type { Location } from '../errors.js';
import type { Value } from '../value.js';

export interface BuiltinContext {
  /** OPA's `strict-builtin-errors`. Built-ins normally need not look at it. */
  readonly strict: boolean;
  /** `time.now_ns()` for this evaluation: fixed for the whole evaluation, as in OPA. */
  readonly nowNs: bigint;
  /** Location of the call being evaluated (for messages). */
  readonly location?: Location;
  /** Per-evaluation cache for built-ins that want one (e.g. `rand.intn` must return the same value for the same operands in one evaluation). */
  readonly cache: Map<string, unknown>;
  /** Sink for `print`. */
  print(message: string): void;
  /**
   * Counts `n` collection members about to be built against the evaluation's
   * budget (throws past it). Built-ins that make large collections from small
   * operands call it before allocating (`numbers.range`, `array.concat`).
   */
  grow?(n: number): void;
  /** `trace(msg)`: a Note event when the evaluation is traced (`--explain`), nothing otherwise. */
  note?(message: string): void;
  /** `internal.test_case(path)`: the test runner learns which test case an evaluation reached. */
  testCase?(path: Value): void;
}

export type BuiltinImpl = (args: Value[], ctx: BuiltinContext) => Value | undefined;

/**
 * A relation built-in (capabilities `"relation": true`, e.g. `walk`) yields several
 * outputs for one call; the evaluator iterates them.
 */
export type RelationImpl = (args: Value[], ctx: BuiltinContext) => Iterable<Value>;

/** One namespace file exports a table of this shape, keyed by the built-in's full name. */
export type BuiltinTable = Record<string, BuiltinImpl>;
export type RelationTable = Record<string, RelationImpl>;

export class BuiltinError extends Error {
  constructor(
    readonly code: 'eval_builtin_error' | 'eval_type_error',
    message: string,
  ) {
    super(message);
    this.name = 'BuiltinError';
  }
}
