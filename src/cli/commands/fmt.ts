/**
 * `defenseclaw policy fmt [PATH...]`, like `opa fmt`: formats Rego files (or
 * stdin) exactly as OPA 1.x lays them out. Prints the result by default;
 * `--write` rewrites the files, `--list` names the files that would change,
 * `--diff` shows a unified diff, `--fail` stops with exit 2 at the first file
 * that would change (OPA's flag), `--check` lists every such file and exits 1
 * (for CI). Errors as OPA: `failed to format Rego source file: …`, exit 2.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { formatChecked, formatSource, type FormatVersion } from '../../rego/format/index.js';
import { regoFiles } from '../rego-files.js';

export interface FmtOptions {
  write?: boolean;
  list?: boolean;
  diff?: boolean;
  fail?: boolean;
  check?: boolean;
  v0Compatible?: boolean;
  v1Compatible?: boolean;
  regoV1?: boolean;
  v0V1?: boolean;
  dropV0Imports?: boolean;
  checkResult?: boolean;
}

export interface FmtIO {
  out: (text: string) => void;
  err: (text: string) => void;
  stdin: () => string;
}

/** `--rego-v1` wins over `--v0-compatible`, which wins over `--v1-compatible` (as in OPA). */
function versionOf(opts: FmtOptions): FormatVersion {
  if (opts.regoV1 || opts.v0V1) return 'v0v1';
  if (opts.v0Compatible) return 'v0';
  return 'v1';
}

class FmtFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** Runs the command; returns the exit code. */
export function runFmt(paths: string[], opts: FmtOptions, io: FmtIO): number {
  const version = versionOf(opts);
  const format = (file: string, source: string): string => {
    const fopts = { version, dropV0Imports: opts.dropV0Imports === true };
    return opts.checkResult === false ? formatSource(file, source, fopts) : formatChecked(file, source, fopts);
  };
  if (paths.length === 0) {
    try {
      io.out(format('stdin', io.stdin()));
      return 0;
    } catch (e) {
      io.err(`${message(e)}\n`);
      return 1;
    }
  }
  let changedAny = false;
  try {
    for (const root of paths) {
      let files: string[];
      try {
        files = regoFiles(root);
      } catch (e) {
        throw new FmtFailure(message(e), 1);
      }
      for (const file of files) changedAny = formatOne(file, opts, io, format) || changedAny;
    }
  } catch (e) {
    if (!(e instanceof FmtFailure)) throw e;
    io.err(`${e.message}\n`);
    return e.code;
  }
  return opts.check && changedAny ? 1 : 0;
}

/** Formats one file as the flags ask; returns whether it would change. */
function formatOne(file: string, opts: FmtOptions, io: FmtIO, format: (file: string, source: string) => string): boolean {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FmtFailure(`failed to open file: ${message(e)}`, 2);
  }
  let formatted: string;
  try {
    formatted = format(file, source);
  } catch (e) {
    throw new FmtFailure(`failed to format Rego source file: ${message(e)}`, 2);
  }
  const changed = formatted !== source;
  if (opts.list || opts.check) {
    if (changed) io.out(`${file}\n`);
    if (changed && opts.fail) throw new FmtFailure('unexpected diff', 2);
    return changed;
  }
  if (opts.diff) {
    if (changed) io.out(createTwoFilesPatch(file, file, source, formatted, 'original', 'formatted', { context: 3 }).replace(/^=+\n/, ''));
    if (changed && opts.fail) throw new FmtFailure('unexpected diff', 2);
    return changed;
  }
  if (opts.fail) {
    if (changed) throw new FmtFailure('unexpected diff', 2);
    return changed;
  }
  if (opts.write) {
    if (changed) writeFileSync(file, formatted);
    return changed;
  }
  io.out(formatted);
  return changed;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function registerFmt(policy: Command): void {
  policy
    .command('fmt')
    .description('format Rego source files as `opa fmt` does (stdin when no path is given)')
    .argument('[paths...]', 'files or directories (their .rego files, recursively)')
    .option('-w, --write', 'overwrite the original source files')
    .option('-l, --list', 'list the files that would change when formatted')
    .option('-d, --diff', 'only display a unified diff of the changes')
    .option('--fail', 'exit 2 at the first file that would be reformatted (OPA\'s flag)')
    .option('--check', 'list every file that would be reformatted and exit 1 if there is one')
    .option('--v0-compatible', 'format Rego v0 modules as v0')
    .option('--v1-compatible', 'format Rego v1 modules as v1 (the default)')
    .option('--rego-v1', 'rewrite Rego v0 modules to be compatible with both v0 and v1 (`import rego.v1`, `if`, `contains`)')
    .option('--v0-v1', 'same as --rego-v1 (OPA\'s newer name)')
    .option('--drop-v0-imports', 'drop `rego.v1` and `future.keywords` imports the output does not need')
    .option('--no-check-result', 'skip checking that the formatted code parses back to the same policy')
    .action((paths: string[], opts: FmtOptions) => {
      process.exitCode = runFmt(paths, opts, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
        stdin: () => readFileSync(0, 'utf8'),
      });
    });
}
