/**
 * The type checker (src/rego/compile/typecheck/): inference of variable and
 * rule types, and the errors OPA's checker reports, with their details.
 * Expected types follow OPA's own type-checker behaviour (v1/ast/check.go).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/rego/index.js';
import { RegoErrors } from '../../src/rego/errors.js';
import { parseModule, parseQuery, parseTerm } from '../../src/rego/syntax/parser.js';
import { Resolver } from '../../src/rego/compile/resolve.js';
import { buildRuleTree } from '../../src/rego/compile/ruletree.js';
import { BodyChecker } from '../../src/rego/compile/typecheck/body.js';
import { DataTypes, Scope } from '../../src/rego/compile/typecheck/env.js';
import { VarGen } from '../../src/rego/compile/typecheck/normalize.js';
import { checkTypeSteps } from '../../src/rego/compile/typecheck/index.js';
import { builtinType } from '../../src/rego/compile/typecheck/builtins.js';
import { argsText, typeText } from '../../src/rego/compile/typecheck/types.js';
import type { RefTerm } from '../../src/rego/syntax/ast.js';

/** Checks a query body on its own (no rules); returns the checker (its scope holds the variables' types). */
function checkQuery(query: string): BodyChecker {
  const body = new Resolver([]).resolveQuery(parseQuery(query));
  const checker = new BodyChecker({ data: new DataTypes(() => {}), order: undefined, rewriteEquals: false, gen: new VarGen() }, new Scope());
  checker.checkBody(body);
  return checker;
}

function varTypes(query: string, names: string[]): Record<string, string> {
  const c = checkQuery(query);
  assert.deepEqual(
    c.errors.map((e) => e.format()),
    [],
    query,
  );
  return Object.fromEntries(names.map((n) => [n, typeText(c.scope.get(n))]));
}

/** Types of data refs after inferring the rules of `[package, rule]` pairs (v0 syntax). */
function ruleTypes(rules: [string, string][], refs: string[]): Record<string, string> {
  const modules = rules.map(([pkg, rule], i) => parseModule(`r${i}.rego`, `package ${pkg}\n${rule}`, { v0: true }));
  const resolved = new Resolver(modules).resolveAll();
  const steps = checkTypeSteps(resolved, buildRuleTree(resolved), new Map());
  let r = steps.next();
  while (!r.done) r = steps.next();
  assert.deepEqual(
    r.value.errors.map((e) => e.format()),
    [],
  );
  const types = r.value.types;
  return Object.fromEntries(refs.map((ref) => [ref, typeText(types.data.lookup((parseTerm(ref) as RefTerm).path))]));
}

function compileErrors(sources: string[], v0 = false): string[] {
  try {
    compile(
      sources.map((source, i) => ({ file: `m${i}.rego`, source })),
      { v0Compatible: v0 },
    );
    return [];
  } catch (e) {
    if (e instanceof RegoErrors) return e.errors.map((x) => x.format());
    throw e;
  }
}

test('types print as OPA prints them, built-in parameters with their names', () => {
  assert.equal(typeText(builtinType('count')!.args[0]), 'any<string, array[any], object[any: any], set[any]>');
  assert.equal(argsText(builtinType('split')!, true, false), '(x: string, delimiter: string)');
  assert.equal(argsText(builtinType('concat')!, true, true), '(delimiter: string, collection: any<array[string], set[string]>, output: string)');
  assert.equal(typeText(builtinType('walk')!.result), 'array<array[any], any>');
  assert.equal(argsText(builtinType('print')!, true, true), '(any...)');
});

test('inference: unification of scalars, arrays and objects', () => {
  assert.deepEqual(varTypes('x = 1; y = x; z = y', ['x', 'y', 'z']), { x: 'number', y: 'number', z: 'number' });
  assert.deepEqual(varTypes('[x, 1] = [true, y]', ['x', 'y']), { x: 'boolean', y: 'number' });
  assert.deepEqual(varTypes('y = [[2], 1]; [[x], 1] = y', ['x', 'y']), { x: 'number', y: 'array<array<number>, number>' });
  assert.deepEqual(varTypes('[1, "2", x] = data.foo', ['x']), { x: 'any' });
  assert.deepEqual(varTypes('{"a": "foo", "b": {"c": x}} = {"a": y, "b": {"c": 2}}', ['x', 'y']), { x: 'number', y: 'string' });
  assert.deepEqual(varTypes('x = {1: 2}; y = 1; x[y]', ['x', 'y']), { x: 'object<1: number>', y: 'number' });
  assert.deepEqual(varTypes('x = {1, 2}; y = {{"foo", 1}, x}', ['x', 'y']), { x: 'set[number]', y: 'set[any<set[number], set[any<number, string>]>]' });
  assert.deepEqual(varTypes('s = {[1, 2], [3, 4]}; s[[x, y]]', ['x', 'y']), { x: 'number', y: 'number' });
});

test('inference: empty composites iterate to any; references select and iterate', () => {
  assert.deepEqual(varTypes('obj = {}; arr = []; s = set(); obj[i] = v1; arr[j] = v2; s[v3]', ['obj', 'i', 'v1', 'arr', 'j', 'v2', 's', 'v3']), {
    obj: 'object[any: any]',
    i: 'any',
    v1: 'any',
    arr: 'array[any]',
    j: 'number',
    v2: 'any',
    s: 'set[any]',
    v3: 'any',
  });
  assert.deepEqual(varTypes('a = [1, {"foo": [{"bar": null}, -1, {"bar": true}]}, 3]; x = a[1].foo[_].bar', ['x']), { x: 'any<null, boolean>' });
  assert.deepEqual(varTypes('a = [["foo"], 0, {"bar": "baz"}, 2]; b = [0, 1, 2, 3]; a[b[_]][k] = v', ['k']), { k: 'any<number, string>' });
  assert.deepEqual(varTypes('x = [[1], ["foo"]]; x[_] = [y]', ['y']), { y: 'any<number, string>' });
});

test('inference: built-in results, operands and comprehensions', () => {
  assert.deepEqual(varTypes('plus(1, 2, x); plus(x, 2, y)', ['x', 'y']), { x: 'number', y: 'number' });
  assert.deepEqual(varTypes('x := count([1]) + 1', ['x']), { x: 'number' });
  assert.deepEqual(varTypes('a = [1, "foo", 3]; x = [i | a[_] = i]', ['x']), { x: 'array[any<number, string>]' });
  assert.deepEqual(varTypes('x = 1; y = [i | x = i]', ['y']), { y: 'array[number]' });
  assert.deepEqual(varTypes('x := {k: v | some k, v in {"a": 1}}', ['x']), { x: 'object[string: number]' });
  assert.deepEqual(varTypes('some i, v in ["a"]', ['i', 'v']), { i: 'number', v: 'string' });
  assert.deepEqual(varTypes('x := numbers.range(1, 3); y := x[0]', ['y']), { y: 'number' });
});

test('rule types: complete, partial set and object, else, defaults, prefixes', () => {
  const rules: [string, string][] = [
    ['a', 'trivial = true { true }'],
    ['a', 'complete = [{"foo": x}] { x = 1 }'],
    ['a', 'partialset[{"foo": x}] { y = "bar"; x = y }'],
    ['a', 'partialobj[x] = {"foo": y} { y = "bar"; x = y }'],
    ['b', 'transitive_ref = [x] { y = data.a.trivial; x = y }'],
    ['c', 'else_kw = null { false } else = 100 { true } else = "foo" { true }'],
    ['disjunction', 'partialset[1] { true }'],
    ['disjunction', 'partialset[x] { x = "foo" }'],
    ['disjunction', 'complete = 1 { true }'],
    ['disjunction', 'complete = x { x = "foo" }'],
    ['prefix.a.b.c', 'd = true { true }'],
    ['default_rule', 'default x = 1'],
    ['default_rule', 'x = "foo" { true }'],
    ['number_key', 'q[x] = y { a = ["a", "b"]; y = a[x] }'],
  ];
  assert.deepEqual(
    ruleTypes(rules, [
      'data.a.trivial',
      'data.a.complete',
      'data.a.complete[0].foo',
      'data.a.partialset',
      'data.a.partialobj',
      'data.a.partialobj.somekey.foo',
      'data.b.transitive_ref',
      'data.c.else_kw',
      'data.disjunction.partialset',
      'data.disjunction.complete',
      'data.prefix.a.b',
      'data.default_rule.x',
      'data.number_key.q[1]',
      'data.nothing.here',
    ]),
    {
      'data.a.trivial': 'boolean',
      'data.a.complete': 'array<object<foo: number>>',
      'data.a.complete[0].foo': 'number',
      'data.a.partialset': 'set[object<foo: string>]',
      'data.a.partialobj': 'object[string: object<foo: string>]',
      'data.a.partialobj.somekey.foo': 'string',
      'data.b.transitive_ref': 'array<boolean>',
      'data.c.else_kw': 'any<null, number, string>',
      'data.disjunction.partialset': 'set[any<number, string>]',
      'data.disjunction.complete': 'any<number, string>',
      'data.prefix.a.b': 'object<c: object<d: boolean>[string: any]>[string: any]',
      'data.default_rule.x': 'any<number, string>',
      'data.number_key.q[1]': 'string',
      'data.nothing.here': 'any',
    },
  );
});

test('rule types: ref heads fold into the objects above them', () => {
  const overlap: [string, string][] = [
    ['overlap', 'p.q[r] = y { x = ["a", "b"]; y = x[r] }'],
    ['overlap', 'p.q.r = false { true }'],
    ['overlap', 'p.q.r = "false" { true }'],
    ['overlap', 'p.q[42] = 1337 { true }'],
    ['simple', 'p.q[r][s] = 42 { x = ["a", "b"]; r = x[s] }'],
  ];
  assert.deepEqual(ruleTypes(overlap, ['data.overlap.p.q.r', 'data.overlap.p.q[42]', 'data.overlap.p.q[1]', 'data.overlap.p.q', 'data.simple.p.q']), {
    'data.overlap.p.q.r': 'any<boolean, string>',
    'data.overlap.p.q[42]': 'number',
    'data.overlap.p.q[1]': 'any<boolean, number, string>',
    'data.overlap.p.q': 'object[any<number, string>: any<boolean, number, string>]',
    'data.simple.p.q': 'object[string: object[number: number]]',
  });
});

test('function types: parameters from their uses, any when unused', () => {
  const types = ruleTypes(
    [
      ['f', 'foo([a, b]) = y { split(a, b, y) }'],
      ['f', 'obj(x) = y { y = {x: 1} }'],
      ['f', 'id(x) = x'],
    ],
    ['data.f.foo', 'data.f.obj', 'data.f.id'],
  );
  assert.deepEqual(types, {
    'data.f.foo': '(array<string, string>) => array[string]',
    'data.f.obj': '(any) => object[any: number]',
    'data.f.id': '(any) => any',
  });
});

test('errors: built-in operands, with have/want details', () => {
  assert.deepEqual(compileErrors(['package p\nt if count(1)']), [
    'm0.rego:2:6: rego_type_error: count: invalid argument(s)\n\thave: (number)\n\twant: (collection: any<string, array[any], object[any: any], set[any]>, n: number)',
  ]);
  assert.deepEqual(compileErrors(['package p\nx := [1] | {"b": true}']), [
    'm0.rego:2:6: rego_type_error: or: invalid argument(s)\n\thave: (array<number>, object<b: boolean>, ???)\n\twant: (x: set[any], y: set[any], z: set[any])',
  ]);
  assert.deepEqual(compileErrors(['package p\nr if {\n\tx := "a"\n\ty := x + 1\n}']), [
    'm0.rego:4:7: rego_type_error: plus: invalid argument(s)\n\thave: (string, number, ???)\n\twant: (x: number, y: number, z: number)',
  ]);
});

test('errors: match errors (== in modules unifies), unknown types stay quiet', () => {
  assert.deepEqual(compileErrors(['package p\nsame if 1 == "1"']), ['m0.rego:2:9: rego_type_error: match error\n\tleft  : number\n\tright : string']);
  assert.deepEqual(compileErrors(['package p\nu1 := {"name": "joe", "age": 55}\nu2 := {"name": "jane"}\nsame if u1 == u2']), [
    'm0.rego:4:9: rego_type_error: match error\n\tleft  : object<age: number, name: string>\n\tright : object<name: string>',
  ]);
  assert.deepEqual(compileErrors(['package p\nr if {\n\tx := [1]\n\t[a, b] = x\n}']), [
    'm0.rego:4:2: rego_type_error: match error\n\tleft  : array<???, ???>\n\tright : array<number>',
  ]);
  assert.deepEqual(compileErrors(['package p\nsame if input.x == "1"\nq if 1 != "1"']), []);
});

test('errors: undefined refs into known types, with the element marked', () => {
  assert.deepEqual(compileErrors(['package p\nx := {"a": 1}\nz if x[1] == 1']), [
    'm0.rego:3:6: rego_type_error: undefined ref: data.p.x[1]\n\tdata.p.x[1]\n\t         ^\n\t         have: 1\n\t         want (one of): ["a"]',
  ]);
  assert.deepEqual(compileErrors(['package p\nr if {\n\tarr := [[1, 2], [3, 4]]\n\tarr[1][0].deadbeef\n}']), [
    'm0.rego:4:2: rego_type_error: undefined ref: arr[1][0].deadbeef\n\tarr[1][0].deadbeef\n\t^^^^^^^^^\n\thave: number',
  ]);
});

test('errors: a function used as a value, arity of with replacements, user functions with inferred parameters', () => {
  assert.deepEqual(compileErrors(['package p\nf(x) := x\nr if { y := f; y }']), [
    'm0.rego:3:13: rego_type_error: undefined ref: data.p.f\n\tdata.p.f\n\t^^^^^^^^\n\thave: (any) => any',
  ]);
  assert.deepEqual(compileErrors(['package p\nmock(x, y) := 1\nr if count([]) with count as mock']), [
    'm0.rego:3:16: rego_type_error: count: arity mismatch\n\thave: (any, any)\n\twant: (collection: any<string, array[any], object[any: any], set[any]>)',
  ]);
  assert.deepEqual(compileErrors(['package p\nf(s) if startswith(s, "a")\nr if f(1)']), [
    'm0.rego:3:6: rego_type_error: data.p.f: invalid argument(s)\n\thave: (number)\n\twant: (string, boolean)',
  ]);
});

test('queries are checked too, `==` staying a comparison', () => {
  const policy = compile([{ file: 'p.rego', source: 'package p\nx := 1' }]);
  assert.throws(() => policy.prepare('count(data.p.x)'), /count: invalid argument\(s\)/);
  assert.doesNotThrow(() => policy.prepare('data.p.x == "a"'));
});

test('a chain of thousands of dependent rules is checked without exhausting the stack', () => {
  let src = 'package p\n';
  for (let i = 0; i < 3000; i++) src += `r${i} := r${i + 1} + 1\n`;
  src += 'r3000 := "a"\n';
  // The string at the end of the chain makes r2999's `+` a type error, found only by typing the whole chain.
  assert.deepEqual(
    compileErrors([src]).map((e) => e.split('\n')[0]),
    ['m0.rego:3001:10: rego_type_error: plus: invalid argument(s)'],
  );
});
