/** The command logic (options, loading, reports, exit codes) with the scripted engine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runTestCommand, type TestCommandOptions } from '../../src/rego/tester/command.js';
import { compile } from './scripted-engine.js';

async function run(opts: Partial<TestCommandOptions>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runTestCommand(compile, { paths: [], ...opts }, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const FIXTURES = 'test/fixtures/tester';

test('runs the tests found under the paths and reports them', async () => {
  const r = await run({ paths: [join(FIXTURES, 'passing')] });
  assert.deepEqual(r, { code: 0, stdout: 'PASS: 1/1\n', stderr: '' });
  const skipped = await run({ paths: [join(FIXTURES, 'mixed')], run: 'todo_' });
  assert.equal(skipped.code, 2);
  assert.equal(skipped.stdout, `${join(FIXTURES, 'mixed', 'authz_test.rego')}:\ndata.authz_test.todo_test_later: SKIPPED\n${'-'.repeat(80)}\nSKIPPED: 1/1\n`);
  assert.equal((await run({ paths: [join(FIXTURES, 'mixed')], run: 'todo_', exitZeroOnSkipped: true })).code, 0);
});

test('duplicate test names run separately', async () => {
  const r = await run({ paths: [join(FIXTURES, 'mixed')], run: 'duplicate', verbose: true });
  assert.match(r.stdout, /data\.authz_test\.test_duplicate: PASS .*\n\n {2}ran data\.authz_test\.test_duplicate\n\ndata\.authz_test\.test_duplicate#01: PASS .*\n\n {2}ran data\.authz_test\.test_duplicate__dup01\n/);
});

test('bad options, unreadable paths, parse errors: exit 1 with the message on stderr', async () => {
  assert.deepEqual(await run({ paths: ['x'], timeout: '5' }), {
    code: 1,
    stdout: '',
    stderr: 'error: invalid --timeout "5": use a Go duration such as 5s, 500ms or 1m\n',
  });
  assert.match((await run({ paths: ['x'], format: 'xml' })).stderr, /invalid --format "xml"/);
  assert.match((await run({ paths: ['x'], run: '(' })).stderr, /invalid --run pattern/);
  assert.equal((await run({ paths: [join(FIXTURES, 'nope')] })).stderr, `error: ${join(FIXTURES, 'nope')}: no such file or directory\n`);
  assert.equal((await run({ paths: ['x'], regoDir: 'y' })).stderr, 'error: give either --rego-dir or paths, not both\n');
  const regoDir = await run({ regoDir: join(FIXTURES, 'missing-dir') });
  assert.equal(regoDir.code, 1);
  assert.match(regoDir.stderr, /does not exist/);
});

test('parse errors are printed as N errors occurred, exit 1', async () => {
  const r = await run({ paths: [join(FIXTURES, 'unparsable')] });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^1 error occurred: .*unparsable\/bad\.rego:\d+:\d+: rego_parse_error: /);
});

test('--coverage prints the coverage report instead of test results', async () => {
  const r = await run({ paths: [join(FIXTURES, 'passing')], coverage: true });
  assert.equal(r.code, 0);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(report), ['files', 'covered_lines', 'not_covered_lines', 'coverage']);
});
