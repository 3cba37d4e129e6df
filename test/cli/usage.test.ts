/**
 * Both executables as a new user meets them: usage mistakes and unusable
 * directories are one `error: …` line and exit 1 (no help dump); `--help` works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOME = mkdtempSync(join(tmpdir(), 'dc-usage-'));
test.after(() => rmSync(HOME, { recursive: true, force: true }));

function run(exe: 'defenseclaw' | 'gateway', ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, DEFENSECLAW_HOME: HOME, DEFENSECLAW_CONFIG: join(HOME, 'config.yaml') };
  delete env['DEFENSECLAW_GATEWAY_TOKEN'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', `src/cli/${exe}.ts`, ...args], { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 1, nothing on stdout, exactly one stderr line matching `pattern`. */
function assertOneLineError(r: ReturnType<typeof run>, pattern: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(r.stderr, pattern);
}

test('unknown flags, missing arguments and unknown commands are one line, exit 1', () => {
  assertOneLineError(run('defenseclaw', '--bogus'), /^error: unknown option '--bogus'/);
  assertOneLineError(run('defenseclaw', 'policy', 'frob'), /^error: unknown command 'frob'/);
  assertOneLineError(run('defenseclaw', 'policy', 'eval'), /^error: missing required argument 'query'/);
  assertOneLineError(run('defenseclaw', 'policy', 'evaluate', '--rego-dir', 'policies'), /^error: required option '--target-name <name>' not specified/);
  assertOneLineError(run('gateway', 'policy', 'reload', '--bogus'), /^error: unknown option '--bogus'/);
  assertOneLineError(run('gateway', 'policy', 'rollback'), /^error: missing required argument 'revision'/);
});

test('validate defaults to the configured policy directory and reports a missing one in one line', () => {
  assertOneLineError(run('defenseclaw', 'policy', 'validate'), new RegExp(`^error: policy: directory ${join(HOME, 'policies')} does not exist`));
  const json = run('defenseclaw', 'policy', 'validate', '--rego-dir', join(HOME, 'nope'), '--format', 'json');
  assert.equal(json.code, 1);
  const body = JSON.parse(json.stdout) as { errors: { code: string; message: string }[] };
  assert.equal(body.errors.length, 1);
  assert.equal(body.errors[0]!.code, 'policy_load_error');
  assert.match(body.errors[0]!.message, /does not exist/);
});

test('a stopped sidecar and a missing token are one line, exit 1', () => {
  assertOneLineError(run('gateway', 'status', '--port', '1'), /^cannot reach sidecar at http:\/\/127\.0\.0\.1:1\/health — is it running\?\n$/);
  assertOneLineError(run('gateway', 'policy', 'reload', '--port', '1'), /^policy reload: no gateway token configured \(set DEFENSECLAW_GATEWAY_TOKEN/);
});

test('every command has --help', () => {
  const commands = [
    ['defenseclaw', 'policy'],
    ...['validate', 'test', 'eval', 'evaluate', 'evaluate-firewall', 'show', 'domains'].map((c) => ['defenseclaw', 'policy', c]),
    ['gateway', 'run'],
    ['gateway', 'status'],
    ...['reload', 'history', 'rollback', 'evaluate', 'show', 'domains'].map((c) => ['gateway', 'policy', c]),
  ] as const;
  for (const [exe, ...args] of commands as readonly (readonly ['defenseclaw' | 'gateway', ...string[]])[]) {
    const r = run(exe, ...args, '--help');
    assert.equal(r.code, 0, `${exe} ${args.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /^Usage: /);
  }
});

test('rollback refuses a malformed revision before contacting the sidecar', () => {
  assertOneLineError(run('gateway', 'policy', 'rollback', 'zzz', '--port', '1'), /^error: command-argument value 'zzz' is invalid for argument 'revision'\. must be 4 to 64 lower-case hex digits/);
});
