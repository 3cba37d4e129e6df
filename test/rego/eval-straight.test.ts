/**
 * Fast paths of the evaluator that must give exactly what the general path
 * gives: `else` chains and function definitions evaluated without
 * continuation closures (`straightChain`, `straightCall`), the per-policy
 * node memo table (`NodeTable`), and `max`/`min` over sets without sorting.
 * A policy compiled with `trace: true` takes the general path everywhere
 * (traced closures have no straight-line form), so it is the reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, evalQuery } from '../../src/rego/index.js';
import { RegoError } from '../../src/rego/errors.js';
import { toJS, type Value } from '../../src/rego/value.js';

function both(source: string) {
  const modules = [{ file: 'p.rego', source }];
  return { fast: compile(modules), general: compile(modules, { trace: true }) };
}

/** The package document's value (as JSON), or the error's code and message. */
function outcome(policy: ReturnType<typeof compile>, query: string, input: Value): unknown {
  try {
    const rs = evalQuery(policy, query, { input, strictBuiltinErrors: true });
    return rs.length === 0 ? 'undefined' : toJS(rs[0]!.expressions[0]!.value);
  } catch (e) {
    assert.ok(e instanceof RegoError, String(e));
    return `${e.code}: ${e.message} @${e.location?.row}`;
  }
}

function sameAsGeneral(source: string, queries: string[], inputs: Value[]): void {
  const { fast, general } = both(source);
  for (const q of queries) {
    for (const input of inputs) {
      assert.deepEqual(outcome(fast, q, input), outcome(general, q, input), `${q} for ${JSON.stringify(input)}`);
    }
  }
}

const INPUTS: Value[] = [{ x: 1 }, { x: 2 }, { x: 3 }, { x: 'a' }, {}, { x: 1, y: 1 }, { x: 2, y: 2 }];

test('straight else chains give the general path values, defaults and undefined', () => {
  sameAsGeneral(
    `package p
default d := "none"
d := "one" if input.x == 1 else := "two" if input.x == 2 else := "big" if input.x > 2
u := 1 if input.x == 1 else := 2 if input.x == 2
v := r if { r := input.x + 1 } else := 0
w := input.y if input.x == 1 else := input.x`,
    ['data.p', 'data.p.d', 'data.p.u', 'data.p.v', 'data.p.w'],
    INPUTS,
  );
});

test('conflicts between straight else chains: same codes, messages and locations', () => {
  const source = `package p
a := 1 if input.x == 1 else := 2
a := 2 if input.x == 2 else := 3
b := c
c := 1 if input.x == 1 else := 2
c := 2 if input.x == 1 else := 2`;
  sameAsGeneral(source, ['data.p.a', 'data.p', 'data.p.b'], INPUTS);
  const { fast } = both(source);
  const fields = fast.prepareFields!(['p'], ['a'])!;
  assert.throws(() => fields.evalFields({ input: { x: 1 } }), (e: unknown) => e instanceof RegoError && e.code === 'eval_conflict_error');
  assert.deepEqual(toJS(fields.evalFields({ input: { x: 2 } }).a!), 2);
});

test('straight function calls: else chains, patterns that do not match, conflicts, memo', () => {
  sameAsGeneral(
    `package p
f(x) := "one" if x == 1 else := "two" if x == 2
g([a, b]) := a + b
g(1) := 10
h(x) := 1 if x > 0
h(x) := 2 if x > 1
k(x, y) := x if x > y else := y
r1 := f(input.x)
r2 := g([input.x, 1])
r3 := g(input.x)
r4 := h(input.x)
r5 := k(input.x, 2)
r6 := [f(1), f(1), f(2), f(3)]`,
    ['data.p.r1', 'data.p.r2', 'data.p.r3', 'data.p.r4', 'data.p.r5', 'data.p.r6', 'data.p'],
    INPUTS,
  );
});

test('the node memo: repeated, failing and nested evaluations of one policy stay independent', () => {
  const p = compile([
    {
      file: 'p.rego',
      source: `package p
a := input.x * 2
b := a + 1
c := b if not input.fail
c := 0 if input.fail
c := 1 if input.fail
out := [a, b, c] if { a > -1; print("out") }`,
    },
  ]);
  const fields = p.prepareFields!(['p'], ['out'])!;
  for (let i = 0; i < 5; i++) assert.deepEqual(toJS(fields.evalFields({ input: { x: i } }).out!), [2 * i, 2 * i + 1, 2 * i + 1]);
  // A conflict half way through: the next evaluation does not see its half-computed values.
  assert.throws(() => fields.evalFields({ input: { x: 1, fail: true } }), (e: unknown) => e instanceof RegoError && e.code === 'eval_conflict_error');
  assert.deepEqual(toJS(fields.evalFields({ input: { x: 7 } }).out!), [14, 15, 15]);
  // An evaluation started from inside another (here from its print sink) has a memo of its own.
  let inner: unknown;
  const outer = fields.evalFields({
    input: { x: 3 },
    print: () => {
      inner = toJS(fields.evalFields({ input: { x: 10 } }).out!);
    },
  });
  assert.deepEqual(inner, [20, 21, 21]);
  assert.deepEqual(toJS(outer.out!), [6, 7, 7]);
  assert.deepEqual(toJS(evalQuery(p, 'data.p.b with input.x as 4')[0]!.expressions[0]!.value), 9);
  assert.deepEqual(toJS(evalQuery(p, 'x := data.p.b; y := data.p.b with input.x as 4', { input: { x: 1 } })[0]!.bindings), { x: 3, y: 9 });
});

test('max and min over sets: the extreme in OPA order, whatever the insertion order', () => {
  const p = compile([{ file: 'p.rego', source: 'package p\nhi := max(input.s)\nlo := min(input.s)\nset_hi := max({x | some x in input.s})\nset_lo := min({x | some x in input.s})' }]);
  const cases: Value[][] = [[3, 1, 2], [2, 'a', null, false, [1]], [{ a: 1 }, [2], 'z', 1.5], ['b', 'a', 'c'], [1]];
  for (const s of cases) {
    const v = toJS(evalQuery(p, 'data.p', { input: { s } })[0]!.expressions[0]!.value) as Record<string, unknown>;
    assert.deepEqual(v.set_hi, v.hi, JSON.stringify(s));
    assert.deepEqual(v.set_lo, v.lo, JSON.stringify(s));
  }
  assert.deepEqual(evalQuery(p, 'x := max(set())'), []);
});

test('base data references follow the data document each evaluation is given', () => {
  const p = compile([{ file: 'p.rego', source: 'package p\nlimit := data.cfg.limits.max\nover if input.n > data.cfg.limits.max\nmode := data.cfg.mode' }]);
  const fields = p.prepareFields!(['p'], ['limit', 'over', 'mode'])!;
  const one = { cfg: { limits: { max: 5 }, mode: 'a' } };
  const two = { cfg: { limits: { max: 50 } } };
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(toJS(fields.evalFieldList!({ input: { n: 10 }, data: one }) as Value), [5, true, 'a']);
    assert.deepEqual(toJS(fields.evalFieldList!({ input: { n: 10 }, data: two }).map((v) => v ?? null) as Value), [50, null, null]);
  }
  assert.deepEqual(toJS(evalQuery(p, 'x := data.p.limit with data.cfg.limits.max as 7', { data: one })[0]!.bindings), { x: 7 });
});

test('comparisons with a constant operand: either side, any type, and replaced by `with`', () => {
  sameAsGeneral(
    `package p
a if input.x == 1
b if 1 == input.x
c if input.x > 1
d if "a" < input.x
e if input.x != null
f := [input.x >= 2, 2 <= input.x, input.x <= "b"]`,
    ['data.p', 'data.p.f'],
    [...INPUTS, { x: 1.0 }, { x: [1] }, { x: null }, { x: 2.5 }],
  );
  const p = compile([{ file: 'p.rego', source: 'package p\nalways(_, _) := true\na if input.x == 1\nb if 2 > input.x' }]);
  assert.deepEqual(toJS(evalQuery(p, 'x := [data.p.a, data.p.b] with equal as data.p.always with gt as data.p.always', { input: { x: 5 } })[0]!.bindings), { x: [true, true] });
});

test('some … in: arrays, sets and objects, key and value patterns, a constant key, early exit', () => {
  const p = compile([
    {
      file: 'p.rego',
      source: `package p
vals contains x if some x in input.c
pairs contains [k, v] if some k, v in input.c
firsts contains k if { some k, "a" in input.c }
bound contains v if { some 1, v in input.c }
nested contains [x, y] if { some x in input.c; some y in input.c; x != y }
any_b if { some x in input.c; x == "b" }
none if { some x in input.missing; x }
count_all := count([x | some x in input.c])`,
    },
  ]);
  const doc = (c: Value): unknown => toJS(evalQuery(p, 'data.p', { input: { c } })[0]!.expressions[0]!.value);
  assert.deepEqual(doc(['a', 'b', 'a']), {
    vals: ['a', 'b'],
    pairs: [[0, 'a'], [1, 'b'], [2, 'a']],
    firsts: [0, 2],
    bound: ['b'],
    nested: [['a', 'b'], ['b', 'a']],
    any_b: true,
    count_all: 3,
  });
  assert.deepEqual(doc({ k1: 'a', k2: 'c' }), { vals: ['a', 'c'], pairs: [['k1', 'a'], ['k2', 'c']], firsts: ['k1'], bound: [], nested: [['a', 'c'], ['c', 'a']], count_all: 2 });
  assert.deepEqual(doc('abc'), { vals: [], pairs: [], firsts: [], bound: [], nested: [], count_all: 0 });
  assert.deepEqual(toJS(evalQuery(p, 'data.p.vals', { input: { c: [] } })[0]!.expressions[0]!.value), []);
  assert.deepEqual(toJS(evalQuery(p, 'x := data.p.vals with input.c as {"s", "t"}')[0]!.bindings), { x: ['s', 't'] });
});

test('function memo: many distinct operands, repeated ones, and operands equal only in type-blind comparison', () => {
  const p = compile([{ file: 'p.rego', source: 'package p\nsq(x) := x * x if is_number(x)\nsq(x) := concat("", [x, x]) if is_string(x)\nall := [sq(n) | some n in input.ns]\nmixed := [sq(1), sq("1"), sq(1), sq("1"), sq(1.5)]' }]);
  const ns = [...Array.from({ length: 20 }, (_, i) => i), 3, 7, 19, 0];
  for (let i = 0; i < 2; i++) {
    const doc = toJS(evalQuery(p, 'data.p', { input: { ns } })[0]!.expressions[0]!.value) as Record<string, unknown>;
    assert.deepEqual(doc.all, ns.map((n) => n * n));
    assert.deepEqual(doc.mixed, [1, '11', 1, '11', 2.25]);
  }
});
