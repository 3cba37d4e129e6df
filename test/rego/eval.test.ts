import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, evalQuery } from '../../src/rego/index.js';
import { RegoError } from '../../src/rego/errors.js';
import { toJS, type Value } from '../../src/rego/value.js';

function policy(...sources: string[]) {
  return compile(sources.map((source, i) => ({ file: `m${i}.rego`, source })));
}

/** The JSON form (sets as sorted arrays) of `x` in every solution of `query`. */
function xs(sources: string[], query: string, opts: Parameters<typeof evalQuery>[2] = {}): unknown[] {
  return evalQuery(policy(...sources), query, opts).map((r) => toJS(r.bindings.x as Value));
}

test('complete rules, defaults and else chains', () => {
  const m = `package t
default allow := false
allow if input.user == "admin"
level := "high" if input.n > 10 else := "mid" if input.n > 5 else := "low"`;
  assert.deepEqual(xs([m], 'x := data.t.allow', { input: { user: 'admin' } }), [true]);
  assert.deepEqual(xs([m], 'x := data.t.allow', { input: { user: 'bob' } }), [false]);
  assert.deepEqual(xs([m], 'x := data.t.level', { input: { n: 7 } }), ['mid']);
  assert.deepEqual(xs([m], 'x := data.t.level', { input: { n: 1 } }), ['low']);
});

test('partial sets, partial objects and ref heads merge with base data', () => {
  const m = `package t
s contains x if some x in input.xs
o[k] := v if some k, v in input.obj
a.b[c].d := 1 if some c in ["p", "q"]`;
  const opts = { input: { xs: [3, 1, 3], obj: { z: 1 } }, data: { t: { base: true } } };
  assert.deepEqual(xs([m], 'x := data.t', opts), [{ a: { b: { p: { d: 1 }, q: { d: 1 } } }, base: true, o: { z: 1 }, s: [1, 3] }]);
  assert.deepEqual(xs([m], 'data.t.o[k] = x', opts), [1]);
});

test('functions, conflicts and builtin errors', () => {
  const m = `package t
f(x) := x + 1
g(x) := 1 if x > 0
g(x) := 2 if x > 1
p := y if y := f(1)
q := g(2)`;
  assert.deepEqual(xs([m], 'x := data.t.p'), [2]);
  assert.throws(() => evalQuery(policy(m), 'data.t.q'), (e: unknown) => e instanceof RegoError && e.code === 'eval_conflict_error');
  const c = `package t
p := x if x := [1, 2][_]`;
  assert.throws(() => evalQuery(policy(c), 'data.t.p'), /complete rules must not produce multiple outputs/);
});

test('strict built-in errors: undefined when off, error with location when on', () => {
  const m = `package t
p := x if x := 1 / 0`;
  assert.deepEqual(xs([m], 'x := data.t.p'), []);
  assert.throws(
    () => evalQuery(policy(m), 'data.t.p', { strictBuiltinErrors: true }),
    (e: unknown) => e instanceof RegoError && e.code === 'eval_builtin_error' && e.location?.row === 2,
  );
});

test('iteration, unification, not, every and comprehensions', () => {
  const m = `package t
pairs := [[k, v] | some k, v in input.o]
evens := {n | some n in input.ns; n % 2 == 0}
all_pos if every n in input.ns { n > 0 }
none_big if not any_big
any_big if input.ns[_] > 100`;
  const opts = { input: { o: { a: 1, b: 2 }, ns: [1, 2, 4] } };
  assert.deepEqual(xs([m], 'x := data.t.pairs', opts), [[['a', 1], ['b', 2]]]);
  assert.deepEqual(xs([m], 'x := data.t.evens', opts), [[2, 4]]);
  assert.deepEqual(xs([m], 'x := data.t.all_pos', opts), [true]);
  assert.deepEqual(xs([m], 'x := data.t.none_big', opts), [true]);
  assert.deepEqual(xs([m], '[x, y] = [1, 2]'), [1]);
  assert.deepEqual(xs([m], '{"k": x} = {"k": data.t.evens}', opts), [[2, 4]]);
});

test('with replaces input, data (base and virtual), functions and built-ins', () => {
  const m = `package t
p := input.x
q := y if y := data.t.p with input.x as 7
r := y if y := data.cfg.v with data.cfg.v as "mocked"
f(x) := x
s := y if y := f(1) with f as 5
u := y if y := count([1, 2]) with count as 9
v := y if y := p with p as 3`;
  assert.deepEqual(xs([m], 'x := data.t.q', { input: { x: 1 } }), [7]);
  assert.deepEqual(xs([m], 'x := data.t.p', { input: { x: 1 } }), [1]);
  assert.deepEqual(xs([m], 'x := data.t.r', { data: { cfg: { v: 'real' } } }), ['mocked']);
  assert.deepEqual(xs([m], 'x := data.t.s'), [5]);
  assert.deepEqual(xs([m], 'x := data.t.u'), [9]);
  assert.deepEqual(xs([m], 'x := data.t.v'), [3]);
});

test('imports, big integers and result shape', () => {
  const lib = `package lib
limit := 2`;
  const m = `package t
import data.lib.limit as lim
big := 9007199254740993 + 1
ok if lim == 2`;
  const p = policy(lib, m);
  assert.deepEqual(xs([lib, m], 'x := data.t.ok'), [true]);
  assert.equal(evalQuery(p, 'x := data.t.big')[0]!.bindings.x, 9007199254740994n);
  const rs = evalQuery(p, 'data.t.ok');
  assert.equal(rs.length, 1);
  assert.equal(rs[0]!.expressions[0]!.text, 'data.t.ok');
  assert.equal(rs[0]!.expressions[0]!.value, true);
  assert.deepEqual(rs[0]!.bindings, {});
});

test('evalValue fast path, print, deadline and concurrency-safe reuse', () => {
  const m = `package t
d := {"allow": input.a == 1}
p if print("hello", input.missing, 1)`;
  const p = policy(m);
  const q = p.prepare('data.t.d');
  assert.deepEqual(toJS(q.evalValue!({ input: { a: 1 } }) as Value), { allow: true });
  assert.deepEqual(toJS(q.evalValue!({ input: { a: 2 } }) as Value), { allow: false });
  const lines: string[] = [];
  evalQuery(p, 'data.t.p', { print: (l) => lines.push(l) });
  assert.deepEqual(lines, ['hello <undefined> 1']);
  const slow = policy(`package t
p := count([x | some i in input.xs; x := i])`);
  const input = { xs: Array.from({ length: 5000 }, (_, i) => i) };
  assert.throws(() => evalQuery(slow, 'data.t.p', { input, deadline: Date.now() - 1 }), (e: unknown) => e instanceof RegoError && e.code === 'eval_cancel_error');
  assert.deepEqual(xs([`package t
p := count([x | some i in input.xs; x := i])`], 'x := data.t.p', { input }), [5000]);
});
