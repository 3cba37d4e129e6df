import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/json.js';
import { RegoObject, RegoSet, equals, type Value } from '../../../src/rego/value.js';
import { invoker, throwsBuiltin } from './helpers.js';

const call = invoker(builtins);
const same = (a: Value | undefined, b: Value) => assert.ok(a !== undefined && equals(a, b), `${JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof RegoSet ? v.sorted() : v))} should equal expected`);

describe('json.marshal / marshal_with_options', () => {
  it('writes what Go writes', () => {
    assert.equal(call('json.marshal', [{ b: [1, 2.5], a: '<&>', c: new RegoSet([3, 1]) }]), '{"a":"\\u003c\\u0026\\u003e","b":[1,2.5],"c":[1,3]}');
    assert.equal(call('json.marshal', [new RegoObject([[1, 'x']])]), '{"1":"x"}');
    assert.equal(call('json.marshal', [12345678901234567890n]), '12345678901234567890');
    assert.equal(call('json.marshal', ['\b\f\u0001\u2028']), '"\\b\\f\\u0001\\u2028"');
  });
  it('pretty-prints as MarshalIndent with the prefix on every line', () => {
    assert.equal(call('json.marshal_with_options', [{ a: [1], b: {} }, { pretty: true }]), '{\n\t"a": [\n\t\t1\n\t],\n\t"b": {}\n}');
    assert.equal(call('json.marshal_with_options', [{ a: 1 }, { indent: '  ', prefix: '> ' }]), '> {\n>   "a": 1\n> }');
    assert.equal(call('json.marshal_with_options', [{ a: 1 }, { indent: '  ', pretty: false }]), '{"a":1}');
    throwsBuiltin(() => call('json.marshal_with_options', [1, { foo: 1 }]), 'eval_type_error', 'operand 2 object contained unknown key foo');
  });
});

describe('json.unmarshal / is_valid', () => {
  it('parses exactly, big integers included', () => {
    same(call('json.unmarshal', ['{"a": [1, 2.5, "x", null, true], "n": 123456789012345678901}']), { a: [1, 2.5, 'x', null, true], n: 123456789012345678901n });
    throwsBuiltin(() => call('json.unmarshal', ['plainstring']), 'eval_builtin_error', "json.unmarshal: invalid character 'p' looking for beginning of value");
    throwsBuiltin(() => call('json.unmarshal', ['{']), 'eval_builtin_error', 'unexpected end of JSON input');
    throwsBuiltin(() => call('json.unmarshal', ['[1] 2']), 'eval_builtin_error', "invalid character '2' after top-level value");
  });
  it('validates (conformance jsonbuiltins)', () => {
    assert.deepEqual(['plainstring', '{', '{"json": "ok"}'].map((d) => call('json.is_valid', [d])), [false, false, true]);
    assert.equal(call('json.is_valid', [1]), false);
    assert.equal(call('json.is_valid', ['['.repeat(20000)]), false);
  });
});

describe('json.filter / json.remove', () => {
  it('filters by paths', () => {
    same(call('json.filter', [{}, new RegoSet(['a/b'])]), {});
    same(call('json.filter', [{ a: { b: { c: 7, d: 8 } }, e: 9 }, ['a/b/c', 'e']]), { a: { b: { c: 7 } }, e: 9 });
    same(call('json.filter', [{ a: [{ x: 1, y: 2 }, { x: 3 }] }, [['a', '0', 'x']]]), { a: [{ x: 1 }] });
    same(call('json.filter', [{ a: { b: 1, c: 2 } }, ['a/b', 'a']]), { a: { b: 1, c: 2 } });
    throwsBuiltin(() => call('json.filter', [{}, 'a']), 'eval_type_error', 'json.filter: operand 2 must be one of {set, array} but got string');
  });
  it('removes by paths (conformance jsonremove)', () => {
    same(call('json.remove', [{ a: { b: { c: 7, d: 8 } }, e: 9 }, new RegoSet(['a/b/c'])]), { a: { b: { d: 8 } }, e: 9 });
    same(call('json.remove', [{ a: { b: { c: 7, d: 8 }, e: 9 } }, new RegoSet(['a/b/c', 'a/e'])]), { a: { b: { d: 8 } } });
    same(call('json.remove', [{ a: [1, 2, 3] }, ['/a/1']]), { a: [1, 3] });
    same(call('json.remove', [{ 'a/b': 1, c: 2 }, ['a~1b']]), { c: 2 });
  });
});

describe('json.patch', () => {
  const patch = (doc: Value, ops: Value[]) => call('json.patch', [doc, ops]);
  it('applies RFC 6902 operations', () => {
    same(patch({ a: { foo: 1 } }, [{ op: 'add', path: '/a/bar', value: 2 }]), { a: { foo: 1, bar: 2 } });
    same(patch([1, 2, 3], [{ op: 'add', path: '/1', value: 9 }]), [1, 9, 2, 3]);
    same(patch([1, 2], [{ op: 'add', path: '/-', value: 3 }]), [1, 2, 3]);
    same(patch({ a: 1, b: 2 }, [{ op: 'remove', path: '/a' }]), { b: 2 });
    same(patch({ a: 1 }, [{ op: 'replace', path: '/a', value: 5 }]), { a: 5 });
    same(patch({ a: 1 }, [{ op: 'move', from: '/a', path: '/b' }]), { b: 1 });
    same(patch({ a: [1] }, [{ op: 'copy', from: '/a', path: '/b' }]), { a: [1], b: [1] });
    same(patch({ a: 1 }, [{ op: 'test', path: '/a', value: 1 }]), { a: 1 });
    same(patch({ a: new RegoSet(['x']) }, [{ op: 'add', path: '/a/y', value: 'y' }]), { a: new RegoSet(['x', 'y']) });
    same(patch({ a: new RegoSet(['x', 'y']) }, [{ op: 'remove', path: ['a', 'x'] }]), { a: new RegoSet(['y']) });
    same(patch({ a: 1 }, [{ op: 'add', path: '', value: 7 }]), 7);
  });
  it('is undefined when an operation fails (conformance jsonpatch)', () => {
    assert.equal(patch([1, 2, 3], [{ op: 'add', path: '1.2', value: 'foo' }]), undefined);
    assert.equal(patch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]), undefined);
    assert.equal(patch({ a: 1 }, [{ op: 'remove', path: '/b' }]), undefined);
    assert.equal(patch([1], [{ op: 'add', path: '/5', value: 1 }]), undefined);
  });
  it('is undefined, not an error, for malformed operations (OPA returns nil on any patch error)', () => {
    assert.equal(patch({}, [{ op: 'add', value: 1 }]), undefined);
    assert.equal(patch({}, [1]), undefined);
    assert.equal(patch({}, [{ op: 'bogus', path: '/a' }]), undefined);
    throwsBuiltin(() => call('json.patch', [{}, {}]), 'eval_type_error', 'json.patch: operand 2 must be array but got object');
  });
});

describe('json.verify_schema / json.match_schema', () => {
  const schema = {
    type: 'object',
    properties: { name: { type: 'string', minLength: 2 }, age: { type: 'integer', minimum: 0 }, tags: { type: 'array', items: { $ref: '#/definitions/tag' } } },
    required: ['name'],
    additionalProperties: false,
    definitions: { tag: { type: 'string', enum: ['a', 'b'] } },
  };
  it('verifies schemas', () => {
    same(call('json.verify_schema', [schema]), [true, null]);
    same(call('json.verify_schema', [JSON.stringify(schema)]), [true, null]);
    const [ok, msg] = call('json.verify_schema', [{ type: 'foo' }]) as [boolean, string];
    assert.equal(ok, false);
    assert.match(msg, /^jsonschema: /);
    same(call('json.verify_schema', ['{']), [false, 'jsonschema: invalid JSON string']);
  });
  it('validates documents with gojsonschema-style errors', () => {
    same(call('json.match_schema', [{ name: 'bob', age: 3, tags: ['a'] }, schema]), [true, []]);
    const [ok, errors] = call('json.match_schema', [{ age: -1, extra: 1, tags: ['c'] }, schema]) as [boolean, Value[]];
    assert.equal(ok, false);
    same(errors, [
      { error: '(Root): name is required', type: 'required', field: '(Root)', desc: 'name is required' },
      { error: '(Root): Additional property extra is not allowed', type: 'additional_property_not_allowed', field: '(Root)', desc: 'Additional property extra is not allowed' },
      { error: 'age: Must be greater than or equal to 0', type: 'number_gte', field: 'age', desc: 'Must be greater than or equal to 0' },
      { error: 'tags.0: tags.0 must be one of the following: "a", "b"', type: 'enum', field: 'tags.0', desc: 'tags.0 must be one of the following: "a", "b"' },
    ]);
    const [, typeErrors] = call('json.match_schema', [{ name: 5 }, schema]) as [boolean, Value[]];
    same(typeErrors, [{ error: 'name: Invalid type. Expected: string, given: integer', type: 'invalid_type', field: 'name', desc: 'Invalid type. Expected: string, given: integer' }]);
    // OPA's loader takes arrays as documents too (ast.Object, *ast.Array); sets and scalars are refused.
    same(call('json.match_schema', [[1], { type: 'array' }]), [true, []]);
    throwsBuiltin(() => call('json.match_schema', [new RegoSet([1]), schema]), 'eval_builtin_error', 'json.match_schema: wrong type, expected string or object');
    throwsBuiltin(() => call('json.match_schema', [1, schema]), 'eval_builtin_error', 'json.match_schema: wrong type, expected string or object');
  });
  it('reports every duplicate, merges the closest alternative, and keeps gojsonschema messages', () => {
    same(call('json.match_schema', [[1, 1, 1], { uniqueItems: true }]), [false, [
      { error: '(Root): array items[0,1] must be unique', type: 'unique', field: '(Root)', desc: 'array items[0,1] must be unique' },
      { error: '(Root): array items[1,2] must be unique', type: 'unique', field: '(Root)', desc: 'array items[1,2] must be unique' },
    ]]);
    same(call('json.match_schema', [['a', 1], { contains: { type: 'number', minimum: 4 } }]), [false, [
      { error: '(Root): At least one of the items must match', type: 'contains', field: '(Root)', desc: 'At least one of the items must match' },
      { error: '1: Must be greater than or equal to 4', type: 'number_gte', field: '1', desc: 'Must be greater than or equal to 4' },
    ]]);
    same(call('json.verify_schema', [{ type: 'UNKNOWN' }]), [false, 'jsonschema: has a primitive type that is NOT VALID -- given: /UNKNOWN/ Expected valid values are:[array boolean integer number null object string]']);
    same(call('json.verify_schema', [{ oneOf: [] }]), [true, null]);
    same(call('json.verify_schema', [{ minLength: 1.5 }]), [false, 'jsonschema: minLength must be of an integer']);
    same(call('json.match_schema', ['0.3', { multipleOf: 0.1 }]), [true, []]);
  });
});
