/**
 * The test runner as a library: compile the modules (renaming duplicate test
 * rules first), pick the tests (`--run` filter, RE2 as OPA), run them with a
 * per-test deadline, optionally collecting coverage.
 */
import RE2 from 're2';
import type { CompileOptions, ModuleSource, Policy } from '../api.js';
import type { Module } from '../syntax/ast.js';
import type { Value } from '../value.js';
import { CoverageCollector, coverageReport, type CoverageReport } from './coverage.js';
import { applyRenames, discoverTests, fullName, planDuplicateRenames, type TestCase } from './discover.js';
import { runTests, type TestResult } from './runner.js';
import { injectTestCaseCalls } from './test-cases.js';

export type CompileFn = (sources: (ModuleSource | Module)[], opts?: CompileOptions) => Policy;

export interface CompiledSuite {
  policy: Policy;
  tests: TestCase[];
}

/** Parses one source (for finding duplicate test names before compiling). Throws on syntax errors. */
export type ParseFn = (file: string, source: string, opts: { v0?: boolean }) => Module;

/**
 * Compiles the sources and discovers the tests. When a package defines a test
 * name more than once, the later definitions are renamed in the source before
 * compiling (as OPA renames them in a compiler stage) so each definition runs
 * as its own test. If a module does not parse, the sources are compiled as
 * they are so that the compiler reports every error. Throws what `compile`
 * throws (`RegoErrors`) on compile errors.
 */
export function compileSuite(compile: CompileFn, parse: ParseFn, sources: ModuleSource[], opts: CompileOptions = {}): CompiledSuite {
  let parsed: Module[] | undefined;
  try {
    parsed = sources.map((s) => parse(s.file, s.source, { v0: opts.v0Compatible ?? false }));
  } catch {
    parsed = undefined;
  }
  const renames = parsed ? planDuplicateRenames(parsed) : [];
  if (renames.length === 0) {
    const policy = compile(parsed ? withTestCaseCalls(parsed) : sources, opts);
    return { policy, tests: discoverTests(policy.modules) };
  }
  const { sources: renamedSources, unapplied } = applyRenames(sources, renames);
  const applied = renames.filter((r) => !unapplied.includes(r));
  const policy = compile(parsedWithTestCaseCalls(parse, renamedSources, opts) ?? renamedSources, opts);
  return { policy, tests: discoverTests(policy.modules, applied) };
}

/** The modules with OPA's `internal.test_case` calls in their tests with cases (see `test-cases.ts`). */
function withTestCaseCalls(modules: Module[]): Module[] {
  injectTestCaseCalls(modules);
  return modules;
}

/** Parses the sources and adds the test-case calls; undefined if one does not parse (the compiler then reports it). */
function parsedWithTestCaseCalls(parse: ParseFn, sources: ModuleSource[], opts: CompileOptions): Module[] | undefined {
  try {
    return withTestCaseCalls(sources.map((s) => parse(s.file, s.source, { v0: opts.v0Compatible ?? false })));
  } catch {
    return undefined;
  }
}

/** Compiles `--run`'s pattern with RE2 (Go's regexp syntax); throws an Error naming the pattern on bad syntax. */
export function compileRunFilter(pattern: string): RE2 {
  try {
    return new RE2(pattern);
  } catch (e) {
    throw new Error(`invalid --run pattern ${JSON.stringify(pattern)}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Keeps the tests whose `data.pkg.test_name` the pattern matches (anywhere, as Go's `MatchString`). */
export function selectTests(tests: readonly TestCase[], filter?: RE2): TestCase[] {
  return filter ? tests.filter((t) => filter.test(fullName(t))) : [...tests];
}

export interface SuiteRunOptions {
  data?: Value;
  timeoutMs: number;
  coverage?: boolean;
  onResult?: (r: TestResult) => void;
}

export interface SuiteRun {
  results: TestResult[];
  coverage?: CoverageReport;
}

/** Runs the selected tests of a compiled suite. Never throws for test failures or evaluation errors. */
export function runSuite(suite: CompiledSuite, tests: readonly TestCase[], opts: SuiteRunOptions): SuiteRun {
  const collector = opts.coverage ? new CoverageCollector() : undefined;
  const results = runTests(
    suite.policy,
    tests,
    { ...(opts.data !== undefined ? { data: opts.data } : {}), timeoutMs: opts.timeoutMs, ...(collector ? { coverage: collector.record } : {}) },
    opts.onResult,
  );
  return collector ? { results, coverage: coverageReport(suite.policy.modules, collector.hits) } : { results };
}
