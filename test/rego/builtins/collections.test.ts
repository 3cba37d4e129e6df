// Sets, arrays, bits and comparison built-ins.
import { test } from 'node:test';
import { builtins as sets } from '../../../src/rego/builtins/sets.js';
import { builtins as arrays } from '../../../src/rego/builtins/arrays.js';
import { builtins as bits } from '../../../src/rego/builtins/bits.js';
import { builtins as comparison } from '../../../src/rego/builtins/comparison.js';
import { RegoSet } from '../../../src/rego/value.js';
import { caller } from './helpers.js';

const S = (...xs: unknown[]) => new RegoSet(xs as never[]);

test('sets: and, or, intersection, union, set_diff', () => {
  const { expect, fails } = caller(sets);
  expect('and', [S(1, 2, 3), S(2, 3, 4)], S(2, 3));
  expect('or', [S(1), S(2)], S(1, 2));
  expect('set_diff', [S(1, 2), S(2)], S(1));
  expect('intersection', [S(S(1, 2, 3), S(2, 3), S(3, 2, 9))], S(2, 3));
  expect('intersection', [S()], S());
  expect('union', [S(S(1), S(2), S())], S(1, 2));
  expect('union', [S()], S());
  fails('and', [S(), [1]], 'eval_type_error', 'and: operand 2 must be set but got array');
  fails('union', [S(1)], 'eval_type_error', 'union: operand 1 must be set but got number');
});

test('arrays: concat, slice clamping, reverse, flatten', () => {
  const { expect, fails } = caller(arrays);
  expect('array.concat', [[1], [2, 3]], [1, 2, 3]);
  expect('array.slice', [[1, 2, 3, 4], 1, 3], [2, 3]);
  expect('array.slice', [[1, 2, 3], -5, 2], [1, 2]);
  expect('array.slice', [[1, 2, 3], 1, 99], [2, 3]);
  expect('array.slice', [[1, 2, 3], 2, 1], []);
  expect('array.slice', [[1, 2, 3], 5, 9], []);
  expect('array.reverse', [[1, 2, 3]], [3, 2, 1]);
  expect('array.flatten', [[]], []);
  expect('array.flatten', [[[1, 2], [3, 4], [5]]], [1, 2, 3, 4, 5]);
  expect('array.flatten', [[[[1], [2, 3, []]], [[4, 5]]]], [[1], [2, 3, []], [4, 5]]);
  expect('array.flatten', [[[1, 2], 'string', [3, { a: 'b' }], 4.5, [6, [7, 8]]]], [1, 2, 'string', 3, { a: 'b' }, 4.5, 6, [7, 8]]);
  fails('array.flatten', [42], 'eval_type_error', 'array.flatten: operand 1 must be array but got number');
  fails('array.slice', [[1], 0.5, 1], 'eval_type_error', 'array.slice: operand 2 must be integer number but got floating-point number');
});

test('bits on integers of any size', () => {
  const { expect, fails } = caller(bits);
  expect('bits.and', [50, 0], 0);
  expect('bits.xor', [42, 3], 41);
  expect('bits.or', [5, 2], 7);
  expect('bits.rsh', [8, 3], 1);
  expect('bits.rsh', [-8, 100], -1);
  expect('bits.lsh', [1, 70], 2n ** 70n);
  expect('bits.negate', [5], -6);
  expect('bits.and', [2n ** 70n + 1n, 3], 1);
  fails('bits.or', [7.2, 42], 'eval_type_error', 'bits.or: operand 1 must be integer number but got floating-point number');
  fails('bits.lsh', [7.2, 42], 'eval_type_error', 'bits.lsh: operand 1 must be integer number but got floating-point number');
  fails('bits.lsh', [1, -1], 'eval_type_error', 'bits.lsh: operand 2 must be an unsigned integer number but got a negative integer');
});

test('comparison uses the total order and numeric equality', () => {
  const { expect } = caller(comparison);
  expect('equal', [1, 1.0], true);
  expect('equal', [1, '1'], false);
  expect('neq', [[1], [1]], false);
  expect('lt', [3, 3.5], true);
  expect('gt', [-0.001, -0.01], true);
  expect('lt', [null, false], true);
  expect('lt', ['b', [1]], true);
  expect('gte', [1234567890123456789013n, 1234567890123456789012n], true);
  expect('lte', [2.5, 2.5], true);
});
