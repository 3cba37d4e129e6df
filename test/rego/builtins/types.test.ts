import { test } from 'node:test';
import { builtins } from '../../../src/rego/builtins/types.js';
import { makeObject, RegoSet } from '../../../src/rego/value.js';
import { caller } from './helpers.js';

const { expect, fails } = caller(builtins);

test('type_name and is_*', () => {
  expect('type_name', [true], 'boolean');
  expect('type_name', [null], 'null');
  expect('type_name', [2n ** 70n], 'number');
  expect('type_name', [new RegoSet()], 'set');
  expect('type_name', [makeObject([[1, 2]])], 'object');
  expect('is_number', [1.5], true);
  expect('is_number', ['1'], false);
  expect('is_string', ['a'], true);
  expect('is_array', [[]], true);
  expect('is_set', [new RegoSet()], true);
  expect('is_object', [{}], true);
  expect('is_object', [[]], false);
  expect('is_null', [null], true);
  expect('is_boolean', [0], false);
});

test('to_number', () => {
  expect('to_number', ['3'], 3);
  expect('to_number', ['-1.5'], -1.5);
  expect('to_number', ['1e3'], 1000);
  expect('to_number', ['18446744073709551617'], 18446744073709551617n);
  expect('to_number', [null], 0);
  expect('to_number', [true], 1);
  expect('to_number', [false], 0);
  expect('to_number', [4.5], 4.5);
  fails('to_number', ['abc'], 'eval_builtin_error', 'to_number: strconv.ParseFloat: parsing "abc": invalid syntax');
  fails('to_number', [' 1'], 'eval_builtin_error', 'to_number: strconv.ParseFloat: parsing " 1": invalid syntax');
  fails('to_number', ['1e400'], 'eval_builtin_error', 'to_number: strconv.ParseFloat: parsing "1e400": value out of range');
  fails('to_number', [[]], 'eval_type_error', 'to_number: operand 1 must be one of {null, boolean, number, string} but got array');
});

test('cast_* (deprecated)', () => {
  expect('cast_array', [new RegoSet([2, 1])], [1, 2]);
  expect('cast_array', [[3]], [3]);
  expect('cast_set', [[1, 1, 2]], new RegoSet([1, 2]));
  expect('cast_string', ['a'], 'a');
  expect('cast_boolean', [true], true);
  expect('cast_null', [null], null);
  expect('cast_object', [{ a: 1 }], { a: 1 });
  fails('cast_array', [1], 'eval_type_error', 'cast_array: operand 1 must be one of {array, set} but got number');
  fails('cast_string', [1], 'eval_type_error', 'cast_string: operand 1 must be string but got number');
  fails('cast_object', [[]], 'eval_type_error', 'cast_object: operand 1 must be object but got array');
});
