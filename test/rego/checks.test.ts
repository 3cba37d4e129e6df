import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModule } from '../../src/rego/syntax/parser.js';
import { checkModules } from '../../src/rego/compile/checks/index.js';
import { builtinCapability } from '../../src/rego/capabilities.js';

const check = (sources: string[], refusedBuiltins: string[] = [], v0 = false): string[] =>
  checkModules(
    sources.map((s, i) => parseModule(`m${i}.rego`, s, { v0 })),
    { refusedBuiltins },
  ).map((e) => e.format());

test('capabilities: arity, deprecation, infix', () => {
  assert.equal(builtinCapability('plus')?.arity, 2);
  assert.equal(builtinCapability('plus')?.infix, '+');
  assert.equal(builtinCapability('any')?.deprecated, true);
  assert.equal(builtinCapability('print')?.arity, -1);
  assert.equal(builtinCapability('nope'), undefined);
});

test('undefined functions, built-in and user', () => {
  assert.deepEqual(check(['package a\np if {\n  x := nope(1)\n}']), ['m0.rego:3:8: rego_type_error: undefined function nope']);
  assert.deepEqual(check(['package a\np if data.b.f(1)']), ['m0.rego:2:6: rego_type_error: undefined function data.b.f']);
  assert.deepEqual(check(['package a\np if data.b.f(1)', 'package b\nf(x) := x']), []);
});

test('refused built-ins are left to the compiler, which names them once (OPA: unsafe built-in function calls)', () => {
  assert.deepEqual(check(['package a\np := http.send({})'], ['http.send']), []);
});

test('arity mismatches, allowing an output operand (OPA: built-ins `arity mismatch` with types, functions `has arity`)', () => {
  const want = '\n\twant: (collection: any<string, array[any], object[any: any], set[any]>)';
  assert.deepEqual(check(['package a\np if count()']), ['m0.rego:2:6: rego_type_error: count: arity mismatch\n\thave: ()' + want]);
  assert.deepEqual(check(['package a\np if count([1], x, y)']), ['m0.rego:2:6: rego_type_error: count: arity mismatch\n\thave: (array<number>, ???, ???)' + want]);
  assert.deepEqual(check(['package a\np if count([1], x)']), []);
  // A nested call has its output operand already: one operand too many.
  assert.deepEqual(check(['package a\np if { x := count([1], input.y) }']), ['m0.rego:2:13: rego_type_error: count: arity mismatch\n\thave: (array<number>, any, ???)' + want]);
  assert.deepEqual(check(['package a\nf(x) := x\np if f(1, 2, 3)']), ['m0.rego:3:6: rego_type_error: function data.a.f has arity 1, got 3 arguments']);
  assert.deepEqual(check(['package a\nf(x) := x\np if { y := f() }']), ['m0.rego:3:13: rego_type_error: function data.a.f has arity 1, got 0 arguments']);
  assert.deepEqual(check(['package a\nf(x) := x\np if { y := f(1, 2) }']), ['m0.rego:3:13: rego_type_error: function data.a.f has arity 1, got 2 arguments']);
});

test('a built-in without a result used as a value (OPA: CheckVoidCalls)', () => {
  assert.deepEqual(check(['package a\np if {\n  x := print(1, "a")\n  x\n}']), ['m0.rego:3:8: rego_type_error: print(1, "a") used as value']);
  assert.deepEqual(check(['package a\np if print(1)']), []);
});

test('deprecated built-ins are refused in v1 modules only', () => {
  assert.deepEqual(check(['package a\np if any([true])']), ['m0.rego:2:6: rego_type_error: deprecated built-in function calls in expression: any']);
  assert.deepEqual(check(['package a\np { any([true]) }'], [], true), []);
});

test('recursion between rules, reported for each rule on the cycle', () => {
  assert.deepEqual(check(['package x\np if q\nq if p']), [
    'm0.rego:2:1: rego_recursion_error: rule data.x.p is recursive: data.x.p -> data.x.q -> data.x.p',
    'm0.rego:3:1: rego_recursion_error: rule data.x.q is recursive: data.x.q -> data.x.p -> data.x.q',
  ]);
  assert.deepEqual(check(['package x\nf(n) := f(n - 1)']), ['m0.rego:2:1: rego_recursion_error: rule data.x.f is recursive: data.x.f -> data.x.f']);
  // Local variables hide rule names; refs to other documents are not recursion.
  assert.deepEqual(check(['package x\np if { q := 1; q == 1 }\nq := data.y.z\nr := data[2]']), []);
});

test('rule conflicts and multiple defaults', () => {
  assert.deepEqual(check(['package x\np := 1\np contains 2']), ['m0.rego:2:1: rego_type_error: conflicting rules data.x.p found']);
  assert.deepEqual(check(['package x\nf(a) := a\nf(a, b) := a']), ['m0.rego:2:1: rego_type_error: conflicting rules data.x.f found']);
  // OPA 1.x (v1/ast/compile.go checkRuleConflicts) lists the defaults' locations and reports at the package.
  assert.deepEqual(check(['package x\ndefault p := 1\ndefault p := 2']), ['m0.rego:1:1: rego_type_error: multiple default rules data.x.p found at m0.rego:2, m0.rego:3']);
  assert.deepEqual(check(['package x\nr.a.b := 1\nr.a := 2']), ['m0.rego:3:1: rego_type_error: rule data.x.r.a conflicts with [data.x.r.a.b]']);
  assert.deepEqual(check(['package x\np := 1\np[k] := 2 if k := "a"']), ['m0.rego:2:1: rego_type_error: conflicting rules data.x.p[k] found']);
  assert.deepEqual(check(['package x\nr.a.b := 1\nr.a.c := 3\nr.a := 2']), ['m0.rego:4:1: rego_type_error: rule data.x.r.a conflicts with [data.x.r.a.b data.x.r.a.c]']);
  assert.deepEqual(check(['package x\np.q[r] := 1 if r := "r"\np.q.s := 2\nf() := 1\nf := 2']), []);
});

test('duplicate imports in v1', () => {
  assert.deepEqual(check(['package x\nimport data.a.b\nimport data.c.b\np := b']), ['m0.rego:3:1: rego_compile_error: import must not shadow import data.a.b']);
});

test('a comprehension\'s own variables are local even when a rule has their name (no false recursion)', () => {
  assert.deepEqual(check(['package t\nk := [k | some k, _ in {"a": 1}]']), []);
  assert.deepEqual(check(['package t\nk := [k | k := 1]']), []);
  assert.deepEqual(check(['package t\nk := {k: v | some k, v in {"a": 1}}']), []);
  // A real self-reference inside a comprehension is still recursion.
  assert.equal(check(['package t\nk := [x | some x in k]']).length, 1);
});
