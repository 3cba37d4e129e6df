import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/yaml.js';
import { RegoSet } from '../../../src/rego/value.js';
import { invoker, throwsBuiltin } from './helpers.js';

const call = invoker(builtins);

describe('yaml', () => {
  it('validates streams (conformance jsonbuiltins)', () => {
    assert.deepEqual(['foo:\n - qux: bar\n - baz: 2', 'foo:\n - qux: bar\n - baz: {', '{"json": "ok"}'].map((d) => call('yaml.is_valid', [d])), [true, false, true]);
    assert.deepEqual(['  test:\ntest1: hello\n', 'a: 1\n---\n\tb: 2\n', 'a: 1\n---\nb: 2\n'].map((d) => call('yaml.is_valid', [d])), [false, false, true]);
    assert.equal(call('yaml.is_valid', [1]), false);
  });
  it('unmarshals YAML 1.1 as go-yaml v2 (y/n/yes are booleans, even as keys)', () => {
    assert.deepEqual(call('yaml.unmarshal', ['a: [1, 2.5]\nb: yes\nc: "x"\nd: 2001-12-14\n1: z\nbig: 123456789012345678901\nn: 1\n']), { a: [1, 2.5], b: true, c: 'x', d: '2001-12-14', '1': 'z', big: 123456789012345678901n, false: 1 });
    assert.equal(call('yaml.unmarshal', ['']), null);
    throwsBuiltin(() => call('yaml.unmarshal', ['a: {']), 'eval_builtin_error', 'yaml.unmarshal: ');
  });
  it('marshals with sorted keys and quoted YAML 1.1 booleans ("y", "yes")', () => {
    assert.equal(call('yaml.marshal', [{ b: [1, 'yes'], a: { c: new RegoSet(['y', 'x']) } }]), 'a:\n  c:\n  - x\n  - "y"\nb:\n- 1\n- "yes"\n');
    assert.equal(call('yaml.marshal', [{}]), '{}\n');
  });
});
