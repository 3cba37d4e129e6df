/**
 * `opa test`'s reports, as text: the pretty report (failures grouped under
 * their file, a rule of 80 dashes, `PASS: n/N`, `FAIL: …`, `SKIPPED: …`,
 * `ERROR: …`) and the JSON report (an array of OPA `tester.Result` objects).
 */
import type { RegoError } from '../errors.js';
import { formatGoDuration } from './go-duration.js';
import { passed, type TestResult } from './runner.js';
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

export function tally(results: readonly TestResult[]): Tally {
  const t: Tally = { pass: 0, fail: 0, skip: 0, error: 0, total: results.length };
  for (const r of results) {
    if (passed(r)) t.pass++;
    else if (r.skip) t.skip++;
    else if (r.error) t.error++;
    else if (r.fail) t.fail++;
  }
  return t;
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
      if (r.trace) lines.push(indent(prettyTrace(r.trace, { locations: true }).trimEnd()), '');
    }
    lines.push('SUMMARY', RULE);
  }

  let dirty = false;
  let lastFile: string | undefined;
  for (const r of results) {
    if (verbose || !passed(r)) {
      if (r.location.file !== lastFile) {
        lines.push(`${r.location.file}:`);
        lastFile = r.location.file;
      }
      dirty = true;
      lines.push(resultLine(r));
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

/** OPA's JSON shape of one result (Go field names and `omitempty`; `output` is base64 as Go encodes `[]byte`). */
export interface JsonTestResult {
  location: { file: string; row: number; col: number };
  package: string;
  name: string;
  fail?: true;
  error?: ReturnType<RegoError['toJSON']>;
  skip?: true;
  duration: number;
  output?: string;
  trace?: object[];
}

export function jsonResult(r: TestResult): JsonTestResult {
  const out: JsonTestResult = {
    location: { file: r.location.file, row: r.location.row, col: r.location.col },
    package: r.package,
    name: r.name,
    duration: Number(r.durationNs),
  };
  if (r.fail) out.fail = true;
  if (r.error) out.error = r.error.toJSON();
  if (r.skip) out.skip = true;
  if (r.output.length > 0) out.output = Buffer.from(r.output, 'utf8').toString('base64');
  // Key order as Go's struct: location, package, name, fail, error, skip, duration, output, trace.
  const { duration, output, ...rest } = out;
  return { ...rest, duration, ...(output !== undefined ? { output } : {}), ...(r.trace ? { trace: traceJSON(r.trace) } : {}) };
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
