import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/encoding.js';
import { RegoSet } from '../../../src/rego/value.js';
import { invoker, throwsBuiltin } from './helpers.js';

const call = invoker(builtins);

describe('base64 / base64url', () => {
  it('encodes UTF-8 bytes (conformance base64builtins, base64urlbuiltins)', () => {
    assert.equal(call('base64.encode', ['there']), 'dGhlcmU=');
    assert.equal(call('base64url.encode', ['hello']), 'aGVsbG8=');
    assert.equal(call('base64url.encode', ['there']), 'dGhlcmU=');
    assert.equal(call('base64url.encode', ['\u00ff\u00fe?>']), 'w7_Dvj8-');
    assert.equal(call('base64url.encode_no_pad', ['secret']), 'c2VjcmV0');
    assert.equal(call('base64.encode', ['é']), 'w6k=');
  });
  it('decodes as Go, with its error offsets', () => {
    assert.equal(call('base64.decode', ['dGhlcmU=']), 'there');
    assert.equal(call('base64.decode', ['dGhl\ncmU=']), 'there');
    throwsBuiltin(() => call('base64.decode', ['dGhlcmU']), 'eval_builtin_error', 'base64.decode: illegal base64 data at input byte 4');
    throwsBuiltin(() => call('base64.decode', ['a$==']), 'eval_builtin_error', 'illegal base64 data at input byte 1');
    assert.equal(call('base64.is_valid', ['dGhlcmU=']), true);
    assert.equal(call('base64.is_valid', ['dGhlcmU']), false);
    assert.equal(call('base64url.decode', ['aGVsbG8']), 'hello');
    assert.equal(call('base64url.decode', ['w7_Dvj8-']), '\u00ff\u00fe?>');
    throwsBuiltin(() => call('base64url.decode', ['a']), 'eval_builtin_error', 'base64url.decode: illegal base64url string: a');
  });
});

describe('hex', () => {
  it('encodes and decodes', () => {
    assert.equal(call('hex.encode', ['lorem ipsum']), '6c6f72656d20697073756d');
    assert.equal(call('hex.decode', ['6c6f72656d20697073756d']), 'lorem ipsum');
    throwsBuiltin(() => call('hex.decode', ['fghijkl']), 'eval_builtin_error', "invalid byte: U+0067 'g'");
    throwsBuiltin(() => call('hex.decode', ['abc']), 'eval_builtin_error', 'hex.decode: encoding/hex: odd length hex string');
  });
});

describe('urlquery', () => {
  it('escapes as Go QueryEscape (conformance urlbuiltins)', () => {
    assert.equal(call('urlquery.encode', ['a=b+1']), 'a%3Db%2B1');
    assert.equal(call('urlquery.encode', ['a b~_.-é/']), 'a+b~_.-%C3%A9%2F');
    assert.equal(call('urlquery.decode', ['a%3Db%2B1+x']), 'a=b+1 x');
    throwsBuiltin(() => call('urlquery.decode', ['a%zzb']), 'eval_builtin_error', 'urlquery.decode: invalid URL escape "%zz"');
  });
  it('encodes objects sorted by key', () => {
    assert.equal(call('urlquery.encode_object', [{ b: ['2', '1'], a: 'x y', c: new RegoSet(['z', 'y']) }]), 'a=x+y&b=2&b=1&c=y&c=z');
    throwsBuiltin(() => call('urlquery.encode_object', [{ a: 1 }]), 'eval_type_error', 'operand 1 values must be string, array[string], or set[string]');
  });
  it('decodes objects as Go ParseQuery', () => {
    assert.deepEqual(call('urlquery.decode_object', ['a=1&b=x+y&a=2&&c']), { a: ['1', '2'], b: ['x y'], c: [''] });
    throwsBuiltin(() => call('urlquery.decode_object', ['a=1;b=2']), 'eval_builtin_error', 'invalid semicolon separator in query');
  });
});
