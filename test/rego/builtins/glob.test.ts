import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/glob.js';
import { invoker, throwsBuiltin } from './helpers.js';

const call = invoker(builtins);
const m = (p: string, d: unknown, s: string) => call('glob.match', [p, d as never, s]);

describe('glob.match', () => {
  it('honours delimiters (conformance globmatch)', () => {
    assert.equal(m('*:github:com', [':'], 'api:github:com'), true);
    assert.equal(m('*?*', ['.', '/'], 'api.github.com'), false);
    assert.equal(m('*?*', ['.', '/'], 'abc'), true);
    assert.equal(m('*', ['.', '/'], 'a/b'), false);
    assert.equal(m('a.b*', ['.'], 'a.bc'), true);
    assert.equal(m('a.b*', ['.'], 'a.bc.d'), false);
    assert.equal(m('*.com', [], 'a.b.com'), false); // [] means the default delimiter "."
    assert.equal(m('*.com', null, 'a.b.com'), true); // null means no delimiters
  });
  it('implements wildcards, classes, alternatives and escapes', () => {
    assert.equal(m('?', null, ''), false);
    assert.equal(m('[!0-9]', null, ''), false);
    assert.equal(m('a/*/b', null, 'a/b'), false);
    assert.equal(m('a/*/b', null, 'a/x/b'), true);
    assert.equal(m('a/**/b', null, 'a/b'), false);
    assert.equal(m('a/**/b', null, 'a//b'), true);
    assert.equal(m('**/x', null, 'x'), false);
    assert.equal(m('{**/,}x', null, 'x'), true);
    assert.equal(m('***', ['.'], ''), true);
    assert.equal(m('\\*', null, '*'), true);
    assert.equal(m('\\*', null, 'a'), false);
    assert.equal(m('', [], ''), true);
    assert.equal(m('{a,b,c}', [], 'b'), true);
    assert.equal(m('{a,{b,c}}', [], 'c'), true);
    assert.equal(m('a/**/c', [], 'a/b/c'), true);
    assert.equal(m('[a-z]', [], 'm'), true);
    assert.equal(m('[a-z]', [], 'M'), false);
    assert.equal(m('[!0-9]', [], 'x'), true);
    assert.equal(m('[!0-9]', [], '5'), false);
    for (const [s, want] of [['-', true], ['^', false], ['a', true], ['z', true], ['m', false]] as const) assert.equal(m('[a\\-z]', [], s), want, s);
    assert.equal(m('[\\]]', [], ']'), true);
    assert.equal(m('[\\]]', [], 'a'), false);
    // gobwas/glob v1: a class is one range or one set; `[ab-c]` is the set {a, b, -, c}.
    assert.equal(m('[ab-c]', [], '-'), true);
    assert.equal(m('[ab-c]', [], 'c'), true);
    // `,` and `}` are text outside braces.
    assert.equal(m('a,b}', [], 'a,b}'), true);
    assert.equal(m('*.github.com', [], 'api.github.com'), true);
    assert.equal(m('a?c', [], 'a😀c'), true);
  });
  it('rejects malformed patterns', () => {
    throwsBuiltin(() => m('[abc', [], 'a'), 'eval_builtin_error', 'glob.match: syntax error in pattern');
    throwsBuiltin(() => m('[z-a]', [], 'm'), 'eval_builtin_error', 'range hi character is less than lo');
    throwsBuiltin(() => m('test\\', [], 'test'), 'eval_builtin_error', 'trailing backslash');
    throwsBuiltin(() => m('[a-cx]', [], 'a'), 'eval_builtin_error', 'expected close range character');
    throwsBuiltin(() => m('[]', [], 'a'), 'eval_builtin_error', 'could not parse range');
    throwsBuiltin(() => m('{a,b', [], 'a'), 'eval_builtin_error', 'unclosed `{`');
  });
  it('type-checks the delimiters', () => {
    throwsBuiltin(() => m('a', 'x', 'a'), 'eval_type_error', 'glob.match: operand 2 must be one of {array, null} but got string');
  });
});

describe('glob.quote_meta', () => {
  it('escapes glob meta characters', () => {
    assert.equal(call('glob.quote_meta', ['hello*world?[test]']), 'hello\\*world\\?\\[test\\]');
    assert.equal(call('glob.quote_meta', ['hello\nworld']), 'hello\nworld');
    assert.equal(call('glob.quote_meta', ['{a,b}\\']), '\\{a,b\\}\\\\');
  });
});
