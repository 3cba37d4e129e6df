/**
 * The evaluator's hot path: selected package fields (`prepareFields`), the
 * rule index, and straight-line expressions. Each fast path must give exactly
 * what the general path gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, evalQuery } from '../../src/rego/index.js';
import { RegoError } from '../../src/rego/errors.js';
import { objectGet, toJS, type Value } from '../../src/rego/value.js';

function policy(...sources: string[]) {
  return compile(sources.map((source, i) => ({ file: `m${i}.rego`, source })));
}

function errorOf(fn: () => unknown): RegoError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RegoError, String(e));
    return e;
  }
  assert.fail('expected a RegoError');
}

const PKG = `package app.decision
default verdict := "deny"
verdict := "allow" if _trusted
reason := sprintf("user %s", [input.user]) if _trusted
_trusted if input.user in data.app.trusted
flags contains f if some f in input.flags
`;

test('prepareFields gives the package document values of the selected fields', () => {
  const p = policy(PKG);
  const data = { app: { trusted: ['ann'], decision: { from_data: 7, verdict: 'shadowed' } } };
  const fields = ['verdict', 'reason', 'flags', 'from_data', 'missing'];
  const prepared = p.prepareFields!(['app', 'decision'], fields)!;
  const inputs: Value[] = [{ user: 'ann', flags: ['b', 'a'] }, { user: 'bob' }, {}];
  for (const input of inputs) {
    const doc = evalQuery(p, 'data.app.decision', { input, data })[0]!.expressions[0]!.value as Parameters<typeof objectGet>[0];
    const got = prepared.evalFields({ input, data });
    assert.deepEqual(Object.keys(got), fields);
    for (const f of fields) {
      const want = objectGet(doc, f);
      assert.deepEqual(got[f] === undefined ? undefined : toJS(got[f]!), want === undefined ? undefined : toJS(want), `${f} for ${JSON.stringify(input)}`);
    }
  }
  assert.equal(prepared.evalFields({ input: { user: 'ann' }, data }).from_data, 7);
  assert.equal(prepared.evalFields({ input: { user: 'ann' }, data }).verdict, 'allow');
});

test('prepareFields is declined where the package document is not the object of its rules', () => {
  const p = policy(PKG, 'package app\nother := 1', 'package whole\nx[k] := 1 if some k in input.ks\nx.y.z := 2 if false', 'package refhead\nobj[k] := 1 if some k in input.ks');
  assert.equal(p.prepareFields!(['app', 'nothing'], ['a']), undefined);
  assert.equal(p.prepareFields!(['app', 'other'], ['a']), undefined);
  assert.equal(p.prepareFields!(['refhead', 'obj'], ['a']), undefined);
  assert.notEqual(p.prepareFields!(['app', 'decision'], ['verdict']), undefined);
});

test('prepareFields reports conflicts with the same message as the package query', () => {
  const p = policy('package c\nx := 1\nx := 2\ny := 1 if false else := 2\ny := 3');
  for (const f of ['x', 'y']) {
    const whole = errorOf(() => evalQuery(p, 'data.c'));
    const fields = errorOf(() => p.prepareFields!(['c'], [f])!.evalFields());
    assert.equal(fields.code, 'eval_conflict_error');
    if (f === 'x') assert.equal(fields.message, whole.message);
  }
  const yWhole = errorOf(() => evalQuery(policy('package c\ny := 1 if false else := 2\ny := 3'), 'data.c'));
  const yFields = errorOf(() => policy('package c\ny := 1 if false else := 2\ny := 3').prepareFields!(['c'], ['y'])!.evalFields());
  assert.equal(yFields.message, yWhole.message);
});

/** `n` partial-set rules and `n` complete rules, each keyed on `input.kind`, plus unkeyed ones. */
function decisionTable(n: number): string {
  const lines = ['package gen'];
  for (let i = 0; i < n; i++) {
    lines.push(`deny contains "r${i}" if {\n\tinput.kind == "k${i}"\n\tinput.size > ${i % 5}\n}`);
    lines.push(`level := ${i} if "k${i}" == input.kind`);
  }
  lines.push('deny contains "always" if input.size > 100');
  lines.push('deny contains "num" if input.kind == 3');
  lines.push('default level := -1');
  lines.push('level := 99 if { input.kind == "k0"; input.size == 1000 }');
  lines.push('tiered := "a" if input.kind == "k1" else := "b"');
  return lines.join('\n');
}

test('the rule index picks the matching rules and keeps every other candidate', () => {
  const p = policy(decisionTable(30));
  const q = p.prepare('data.gen.deny');
  const level = p.prepare('data.gen.level');
  const deny = (input: Value) => toJS(q.eval({ input })[0]!.expressions[0]!.value);
  assert.deepEqual(deny({ kind: 'k7', size: 3 }), ['r7']);
  assert.deepEqual(deny({ kind: 'k7', size: 1 }), []);
  assert.deepEqual(deny({ kind: 'k7', size: 500 }), ['always', 'r7']);
  assert.deepEqual(deny({ kind: 'none', size: 500 }), ['always']);
  assert.deepEqual(deny({ size: 500 }), ['always']);
  assert.deepEqual(deny({ kind: { k: 'k7' }, size: 500 }), ['always']);
  assert.deepEqual(deny({ kind: 3, size: 0 }), ['num']);
  assert.deepEqual(deny({ kind: 3n, size: 0 }), ['num']);
  assert.equal(level.evalValue!({ input: { kind: 'k12' } }), 12);
  assert.equal(level.evalValue!({ input: { kind: 'zz' } }), -1);
  // Two keyed rules of different buckets never both hold; an unkeyed one conflicting with a keyed one is still seen.
  assert.equal(errorOf(() => level.evalValue!({ input: { kind: 'k0', size: 1000 } })).code, 'eval_conflict_error');
  assert.equal(p.prepare('data.gen.tiered').evalValue!({ input: { kind: 'k2' } }), 'b');
  // `with` replacing `equal` bypasses the index (every rule is a candidate again).
  const r = evalQuery(p, 'x := data.gen.deny with equal as true with input as {"kind": "zz", "size": 10}');
  assert.equal((toJS(r[0]!.bindings.x as Value) as string[]).length, 31);
});

test('straight-line expressions: bindings, negation and backtracking', () => {
  const m = `package s
pairs contains [x, y] if {
  some x in [1, 2, 3]
  y := x * 10
  y > 10
  not y == 30
  [a, b] := [x, y]
  a + b > 0
}
firsts := [z | some p in pairs; [z, _] := p]
same if { x := 1; y := x; x == y }`;
  const p = policy(m);
  assert.deepEqual(toJS(p.prepare('data.s.pairs').evalValue!() as Value), [[2, 20]]);
  assert.deepEqual(toJS(p.prepare('data.s.firsts').evalValue!() as Value), [2]);
  assert.equal(p.prepare('data.s.same').evalValue!(), true);
});

test('timeoutMs: a long evaluation is cancelled, a short one never reads the clock', () => {
  const policy = compile([{ file: 'loop.rego', source: 'package loop\n\nn := count([x | some x in numbers.range(1, 3000000); x % 7 == 0])\n\nsmall := 1\n' }]);
  assert.throws(
    () => policy.prepare('data.loop.n').eval({ timeoutMs: 20 }),
    (e: unknown) => (e as { code?: string }).code === 'eval_cancel_error',
  );
  const realNow = Date.now;
  let reads = 0;
  Date.now = () => (reads++, realNow());
  try {
    assert.equal(policy.prepare('data.loop.small').eval({ timeoutMs: 20 })[0]!.expressions[0]!.value, 1);
  } finally {
    Date.now = realNow;
  }
  assert.equal(reads, 0);
});

test('evalFieldList gives the selected fields by position, as evalFields gives them by name', () => {
  const p = policy(PKG);
  const data = { app: { trusted: ['ann'], decision: { from_data: 7 } } };
  const fields = ['verdict', 'missing', 'reason', 'from_data', 'flags'];
  const prepared = p.prepareFields!(['app', 'decision'], fields)!;
  for (const input of [{ user: 'ann', flags: ['x'] }, { user: 'bob' }] as Value[]) {
    const named = prepared.evalFields({ input, data });
    const list = prepared.evalFieldList!({ input, data });
    assert.equal(list.length, fields.length);
    fields.forEach((f, i) => assert.deepEqual(list[i], named[f], `${f} for ${JSON.stringify(input)}`));
  }
  assert.deepEqual(prepared.evalFieldList!({ input: { user: 'ann' }, data }).slice(0, 4), ['allow', undefined, 'user ann', 7]);
});

test('a run of straight-line expressions reports coverage only on evaluations that collect it', () => {
  // No equality with a constant: the rule index does not skip the rule, its body runs.
  const src = 'package cov\n\nallow if {\n\tinput.x > 1\n\tinput.y < 5\n\tinput.z != 3\n}\n';
  const prepared = compile([{ file: 'c.rego', source: src }]).prepare('data.cov.allow');
  const rowsOf = (input: Value): number[] => {
    const rows = new Set<number>();
    prepared.eval({ input, coverage: (loc) => rows.add(loc.row) });
    return [...rows].sort((a, b) => a - b);
  };
  // The same compiled body, alternately without and with a coverage sink.
  assert.equal(prepared.eval({ input: { x: 2, y: 2, z: 0 } }).length, 1);
  assert.deepEqual(rowsOf({ x: 2, y: 2, z: 0 }), [3, 4, 5, 6]);
  assert.equal(prepared.eval({ input: { x: 2, y: 5, z: 0 } }).length, 0);
  // The run stops at the first failing expression: later ones are not covered.
  assert.deepEqual(rowsOf({ x: 2, y: 5, z: 0 }), [4, 5]);
});
