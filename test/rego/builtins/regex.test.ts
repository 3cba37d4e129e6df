import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/regex.js';
import { invoker, throwsBuiltin } from './helpers.js';

const call = invoker(builtins);

describe('regex.match / re_match', () => {
  it('matches as Go does (conformance regexmatch)', () => {
    assert.equal(call('regex.match', ['^[a-z]+\\[[0-9]+\\]$', 'foo[1]']), true);
    assert.equal(call('regex.match', ['^$', '']), true);
    assert.equal(call('regex.match', ['', '']), true);
    assert.equal(call('regex.match', ['', 'x']), true);
    assert.equal(call('regex.match', ['^$', 'something']), false);
    assert.equal(call('re_match', ['(?i)^ABC$', 'abc']), true);
    assert.equal(call('regex.match', ['^.$', '😀']), true);
  });
  it('reports an invalid pattern with Go wording', () => {
    throwsBuiltin(() => call('regex.match', ['$^[[[', 'something']), 'eval_builtin_error', 'regex.match: error parsing regexp: missing closing ]: `[[[`');
    throwsBuiltin(() => call('regex.match', ['a**', 'x']), 'eval_builtin_error', 'invalid nested repetition operator: `**`');
    throwsBuiltin(() => call('regex.match', ['(', 'x']), 'eval_builtin_error', 'missing closing ): `(`');
  });
  it('type-checks operands', () => {
    throwsBuiltin(() => call('regex.match', [1, 'x']), 'eval_type_error', 'regex.match: operand 1 must be string but got number');
  });
});

describe('regex.is_valid', () => {
  it('never fails', () => {
    assert.equal(call('regex.is_valid', ['a+']), true);
    assert.equal(call('regex.is_valid', ['[']), false);
    assert.equal(call('regex.is_valid', [7]), false);
  });
});

describe('regex.find_n / find_all_string_submatch_n', () => {
  it('finds matches (conformance regexfind)', () => {
    assert.deepEqual(call('regex.find_n', ['a.', 'paranormal', -1]), ['ar', 'an', 'al']);
    assert.deepEqual(call('regex.find_n', ['a.', 'paranormal', 2]), ['ar', 'an']);
    assert.deepEqual(call('regex.find_n', ['a.', 'paranormal', 0]), []);
  });
  it('skips empty matches abutting a match, as Go', () => {
    assert.deepEqual(call('regex.find_n', ['a*', 'baaab', -1]), ['', 'aaa', '']);
    assert.deepEqual(call('regex.find_n', ['a*', 'aab', -1]), ['aa', '']);
  });
  it('returns submatches with "" for unmatched groups', () => {
    assert.deepEqual(call('regex.find_all_string_submatch_n', ['a(x*)b', '-', -1]), []);
    assert.deepEqual(call('regex.find_all_string_submatch_n', ['a(x*)b(y)?', '-axxb-ab-', -1]), [
      ['axxb', 'xx', ''],
      ['ab', '', ''],
    ]);
    // Go yields one empty match per rune boundary: 4 runes, 5 matches (rego-cpp's case expects 4).
    assert.deepEqual(call('regex.find_all_string_submatch_n', ['(?:)', 'café', -1]), [[''], [''], [''], [''], ['']]);
    assert.deepEqual(call('regex.find_n', ['', 'abc', -1]), ['', '', '', '']);
  });
  it('requires an integer count', () => {
    throwsBuiltin(() => call('regex.find_n', ['a', 'a', 1.5]), 'eval_type_error', 'operand 3 must be integer number');
  });
});

describe('regex.replace', () => {
  it('replaces as Go ReplaceAllString (conformance regexreplace)', () => {
    assert.equal(call('regex.replace', ['-wy-wxxy-', 'w(x*)y', '0']), '-0-0-');
    assert.equal(call('regex.replace', ['foo', '(foo)', '$1$1']), 'foofoo');
    assert.equal(call('regex.replace', ['foo', '(foo)', '${1}x']), 'foox');
    assert.equal(call('regex.replace', ['foo', '(foo)', '$1x']), ''); // group "1x" does not exist
    assert.equal(call('regex.replace', ['foo', '(?P<w>foo)', '[$w]']), '[foo]');
    assert.equal(call('regex.replace', ['foo', 'foo', '$$']), '$');
    assert.equal(call('regex.replace', ['abc', 'x*', '-']), '-a-b-c-');
    throwsBuiltin(() => call('regex.replace', ['foo', '[', '$1']), 'eval_builtin_error', 'regex.replace: error parsing regexp');
  });
});

describe('regex.split', () => {
  it('splits as Go (conformance regexsplit)', () => {
    assert.deepEqual(call('regex.split', ['^[a-z]+\\[[0-9]+\\]$', '']), ['']);
    assert.deepEqual(call('regex.split', ['^[a-z]+', 'foobar baz']), ['', ' baz']);
    assert.deepEqual(call('regex.split', ['[a-z]+$', 'foobar baz']), ['foobar ', '']);
    assert.deepEqual(call('regex.split', ['^[a-z]+$', 'foobar baz']), ['foobar baz']);
    assert.deepEqual(call('regex.split', ['^[a-z ]+$', 'foobar baz']), ['', '']);
    assert.deepEqual(call('regex.split', [',', 'a,b,,c']), ['a', 'b', '', 'c']);
  });
});

describe('regex.template_match', () => {
  it('matches templates with delimited expressions', () => {
    assert.equal(call('regex.template_match', ['urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}']), true);
    assert.equal(call('regex.template_match', ['urn:foo.bar.com:{.*}', 'urn:foo.com:bar:baz', '{', '}']), false);
    assert.equal(call('regex.template_match', ['urn:foo:<[0-9]{2}>', 'urn:foo:42', '<', '>']), true);
    throwsBuiltin(() => call('regex.template_match', ['urn:{foo', 'x', '{', '}']), 'eval_builtin_error', 'unbalanced braces');
    throwsBuiltin(() => call('regex.template_match', ['x', 'x', '{{', '}']), 'eval_builtin_error', 'start delimiter has to be exactly one character long but is 2 long');
  });
});

describe('regex.globs_match', () => {
  it('decides whether two globs intersect', () => {
    assert.equal(call('regex.globs_match', ['a', 'a']), true);
    assert.equal(call('regex.globs_match', ['a*b', 'a*b']), true);
    assert.equal(call('regex.globs_match', ['a', 'b']), false);
    assert.equal(call('regex.globs_match', ['.*', 'a.b']), true);
    assert.equal(call('regex.globs_match', ['[a-c]+', '[b-d]+']), true);
    assert.equal(call('regex.globs_match', ['[a-c]', '[d-f]']), false);
    assert.equal(call('regex.globs_match', ['a+', 'a*']), true);
    assert.equal(call('regex.globs_match', ['a+', 'b*']), false);
    assert.equal(call('regex.globs_match', ['a.*z', 'ab+c*z']), true);
  });
  it('reports invalid globs in OPA wording', () => {
    throwsBuiltin(() => call('regex.globs_match', ['[abc', 'a']), 'eval_builtin_error', 'input:[abc, pos:4, found [ without matching ]: the input provided is invalid');
    throwsBuiltin(() => call('regex.globs_match', ['a\\', 'a']), 'eval_builtin_error', 'input:a\\, pos:1, input ends with a \\\\ (escape) character: the input provided is invalid');
    throwsBuiltin(() => call('regex.globs_match', ['[z-a]', 'a']), 'eval_builtin_error', "input:[z-a], pos:4, range is out of order: 'a' comes before 'z' in Unicode: the input provided is invalid");
    throwsBuiltin(() => call('regex.globs_match', [']', 'a']), 'eval_builtin_error', "input:], pos:1, set-close ']' with no preceding '[': the input provided is invalid");
  });
});
