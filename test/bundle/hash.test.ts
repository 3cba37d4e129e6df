import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalJson, canonicalValue, compareCodePoints, fileDigest, goQuote, isStructuredFile } from '../../src/bundle/hash.js';

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

test('structured files hash their canonical JSON: compact, keys sorted, numbers as written', () => {
  const text = '{ "key2": {"c": 123.45678911111111111111111111111111111111111111111111111, "b": 1, "a": 0},\n  "key1": ["element1", "element2"] }';
  const canonical = '{"key1":["element1","element2"],"key2":{"a":0,"b":1,"c":123.45678911111111111111111111111111111111111111111111111}}';
  assert.equal(canonicalJson(text), canonical);
  // OPA's HashFile of a map equals the hash of its json.Marshal (Go sorts map keys, keeps json.Number text).
  assert.equal(fileDigest('roles/data.json', Buffer.from(text), 'SHA-256'), sha256(canonical));
  // Whitespace and key order do not change the digest.
  const reordered = '{"key1":[ "element1","element2" ],"key2":{"b":1,"a":0,"c":123.45678911111111111111111111111111111111111111111111111}}';
  assert.equal(fileDigest('data.json', Buffer.from(reordered), 'SHA-256'), fileDigest('data.json', Buffer.from(text), 'SHA-256'));
});

test('numbers keep their text (1.0 and 1e3 are not rewritten), a repeated key keeps its last value', () => {
  assert.equal(canonicalJson('[1.0, 1e3, -0, 10000000000000000000001]'), '[1.0,1e3,-0,10000000000000000000001]');
  assert.equal(canonicalJson('{"a": 1, "a": 2}'), '{"a":2}');
  assert.equal(canonicalJson(' null '), 'null');
  assert.throws(() => canonicalJson('{"a": }'), SyntaxError);
});

test("strings are escaped as Go's encoding/json without HTML escaping", () => {
  assert.equal(goQuote('<foo></foo> & "q" \\'), '"<foo></foo> & \\"q\\" \\\\"');
  assert.equal(goQuote('\b\f\n\r\t\u0001\u001f\u007f'), '"\\b\\f\\n\\r\\t\\u0001\\u001f\u007f"');
  assert.equal(goQuote('\u2028\u2029'), '"\\u2028\\u2029"');
  assert.equal(goQuote('α©™ 😀'), '"α©™ 😀"');
  assert.equal(goQuote('\ud800x'), '"\ufffdx"');
});

test('keys sort by code point (UTF-8 byte order), not UTF-16 units', () => {
  const keys = ['\uffff', '😀', 'b', 'a', 'B'];
  assert.deepEqual([...keys].sort(compareCodePoints), ['B', 'a', 'b', '\uffff', '😀']);
  assert.equal(canonicalValue({ b: [true, null], a: 'x' }), '{"a":"x","b":[true,null]}');
});

test('which files are structured; unstructured files hash their bytes; every OPA algorithm', () => {
  assert.ok(isStructuredFile('data.json') && isStructuredFile('a/b/data.yaml') && isStructuredFile('.manifest'));
  assert.ok(!isStructuredFile('data.yml') && !isStructuredFile('policy.rego') && !isStructuredFile('other.json'));
  const rego = Buffer.from('package a\n\nallow := true\n');
  assert.equal(fileDigest('a.rego', rego, 'SHA-256'), sha256(rego));
  for (const alg of ['MD5', 'SHA-1', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512', 'SHA-512-224', 'SHA-512-256']) {
    assert.match(fileDigest('a.rego', rego, alg), /^[0-9a-f]+$/);
  }
  assert.throws(() => fileDigest('a.rego', rego, 'SHA-3'), /unsupported hashing algorithm: SHA-3/);
  // YAML data is hashed as the JSON it converts to.
  assert.equal(fileDigest('data.yaml', Buffer.from('b: 2\na: [x]\n'), 'SHA-256'), sha256('{"a":["x"],"b":2}'));
});
