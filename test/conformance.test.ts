/**
 * Regression guard for the conformance suites, in-process:
 * - every shared case listed in test/conformance-passing.txt (regenerate with
 *   `npm run conformance -- --update-passing`) must still pass;
 * - every case of our own, under test/conformance/ (one per root cause found on
 *   real policies), must pass, except those marked `skip` with a reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_ROOT, OWN_ROOT, findCaseFiles, loadCases, loadCompiler, runCase, type ConformanceCase } from '../scripts/conformance-lib.js';

const listFile = new URL('./conformance-passing.txt', import.meta.url).pathname;
const ids = readFileSync(listFile, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

test('the passing list names cases that exist', () => {
  assert.ok(existsSync(DEFAULT_ROOT), `conformance cases not found at ${DEFAULT_ROOT}`);
  for (const id of ids) assert.ok(id.includes('#'), `malformed entry ${id}`);
});

const casesByFile = new Map<string, ConformanceCase[]>();
function findCase(id: string): ConformanceCase | undefined {
  const hash = id.indexOf('#');
  const file = id.slice(0, hash);
  const note = id.slice(hash + 1);
  let cases = casesByFile.get(file);
  if (!cases) {
    cases = loadCases(join(DEFAULT_ROOT, file));
    casesByFile.set(file, cases);
  }
  return cases.find((c) => String(c.note) === note);
}

const { compile } = await loadCompiler();
for (const id of ids) {
  test(`conformance ${id}`, () => {
    const c = findCase(id);
    assert.ok(c, `case ${id} not found`);
    const r = runCase(compile, c);
    assert.equal(r.status, 'passed', r.reason);
  });
}

for (const file of findCaseFiles(OWN_ROOT)) {
  const rel = relative(OWN_ROOT, file);
  for (const c of loadCases(file)) {
    test(`our conformance ${rel}#${c.note}`, { skip: c.skip === true }, () => {
      const r = runCase(compile, c);
      assert.equal(r.status, 'passed', r.reason);
    });
  }
}
