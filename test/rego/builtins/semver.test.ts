import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/semver.js';
import { assertBuiltinError, caller } from './helpers.js';

const { call } = caller(builtins);

test('semver.is_valid: strict SemVer 2.0 (conformance semverisvalid)', () => {
  for (const v of ['0.0.0', '1.2.3-0', '1.2.3-0a', '1.2.3+01', '1.0.0-alpha.1+build.5', '10.20.30']) {
    assert.equal(call('semver.is_valid', v), true, v);
  }
  for (const v of ['01.2.3', '1.02.3', '1.2.03', '1.2.3-01', '1.2.3-alpha.01', '1.2.3-', '1.2.3+', 'v1.2.3', '1.2', ' 1.2.3', '1.2.3.4', '99999999999999999999.0.0']) {
    assert.equal(call('semver.is_valid', v), false, v);
  }
  assert.equal(call('semver.is_valid', 1), false);
  assert.equal(call('semver.is_valid', null), false);
});

test('semver.compare: precedence', () => {
  assert.equal(call('semver.compare', '1.0.0', '2.0.0'), -1);
  assert.equal(call('semver.compare', '2.0.0', '1.0.0'), 1);
  assert.equal(call('semver.compare', '1.0.0+build1', '1.0.0+build2'), 0);
  const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.10.0'];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      assert.equal(call('semver.compare', ordered[i]!, ordered[j]!), Math.sign(i - j), `${ordered[i]} vs ${ordered[j]}`);
    }
  }
});

test('semver.compare: errors', () => {
  assertBuiltinError(() => call('semver.compare', '1.0', '1.0.0'), 'eval_builtin_error', 'semver.compare: operand 1: string 1.0 is not a valid SemVer');
  assertBuiltinError(() => call('semver.compare', '1.0.0', 'v1.0.0'), 'eval_builtin_error', 'semver.compare: operand 2: string v1.0.0 is not a valid SemVer');
  assertBuiltinError(() => call('semver.compare', 1, '1.0.0'), 'eval_type_error', 'semver.compare: operand 1 must be string but got number');
});
