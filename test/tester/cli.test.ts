/** End to end: the `defenseclaw policy test` CLI on fixture directories. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const FIXTURES = 'test/fixtures/tester';

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/defenseclaw.ts', 'policy', 'test', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Durations vary: replace `(1.234ms)` by `(…)`. */
function stable(text: string): string {
  return text.replace(/\((\d+(\.\d+)?(ns|µs|ms|s))+\)/g, '(…)');
}

const MIXED = join(FIXTURES, 'mixed');
const AUTHZ_TEST = join(MIXED, 'authz_test.rego');

test('mixed suite: failures, errors and skips reported as opa test does, exit 2', () => {
  const r = cli(MIXED);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 2);
  assert.equal(
    stable(r.stdout),
    [
      `${AUTHZ_TEST}:`,
      'data.authz_test.test_fails_with_print: FAIL (…)',
      '',
      '  checking eve',
      '',
      'data.authz_test.test_conflict_errors: ERROR (…)',
      `  ${join(MIXED, 'authz.rego')}:30:1: eval_conflict_error: complete rules must not produce multiple outputs`,
      'data.authz_test.test_duplicate#01: FAIL (…)',
      'data.authz_test.todo_test_later: SKIPPED',
      'data.authz_test.test_value_not_true: FAIL (…)',
      '-'.repeat(80),
      'PASS: 11/16',
      'FAIL: 3/16',
      'SKIPPED: 1/16',
      'ERROR: 1/16',
      '',
    ].join('\n'),
  );
});

test('--verbose lists every test with print output; --run selects by data.pkg.name', () => {
  const r = cli(MIXED, '-v', '--run', 'deny_reason|lib_test');
  assert.equal(r.code, 0);
  assert.equal(
    stable(r.stdout),
    [
      `${AUTHZ_TEST}:`,
      'data.authz_test.test_deny_reason: PASS (…)',
      '',
      '  reason: eve may not write',
      '',
      // OPA's blank line between files (after the print output's own).
      '',
      `${join(MIXED, 'lib', 'limits_test.rego')}:`,
      'data.lib_test.test_within_limit: PASS (…)',
      'data.lib_test.test_over_limit: PASS (…)',
      '-'.repeat(80),
      'PASS: 3/3',
      '',
    ].join('\n'),
  );
});

test('--format json prints OPA test results', () => {
  const r = cli(MIXED, '--format', 'json', '--run', 'test_duplicate|todo_|fails_with_print');
  assert.equal(r.code, 2);
  const results = JSON.parse(r.stdout) as Record<string, unknown>[];
  const byName = new Map(results.map((x) => [x['name'], x]));
  assert.deepEqual([...byName.keys()], ['test_fails_with_print', 'test_duplicate', 'test_duplicate#01', 'todo_test_later']);
  const failed = byName.get('test_fails_with_print')!;
  assert.deepEqual(failed['location'], { file: AUTHZ_TEST, row: 40, col: 1 });
  assert.equal(failed['package'], 'data.authz_test');
  assert.equal(failed['fail'], true);
  assert.equal(typeof failed['duration'], 'number');
  assert.equal(Buffer.from(failed['output'] as string, 'base64').toString(), 'checking eve\n');
  assert.equal(byName.get('test_duplicate')!['fail'], undefined);
  assert.equal(byName.get('test_duplicate#01')!['fail'], true);
  assert.equal(byName.get('todo_test_later')!['skip'], true);
});

test('all passing: exit 0; --coverage prints OPA coverage JSON', () => {
  const dir = join(FIXTURES, 'passing');
  const pass = cli(dir);
  assert.equal(pass.code, 0);
  assert.equal(pass.stdout, 'PASS: 1/1\n');

  const cov = cli(dir, '--coverage');
  assert.equal(cov.code, 0);
  assert.deepEqual(JSON.parse(cov.stdout), {
    files: {
      [join(dir, 'p.rego')]: {
        covered: [{ start: { row: 3 }, end: { row: 4 } }],
        not_covered: [{ start: { row: 7 }, end: { row: 8 } }],
        covered_lines: 2,
        not_covered_lines: 2,
        coverage: 50,
      },
      [join(dir, 'p_test.rego')]: { covered: [{ start: { row: 5 }, end: { row: 6 } }], covered_lines: 2, coverage: 100 },
    },
    covered_lines: 4,
    not_covered_lines: 2,
    coverage: 66.67,
  });
  const below = cli(dir, '--coverage', '--threshold', '80');
  assert.equal(below.code, 2);
  assert.equal(below.stderr, 'Code coverage threshold not met: got 66.67 instead of 80.00\n');
});

test('compile errors: printed as policy validate does, exit 1', () => {
  const r = cli(join(FIXTURES, 'broken'));
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  const file = join(FIXTURES, 'broken', 'bad.rego');
  assert.match(r.stderr, /^2 errors occurred:\n/);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}:4:2: rego_unsafe_var_error: var x is unsafe`));
  assert.match(r.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}:8:2: rego_unsafe_var_error: var y is unsafe`));
});

test("type errors: OPA's rego_type_error with the have/want and left/right details, exit 1", () => {
  const r = cli(join(FIXTURES, 'ill-typed'));
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  const file = join(FIXTURES, 'ill-typed', 'lib.rego');
  assert.equal(
    r.stderr,
    [
      '2 errors occurred:',
      `${file}:4:9: rego_type_error: count: invalid argument(s)`,
      '\thave: (number, ???)',
      '\twant: (collection: any<string, array[any], object[any: any], set[any]>, n: number)',
      `${file}:6:9: rego_type_error: match error`,
      '\tleft  : number',
      '\tright : string',
      '',
    ].join('\n'),
  );
});

test('--rego-dir uses the gateway rule (shallow data-sandbox.json); paths deep-merge and report conflicts', () => {
  const dir = join(FIXTURES, 'regodir');
  const gateway = cli('--rego-dir', dir);
  assert.equal(gateway.stdout, 'PASS: 1/1\n');
  assert.equal(gateway.code, 0);

  const opa = cli(join(dir, 'rego'));
  assert.equal(opa.code, 1);
  assert.match(opa.stderr, /rego\/data\.json: merge error: data\.sandbox\.endpoints is already defined/);
});

test('--ignore leaves files out', () => {
  const r = cli(MIXED, '--ignore', 'authz*');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'PASS: 2/2\n');
});

test('a test running past --timeout errors and the run goes on', () => {
  const started = Date.now();
  const r = cli(join(FIXTURES, 'slow'), '--timeout', '300ms');
  assert.ok(Date.now() - started < 20_000, 'the slow test was cut short');
  assert.equal(r.code, 2);
  const out = stable(r.stdout);
  assert.match(out, /data\.slow_test\.test_runs_too_long: ERROR \(…\)\n  .*eval_cancel_error: /);
  assert.match(out, /PASS: 1\/2\nERROR: 1\/2\n$/);
});
