/**
 * `defenseclaw policy eval --rego-dir DIR [--data FILE]... [--input FILE] QUERY`,
 * like `opa eval`: prints `{"result": [...]}` (OPA's JSON, 2-space indent;
 * no `result` key when undefined), exit 0 when defined; errors OPA-style on
 * stderr, exit 1.
 */
import { Option, type Command } from 'commander';
import { Tracer } from '../../rego/eval/trace.js';
import { explainEvents, prettyTrace, traceJSON, type ExplainMode } from '../../rego/eval/trace-report.js';
import type { Result } from '../../rego/api.js';
import { toJSONText } from '../../rego/value.js';
import { parseGoDuration } from '../../rego/tester/go-duration.js';
import { loadEvalInputs, reportEvalError } from '../eval-inputs.js';
import { indentJSONText } from '../json-indent.js';

interface EvalCliOptions {
  regoDir?: string;
  data: string[];
  input?: string;
  format: string;
  strictBuiltinErrors?: boolean;
  v0Compatible?: boolean;
  explain: ExplainMode;
  /** OPA's `--timeout` (Go duration; 0: none). */
  timeout?: string;
}

/** `--timeout` in ms, undefined for none (OPA's default `0s`). */
function evalTimeoutMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ns = parseGoDuration(text);
  if (ns === undefined || ns < 0) throw new Error(`invalid --timeout ${JSON.stringify(text)}: use a Go duration such as 5s, 500ms or 1m`);
  return ns === 0 ? undefined : Math.max(1, Math.round(ns / 1e6));
}

/** `{"result": [...]}` (and OPA's `explanation` after it), laid out with numbers as OPA prints them. */
function resultJSON(results: Result[], explanation?: object[]): string {
  const body = results.map((r) => {
    const exprs = r.expressions.map((e) => `{"value":${toJSONText(e.value)},"text":${JSON.stringify(e.text)},"location":{"row":${e.location.row},"col":${e.location.col}}}`);
    const names = Object.keys(r.bindings).sort();
    const bindings = names.length > 0 ? `,"bindings":{${names.map((n) => `${JSON.stringify(n)}:${toJSONText(r.bindings[n]!)}`).join(',')}}` : '';
    return `{"expressions":[${exprs.join(',')}]${bindings}}`;
  });
  const fields = results.length > 0 ? [`"result":[${body.join(',')}]`] : [];
  if (explanation) fields.push(`"explanation":${JSON.stringify(explanation)}`);
  return indentJSONText(`{${fields.join(',')}}`);
}

function prettyText(results: Result[]): string {
  if (results.length === 0) return 'undefined';
  if (results.length === 1 && results[0]!.expressions.length === 1 && Object.keys(results[0]!.bindings).length === 0) {
    return toJSONText(results[0]!.expressions[0]!.value, '  ');
  }
  return resultJSON(results);
}

export function runEval(query: string, opts: EvalCliOptions): number {
  const explain = opts.explain ?? 'off';
  try {
    const timeoutMs = evalTimeoutMs(opts.timeout);
    const { policy, data, input } = loadEvalInputs({ ...opts, trace: explain !== 'off' });
    const tracer = explain !== 'off' ? new Tracer() : undefined;
    // The evaluator's size budgets (DEFAULT_BUDGETS) apply too: a runaway query fails instead of taking the process down.
    const results = policy.prepare(query).eval({
      ...(input !== undefined ? { input } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      data,
      strictBuiltinErrors: opts.strictBuiltinErrors === true,
      print: (m) => process.stderr.write(m + '\n'),
      ...(tracer ? { tracer } : {}),
    });
    const events = tracer ? explainEvents(tracer.events, explain) : [];
    if (opts.format === 'pretty') {
      // As `opa eval --explain`: the trace (with locations), then the result.
      process.stdout.write(prettyTrace(events, { locations: true }) + prettyText(results) + '\n');
    } else {
      process.stdout.write(resultJSON(results, tracer ? traceJSON(events) : undefined) + '\n');
    }
    return 0;
  } catch (e) {
    reportEvalError(e, opts.format, (t) => process.stderr.write(t));
    return 1;
  }
}

export function registerEval(policy: Command): void {
  policy
    .command('eval')
    .description('evaluate a Rego query against a policy directory (like `opa eval`)')
    .argument('<query>', 'Rego query, e.g. data.defenseclaw.admission')
    .option('--rego-dir <dir>', 'policy directory (its .rego modules and data.json)')
    .option('-d, --data <file>', 'additional .rego, .json or .yaml file (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-i, --input <file>', 'input document (.json or .yaml)')
    .option('-f, --format <format>', 'json or pretty', 'json')
    .option('--strict-builtin-errors', 'fail on built-in errors instead of treating them as undefined')
    .option('--v0-compatible', 'parse modules as Rego v0')
    .addOption(new Option('--explain <mode>', 'show the evaluation trace: full, notes (trace() calls) or fails').choices(['off', 'full', 'notes', 'fails']).default('off'))
    .option('--timeout <duration>', 'stop the evaluation after this long (Go duration, e.g. 500ms, 5s; 0s: none)')
    .action((query: string, opts: EvalCliOptions) => {
      process.exitCode = runEval(query, opts);
    });
}
