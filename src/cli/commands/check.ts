/**
 * `defenseclaw policy check [--strict] PATH...`, like `opa check`: parses and
 * compiles the `.rego` files under the paths with the compiler's normal
 * pipeline (type checks included), plus OPA's strict-mode errors with
 * `--strict`. Silent and exit 0 when all is well; otherwise the errors on
 * stderr as OPA prints them — `1 error occurred during loading: …` for parse
 * errors, `N errors occurred:` for compile errors, each `file:row: code:
 * message` (OPA leaves the column out of this text; `--format json` has it),
 * parse errors followed by the offending line and a caret — and exit 1.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { compile } from '../../rego/index.js';
import { parseModule } from '../../rego/syntax/parser.js';
import { RegoError, RegoErrors } from '../../rego/errors.js';
import type { Module } from '../../rego/syntax/ast.js';
import { regoFiles } from '../rego-files.js';

export interface CheckOptions {
  strict?: boolean;
  format?: 'pretty' | 'json';
  v0Compatible?: boolean;
  v1Compatible?: boolean;
  ignore?: string[];
  maxErrors?: number;
}

export interface CheckIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A parse error's source line and where in it the error is (OPA's `ParserErrorDetail`). */
interface LineDetail {
  line: string;
  idx: number;
}

interface Reported {
  error: RegoError;
  details?: LineDetail;
}

/** Errors found after parsing (`if` required, ...) carry no source line in OPA. */
const POST_PARSE = /^`(if|contains)` keyword is required/;

function detailOf(e: RegoError, sources: Map<string, string>): LineDetail | undefined {
  if (e.code !== 'rego_parse_error' || !e.location || POST_PARSE.test(e.message)) return undefined;
  const source = sources.get(e.location.file);
  if (source === undefined) return undefined;
  const line = source.split('\n')[e.location.row - 1];
  if (line === undefined) return undefined;
  return { line: line.replace(/\r$/, ''), idx: [...line].slice(0, e.location.col - 1).join('').length };
}

/** OPA's error line: `file:row: code: message` (`row:col` when there is no file), then detail lines. */
function errorText(r: Reported): string {
  const loc = r.error.location;
  const where = loc ? (loc.file ? `${loc.file}:${loc.row}: ` : `${loc.row}:${loc.col}: `) : '';
  let text = `${where}${r.error.code}: ${r.error.message}`;
  if (r.details) {
    const trimmed = r.details.line.replace(/^\t+/, '');
    const indent = Math.max(0, r.details.idx - (r.details.line.length - trimmed.length));
    text += `\n\t${trimmed}\n\t${' '.repeat(indent)}^`;
  }
  return text;
}

function report(errors: Reported[], loading: boolean, format: string, io: CheckIO): void {
  if (format === 'json') {
    const json = errors.map((r) => ({
      ...(r.details ? { details: r.details } : {}),
      ...(r.error.location ? { location: r.error.location } : {}),
      message: r.error.message,
      code: r.error.code,
    }));
    io.err(JSON.stringify({ errors: json }, null, 2) + '\n');
    return;
  }
  const suffix = loading ? ' during loading' : '';
  const lines = errors.map(errorText);
  io.err((errors.length === 1 ? `1 error occurred${suffix}: ${lines[0]}` : `${errors.length} errors occurred${suffix}:\n${lines.join('\n')}`) + '\n');
}

/** Runs the check; returns the exit code. */
export function runCheck(paths: string[], opts: CheckOptions, io: CheckIO): number {
  const format = opts.format ?? 'pretty';
  const v0 = opts.v0Compatible === true;
  const sources = new Map<string, string>();
  const modules: Module[] = [];
  const loadErrors: Reported[] = [];
  try {
    for (const path of paths) {
      for (const file of regoFiles(path, opts.ignore ?? [])) {
        const source = readFileSync(file, 'utf8');
        sources.set(file, source);
        try {
          modules.push(parseModule(file, source, { v0 }));
        } catch (e) {
          if (!(e instanceof RegoErrors)) throw e;
          loadErrors.push(...e.errors.map((error) => ({ error, details: detailOf(error, sources) })));
        }
      }
    }
  } catch (e) {
    if (e instanceof RegoErrors) throw e;
    io.err(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  if (loadErrors.length > 0) {
    report(loadErrors, true, format, io);
    return 1;
  }
  try {
    compile(modules, { v0Compatible: v0, strict: opts.strict === true });
  } catch (e) {
    const errors = e instanceof RegoErrors ? e.errors : e instanceof RegoError ? [e] : undefined;
    if (!errors) throw e;
    const limit = opts.maxErrors ?? 10;
    const shown = limit > 0 ? errors.slice(0, limit) : errors;
    report(shown.map((error) => ({ error })), false, format, io);
    return 1;
  }
  return 0;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
}

export function registerCheck(policy: Command): void {
  policy
    .command('check')
    .description('parse and compile Rego files as `opa check` does (errors only; silent when all is well)')
    .argument('<paths...>', 'files or directories (their .rego files, recursively)')
    .option('-S, --strict', 'enable OPA\'s compiler strict mode (unused imports, locals and arguments; deprecated built-ins...)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('--v0-compatible', 'parse modules as Rego v0')
    .option('--v1-compatible', 'parse modules as Rego v1 (the default)')
    .option('--ignore <pattern>', 'leave out files and directories whose name matches (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-m, --max-errors <n>', 'number of errors to report (0: all)', parseCount, 10)
    .action((paths: string[], opts: CheckOptions) => {
      process.exitCode = runCheck(paths, opts, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
    });
}
