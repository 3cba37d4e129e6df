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
    assert.deepEqual(call('yaml.unmarshal', ['a: [1, 2.5]\nb: yes\nc: "x"\nd: 2001-12-14\n1: z\nbig: 123456789012345678901\nn: 1\n']), { a: [1, 2.5], b: true, c: 'x', d: '2001-12-14', '1': 'z', big: 123456789012345680000n, false: 1 });
    assert.equal(call('yaml.unmarshal', ['']), null);
    throwsBuiltin(() => call('yaml.unmarshal', ['a: {']), 'eval_builtin_error', 'yaml.unmarshal: ');
    // go-yaml v2 + sigs.k8s.io/yaml: beyond uint64 an integer is a float64 (JSON text from its shortest digits),
    // duplicate keys keep the last value, 0o/1e forms are numbers, !!binary is decoded, float keys use 32-bit digits.
    assert.deepEqual(call('yaml.unmarshal', ['a: 1\na: 2\nb: 0o17\nc: 1e3\nd: !!binary aGk=\n1.5: x\n1e6: z\n']), { a: 2, b: 15, c: 1000, d: 'hi', '1.5': 'x', '1e+06': 'z' });
    throwsBuiltin(() => call('yaml.unmarshal', ['? [1]\n: 2']), 'eval_builtin_error', 'yaml.unmarshal: yaml: invalid map key: []interface {}{1}');
    throwsBuiltin(() => call('yaml.unmarshal', ['a: !!int x']), 'eval_builtin_error', 'yaml.unmarshal: yaml: cannot decode !!str `x` as a !!int');
    throwsBuiltin(() => call('yaml.unmarshal', ['a: .inf']), 'eval_builtin_error', 'yaml.unmarshal: json: unsupported value: +Inf');
  });
  it('marshals with sorted keys and quoted YAML 1.1 booleans ("y", "yes")', () => {
    assert.equal(call('yaml.marshal', [{ b: [1, 'yes'], a: { c: new RegoSet(['y', 'x']) } }]), 'a:\n  c:\n  - x\n  - "y"\nb:\n- 1\n- "yes"\n');
    assert.equal(call('yaml.marshal', [{}]), '{}\n');
  });
});

describe('yaml.marshal as go-yaml v2', () => {
  it('sorts keys in go-yaml natural order', () => {
    assert.equal(call('yaml.marshal', [{ a10: 1, a9: 2, Z: 3, _: 4, '10': 5, '2': 6 }]), '_: 4\n"2": 6\n"10": 5\nZ: 3\na9: 2\na10: 1\n');
  });
  it('quotes as libyaml: double when the plain text reads back as another type, single when plain is not allowed', () => {
    assert.equal(call('yaml.marshal', [['', 'null', '1.5', '2001-12-14', '1:20', '- x', 'a: b', 'a #c', 'x', 'a\tb', '😀']]), '- ""\n- "null"\n- "1.5"\n- "2001-12-14"\n- "1:20"\n- \'- x\'\n- \'a: b\'\n- \'a #c\'\n- x\n- "a\\tb"\n- "\\U0001F600"\n');
  });
  it('writes literal blocks with chomping hints, and go-yaml numbers', () => {
    assert.equal(call('yaml.marshal', [{ s: 'a\nb', t: 'a\n', u: 'a\n\n', v: ' a\nb' }]), 's: |-\n  a\n  b\nt: |\n  a\nu: |+\n  a\n\nv: |2-\n   a\n  b\n');
    assert.equal(call('yaml.marshal', [[1.5, 1234567.5, 1e21, 12345678901234567890n, 123456789012345678901234567890n]]), '- 1.5\n- 1.2345675e+06\n- 1e+21\n- 12345678901234567890\n- 1.2345678901234568e+29\n');
  });
  it('folds long scalars past column 80', () => {
    const text = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 ';
    assert.equal(call('yaml.marshal', [{ a: text }]), "a: 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 abcdefghijklmnopqrstuvwxyz\n  ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 '\n");
  });
});
