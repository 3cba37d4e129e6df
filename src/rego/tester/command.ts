/**
 * `defenseclaw policy test` without the argument parsing: load, compile, run,
 * report, and the exit status as `opa test` (0 all passed, 2 a test failed,
 * errored or was skipped, 1 nothing could be run: bad files, compile errors,
 * bad options). Output goes through the given writers so tests can capture it.
 */
import type { ModuleSource } from '../api.js';
import { RegoErrors, formatErrors } from '../errors.js';
import type { Value } from '../value.js';
import { loadPolicyDirectory, PolicyLoadError } from '../../policy/directory.js';
import { parseGoDuration } from './go-duration.js';
import { loadTestFiles, TestLoadError } from './loader.js';
import { prettyReport, jsonReport, exitCode, resultLine } from './report.js';
import { passed, type TestResult } from './runner.js';
import { runIsolated } from './isolated.js';
import { coverageReport, type CoverageReport } from './coverage.js';
import { compileRunFilter, compileSuite, runSuite, selectTests, type CompileFn } from './suite.js';
import { parseModule } from '../syntax/parser.js';
import { traceResults } from './traces.js';
import type { ExplainMode } from '../eval/trace-report.js';

export interface TestCommandOptions {
  paths: string[];
  regoDir?: string;
  verbose?: boolean;
  run?: string;
  format?: string;
  timeout?: string;
  v0Compatible?: boolean;
  coverage?: boolean;
  threshold?: number;
  ignore?: string[];
  exitZeroOnSkipped?: boolean;
  /** Run the tests in a worker thread that is replaced when a test overruns its timeout (see isolated.ts). */
  isolate?: boolean;
  /** Which trace `-v` shows for a failing test (OPA's `--explain`, default fails). */
  explain?: ExplainMode;
}

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** OPA's default `--timeout` for `opa test`. */
export const DEFAULT_TIMEOUT = '5s';

class UsageError extends Error {}

function loadSources(opts: TestCommandOptions): { modules: ModuleSource[]; data: Value } {
  if (opts.regoDir !== undefined) {
    if (opts.paths.length > 0) throw new UsageError('give either --rego-dir or paths, not both');
    const dir = loadPolicyDirectory(opts.regoDir);
    return { modules: dir.modules, data: dir.data };
  }
  const loaded = loadTestFiles(opts.paths, { ignore: opts.ignore ?? [] });
  return { modules: loaded.modules, data: loaded.data };
}

function timeoutMs(text: string): number {
  const ns = parseGoDuration(text);
  if (ns === undefined || ns <= 0) throw new UsageError(`invalid --timeout ${JSON.stringify(text)}: use a Go duration such as 5s, 500ms or 1m`);
  return ns / 1e6;
}

/** Runs the command; returns the exit status. Never throws. */
export async function runTestCommand(compile: CompileFn, opts: TestCommandOptions, io: CommandIO): Promise<number> {
  try {
    return await run(compile, opts, io);
  } catch (e) {
    if (e instanceof RegoErrors) {
      io.stderr(formatErrors(e.errors) + '\n');
    } else if (e instanceof UsageError || e instanceof TestLoadError || e instanceof PolicyLoadError) {
      io.stderr(`error: ${e.message}\n`);
    } else {
      io.stderr(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    return 1;
  }
}

async function run(compile: CompileFn, opts: TestCommandOptions, io: CommandIO): Promise<number> {
  const format = opts.format ?? 'pretty';
  if (format !== 'pretty' && format !== 'json') throw new UsageError(`invalid --format ${JSON.stringify(format)}: use pretty or json`);
  const limit = timeoutMs(opts.timeout ?? DEFAULT_TIMEOUT);
  let filter;
  try {
    filter = opts.run !== undefined ? compileRunFilter(opts.run) : undefined;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  const { modules, data } = loadSources(opts);
  const compileOptions = { v0Compatible: opts.v0Compatible ?? false };
  const suite = compileSuite(compile, parseModule, modules, compileOptions);
  const tests = selectTests(suite.tests, filter);
  const wantCoverage = opts.coverage ?? false;
  let results: TestResult[];
  let coverage: CoverageReport | undefined;
  if (opts.isolate && tests.some((t) => !t.skip)) {
    const run = await runIsolated(
      { sources: modules, compileOptions, data, ...(opts.run !== undefined ? { run: opts.run } : {}), timeoutMs: limit, coverage: wantCoverage },
      tests,
    );
    results = run.results;
    coverage = wantCoverage ? coverageReport(suite.policy.modules, run.hits) : undefined;
  } else {
    ({ results, coverage } = runSuite(suite, tests, { data, timeoutMs: limit, coverage: wantCoverage }));
  }

  if (coverage) {
    // As OPA's coverage reporter: a run with failing tests reports those instead of coverage.
    const bad = results.filter((r) => !passed(r) && !r.skip);
    if (bad.length > 0) {
      for (const r of bad) io.stderr(resultLine(r) + (r.error ? `\n  ${r.error.format()}` : '') + '\n');
      return 2;
    }
    io.stdout(JSON.stringify(coverage, null, 2) + '\n');
    const threshold = opts.threshold ?? 0;
    if (threshold > 0 && coverage.coverage < threshold) {
      io.stderr(`Code coverage threshold not met: got ${coverage.coverage.toFixed(2)} instead of ${threshold.toFixed(2)}\n`);
      return 2;
    }
    return exitCode(results, { exitZeroOnSkipped: opts.exitZeroOnSkipped ?? false });
  }

  if (opts.verbose) {
    traceResults(compile, results, { sources: modules, compileOptions, data, timeoutMs: limit, explain: opts.explain ?? 'fails' });
  }
  io.stdout(format === 'json' ? jsonReport(results) : prettyReport(results, { verbose: opts.verbose ?? false }));
  return exitCode(results, { exitZeroOnSkipped: opts.exitZeroOnSkipped ?? false });
}
