/**
 * Traces for `policy test -v` (`opa test -v` shows the trace of each failing
 * test, filtered by `--explain`: fails by default, or full, or notes). The
 * tests first run untraced, at full speed; then the traced variant of the
 * policy is compiled and only the tests whose trace will be shown run again
 * with a tracer: the failing ones (OPA shows traces in the FAILURES section).
 * Evaluation is deterministic, so the re-run fails the same way.
 */
import type { CompileOptions, ModuleSource } from '../api.js';
import type { Value } from '../value.js';
import { parseModule } from '../syntax/parser.js';
import { Tracer } from '../eval/trace.js';
import { explainEvents, type ExplainMode } from '../eval/trace-report.js';
import { compileSuite, type CompileFn } from './suite.js';
import type { TestResult } from './runner.js';

export interface TraceRunOptions {
  sources: ModuleSource[];
  compileOptions: CompileOptions;
  data?: Value;
  timeoutMs: number;
  explain: ExplainMode;
}

/** A trace longer than this is cut (and says so): a test iterating over large data must not exhaust memory. */
export const MAX_TRACE_EVENTS = 100_000;

/** Attaches the (filtered) traces to the results that show one. */
export function traceResults(compile: CompileFn, results: TestResult[], opts: TraceRunOptions): void {
  if (opts.explain === 'off') return;
  const wanted = results.filter((r) => r.fail && !r.skip && r.error === undefined);
  if (wanted.length === 0) return;
  const suite = compileSuite(compile, parseModule, opts.sources, { ...opts.compileOptions, trace: true });
  for (const r of wanted) {
    const test = suite.tests.find((t) => t.package === r.package && t.name === r.name);
    if (!test) continue;
    const tracer = new Tracer(MAX_TRACE_EVENTS);
    try {
      suite.policy.prepare(test.query).eval({
        ...(opts.data !== undefined ? { data: opts.data } : {}),
        deadline: Date.now() + opts.timeoutMs,
        tracer,
      });
    } catch {
      // The trace up to the error is still worth showing.
    }
    r.trace = explainEvents(tracer.events, opts.explain);
  }
}
