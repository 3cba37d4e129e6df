/**
 * `defenseclaw policy bench QUERY`, like `opa bench`: prepares the query once,
 * then evaluates it as many times as Go's benchmark loop would (growing the
 * count until a run lasts `--benchtime`, 1s by default), and prints OPA's
 * table: samples, ns/op, B/op, and the latency histogram of single
 * evaluations (percentiles, mean, min, max...), `--count` times.
 *
 * JavaScript cannot count allocations: B/op is an approximation, the heap's
 * growth over short batches started right after a garbage collection (the
 * median of several batches), and allocs/op is not reported. The histogram
 * comes from a separate pass that times evaluations one by one, so that the
 * ns/op figure carries no timer overhead.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadEvalInputs, reportEvalError, type EvalInputOptions } from '../eval-inputs.js';
import type { EvalOptions } from '../../rego/api.js';
import { benchTable, formatFloat, histogram } from '../bench-report.js';

export interface BenchOptions extends EvalInputOptions {
  count: number;
  benchmem: boolean;
  metrics: boolean;
  fail: boolean;
  format: 'pretty' | 'json' | 'gobench';
  benchtime: number;
}

export interface BenchResult {
  /** Evaluations in the timed run. */
  n: number;
  /** Total time of the timed run (ns). */
  totalNs: number;
  /** Approximate heap bytes per evaluation (undefined without --benchmem). */
  bytesPerOp?: number;
  /** Histogram of single evaluations (ns), by OPA's metric names. */
  extra: Record<string, number>;
}

const MAX_N = 1_000_000_000;
const SAMPLE_LIMIT = 10_000;

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Go's `testing.Benchmark` loop: grow N until one run lasts the bench time. */
function timedRun(op: () => void, benchtimeNs: number): { n: number; totalNs: number } {
  const run = (n: number): number => {
    const start = nowNs();
    for (let i = 0; i < n; i++) op();
    return nowNs() - start;
  };
  let n = 1;
  let took = run(n);
  while (took < benchtimeNs && n < MAX_N) {
    const last = n;
    const perOp = Math.max(took, 1) / last;
    let next = Math.floor(benchtimeNs / perOp);
    next += Math.floor(next / 5);
    next = Math.min(next, 100 * last);
    next = Math.max(next, last + 1);
    n = Math.min(next, MAX_N);
    took = run(n);
  }
  return { n, totalNs: took };
}

/** The garbage collector as a function (Node exposes it only behind a flag). */
function collector(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as (() => void) | undefined;
}

/** Heap growth per evaluation over short batches after a full collection: the median of five. */
function bytesPerOp(op: () => void): number | undefined {
  const gc = collector();
  if (!gc) return undefined;
  const batch = (k: number): number => {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < k; i++) op();
    return (process.memoryUsage().heapUsed - before) / k;
  };
  // Keep a batch well inside the young generation, so that no scavenge runs during it.
  const estimate = Math.max(batch(10), 1);
  const k = Math.max(1, Math.min(1000, Math.floor((2 * 1024 * 1024) / estimate)));
  const results = Array.from({ length: 5 }, () => batch(k)).sort((a, b) => a - b);
  return Math.max(0, Math.round(results[2]!));
}

export function runBenchmark(op: () => void, opts: Pick<BenchOptions, 'benchmem' | 'metrics' | 'benchtime'>): BenchResult {
  const { n, totalNs } = timedRun(op, opts.benchtime * 1e6);
  const result: BenchResult = { n, totalNs, extra: {} };
  if (opts.benchmem) {
    const b = bytesPerOp(op);
    if (b !== undefined) result.bytesPerOp = b;
  }
  if (opts.metrics) {
    const samples: number[] = [];
    for (let i = 0; i < Math.min(n, SAMPLE_LIMIT); i++) {
      const start = nowNs();
      op();
      samples.push(nowNs() - start);
    }
    result.extra = histogram('histogram_timer_rego_query_eval_ns', samples);
  }
  return result;
}

function render(r: BenchResult, opts: BenchOptions): string {
  const nsPerOp = r.totalNs / r.n;
  if (opts.format === 'json') {
    // Go's testing.BenchmarkResult; MemAllocs is unknown in JavaScript.
    const json = { N: r.n, T: r.totalNs, Bytes: 0, MemAllocs: null, MemBytes: r.bytesPerOp !== undefined ? r.bytesPerOp * r.n : 0, Extra: r.extra };
    return JSON.stringify(json, null, 2) + '\n';
  }
  if (opts.format === 'gobench') {
    let line = `BenchmarkOPAEval\t${String(r.n).padStart(8)}\t${formatFloat(nsPerOp)} ns/op`;
    for (const k of Object.keys(r.extra).sort()) line += `\t${formatFloat(r.extra[k]!)} ${k}`;
    if (r.bytesPerOp !== undefined) line += `\t${String(r.bytesPerOp).padStart(8)} B/op`;
    return line + '\n';
  }
  const rows: [string, string][] = [
    ['samples', String(r.n)],
    ['ns/op', formatFloat(nsPerOp)],
  ];
  if (r.bytesPerOp !== undefined) rows.push(['B/op (heap, approx.)', String(r.bytesPerOp)]);
  for (const k of Object.keys(r.extra).sort()) rows.push([k, formatFloat(r.extra[k]!)]);
  return benchTable(rows);
}

/** Runs the command; returns the exit code. */
export function runBench(query: string, opts: BenchOptions, io: { out: (t: string) => void; err: (t: string) => void }): number {
  const errorFormat = opts.format === 'json' ? 'json' : 'pretty';
  let op: () => void;
  try {
    const { policy, data, input } = loadEvalInputs(opts);
    const prepared = policy.prepare(query);
    const evalOpts: EvalOptions = input !== undefined ? { input, data } : { data };
    op = () => {
      if (prepared.eval(evalOpts).length === 0 && opts.fail) throw new Error('undefined result');
    };
    op();
  } catch (e) {
    reportEvalError(e, errorFormat, errorFormat === 'json' ? io.out : io.err);
    return 1;
  }
  for (let i = 0; i < opts.count; i++) {
    try {
      io.out(render(runBenchmark(op, opts), opts));
    } catch (e) {
      reportEvalError(e, errorFormat, errorFormat === 'json' ? io.out : io.err);
      return 1;
    }
  }
  return 0;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function registerBench(policy: Command): void {
  policy
    .command('bench')
    .description('benchmark a Rego query (like `opa bench`): ns/op, approximate heap bytes/op, latency percentiles')
    .argument('<query>', 'Rego query, e.g. data.defenseclaw.admission.decision')
    .option('--rego-dir <dir>', 'policy directory (its .rego modules and data.json)')
    .option('-d, --data <file>', 'additional .rego, .json or .yaml file (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-i, --input <file>', 'input document (.json or .yaml)')
    .option('--count <n>', 'number of times to repeat the benchmark', positive, 1)
    .option('--benchtime <ms>', 'how long one benchmark run lasts at least (milliseconds)', positive, 1000)
    .option('--no-benchmem', 'leave out the (approximate) heap bytes per evaluation')
    .option('--no-metrics', 'leave out the latency histogram of single evaluations')
    .option('--no-fail', 'do not fail when the query is undefined')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json', 'gobench']).default('pretty'))
    .option('--v0-compatible', 'parse modules as Rego v0')
    .action((query: string, opts: BenchOptions) => {
      process.exitCode = runBench(query, opts, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
    });
}
