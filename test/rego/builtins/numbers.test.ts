import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/numbers.js';
import { RegoSet } from '../../../src/rego/value.js';
import { fakeContext, caller } from './helpers.js';

const { call, expect, fails } = caller(builtins);

test('plus/minus/mul are exact on big integers', () => {
  expect('plus', [18446744073709551617n, 1], 18446744073709551618n);
  expect('minus', [18446744073709551617n, 1], 18446744073709551616n);
  expect('mul', [18446744073709551617n, 2], 36893488147419103234n);
  expect('plus', [123456789012345678901234567890n, 1], 123456789012345678901234567891n);
  expect('minus', [-18446744073709551617n, 1], -18446744073709551618n);
  expect('plus', [9007199254740991, 1], 9007199254740992n);
  // Results that fit come back as plain numbers.
  assert.equal(call('minus', 9007199254740992n, 1), 9007199254740991);
});

test('mixed and decimal arithmetic is exact', () => {
  expect('plus', [2, 3], 5);
  expect('plus', [1.5, 2.5], 4);
  expect('plus', [1, 2.5], 3.5);
  expect('mul', [2.5, 2], 5);
  assert.equal(call('plus', 0.1, 0.2), 0.3);
  assert.equal(call('minus', 0.3, 0.1), 0.2);
  assert.equal(call('mul', 1.1, 1.1), 1.21);
});

test('div: integer when exact, decimal otherwise, error on zero', () => {
  expect('div', [6, 3], 2);
  expect('div', [1, 4], 0.25);
  assert.equal(call('div', 0.3, 0.1), 3);
  assert.equal(call('div', 1, 3), 1 / 3);
  expect('div', [36893488147419103234n, 2], 18446744073709551617n);
  fails('div', [1, 0], 'eval_builtin_error', 'div: divide by zero');
  fails('div', [1.5, 0.0], 'eval_builtin_error', 'div: divide by zero');
  fails('div', ['a', 1], 'eval_type_error', 'div: operand 1 must be number but got string');
});

test('rem: integers only, Go sign rules, big divisors', () => {
  expect('rem', [7, 3], 1);
  expect('rem', [-7, 3], -1);
  expect('rem', [10, 18446744073709551616n], 10);
  expect('rem', [5, 55340232221128654848n], 5);
  expect('rem', [7, 340282366920938463463374607431768211456n], 7);
  expect('rem', [100, -18446744073709551616n], 100);
  expect('rem', [18446744073709551617n, 18446744073709551616n], 1);
  expect('rem', [10, 18446744073709551617n], 10);
  fails('rem', [1, 0], 'eval_builtin_error', 'rem: modulo by zero');
  fails('rem', [1.5, 2], 'eval_builtin_error', 'rem: modulo on floating-point number');
});

test('round/ceil/floor/abs', () => {
  expect('round', [2.5], 3);
  expect('round', [-2.5], -3);
  expect('round', [2.4], 2);
  expect('round', [-0.4], 0);
  expect('ceil', [1.2], 2);
  expect('ceil', [-1.2], -1);
  expect('floor', [-1.2], -2);
  expect('floor', [1.9], 1);
  expect('abs', [-3.5], 3.5);
  expect('abs', [-18446744073709551617n], 18446744073709551617n);
  // arithmetic/divide+round: i / x then round
  expect('round', [call('div', 1, 2)!], 1);
  expect('round', [call('div', 0, 1)!], 0);
});

test('minus is set difference on sets, with operand errors', () => {
  expect('minus', [new RegoSet([1, 2, 3]), new RegoSet([2])], new RegoSet([1, 3]));
  fails('minus', ['a', 1], 'eval_type_error', 'minus: operand 1 must be one of {number, set} but got string');
  fails('minus', [1, new RegoSet()], 'eval_type_error', 'minus: operand 2 must be number but got set');
  fails('minus', [new RegoSet(), 1], 'eval_type_error', 'minus: operand 2 must be set but got number');
});

test('numbers.range and range_step', () => {
  expect('numbers.range', [0, 0], [0]);
  expect('numbers.range', [1, 4], [1, 2, 3, 4]);
  expect('numbers.range', [2, -1], [2, 1, 0, -1]);
  expect('numbers.range_step', [0, 10, 3], [0, 3, 6, 9]);
  expect('numbers.range_step', [10, 0, 4], [10, 6, 2]);
  fails('numbers.range', [1.5, 3], 'eval_type_error', 'numbers.range: operand 1 must be integer number but got floating-point number');
  fails('numbers.range_step', [0, 3, 0], 'eval_builtin_error', 'numbers.range_step: step must be a positive integer');
  fails('numbers.range', [0, 1e12], 'eval_builtin_error', 'numbers.range: range too large (more than 10000000 elements)');
});

test('rand.intn is stable within one evaluation', () => {
  const ctx = fakeContext();
  const a = builtins['rand.intn']!(['seed', 1000], ctx);
  for (let i = 0; i < 5; i++) assert.equal(builtins['rand.intn']!(['seed', 1000], ctx), a);
  assert.ok(typeof a === 'number' && a >= 0 && a < 1000);
  expect('rand.intn', ['x', 0], 0);
  const n = call('rand.intn', 'x', -5) as number;
  assert.ok(n >= 0 && n < 5);
  fails('rand.intn', ['x', 1.5], 'eval_type_error', 'rand.intn: operand 2 must be integer number but got floating-point number');
});
