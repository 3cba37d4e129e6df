import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtins, formatValue, goSprintf } from '../../../src/rego/builtins/sprintf.js';
import { makeObject, RegoSet } from '../../../src/rego/value.js';
import { caller } from './helpers.js';

const { fails } = caller(builtins);
const s = goSprintf;

test('basic verbs on strings and integers', () => {
  assert.equal(s('%s and %v', ['a', 'b']), 'a and b');
  assert.equal(s('%d items', [3]), '3 items');
  assert.equal(s('%5d|%-5d|%05d|%+d', [42, 42, 42, 42]), '   42|42   |00042|+42');
  assert.equal(s('%x %X %o %b %#x %#o', [255, 255, 8, 5, 255, 8]), 'ff FF 10 101 0xff 010');
  assert.equal(s('%-5s|%5s|%.2s', ['ab', 'ab', 'abc']), 'ab   |   ab|ab');
  assert.equal(s('%q', ['a"b\n']), '"a\\"b\\n"');
  assert.equal(s('%c %U', [65, 65]), 'A U+0041');
  assert.equal(s('100%%', []), '100%');
  assert.equal(s('%05d', [-42]), '-0042');
});

test('floats as Go formats them', () => {
  assert.equal(s('%.2f', [3.14159]), '3.14');
  assert.equal(s('%-10.3f', [3.14159]), '3.142     ');
  assert.equal(s('%f', [1.5]), '1.500000');
  assert.equal(s('%e', [1234.5678]), '1.234568e+03');
  assert.equal(s('%E', [0.000123]), '1.230000E-04');
  assert.equal(s('%g', [0.5]), '0.5');
  assert.equal(s('%v', [0.000012]), '1.2e-05');
  assert.equal(s('%v', [1234567.5]), '1.2345675e+06');
  assert.equal(s('%v', [123456.5]), '123456.5');
  assert.equal(s('%.3g', [3.14159]), '3.14');
  assert.equal(s('%+.1f', [2.25]), '+2.2'); // ties to even on the exact binary value
  assert.equal(s('%.0f', [2.5]), '2');
  assert.equal(s('%.0f', [3.5]), '4');
  assert.equal(s('%08.3f', [-3.14159]), '-003.142');
  assert.equal(s('%.1f', [0.05]), '0.1'); // 0.05 is slightly above 0.05 in binary
});

test('integers are Go ints: float verbs do not apply', () => {
  // Go prints the bad argument with %v and the same flags: precision 2 pads the int.
  assert.equal(s('%.2f', [5]), '%!f(int=05)');
  assert.equal(s('%f', [5]), '%!f(int=5)');
  assert.equal(s('%s', [5]), '%!s(int=5)');
  assert.equal(s('%d', ['hi']), '%!d(string=hi)');
  assert.equal(s('%d', [1.5]), '%!d(float64=1.5)');
});

test('big integers print exactly (as *big.Int)', () => {
  assert.equal(s('%s', [123456789123456789123n]), '123456789123456789123');
  assert.equal(s('%s', [1208925819614629174706175n]), '1208925819614629174706175');
  assert.equal(s('%v', [18446744073709551618n]), '18446744073709551618');
  assert.equal(s('%d', [-18446744073709551618n]), '-18446744073709551618');
  assert.equal(s('%x', [18446744073709551616n]), '10000000000000000');
  assert.equal(s('%f', [18446744073709551616n]), '%!f(big.Int=18446744073709551616)');
  assert.equal(s('%v', [9223372036854775807n]), '9223372036854775807');
});

test('composite and other values are passed as their Rego text', () => {
  assert.equal(s('%v', [[1, 'a']]), '[1, "a"]');
  assert.equal(s('%v', [makeObject([['b', 1], ['a', [true]]])]), '{"a": [true], "b": 1}');
  assert.equal(s('%v', [new RegoSet([2, 1])]), '{1, 2}');
  assert.equal(s('%v', [new RegoSet()]), 'set()');
  assert.equal(s('%v %v', [true, null]), 'true null');
  assert.equal(s('%t', [true]), '%!t(string=true)');
  assert.equal(s('%s', [{ k: 'v' }]), '{"k": "v"}');
  assert.equal(s('%v %v', ['test', '{"test"}']), 'test {"test"}');
});

test('missing, extra, bad and indexed arguments', () => {
  assert.equal(s('%d %d', [1]), '1 %!d(MISSING)');
  assert.equal(s('%d', [1, 'a', 2.5]), '1%!(EXTRA string=a, float64=2.5)');
  assert.equal(s('%*d', [42]), '%!d(MISSING)');
  assert.equal(s('%*d', [4, 2]), '   2');
  assert.equal(s('%n', [42]), '%!n(int=42)');
  assert.equal(s('%[2]d %[1]d', [1, 2]), '2 1');
  assert.equal(s('%[3]d', [1, 2]), '%!d(BADINDEX)');
  assert.equal(s('abc%', []), 'abc%!(NOVERB)');
  assert.equal(s('%T %T %T %T', [1, 'a', 1.5, 2n ** 70n]), 'int string float64 *big.Int');
});

test('formatValue is OPA ast String()', () => {
  assert.equal(formatValue('a\tb'), '"a\\tb"');
  assert.equal(formatValue([]), '[]');
  assert.equal(formatValue({}), '{}');
  assert.equal(formatValue(makeObject([[1, 'x']])), '{1: "x"}');
  assert.equal(formatValue(2n ** 70n), '1180591620717411303424');
  assert.equal(formatValue(2.5), '2.5');
});

test('sprintf operand errors', () => {
  fails('sprintf', [1, []], 'eval_type_error', 'sprintf: operand 1 must be string but got number');
  fails('sprintf', ['%v', 'x'], 'eval_type_error', 'sprintf: operand 2 must be array but got string');
});
