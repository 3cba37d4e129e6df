/** Tests with cases (`test_x[name] if ...`): OPA 1.x's sub-results, counts and report layout (v1/tester). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/rego/index.js';
import { parseModule } from '../../src/rego/syntax/parser.js';
import { jsonReport, prettyReport } from '../../src/rego/tester/report.js';
import { runTests, type TestResult } from '../../src/rego/tester/runner.js';
import { compileSuite } from '../../src/rego/tester/suite.js';
import { caseResults, type SubResults } from '../../src/rego/tester/test-cases.js';

function cases(spec: Record<string, boolean | Record<string, boolean>>): SubResults {
  const out: SubResults = {};
  for (const [name, v] of Object.entries(spec)) {
    if (typeof v === 'boolean') out[name] = { name, fail: !v, subResults: {} };
    else {
      const nested = cases(v);
      out[name] = { name, fail: Object.values(nested).some((x) => x.fail), subResults: nested };
    }
  }
  return out;
}

function result(file: string, name: string, extra: Partial<TestResult> = {}): TestResult {
  return { location: { file, row: 1, col: 1 }, package: 'data.foo.qux', name, fail: false, skip: false, durationNs: 0n, output: '', ...extra };
}

const RESULTS: TestResult[] = [
  result('policy1.rego', 'test_baz'),
  result('policy2.rego', 'test_print', { fail: true, output: 'fake print output2\n' }),
  result('policy4.rego', 'test_cases', { fail: true, subResults: cases({ foo: true, bar: false, baz: true }) }),
  result('policy4.rego', 'test_cases_nested', { fail: true, subResults: cases({ one: { foo: true, bar: true }, two: { foo: false, bar: true } }) }),
];

test('pretty report: failed cases under their test, files apart, each case counted (OPA reporter_test)', () => {
  assert.equal(
    prettyReport(RESULTS),
    [
      'policy2.rego:',
      'data.foo.qux.test_print: FAIL (0s)',
      '',
      '  fake print output2',
      '',
      '',
      'policy4.rego:',
      'data.foo.qux.test_cases: FAIL (0s)',
      '  bar: FAIL',
      'data.foo.qux.test_cases_nested: FAIL (0s)',
      '  two: FAIL',
      '    foo: FAIL',
      '-'.repeat(80),
      'PASS: 6/9',
      'FAIL: 3/9',
      '',
    ].join('\n'),
  );
});

test('verbose report: every case in the summary; failed cases with their parents under FAILURES', () => {
  const text = prettyReport(RESULTS, { verbose: true });
  assert.ok(
    text.startsWith(
      ['FAILURES', '-'.repeat(80), 'data.foo.qux.test_print: FAIL (0s)', '', 'data.foo.qux.test_cases: FAIL (0s)', '', '  bar: FAIL', '', 'data.foo.qux.test_cases_nested: FAIL (0s)', '', '  two: FAIL', '    foo: FAIL', '', 'SUMMARY'].join('\n'),
    ),
    text,
  );
  assert.ok(
    text.includes(
      ['data.foo.qux.test_cases_nested: FAIL (0s)', '  one: PASS', '    bar: PASS', '    foo: PASS', '  two: FAIL', '    bar: PASS', '    foo: FAIL', '-'.repeat(80)].join('\n'),
    ),
    text,
  );
});

test('JSON report: sub_results keyed by case, names and failures as Go omits them', () => {
  const parsed = JSON.parse(jsonReport(RESULTS.slice(3)));
  assert.deepEqual(Object.keys(parsed[0]), ['location', 'sub_results', 'package', 'name', 'duration', 'fail']);
  assert.deepEqual(parsed[0].sub_results, {
    one: { sub_results: { bar: { name: 'bar' }, foo: { name: 'foo' } }, name: 'one' },
    two: { sub_results: { bar: { name: 'bar' }, foo: { name: 'foo', fail: true } }, name: 'two', fail: true },
  });
});

test('sub-results: the value\'s cases, plus reached cases missing from it (failed)', () => {
  assert.deepEqual(caseResults(undefined, []), { fail: true, subResults: {} });
  assert.deepEqual(caseResults({}, []), { fail: false, subResults: {} });
  const r = caseResults({ a: true, b: 1 }, [['a'], ['b'], ['c'], [2]]);
  assert.equal(r.fail, true);
  assert.deepEqual(
    Object.keys(r.subResults)
      .sort()
      .map((k) => [r.subResults[k]!.name, r.subResults[k]!.fail]),
    [['2', true], ['a', false], ['b', true], ['c', true]],
  );
});

test('a case whose body fails after its name is known fails the test (internal.test_case injected)', () => {
  const source = `package t

test_concat[tc.note] if {
\tsome tc in [{"note": "empty", "a": [], "exp": []}, {"note": "one", "a": [1], "exp": [2]}]
\tarray.concat(tc.a, []) == tc.exp
}

test_all_good[name] if {
\tsome name in ["x", "y"]
}
`;
  const suite = compileSuite(compile, parseModule, [{ file: 't_test.rego', source }]);
  const results = runTests(suite.policy, suite.tests, { timeoutMs: 5000 });
  assert.deepEqual(
    results.map((r) => [r.name, r.fail, Object.values(r.subResults ?? {}).map((s) => `${s.name}:${s.fail ? 'FAIL' : 'PASS'}`)]),
    [
      ['test_concat', true, ['empty:PASS', 'one:FAIL']],
      ['test_all_good', false, ['x:PASS', 'y:PASS']],
    ],
  );
});
