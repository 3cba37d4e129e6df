/**
 * `opa test`'s reports, as text: the pretty report (failures grouped under
 * their file, a test's failed cases under it, a rule of 80 dashes,
 * `PASS: n/N`, `FAIL: …`, `SKIPPED: …`, `ERROR: …`, cases counted one by one)
 * and the JSON report (an array of OPA `tester.Result` objects). Layout from
 * OPA's v1/tester/reporter.go and its tests.
 */
import type { RegoError } from '../errors.js';
import { formatGoDuration } from './go-duration.js';
import { passed, type TestResult } from './runner.js';
import { iterSubResults, type SubResult, type SubResults } from './test-cases.js';
import { prettyTrace, traceJSON } from '../eval/trace-report.js';

const RULE = '-'.repeat(80);

function outcome(r: TestResult): string {
  if (passed(r)) return 'PASS';
  if (r.fail) return 'FAIL';
  if (r.skip) return 'SKIPPED';
  return 'ERROR';
}

/** OPA's `Result.String()`: `data.pkg.test_x: PASS (1.2ms)`; skipped tests have no duration. */
export function resultLine(r: TestResult): string {
  const head = `${r.package}.${r.name}: ${outcome(r)}`;
  return r.skip ? head : `${head} (${formatGoDuration(r.durationNs)})`;
}

export interface Tally {
  pass: number;
  fail: number;
  skip: number;
  error: number;
  total: number;
}

/** OPA's counts: a test with cases counts each of its cases (the leaves of its sub-results). */
export function tally(results: readonly TestResult[]): Tally {
  const t: Tally = { pass: 0, fail: 0, skip: 0, error: 0, total: 0 };
  for (const r of results) {
    if (r.skip) t.skip++;
    else if (r.error) t.error++;
    else if (r.subResults) {
      for (const [, sr] of iterSubResults(r.subResults)) {
        if (Object.keys(sr.subResults).length > 0) continue;
        if (sr.fail) t.fail++;
        else t.pass++;
      }
    } else if (passed(r)) t.pass++;
    else if (r.fail) t.fail++;
  }
  t.total = t.pass + t.fail + t.skip + t.error;
  return t;
}

function outcomeOf(sr: SubResult): string {
  return sr.fail ? 'FAIL' : 'PASS';
}

/** A test's cases under its line (all, or the failed ones): `  name: PASS`, two more spaces per level. */
function subResultLines(results: SubResults, all: boolean): string[] {
  const lines: string[] = [];
  for (const [path, sr] of iterSubResults(results)) {
    if (all || sr.fail) lines.push(`${'  '.repeat(path.length)}${sr.name}: ${outcomeOf(sr)}`);
  }
  return lines;
}

/** In the FAILURES section: each failed case with its parents' names, one level deeper each. */
function failedCaseLines(results: SubResults): string[] {
  const lines: string[] = [];
  for (const [path, sr] of iterSubResults(results)) {
    if (!sr.fail || Object.keys(sr.subResults).length > 0) continue;
    path.forEach((name, i) => lines.push(`${'  '.repeat(i + 1)}${name}: ${outcomeOf(sr)}`));
  }
  return lines;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => '  ' + line)
    .join('\n');
}

/** The pretty report. `verbose` lists every test and the print output of passing ones too. */
export function prettyReport(results: readonly TestResult[], opts: { verbose?: boolean } = {}): string {
  const verbose = opts.verbose ?? false;
  const lines: string[] = [];
  const t = tally(results);

  // OPA's verbose mode opens with the failures, each followed by its trace (filtered by --explain).
  if (verbose && t.fail > 0) {
    lines.push('FAILURES', RULE);
    for (const r of results) {
      if (!r.fail || r.skip || r.error) continue;
      lines.push(resultLine(r), '');
      if (r.trace) {
        const trace = prettyTrace(r.trace, { locations: true }).trimEnd();
        if (trace !== '') lines.push(indent(trace));
        lines.push('');
      }
      if (r.subResults) lines.push(...failedCaseLines(r.subResults), '');
    }
    lines.push('SUMMARY', RULE);
  }

  let dirty = false;
  let lastFile: string | undefined;
  for (const r of results) {
    if (verbose || !passed(r)) {
      if (r.location.file !== lastFile) {
        // A blank line between files.
        if (lastFile !== undefined) lines.push('');
        lines.push(`${r.location.file}:`);
        lastFile = r.location.file;
      }
      dirty = true;
      lines.push(resultLine(r));
      if (r.subResults) lines.push(...subResultLines(r.subResults, verbose));
      if (r.output.length > 0) lines.push('', indent(r.output.trim()), '');
    }
    if (r.error) lines.push(`  ${r.error.format()}`);
  }
  if (dirty) lines.push(RULE);

  const ratio = (n: number) => `${n}/${t.total}`;
  if (t.pass) lines.push(`PASS: ${ratio(t.pass)}`);
  if (t.fail) lines.push(`FAIL: ${ratio(t.fail)}`);
  if (t.skip) lines.push(`SKIPPED: ${ratio(t.skip)}`);
  if (t.error) lines.push(`ERROR: ${ratio(t.error)}`);
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

/** OPA's JSON shape of a test case: `tester.SubResult` (`omitempty` fields; cases keyed by name, sorted as Go sorts map keys). */
export interface JsonSubResult {
  sub_results?: Record<string, JsonSubResult>;
  name?: string;
  fail?: true;
}

/** OPA's JSON shape of one result (Go field names and `omitempty`; `output` is base64 as Go encodes `[]byte`). */
export interface JsonTestResult {
  error?: ReturnType<RegoError['toJSON']>;
  location: { file: string; row: number; col: number };
  sub_results?: Record<string, JsonSubResult>;
  package: string;
  name: string;
  trace?: object[];
  output?: string;
  duration: number;
  fail?: true;
  skip?: true;
}

function jsonSubResults(results: SubResults): Record<string, JsonSubResult> {
  const out: Record<string, JsonSubResult> = {};
  for (const key of Object.keys(results).sort()) {
    const sr = results[key]!;
    const nested = Object.keys(sr.subResults).length > 0 ? jsonSubResults(sr.subResults) : undefined;
    out[key] = { ...(nested ? { sub_results: nested } : {}), ...(sr.name !== '' ? { name: sr.name } : {}), ...(sr.fail ? { fail: true as const } : {}) };
  }
  return out;
}

/** Keys in the order of OPA 1.x's `tester.Result` struct: error, location, sub_results, package, name, trace, output, duration, fail, skip. */
export function jsonResult(r: TestResult): JsonTestResult {
  return {
    ...(r.error ? { error: r.error.toJSON() } : {}),
    location: { file: r.location.file, row: r.location.row, col: r.location.col },
    ...(r.subResults ? { sub_results: jsonSubResults(r.subResults) } : {}),
    package: r.package,
    name: r.name,
    ...(r.trace ? { trace: traceJSON(r.trace) } : {}),
    ...(r.output.length > 0 ? { output: Buffer.from(r.output, 'utf8').toString('base64') } : {}),
    duration: Number(r.durationNs),
    ...(r.fail ? { fail: true as const } : {}),
    ...(r.skip ? { skip: true as const } : {}),
  };
}

/** The JSON report: `null` for no tests, as Go marshals a nil slice. */
export function jsonReport(results: readonly TestResult[]): string {
  return (results.length === 0 ? 'null' : JSON.stringify(results.map(jsonResult), null, 2)) + '\n';
}

/**
 * Exit status as `opa test`: 2 when any test failed or errored, or was skipped
 * (unless `exitZeroOnSkipped`, OPA's `--exit-zero-on-skipped`), else 0.
 */
export function exitCode(results: readonly TestResult[], opts: { exitZeroOnSkipped?: boolean } = {}): number {
  const t = tally(results);
  if (t.fail > 0 || t.error > 0) return 2;
  if (t.skip > 0 && !opts.exitZeroOnSkipped) return 2;
  return 0;
}
