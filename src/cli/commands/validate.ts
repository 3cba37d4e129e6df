/**
 * `defenseclaw policy validate [--rego-dir DIR] [--v0-compatible] [--format pretty|json]`:
 * loads a policy directory the way the gateway does (modules, data.json,
 * data-sandbox.json), compiles it with the gateway's refused built-ins, and
 * reports. Never writes to the directory.
 *
 * Exit 0: what was checked (modules, rules, tests, data keys) and a warning per
 * data.json key shadowed by data-sandbox.json. Exit 1: OPA's layout
 * (`N errors occurred:` then `file:row:col: code: message` lines), or one line
 * for a directory that cannot be loaded.
 */
import { Option, type Command } from 'commander';
import { compile } from '../../rego/index.js';
import { formatErrors, RegoError, RegoErrors } from '../../rego/errors.js';
import { loadPolicyDirectory, PolicyLoadError, SANDBOX_DATA_FILE, DATA_FILE } from '../../policy/directory.js';
import { REFUSED_BUILTINS } from '../../policy/snapshot.js';
import { defaultPolicyDir } from '../../policy/paths.js';

export interface ValidateOptions {
  regoDir: string;
  v0Compatible?: boolean;
  format?: 'pretty' | 'json';
}

export interface ValidateIO {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs the validation; returns the exit code. */
export function runValidate(opts: ValidateOptions, io: ValidateIO): number {
  const json = opts.format === 'json';
  let dir;
  try {
    dir = loadPolicyDirectory(opts.regoDir);
  } catch (e) {
    if (!(e instanceof PolicyLoadError) && !(e instanceof Error)) throw e;
    // A directory that cannot be loaded is one line; JSON readers get it in the errors shape.
    if (json) io.out(JSON.stringify({ errors: [{ code: 'policy_load_error', message: e.message }] }, null, 2));
    else io.err(`error: ${e.message.split('\n').join(' ')}`);
    return 1;
  }
  let policy;
  try {
    policy = compile(
      dir.modules.map((m) => ({ file: m.file, source: m.source })),
      { v0Compatible: opts.v0Compatible === true, refusedBuiltins: REFUSED_BUILTINS },
    );
  } catch (e) {
    const errors = e instanceof RegoErrors ? e.errors : e instanceof RegoError ? [e] : undefined;
    if (!errors) throw e;
    if (json) io.out(JSON.stringify({ errors: errors.map((x) => x.toJSON()) }, null, 2));
    else io.err(formatErrors(errors));
    return 1;
  }

  const rules = policy.modules.flatMap((m) => m.rules);
  const tests = rules.filter((r) => r.head.name.startsWith('test_')).length;
  const warnings = dir.shadowedKeys.map((k) => `${SANDBOX_DATA_FILE} replaces ${DATA_FILE} key "${k}"`);
  if (json) {
    io.out(
      JSON.stringify(
        { ok: true, regoDir: dir.regoDir, modules: dir.modules.map((m) => m.file), rules: rules.length - tests, tests, dataKeys: dir.dataKeys, warnings },
        null,
        2,
      ),
    );
  } else {
    io.out(`policy OK: ${dir.regoDir}`);
    io.out(`  modules: ${dir.modules.length} (${dir.modules.map((m) => m.file).join(', ')})`);
    io.out(`  rules: ${rules.length - tests}, tests: ${tests}`);
    io.out(`  data keys: ${dir.dataKeys.length > 0 ? dir.dataKeys.join(', ') : '(none)'}`);
    for (const w of warnings) io.err(`warning: ${w}`);
  }
  return 0;
}

export function registerValidate(policy: Command): void {
  policy
    .command('validate')
    .description('parse and compile a policy directory as the gateway would load it (read-only)')
    .addOption(
      new Option('--rego-dir <dir>', 'the policy directory (its rego/ subdirectory when present; data.json + data-sandbox.json)').default(
        undefined,
        '$DEFENSECLAW_HOME/policies or ~/.defenseclaw/policies',
      ),
    )
    .option('--v0-compatible', 'parse modules as Rego v0', false)
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action((opts: { regoDir?: string; v0Compatible: boolean; format: 'pretty' | 'json' }) => {
      process.exitCode = runValidate({ ...opts, regoDir: opts.regoDir ?? defaultPolicyDir() }, { out: (l) => console.log(l), err: (l) => console.error(l) });
    });
}
