import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../../src/rego/index.js';
import { toJS } from '../../../src/rego/value.js';

function evalOne(source: string, query: string, print?: (m: string) => void, input?: Record<string, unknown>): unknown {
  const results = compile([{ file: 'p.rego', source }])
    .prepare(query)
    .eval({ strictBuiltinErrors: true, ...(print ? { print } : {}), ...(input ? { input: input as never } : {}) });
  return results.length ? toJS(results[0]!.expressions[0]!.value) : undefined;
}

test('rego.parse_module returns OPA\'s JSON AST', () => {
  const ast = evalOne(
    'package t\nm := rego.parse_module("x.rego", "package a.b\\n\\nimport data.c as d\\n\\ns contains v if {\\n  some v in input.xs\\n  not v == _\\n}\\n")',
    'data.t.m',
  ) as any;
  assert.deepEqual(ast.package.path, [
    { type: 'var', value: 'data' },
    { type: 'string', value: 'a' },
    { type: 'string', value: 'b' },
  ]);
  assert.deepEqual(ast.imports, [{ alias: 'd', path: { type: 'ref', value: [{ type: 'var', value: 'data' }, { type: 'string', value: 'c' }] } }]);
  const rule = ast.rules[0];
  assert.equal(rule.head.name, 's');
  assert.deepEqual(rule.head.key, { type: 'var', value: 'v' });
  assert.equal(rule.body[0].terms.symbols[0].type, 'call');
  assert.deepEqual(rule.body[1].negated, true);
  assert.deepEqual(rule.body[1].terms[0], { type: 'ref', value: [{ type: 'var', value: 'equal' }] });
  assert.deepEqual(rule.body[1].terms[2], { type: 'var', value: '$0' });
});

test('rego.parse_module reports a parse error as a built-in error with the location', () => {
  assert.throws(
    () => evalOne('package t\nm := rego.parse_module("bad.rego", "package a\\np if {")', 'data.t.m'),
    (e: any) => e.code === 'eval_builtin_error' && /rego\.parse_module: .*bad\.rego:2:\d+: rego_parse_error/.test(e.message),
  );
});

test('print writes strings bare and other values in Rego syntax', () => {
  const lines: string[] = [];
  evalOne('package t\np if print("x:", {"a": [1, "b"]}, {1}, set())', 'data.t.p', (m) => lines.push(m));
  assert.deepEqual(lines, ['x: {"a": [1, "b"]} {1} set()']);
});

test('rego.metadata.rule and rego.metadata.chain return the annotations of the rule they are called in', () => {
  const source = `# METADATA
# title: Example package
package ex

# METADATA
# title: Deny rule
# custom:
#   severity: HIGH
deny contains msg if {
	input.bad
	meta := rego.metadata.rule()
	msg := sprintf("%s (%s)", [meta.title, meta.custom.severity])
}

chain := rego.metadata.chain()

plain := rego.metadata.rule()
`;
  assert.deepEqual(evalOne(source, 'data.ex.deny', undefined, { bad: true }), ['Deny rule (HIGH)']);
  assert.deepEqual(evalOne(source, 'data.ex.chain'), [
    { path: ['ex', 'chain'] },
    { path: ['ex'], annotations: { scope: 'package', title: 'Example package' } },
  ]);
  assert.deepEqual(evalOne(source, 'data.ex.plain'), {});
});
