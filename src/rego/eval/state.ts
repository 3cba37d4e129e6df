/**
 * Per-evaluation state. The compiled policy is immutable and shared; everything
 * that depends on one evaluation (input, data, memoised rule values, `with`
 * overrides, the built-in context) lives here, so prepared queries can be
 * evaluated concurrently.
 */
import { RegoError, type Location } from '../errors.js';
import type { BuiltinContext } from '../builtins/builtin.js';
import type { RuleNode } from '../compile/ruletree.js';
import type { Value } from '../value.js';
import type { Tracer } from './trace.js';

const NO_NODES: readonly RuleNode[] = Object.freeze([]);

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
/** Memo of rule-tree node values by node id, for a `with` context (the evaluation's own context uses its `NodeTable`). */
export type NodeMemo = Map<number, Value | typeof PENDING | typeof UNDEFINED>;

/** Operands a function's call memo compares one by one before it keeps the rest in a Map. */
const SCAN = 8;

/**
 * A function's calls with one scalar operand in one evaluation, by operand.
 * A helper is called with a few distinct operands per decision: they are
 * compared side by side (`===` is a scalar's identity: no NaN in Rego values),
 * which allocates nothing; a Map takes the operands beyond the first few.
 */
export class ScalarCalls {
  private readonly keys: (Value | undefined)[] = [];
  private readonly results: (Value | undefined)[] = [];
  private n = 0;
  private more: Map<Value, Value> | undefined;

  get(operand: Value): Value | undefined {
    const keys = this.keys;
    for (let i = 0; i < this.n; i++) if (keys[i] === operand) return this.results[i];
    return this.more?.get(operand);
  }

  set(operand: Value, result: Value): void {
    if (this.n < SCAN) {
      this.keys[this.n] = operand;
      this.results[this.n++] = result;
    } else (this.more ??= new Map()).set(operand, result);
  }

  /** Forgets every call (and lets their results go). */
  reset(): void {
    for (let i = 0; i < this.n; i++) {
      this.keys[i] = undefined;
      this.results[i] = undefined;
    }
    this.n = 0;
    this.more = undefined;
  }
}

/**
 * The memo of rule-tree node values of an evaluation's own context: one slot
 * per node of the policy, reused from one evaluation to the next. A slot is
 * valid only when its stamp is the current evaluation's, so starting an
 * evaluation costs no allocation and no clearing (a Map per evaluation and
 * three Map operations per node were a fifth of a small decision's time).
 * A policy keeps one spare table; an evaluation that starts while another
 * holds it (one evaluation started from inside another) gets a fresh one.
 */
export class NodeTable {
  readonly values: (Value | typeof PENDING | typeof UNDEFINED | undefined)[];
  readonly stamps: Int32Array;
  /** The current evaluation's stamp (slots with another are stale). */
  stamp = 0;
  /** Ids of the slots this evaluation wrote (the first `touchedCount`): their values are dropped at the end. */
  private readonly touched: number[] = [];
  private touchedCount = 0;
  /** Per function node: its calls with one scalar operand (see `callFunction`); stamped as `values`, reset at the end. */
  private readonly calls: (ScalarCalls | undefined)[];
  private readonly callStamps: Int32Array;

  constructor(size: number) {
    this.values = new Array<undefined>(size).fill(undefined);
    this.stamps = new Int32Array(size);
    this.calls = new Array<undefined>(size).fill(undefined);
    this.callStamps = new Int32Array(size);
  }

  /** Makes every slot stale for a new evaluation. */
  begin(): void {
    if (++this.stamp === 0x7fffffff) {
      this.stamps.fill(0);
      this.callStamps.fill(0);
      this.stamp = 1;
    }
  }

  /** Records a value (or PENDING) in a slot for the current evaluation. */
  set(id: number, v: Value | typeof PENDING | typeof UNDEFINED): void {
    if (this.stamps[id] !== this.stamp) {
      this.stamps[id] = this.stamp;
      this.touched[this.touchedCount++] = id;
    }
    this.values[id] = v;
  }

  /** Forgets a slot (its computation failed). */
  drop(id: number): void {
    this.stamps[id] = 0;
  }

  /** The memo of the function at node `id` for this evaluation (empty at its first call: `end` reset it). */
  callsOf(id: number): ScalarCalls {
    let m = this.calls[id];
    if (this.callStamps[id] !== this.stamp) {
      this.callStamps[id] = this.stamp;
      if (m === undefined) this.calls[id] = m = new ScalarCalls();
      this.touched[this.touchedCount++] = -1 - id;
    }
    return m!;
  }

  /** Drops this evaluation's values: the table holds nothing between evaluations. */
  end(): void {
    const touched = this.touched;
    for (let i = 0; i < this.touchedCount; i++) {
      const id = touched[i]!;
      if (id >= 0) this.values[id] = undefined;
      else this.calls[-1 - id]!.reset();
    }
    this.touchedCount = 0;
  }
}

/** The table of a state not yet given its policy's (no node has a slot in it). */
const NO_TABLE = new NodeTable(0);

/** A policy's node tables: one kept between evaluations, more only while evaluations nest. */
export class NodeTables {
  private spare: NodeTable | undefined;

  constructor(private readonly size: number) {}

  /** A table for a new evaluation (every slot stale). */
  take(): NodeTable {
    const t = this.spare ?? new NodeTable(this.size);
    this.spare = undefined;
    t.begin();
    return t;
  }

  /** Back from a finished evaluation, its values dropped. */
  give(t: NodeTable): void {
    t.end();
    this.spare = t;
  }
}

/**
 * What one evaluation may build before it is stopped (`eval_budget_error`):
 * collection members (comprehensions, partial rules, built-ins that make
 * arrays) and characters of strings that built-ins grow. OPA has no such
 * limits (it runs out of memory); a sidecar must not: past about 112 million
 * members V8 aborts the whole process ("invalid size error"), not an exception.
 */
export interface EvalBudgets {
  /** Members added to arrays, sets and objects, over the whole evaluation. */
  maxElements: number;
  /** Characters of the strings built-ins return when they grow their operands (concat, sprintf, json.marshal…). */
  maxStringChars: number;
}

export const DEFAULT_BUDGETS: Readonly<EvalBudgets> = Object.freeze({ maxElements: 20_000_000, maxStringChars: 50_000_000 });

/** Evaluation steps (rules, calls, iterations) between two looks at the clock. */
const CLOCK_EVERY = 64;
/** A value this large took long enough to build to be worth a look at the clock (~30 ns). */
const LARGE = 1024;

/** An evaluation stopped by one of its budgets: time (`eval_cancel_error`, as OPA's cancellation) or size (`eval_budget_error`). */
export class BudgetExceededError extends RegoError {
  constructor(
    readonly budget: 'time' | 'elements' | 'string',
    message: string,
  ) {
    super(budget === 'time' ? 'eval_cancel_error' : 'eval_budget_error', message);
  }
}

export class EvalState implements BuiltinContext {
  /**
   * Memoised function calls for the current `with` context; null until the
   * first call (see `callMemo`): most decisions call no user function.
   */
  memo: CallMemo | null = null;
  /**
   * Memoised values of rule-tree nodes, by node id, under a `with` context;
   * null in the evaluation's own context, whose values are in `table`. A Map:
   * a `with` context touches a few nodes with ids spread over the whole tree.
   */
  nodeMemo: NodeMemo | null = null;
  /** The node values of the evaluation's own context (see `NodeTable`). */
  table: NodeTable = NO_TABLE;
  dataOverrides: DataOverride[] | null = null;
  fnOverrides: Map<string, FunctionOverride> | null = null;
  private builtinCache: Map<string, unknown> | undefined;
  private now: bigint | undefined;
  location?: Location;
  /** Steps left before the next look at the clock. */
  private untilClock = CLOCK_EVERY;
  private elementsLeft: number;
  private charsLeft: number;
  /** Rule-tree nodes being computed (1: the one the query asked for). */
  ruleDepth = 0;
  /**
   * The evaluated policy's rule-tree nodes by id (0: the root). Compiled
   * closures refer to rules by node id and find them here, so one compiled
   * rule can serve two policies whose trees have the same shape.
   */
  nodes: readonly RuleNode[] = NO_NODES;
  /** Trace events sink (`--explain`); only policies compiled with `trace: true` report to it. */
  tracer: Tracer | undefined = undefined;
  /** Sink for `internal.test_case` (the test runner's sub-results). */
  testCaseSink: ((path: Value) => void) | undefined = undefined;

  constructor(
    public input: Value | undefined,
    readonly data: Value,
    readonly strict: boolean,
    nowNs: bigint | undefined,
    private readonly printSink: ((message: string) => void) | undefined,
    private deadline: number | undefined,
    readonly coverage: ((loc: Location) => void) | undefined,
    private readonly timeoutMs: number | undefined,
    private readonly budgets: Readonly<EvalBudgets> = DEFAULT_BUDGETS,
  ) {
    this.now = nowNs;
    this.elementsLeft = budgets.maxElements;
    this.charsLeft = budgets.maxStringChars;
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

  testCase(path: Value): void {
    this.testCaseSink?.(path);
  }

  /**
   * Called in loops and at rule evaluation: a cheap counter that looks at the
   * clock every CLOCK_EVERY steps (a few microseconds of work), so a time
   * budget is kept to well within a millisecond unless one built-in call runs
   * long. A `timeoutMs` budget starts at that first look, so short evaluations
   * (nearly all decisions) never read the clock at all.
   */
  tick(): void {
    if (--this.untilClock > 0) return;
    this.checkClock();
  }

  /**
   * Before work that may take long in one piece (a built-in given a large
   * operand): a `timeoutMs` budget not started yet starts now, so that this
   * work counts.
   */
  startClock(): void {
    if (this.deadline === undefined && this.timeoutMs !== undefined) this.deadline = Date.now() + this.timeoutMs;
  }

  /** Looks at the clock now (after such work); throws past the deadline. */
  checkClock(): void {
    this.untilClock = CLOCK_EVERY;
    if (this.deadline === undefined) {
      if (this.timeoutMs === undefined) return;
      this.deadline = Date.now() + this.timeoutMs;
    }
    if (Date.now() > this.deadline) {
      const message = this.timeoutMs !== undefined ? `evaluation exceeded its time budget of ${this.timeoutMs} ms` : 'caller cancelled query execution';
      throw new BudgetExceededError('time', message);
    }
  }

  /**
   * `n` collection members built. A large addition is also a moment to look at
   * the clock: built-ins that build big collections count in chunks.
   */
  grow(n: number): void {
    if ((this.elementsLeft -= n) < 0) {
      throw new BudgetExceededError('elements', `evaluation budget exceeded: more than ${this.budgets.maxElements} collection elements built`);
    }
    if (n >= LARGE) this.checkClock();
  }

  /** A built string of `n` characters. */
  growString(n: number): void {
    if ((this.charsLeft -= n) < 0) {
      throw new BudgetExceededError('string', `evaluation budget exceeded: more than ${this.budgets.maxStringChars} characters of strings built`);
    }
    if (n >= LARGE) this.checkClock();
  }
}
