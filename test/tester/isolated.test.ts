import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runIsolated } from '../../src/rego/tester/isolated.js';
import { compileSuite } from '../../src/rego/tester/suite.js';
import { parseModule } from '../../src/rego/syntax/parser.js';
import { compile } from './scripted-engine.js';

const sources = [
  {
    file: 'w_test.rego',
    source: 'package w\n\ntest_first if true\n\ntest_hang if true\n\ntest_last if true\n\ntodo_test_skipped if true\n',
  },
];

test('a test that never yields is stopped, reported as an error, and the next ones still run', async () => {
  const suite = compileSuite(compile, parseModule, sources);
  const started = Date.now();
  const { results, hits } = await runIsolated(
    { sources, compileOptions: {}, data: {}, timeoutMs: 100, coverage: true, engine: new URL('./scripted-engine.ts', import.meta.url).href },
    suite.tests,
  );
  assert.ok(Date.now() - started < 15_000);
  assert.deepEqual(
    results.map((r) => [r.name, r.fail, r.skip, r.error?.code, r.output]),
    [
      ['test_first', false, false, undefined, 'ran data.w.test_first\n'],
      ['test_hang', false, false, 'eval_cancel_error', ''],
      ['test_last', false, false, undefined, 'ran data.w.test_last\n'],
      ['todo_test_skipped', false, true, undefined, ''],
    ],
  );
  assert.match(results[1]!.error!.message, /exceeded the 0.1s timeout/);
  assert.deepEqual([...hits.get('x.rego')!], [1]);
});
