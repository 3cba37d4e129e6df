import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, equals, keyOf, makeObject, RegoObject, RegoSet, sortStrings, toJSONText, typeName, writeValue, type TextStyle, type Value } from '../../src/rego/value.js';

test('OPA total order: null < false < true < numbers < strings < arrays < objects < sets', () => {
  const ordered: Value[] = [null, false, true, -1, 0, 2.5, 'a', 'b', [1], [1, 2], {}, { a: 1 }, new RegoSet([1])];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      const c = compare(ordered[i]!, ordered[j]!);
      assert.equal(Math.sign(c), Math.sign(i - j), `${JSON.stringify(ordered[i])} vs ${JSON.stringify(ordered[j])}`);
    }
  }
});

test('numbers compare numerically across representations', () => {
  assert.ok(equals(1, 1.0));
  assert.ok(equals(2n ** 70n, Number(2n ** 70n)));
  assert.equal(keyOf(1), keyOf(1.0));
  assert.ok(compare(2n ** 64n, 1) > 0);
});

test('objects keep one representation per key kind', () => {
  const plain = makeObject([['a', 1]]);
  assert.ok(!(plain instanceof RegoObject));
  const rich = makeObject([[1, 'x'], ['a', 2]]);
  assert.ok(rich instanceof RegoObject);
  assert.equal(typeName(rich), 'object');
  assert.equal(toJSONText(rich), '{"1":"x","a":2}');
});

test('sets deduplicate by value and serialise sorted', () => {
  const s = new RegoSet(['b', 'a', 'b', 1, [1]]);
  assert.equal(s.size, 4);
  assert.equal(toJSONText(s), '[1,"a","b",[1]]');
});

test('__proto__ is an ordinary key', () => {
  const o = makeObject([['__proto__', 1]]);
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.equal(toJSONText(o), '{"__proto__":1}');
});

test('toJSONText with an indent keeps big integers and sorts keys by their text', () => {
  assert.equal(toJSONText({ a: [2n ** 70n], b: {} }, '  '), '{\n  "a": [\n    1180591620717411303424\n  ],\n  "b": {}\n}');
  // Integer-like keys stay in byte order (JavaScript objects would move them first).
  assert.equal(toJSONText({ '9': 1, '10': 2 }, ' '), '{\n "10": 2,\n "9": 1\n}');
  // Non-string keys are written as their JSON text and sorted by it, as Go sorts map keys.
  assert.equal(toJSONText(makeObject([[10, 'x'], ['0', 'y']])), '{"0":"y","10":"x"}');
});

test('writeValue: one writer, JSON or Rego style', () => {
  const rego: TextStyle = { quote: (s) => `'${s}'`, json: false, separator: ', ', colon: ': ' };
  const v = makeObject([[new RegoSet([2, 1]), [new RegoSet([]), 'x']]]);
  assert.equal(writeValue(v, rego), "{{1, 2}: [set(), 'x']}");
  assert.equal(writeValue(v, { ...rego, json: true }), "{'[1, 2]': [[], 'x']}");
});

test('set membership never confuses a string with another value, whatever its characters', () => {
  const tricky = ['1', '\u0000x1', '\u0000s', '\u0000sa', 'a', '\u0000', '', 'true', '[1]'];
  const others = [1, true, null, [1], { a: 1 }, new RegoSet(['a']), new RegoSet(['a\u0000b']), new RegoSet(['a', 'b'])];
  const s = new RegoSet([...tricky, ...others]);
  assert.equal(s.size, tricky.length + others.length);
  for (const v of [...tricky, ...others]) assert.ok(s.has(v));
  assert.ok(!s.has('\u0000x[1]'));
  assert.ok(!new RegoSet([new RegoSet(['a\u0000b'])]).has(new RegoSet(['a', 'b'])));
});

test('sortStrings gives OPA\'s (UTF-8 byte) order, also beyond U+FFFF', () => {
  assert.deepEqual(sortStrings(['b', 'a', 'B']), ['B', 'a', 'b']);
  // U+1F600 (a surrogate pair in UTF-16) sorts after U+FFFD in UTF-8, before it in UTF-16 code units.
  assert.deepEqual(sortStrings(['\u{1F600}', '\uFFFD', 'z']), ['z', '\uFFFD', '\u{1F600}']);
});

test('sets iterate in OPA\'s order, kept until they change', () => {
  const s = new RegoSet(['b', 'c', 'a']);
  assert.deepEqual([...s.values()], ['a', 'b', 'c']);
  s.add(0);
  assert.deepEqual([...s.values()], [0, 'a', 'b', 'c']);
  const copy = s.sorted();
  copy.pop();
  assert.equal([...s.values()].length, 4, 'sorted() hands out a copy');
});
