/**
 * `defenseclaw policy test`: run Rego unit tests (`test_*` rules) the way
 * `opa test` does, on paths or on a gateway policy directory (`--rego-dir`).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { compile } from '../../rego/index.js';
import { DEFAULT_TIMEOUT, runTestCommand } from '../../rego/tester/command.js';
import { defaultPolicyDir } from '../../policy/paths.js';
import type { ExplainMode } from '../../rego/eval/trace-report.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePercent(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a percentage between 0 and 100');
  return n;
}

export function registerTest(policy: Command): void {
  policy
    .command('test')
    .description('run Rego tests (rules named test_*) as `opa test` does')
    .argument('[paths...]', 'files or directories to load (.rego modules, .json/.yaml data), recursively')
    .option('--rego-dir <dir>', 'a gateway policy directory (its rego/ subdirectory when present; data.json + data-sandbox.json)')
    .option('-v, --verbose', 'list every test and show print() output of passing tests too', false)
    .option('-r, --run <regex>', 'run only tests whose data.<package>.<name> matches the RE2 pattern')
    .addOption(new Option('-f, --format <format>', 'report format').choices(['pretty', 'json']).default('pretty'))
    .option('-t, --timeout <duration>', 'time limit per test (Go duration)', DEFAULT_TIMEOUT)
    .option('--v0-compatible', 'parse modules as Rego v0', false)
    .option('-c, --coverage', 'report coverage (JSON) instead of test results', false)
    .option('--threshold <percent>', 'with --coverage: fail (exit 2) below this coverage', parsePercent, 0)
    .option('--ignore <pattern>', 'leave out files and directories whose name matches (repeatable)', collect, [] as string[])
    .option('-z, --exit-zero-on-skipped', 'exit 0 when the only non-passing tests are skipped ones', false)
    .option('--no-isolate', 'run tests in the CLI process (no worker thread backstop for runaway tests)')
    .addOption(new Option('--explain <mode>', 'with -v: the trace shown for each failing test').choices(['fails', 'full', 'notes']).default('fails'))
    .action(async (paths: string[], opts: Record<string, unknown>) => {
      const regoDir = opts['regoDir'] as string | undefined;
      const code = await runTestCommand(
        compile,
        {
          paths,
          regoDir: regoDir ?? (paths.length === 0 ? defaultPolicyDir() : undefined),
          verbose: opts['verbose'] as boolean,
          ...(opts['run'] !== undefined ? { run: opts['run'] as string } : {}),
          format: opts['format'] as string,
          timeout: opts['timeout'] as string,
          v0Compatible: opts['v0Compatible'] as boolean,
          coverage: opts['coverage'] as boolean,
          threshold: opts['threshold'] as number,
          ignore: opts['ignore'] as string[],
          exitZeroOnSkipped: opts['exitZeroOnSkipped'] as boolean,
          isolate: opts['isolate'] as boolean,
          explain: opts['explain'] as ExplainMode,
        },
        { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) },
      );
      process.exitCode = code;
    });
}
