import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/objects.js';
import { makeObject, RegoObject, RegoSet } from '../../../src/rego/value.js';
import { caller } from './helpers.js';

const { call, expect, fails } = caller(builtins);

test('object.get with keys and paths', () => {
  expect('object.get', [{ a: { b: 'c' } }, 'a', true], { b: 'c' });
  expect('object.get', [{ a: 1 }, 'x', 'd'], 'd');
  expect('object.get', [{ a: { b: [10, 20] } }, ['a', 'b', 1], 'd'], 20);
  expect('object.get', [{ a: { b: [10, 20] } }, ['a', 'b', 5], 'd'], 'd');
  expect('object.get', [{ a: { s: new RegoSet(['x']) } }, ['a', 's', 'x'], 'd'], 'x');
  expect('object.get', [{ a: 1 }, ['a', 'b'], 'd'], 'd');
  expect('object.get', [{ a: 1 }, [], 'd'], { a: 1 });
  expect('object.get', [makeObject([[1, 'one']]), 1, 'd'], 'one');
  const proto = JSON.parse('{"x": 1}');
  expect('object.get', [proto, 'toString', 'd'], 'd');
  fails('object.get', [[], 'a', 1], 'eval_type_error', 'object.get: operand 1 must be object but got array');
});

test('object.keys, remove, filter', () => {
  expect('object.keys', [{ a: 1, b: 2 }], new RegoSet(['a', 'b']));
  expect('object.remove', [{ a: 1, b: { c: 3 } }, new RegoSet(['a'])], { b: { c: 3 } });
  expect('object.remove', [{ a: 1, b: 2 }, ['b']], { a: 1 });
  expect('object.remove', [{ a: 1, b: 2 }, { a: 'x' }], { b: 2 });
  expect('object.filter', [{ a: { b: { c: 7, d: 8 } }, e: 9 }, new RegoSet(['a'])], { a: { b: { c: 7, d: 8 } } });
  const rich = call('object.remove', makeObject([[1, 'x'], ['a', 2]]), [1]);
  assert.ok(!(rich instanceof RegoObject), 'only string keys left: a plain object');
  fails('object.remove', [{}, 1], 'eval_type_error', 'object.remove: operand 2 must be one of {object, set, array} but got number');
});

test('object.union and union_n merge recursively', () => {
  expect('object.union', [{}, {}], {});
  expect('object.union', [{ a: { b: 1, c: 2 }, x: 1 }, { a: { b: 3 }, x: { y: 1 } }], { a: { b: 3, c: 2 }, x: { y: 1 } });
  expect('object.union_n', [[{}]], {});
  expect('object.union_n', [[{ foo: 'bar' }, { foo: 'baz' }]], { foo: 'baz' });
  expect(
    'object.union_n',
    [[{ a: 1, b: 2, c: 3 }, { foo: 'baz', a: 'a', b: 2, d: 4 }, { a: 'final A!', e: 5.0 }]],
    { a: 'final A!', b: 2, c: 3, d: 4, e: 5, foo: 'baz' },
  );
  fails('object.union_n', [[{ foo: 1 }, { bar: 2 }, 'baz']], 'eval_type_error', 'object.union_n: operand 1 must be array of objects but got array containing string');
});

test('object.subset', () => {
  const A = { a: 5, b: 7, c: 15, nested: { x: 10, y: 15, z: 20, set1: new RegoSet([1, 2, 3, 4]), arr1: [6, 7, 8, 9] } };
  const B = { a: 5, nested: { x: 10, y: 15, set1: new RegoSet([4, 1]), arr1: [6, 7] } };
  expect('object.subset', [A, B], true);
  expect('object.subset', [B, A], false);
  expect('object.subset', [{ a: 5, b: 7 }, { a: 5, b: 10 }], false);
  expect('object.subset', [new RegoSet([1, 2, 3, new RegoSet(['a', 'b', 'c'])]), new RegoSet([3, 2, new RegoSet(['a', 'b', 'c'])])], true);
  expect('object.subset', [new RegoSet([1, new RegoSet(['a', 'b', 'c'])]), new RegoSet([new RegoSet(['a', 'b'])])], false);
  expect('object.subset', [[1, 2, 3, 4, 5, 6], [3, 4, 5]], true);
  expect('object.subset', [[1, 2, 3, 4, 5, 6], [3, 5]], false);
  expect('object.subset', [[1, 2, 3], [1, 2, 3]], true);
  expect('object.subset', [[1, 2, 3], []], true);
  expect('object.subset', [[1, 2, 3, 4, 5, 6], new RegoSet([4, 3, 2])], true);
  expect('object.subset', [[1, 2], new RegoSet([7])], false);
  fails('object.subset', [{}, [1]], 'eval_type_error', 'object.subset: both arguments object.subset must be of the same type or array and set');
  // subset.go: scalars get the same message as mismatched kinds.
  fails('object.subset', [1, [1]], 'eval_type_error', 'object.subset: both arguments object.subset must be of the same type or array and set');
  expect('object.subset', [[1, 1], new RegoSet([1, 2])], true);
  expect('object.subset', [[], new RegoSet()], false);
});
