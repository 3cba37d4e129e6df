import { test } from 'node:test';
import { builtins } from '../../../src/rego/builtins/aggregates.js';
import { RegoSet } from '../../../src/rego/value.js';
import { caller } from './helpers.js';

const { expect, fails } = caller(builtins);

test('count', () => {
  expect('count', ['\u{1F367}μa'], 3);
  expect('count', [[1, 2]], 2);
  expect('count', [{ a: 1 }], 1);
  expect('count', [new RegoSet([1, 1, 2])], 2);
  fails('count', [1], 'eval_type_error', 'count: operand 1 must be one of {array, object, set, string} but got number');
});

test('sum and product are exact', () => {
  expect('sum', [[1, 2, 3]], 6);
  expect('sum', [[0.1, 0.2]], 0.3);
  expect('sum', [new RegoSet([1, 2.5])], 3.5);
  expect('sum', [[]], 0);
  expect('sum', [[9007199254740991, 2]], 9007199254740993n);
  expect('product', [[2, 3, 4]], 24);
  expect('product', [[]], 1);
  fails('sum', [[1, 'a']], 'eval_type_error', 'sum: operand 1 must be array of numbers but got array containing string');
  fails('product', [new RegoSet(['a'])], 'eval_type_error', 'product: operand 1 must be set of numbers but got set containing string');
  fails('sum', [1], 'eval_type_error', 'sum: operand 1 must be one of {set, array} but got number');
});

test('max, min, sort use the total order', () => {
  expect('max', [[3, 3.5, 3.25, 3.4999]], 3.5);
  expect('min', [[3, 3.5, 2.75, 2.7499]], 2.7499);
  expect('max', [[1, 'a', null]], 'a');
  expect('max', [[]], undefined);
  expect('min', [new RegoSet()], undefined);
  expect('sort', [[3.5, 3, 3.25, -2.5, 3.5, 1, 0.5]], [-2.5, 0.5, 1, 3, 3.25, 3.5, 3.5]);
  expect('sort', [new RegoSet(['b', 'a'])], ['a', 'b']);
  fails('sort', [{}], 'eval_type_error', 'sort: operand 1 must be one of {set, array} but got object');
});

test('all and any', () => {
  expect('all', [[true, true]], true);
  expect('all', [[true, 1]], false);
  expect('all', [[]], true);
  expect('any', [new RegoSet([false, true])], true);
  expect('any', [[]], false);
  fails('any', ['x'], 'eval_type_error', 'any: operand 1 must be one of {array, set} but got string');
});
