/**
 * Running tests one at a time against a compiled policy, each isolated: a
 * failure, an evaluation error or a timeout is that test's result and the run
 * goes on. A test passes when its rule is defined and exactly `true`; it fails
 * when undefined or any other value; it errors when evaluation throws. A test
 * with cases (`test_x[name]`) passes when every case it reached is `true`
 * (its sub-results: `test-cases.ts`).
 */
import type { EvalOptions, Policy } from '../api.js';
import { RegoError, RegoErrors, type Location } from '../errors.js';
import type { Value } from '../value.js';
import type { TestCase } from './discover.js';
import type { TraceEvent } from '../eval/trace.js';
import { caseResults, type SubResults } from './test-cases.js';

/** One test's outcome: OPA's `tester.Result` (minus benchmarks). */
export interface TestResult {
  location: Location;
  /** `data.pkg`. */
  package: string;
  name: string;
  fail: boolean;
  error?: RegoError;
  skip: boolean;
  /** Wall time of the evaluation in nanoseconds (0 for skipped tests). */
  durationNs: bigint;
  /** `print()` output, one line per call. */
  output: string;
  /** The trace shown with the result (`-v`, filtered by `--explain`), when one was recorded. */
  trace?: TraceEvent[];
  /** A test with cases: each case's outcome (OPA's `sub_results`). */
  subResults?: SubResults;
}

export function passed(r: TestResult): boolean {
  return !r.fail && !r.skip && r.error === undefined;
}

export interface RunOptions {
  data?: Value;
  /** Per-test time limit in milliseconds. */
  timeoutMs: number;
  coverage?: EvalOptions['coverage'];
}

/** Turns anything an evaluation threw into a `RegoError` (the first of a group). */
export function asRegoError(e: unknown): RegoError {
  if (e instanceof RegoError) return e;
  if (e instanceof RegoErrors && e.errors.length > 0) return e.errors[0]!;
  const message = e instanceof Error ? e.message : String(e);
  return new RegoError('eval_internal_error', message);
}

/** Runs one test. Never throws. */
export function runTest(policy: Policy, test: TestCase, opts: RunOptions): TestResult {
  const result: TestResult = {
    location: test.location,
    package: test.package,
    name: test.name,
    fail: false,
    skip: test.skip,
    durationNs: 0n,
    output: '',
  };
  if (test.skip) return result;
  const lines: string[] = [];
  const reached: Value[] = [];
  const start = process.hrtime.bigint();
  try {
    const rs = policy.prepare(test.query).eval({
      ...(opts.data !== undefined ? { data: opts.data } : {}),
      print: (message) => lines.push(message),
      ...(test.cases ? { testCase: (path: Value) => void reached.push(path) } : {}),
      deadline: Date.now() + opts.timeoutMs,
      ...(opts.coverage ? { coverage: opts.coverage } : {}),
    });
    const value = rs.length > 0 ? rs[0]!.expressions[0]?.value : undefined;
    if (test.cases) {
      const cases = caseResults(value, reached);
      result.fail = cases.fail;
      if (Object.keys(cases.subResults).length > 0) result.subResults = cases.subResults;
    } else result.fail = value !== true;
  } catch (e) {
    result.error = asRegoError(e);
  }
  result.durationNs = process.hrtime.bigint() - start;
  result.output = lines.map((l) => l + '\n').join('');
  return result;
}

/** Runs the tests in order; `onResult` sees each result as it is produced. */
export function runTests(
  policy: Policy,
  tests: readonly TestCase[],
  opts: RunOptions,
  onResult?: (r: TestResult) => void,
): TestResult[] {
  return tests.map((t) => {
    const r = runTest(policy, t, opts);
    onResult?.(r);
    return r;
  });
}
