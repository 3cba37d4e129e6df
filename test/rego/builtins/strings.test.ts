import { test } from 'node:test';
import { builtins } from '../../../src/rego/builtins/strings.js';
import { makeObject, RegoSet } from '../../../src/rego/value.js';
import { caller } from './helpers.js';

const { expect, fails } = caller(builtins);

test('concat, contains, startswith, endswith', () => {
  expect('concat', ['/', ['a', 'b']], 'a/b');
  expect('concat', [',', new RegoSet(['b', 'a'])], 'a,b');
  expect('concat', ['', []], '');
  fails('concat', [',', ['a', 1]], 'eval_type_error', 'concat: operand 2 must be array of strings but got array containing number');
  fails('concat', [',', 1], 'eval_type_error', 'concat: operand 2 must be one of {set, array} but got number');
  expect('contains', ['abc', 'b'], true);
  expect('contains', ['abc', 'd'], false);
  expect('startswith', ['abc', 'ab'], true);
  expect('endswith', ['abc', 'bc'], true);
  fails('startswith', [1, 'a'], 'eval_type_error', 'startswith: operand 1 must be string but got number');
});

test('indexof and indexof_n count runes', () => {
  expect('indexof', ['μx', 'x'], 1);
  expect('indexof', ['μ', 'μμ'], -1);
  expect('indexof', ['skön var våren', 'vår'], 9);
  expect('indexof', ['\u{1F367}\u{1F368}\u{1F9C1}\u{1F370}\u{1F36E}', '\u{1F36E}'], 4);
  expect('indexof', ['\u{1F367}\u{1F368}', '\u{1F367}\u{1F368}'], 0);
  fails('indexof', ['a', ''], 'eval_builtin_error', 'indexof: empty search character');
  expect('indexof_n', ['aaa', 'aa'], [0, 1]);
  expect('indexof_n', ['\u{1F367}a\u{1F367}a', 'a'], [1, 3]);
  expect('indexof_n', ['abc', 'x'], []);
});

test('substring: runes, negative length to the end, offsets', () => {
  expect('substring', ['abcdef', 1, 3], 'bcd');
  expect('substring', ['abcdef', 2, -1], 'cdef');
  expect('substring', ['abc', 5, 1], '');
  expect('substring', ['abc', 1, 100], 'bc');
  expect('substring', ['\u{1F367}\u{1F368}\u{1F9C1}', 1, 1], '\u{1F368}');
  fails('substring', ['abc', -1, 1], 'eval_builtin_error', 'substring: negative offset');
  fails('substring', ['abc', 1.5, 1], 'eval_type_error', 'substring: operand 2 must be integer number but got floating-point number');
});

test('case, replace, split, split_n, reverse, count', () => {
  expect('lower', ['AbC'], 'abc');
  expect('upper', ['straße'], 'STRAßE');
  expect('replace', ['a.b.c', '.', '/'], 'a/b/c');
  expect('replace', ['ab', '', '-'], '-a-b-');
  expect('split', ['a,b,,c', ','], ['a', 'b', '', 'c']);
  expect('split', ['a\u{1F367}', ''], ['a', '\u{1F367}']);
  expect('split', ['', ','], ['']);
  expect('strings.split_n', ['a,b,c', ',', 2], ['a', 'b,c']);
  expect('strings.split_n', ['a,b,c', ',', 0], []);
  expect('strings.split_n', ['a,b,c', ',', -1], ['a', 'b', 'c']);
  expect('strings.split_n', ['abc', '', 2], ['a', 'bc']);
  expect('strings.reverse', ['a\u{1F367}b'], 'b\u{1F367}a');
  expect('strings.count', ['cheese', 'e'], 3);
  expect('strings.count', ['five', ''], 5);
  expect('strings.count', ['aaaa', 'aa'], 2);
});

test('trims', () => {
  expect('trim', ['¡¡¡foo, bar!!!', 'i'], '¡¡¡foo, bar!!!');
  expect('trim', ['¡¡¡foo, bar!!!', '¡!'], 'foo, bar');
  expect('trim_left', ['xxaxx', 'x'], 'axx');
  expect('trim_right', ['xxaxx', 'x'], 'xxa');
  expect('trim_prefix', ['foobar', 'foo'], 'bar');
  expect('trim_prefix', ['foobar', 'bar'], 'foobar');
  expect('trim_suffix', ['foobar', 'bar'], 'foo');
  expect('trim_space', ['\t\n hi \u00a0\u3000'], 'hi');
  expect('trim_space', ['\ufeffhi'], '\ufeffhi'); // Go's IsSpace does not include the BOM
});

test('format_int', () => {
  expect('format_int', [15.5, 16], 'f');
  expect('format_int', [3.1, 10], '3');
  expect('format_int', [-15, 16], '-f');
  expect('format_int', [5, 2], '101');
  expect('format_int', [18446744073709551617n, 16], '10000000000000001');
  fails('format_int', [1, 3], 'eval_type_error', 'format_int: operand 2 must be one of {2, 8, 10, 16}');
});

test('strings.replace_n: NewReplacer semantics and operand errors', () => {
  expect('strings.replace_n', [{ a: '1', b: '2' }, 'abc'], '12c');
  expect('strings.replace_n', [{ a: 'b', b: 'a' }, 'ab'], 'ba');
  expect('strings.replace_n', [{ a: '1', ab: '2' }, 'ab'], '1b');
  expect('strings.replace_n', [{}, 'x'], 'x');
  fails('strings.replace_n', [makeObject([[2, 'x']]), 'foo'], 'eval_type_error', 'strings.replace_n: operand 1 non-string key found in pattern object');
  fails('strings.replace_n', [{ f: 100 }, 'foo'], 'eval_type_error', 'strings.replace_n: operand 1 non-string value found in pattern object');
  fails('strings.replace_n', [{ foo: 'baz' }, 100], 'eval_type_error', 'strings.replace_n: operand 2 must be string but got number');
});

test('strings.any_prefix_match / any_suffix_match', () => {
  expect('strings.any_prefix_match', [['a/b/c', 'e/f/g'], ['a/', 'd/']], true);
  expect('strings.any_prefix_match', [['a/b/c', 'e/f/g'], ['f/', 'd/']], false);
  expect('strings.any_prefix_match', ['a/b/c', 'a/'], true);
  expect('strings.any_prefix_match', [new RegoSet(['a/b/c']), new RegoSet(['a/'])], true);
  expect('strings.any_prefix_match', [[], ['a']], false);
  expect('strings.any_prefix_match', [['x'], ['z/', '']], true);
  expect('strings.any_suffix_match', [['a/b/c'], ['b/c']], true);
  fails('strings.any_prefix_match', [[1, 2], ['f/']], 'eval_type_error', 'strings.any_prefix_match: operand 1 must be array of strings but got array containing number');
  fails('strings.any_prefix_match', [1, ['f/']], 'eval_type_error', 'strings.any_prefix_match: operand 1 must be one of {string, set, array} but got number');
  fails('strings.any_prefix_match', [['a'], [1]], 'eval_type_error', 'strings.any_prefix_match: operand 2 must be array of strings but got array containing number');
  fails('strings.any_prefix_match', [['a'], 1], 'eval_type_error', 'strings.any_prefix_match: operand 2 must be one of {string, set, array} but got number');
});
