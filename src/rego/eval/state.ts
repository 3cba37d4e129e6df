/**
 * Per-evaluation state. The compiled policy is immutable and shared; everything
 * that depends on one evaluation (input, data, memoised rule values, `with`
 * overrides, the built-in context) lives here, so prepared queries can be
 * evaluated concurrently.
 */
import { RegoError, type Location } from '../errors.js';
import type { BuiltinContext } from '../builtins/builtin.js';
import type { Value } from '../value.js';
import type { Tracer } from './trace.js';

/** A `with data.x.y as v` override: path below data and the replacing value. */
export interface DataOverride {
  path: string[];
  value: Value;
}

/** A `with f as g` replacement: another function (by evaluable callee) or a constant value. */
export type FunctionOverride = { kind: 'value'; value: Value } | { kind: 'callee'; call: (st: EvalState, args: Value[], loc: Location) => Value | undefined };

export const PENDING: unique symbol = Symbol('pending');
/** Memo entry of a node known to be undefined (one lookup instead of get + has). */
export const UNDEFINED: unique symbol = Symbol('undefined');

/** Per-`with`-context memo of function calls: by callee (one scalar operand) or by a key string. */
export type CallMemo = Map<unknown, Value | undefined | typeof PENDING | typeof UNDEFINED>;
/** Per-`with`-context memo of rule-tree node values, by node id. */
export type NodeMemo = Map<number, Value | typeof PENDING | typeof UNDEFINED>;

export class EvalState implements BuiltinContext {
  /**
   * Memoised function calls for the current `with` context; null until the
   * first call (see `callMemo`): most decisions call no user function.
   */
  memo: CallMemo | null = null;
  /**
   * Memoised values of rule-tree nodes, by node id, for the current `with`
   * context. A Map, not an array: an evaluation touches a few nodes with ids
   * spread over the whole tree, and a sparse array turns into a slow dictionary.
   */
  nodeMemo: NodeMemo = new Map();
  dataOverrides: DataOverride[] | null = null;
  fnOverrides: Map<string, FunctionOverride> | null = null;
  private builtinCache: Map<string, unknown> | undefined;
  private now: bigint | undefined;
  location?: Location;
  private ticks = 0;
  /** Rule-tree nodes being computed (1: the one the query asked for). */
  ruleDepth = 0;
  /** Trace events sink (`--explain`); only policies compiled with `trace: true` report to it. */
  tracer: Tracer | undefined = undefined;

  constructor(
    public input: Value | undefined,
    readonly data: Value,
    readonly strict: boolean,
    nowNs: bigint | undefined,
    private readonly printSink: ((message: string) => void) | undefined,
    private deadline: number | undefined,
    readonly coverage: ((loc: Location) => void) | undefined,
    private readonly timeoutMs: number | undefined,
  ) {
    this.now = nowNs;
  }

  /**
   * `time.now_ns()`: fixed for the whole evaluation. The clock is read at the
   * first call, not at every evaluation's start: most decisions never ask.
   */
  get nowNs(): bigint {
    return (this.now ??= BigInt(Date.now()) * 1000000n);
  }

  /** The function-call memo of the current `with` context, created on first use. */
  get callMemo(): CallMemo {
    return (this.memo ??= new Map());
  }

  /** Created on first use: most evaluations call no built-in that caches. */
  get cache(): Map<string, unknown> {
    return (this.builtinCache ??= new Map());
  }

  print(message: string): void {
    this.printSink?.(message);
  }

  note(message: string): void {
    this.tracer?.note(message, this.location);
  }

  /**
   * Called in loops and at rule evaluation: a cheap counter that looks at the
   * clock every 1024 ticks. A `timeoutMs` budget starts at that first look, so
   * short evaluations (nearly all decisions) never read the clock at all.
   */
  tick(): void {
    if ((++this.ticks & 1023) !== 0) return;
    if (this.deadline === undefined) {
      if (this.timeoutMs === undefined) return;
      this.deadline = Date.now() + this.timeoutMs;
    }
    if (Date.now() > this.deadline) throw new RegoError('eval_cancel_error', 'caller cancelled query execution');
  }
}
