import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegoError } from '../../src/rego/errors.js';
import { applyRenames, discoverTests, planDuplicateRenames } from '../../src/rego/tester/discover.js';
import { exitCode, jsonReport, prettyReport } from '../../src/rego/tester/report.js';
import { runTests, type TestResult } from '../../src/rego/tester/runner.js';
import { compileSuite, compileRunFilter, selectTests } from '../../src/rego/tester/suite.js';
import { coverageReport, toRanges } from '../../src/rego/tester/coverage.js';
import { fakePolicy, module, rule } from './fakes.js';

const mods = [
  module('b_test.rego', ['b'], [rule('b_test.rego', 'test_b', 3), rule('b_test.rego', 'helper', 5)]),
  module('a_test.rego', ['a', 'x-y'], [
    rule('a_test.rego', 'test_one', 3),
    rule('a_test.rego', 'todo_test_later', 5),
    rule('a_test.rego', 'test_fn', 7, { fn: true }),
    rule('a_test.rego', 'test_one', 9),
  ]),
];

test('discovers test_ and todo_test_ rules, modules by file name, functions left out', () => {
  const tests = discoverTests(mods);
  assert.deepEqual(
    tests.map((t) => [t.package, t.name, t.query, t.skip, t.location.row]),
    [
      ['data.a["x-y"]', 'test_one', 'data.a["x-y"].test_one', false, 3],
      ['data.a["x-y"]', 'todo_test_later', 'data.a["x-y"].todo_test_later', true, 5],
      ['data.a["x-y"]', 'test_one', 'data.a["x-y"].test_one', false, 9],
      ['data.b', 'test_b', 'data.b.test_b', false, 3],
    ],
  );
});

test('duplicate test names: later definitions renamed in the source, reported as name#NN', () => {
  const renames = planDuplicateRenames(mods);
  assert.equal(renames.length, 1);
  assert.deepEqual([renames[0]!.from, renames[0]!.to, renames[0]!.display], ['test_one', 'test_one__dup01', 'test_one#01']);
  const source = 'package a\n\ntest_one if true\n\n\n\n\n\ntest_one if { test_one }\n';
  const { sources, unapplied } = applyRenames([{ file: 'a_test.rego', source }, { file: 'b_test.rego', source: 'x' }], renames);
  assert.deepEqual(unapplied, []);
  assert.equal(sources[0]!.source, 'package a\n\ntest_one if true\n\n\n\n\n\ntest_one__dup01 if { test_one }\n');
  assert.equal(sources[1]!.source, 'x');
});

test('compileSuite renames duplicates before compiling once, and maps names back', () => {
  const compiled: string[] = [];
  const parsedSources: string[] = [];
  const renamedMods = [
    module('a_test.rego', ['a'], [rule('a_test.rego', 'test_one', 3), rule('a_test.rego', 'test_one__dup01', 4), rule('a_test.rego', 'test_one__dup02', 5)]),
  ];
  const parsed = module('a_test.rego', ['a'], [rule('a_test.rego', 'test_one', 3), rule('a_test.rego', 'test_one', 4), rule('a_test.rego', 'test_one', 5)]);
  const suite = compileSuite(
    (sources) => {
      compiled.push('source' in sources[0]! ? sources[0].source : `module ${sources[0]!.file}`);
      return fakePolicy(renamedMods, {});
    },
    (_file, source) => (parsedSources.push(source), parsed),
    [{ file: 'a_test.rego', source: 'package a\n\ntest_one if 1\ntest_one if 2\ntest_one if 3\n' }],
  );
  // Parsed as written, then renamed and parsed again; the parsed modules are compiled once.
  assert.deepEqual(parsedSources.slice(1), ['package a\n\ntest_one if 1\ntest_one__dup01 if 2\ntest_one__dup02 if 3\n']);
  assert.deepEqual(compiled, ['module a_test.rego']);
  assert.deepEqual(suite.tests.map((t) => [t.name, t.query]), [
    ['test_one', 'data.a.test_one'],
    ['test_one#01', 'data.a.test_one__dup01'],
    ['test_one#02', 'data.a.test_one__dup02'],
  ]);
});

test('compileSuite compiles unchanged sources when a module does not parse', () => {
  const compiled: string[] = [];
  compileSuite(
    (sources) => (compiled.push('source' in sources[0]! ? sources[0].source : ''), fakePolicy([], {})),
    () => {
      throw new Error('parse error');
    },
    [{ file: 'x.rego', source: 'package' }],
  );
  assert.deepEqual(compiled, ['package']);
});

test('--run filters on data.pkg.name with RE2', () => {
  const tests = discoverTests(mods);
  assert.deepEqual(selectTests(tests, compileRunFilter('b\\.test_')).map((t) => t.name), ['test_b']);
  assert.deepEqual(selectTests(tests, compileRunFilter('^data\\.a')).length, 3);
  assert.throws(() => compileRunFilter('(?<=x)'), /invalid --run pattern/);
});

function scriptedRun(): TestResult[] {
  const m = [module('p_test.rego', ['p'], ['test_pass', 'test_false', 'test_undef', 'test_value', 'test_err', 'test_crash', 'todo_test_x'].map((n, i) => rule('p_test.rego', n, i + 3)))];
  const policy = fakePolicy(m, {
    'data.p.test_pass': { value: true, prints: ['ok'] },
    'data.p.test_false': { value: false, prints: ['got', 'two lines'] },
    'data.p.test_value': { value: 1 },
    'data.p.test_err': { throws: new RegoError('eval_conflict_error', 'complete rules must not produce multiple outputs', { file: 'p.rego', row: 4, col: 1 }) },
    'data.p.test_crash': { throws: new TypeError('boom') },
  });
  return runTests(policy, discoverTests(m), { timeoutMs: 1000 });
}

test('outcomes: true passes; false, undefined, non-true fail; throws error; todo skipped', () => {
  const results = scriptedRun();
  assert.deepEqual(
    results.map((r) => [r.name, r.fail, r.error?.code, r.skip, r.output]),
    [
      ['test_pass', false, undefined, false, 'ok\n'],
      ['test_false', true, undefined, false, 'got\ntwo lines\n'],
      ['test_undef', true, undefined, false, ''],
      ['test_value', true, undefined, false, ''],
      ['test_err', false, 'eval_conflict_error', false, ''],
      ['test_crash', false, 'eval_internal_error', false, ''],
      ['todo_test_x', false, undefined, true, ''],
    ],
  );
  assert.equal(results[6]!.durationNs, 0n);
});

function fixedDurations(results: TestResult[]): TestResult[] {
  return results.map((r) => ({ ...r, durationNs: r.skip ? 0n : 1_500_000n }));
}

test('pretty report: failures under their file, output indented, summary counts', () => {
  const text = prettyReport(fixedDurations(scriptedRun()));
  assert.equal(
    text,
    [
      'p_test.rego:',
      'data.p.test_false: FAIL (1.5ms)',
      '',
      '  got',
      '  two lines',
      '',
      'data.p.test_undef: FAIL (1.5ms)',
      'data.p.test_value: FAIL (1.5ms)',
      'data.p.test_err: ERROR (1.5ms)',
      '  p.rego:4:1: eval_conflict_error: complete rules must not produce multiple outputs',
      'data.p.test_crash: ERROR (1.5ms)',
      '  eval_internal_error: boom',
      'data.p.todo_test_x: SKIPPED',
      '-'.repeat(80),
      'PASS: 1/7',
      'FAIL: 3/7',
      'SKIPPED: 1/7',
      'ERROR: 2/7',
      '',
    ].join('\n'),
  );
});

test('pretty report verbose lists every test and print output of passing ones', () => {
  const text = prettyReport(fixedDurations(scriptedRun()), { verbose: true });
  assert.ok(text.startsWith('FAILURES\n' + '-'.repeat(80) + '\ndata.p.test_false: FAIL (1.5ms)\n\n'));
  assert.ok(text.includes('SUMMARY\n' + '-'.repeat(80) + '\np_test.rego:\ndata.p.test_pass: PASS (1.5ms)\n\n  ok\n\ndata.p.test_false'));
  const allPass = prettyReport(fixedDurations(scriptedRun()).slice(0, 1));
  assert.equal(allPass, 'PASS: 1/1\n');
});

test('JSON report has OPA field names, omits empty fields, base64 output', () => {
  const parsed = JSON.parse(jsonReport(fixedDurations(scriptedRun())));
  assert.deepEqual(parsed[0], {
    location: { file: 'p_test.rego', row: 3, col: 1 },
    package: 'data.p',
    name: 'test_pass',
    duration: 1500000,
    output: Buffer.from('ok\n').toString('base64'),
  });
  // Key order of OPA 1.x's tester.Result struct.
  assert.deepEqual(Object.keys(parsed[1]), ['location', 'package', 'name', 'output', 'duration', 'fail']);
  assert.deepEqual(parsed[4].error, { code: 'eval_conflict_error', message: 'complete rules must not produce multiple outputs', location: { file: 'p.rego', row: 4, col: 1 } });
  assert.deepEqual(Object.keys(parsed[6]), ['location', 'package', 'name', 'duration', 'skip']);
  assert.equal(jsonReport([]), 'null\n');
});

test('exit codes: 0 all pass, 2 on fail/error, skipped counts unless exit-zero-on-skipped', () => {
  const r = scriptedRun();
  assert.equal(exitCode([r[0]!]), 0);
  assert.equal(exitCode([r[0]!, r[1]!]), 2);
  assert.equal(exitCode([r[0]!, r[4]!]), 2);
  assert.equal(exitCode([r[0]!, r[6]!]), 2);
  assert.equal(exitCode([r[0]!, r[6]!], { exitZeroOnSkipped: true }), 0);
  assert.equal(exitCode([r[1]!, r[6]!], { exitZeroOnSkipped: true }), 2);
  assert.equal(exitCode([]), 0);
});

test('each test gets its own deadline from the timeout', () => {
  const seen: { query: string; opts: { deadline?: number } }[] = [];
  const m = [module('t.rego', ['t'], [rule('t.rego', 'test_a', 1)])];
  const before = Date.now();
  runTests(fakePolicy(m, {}, seen), discoverTests(m), { timeoutMs: 5000, data: { d: 1 } });
  assert.equal(seen.length, 1);
  assert.ok(seen[0]!.opts.deadline! >= before + 5000 && seen[0]!.opts.deadline! <= Date.now() + 5000);
});

test('coverage report: OPA shape, consecutive rows merged, percentages to 2 decimals', () => {
  const m = [
    module('p.rego', ['p'], [rule('p.rego', 'allow', 3, { bodyRows: [4, 5, 6] }), rule('p.rego', 'deny', 9, { bodyRows: [10] })]),
    module('p_test.rego', ['p'], [rule('p_test.rego', 'test_allow', 3, { bodyRows: [4] })]),
  ];
  const hits = new Map([
    ['p.rego', new Set([3, 4, 5])],
    ['p_test.rego', new Set([3, 4])],
  ]);
  assert.deepEqual(coverageReport(m, hits), {
    files: {
      'p.rego': {
        covered: [{ start: { row: 3 }, end: { row: 5 } }],
        not_covered: [{ start: { row: 6 }, end: { row: 6 } }, { start: { row: 9 }, end: { row: 10 } }],
        covered_lines: 3,
        not_covered_lines: 3,
        coverage: 50,
      },
      'p_test.rego': { covered: [{ start: { row: 3 }, end: { row: 4 } }], covered_lines: 2, coverage: 100 },
    },
    covered_lines: 5,
    not_covered_lines: 3,
    coverage: 62.5,
  });
  assert.deepEqual(toRanges([5, 1, 2, 2, 9]), [{ start: { row: 1 }, end: { row: 2 } }, { start: { row: 5 }, end: { row: 5 } }, { start: { row: 9 }, end: { row: 9 } }]);
});

test('tests in ref heads and tests with cases, as OPA 1.x finds and judges them', async () => {
  const { compile } = await import('../../src/rego/index.js');
  const { parseModule } = await import('../../src/rego/syntax/parser.js');
  const source = [
    'package t',
    'suite.test_nested if true',
    'test_cases[name] if {',
    '  some name, n in {"one": 1, "two": 2}',
    '  n > 0',
    '}',
    'test_mixed[name] := n > 1 if some name, n in {"one": 1, "two": 2}',
    'helper.other := true',
  ].join('\n');
  const tests = discoverTests([parseModule('t_test.rego', source)]);
  assert.deepEqual(
    tests.map((t) => [t.name, t.query, t.cases === true]),
    [
      ['suite.test_nested', 'data.t.suite.test_nested', false],
      ['test_cases', 'data.t.test_cases', true],
      ['test_mixed', 'data.t.test_mixed', true],
    ],
  );
  const results = runTests(compile([{ file: 't_test.rego', source }]), tests, { timeoutMs: 10_000 });
  assert.deepEqual(
    results.map((r) => [r.name, r.fail]),
    [
      ['suite.test_nested', false],
      ['test_cases', false],
      ['test_mixed', true],
    ],
  );
});
