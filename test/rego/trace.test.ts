/** Evaluation traces (`--explain`): OPA's events, its lineage filters and pretty layout; none without a traced compile. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/rego/index.js';
import { RegoSet } from '../../src/rego/value.js';
import { Tracer } from '../../src/rego/eval/trace.js';
import { explainEvents, prettyTrace, traceJSON } from '../../src/rego/eval/trace-report.js';

const SOURCE = `package test

allow if {
\tinput.user == "admin"
\ttrace("admin ok")
}

allow if {
\tsome r in input.roles
\tr == "owner"
}

deny contains msg if {
\tnot allow
\tmsg := "no"
}

names := [n | some n in input.names; n != "x"]
`;

function traced(query: string, input: unknown): { events: Tracer['events']; value: unknown } {
  const policy = compile([{ file: 'test.rego', source: SOURCE }], { trace: true });
  const tracer = new Tracer();
  const rs = policy.prepare(query).eval({ input: input as never, tracer });
  return { events: tracer.events, value: rs[0]?.expressions[0]?.value };
}

test('a traced evaluation reports Enter, Eval, Fail, Redo and Exit by query, as OPA', () => {
  const { events } = traced('data.test.allow', { user: 'bob', roles: ['a', 'owner'] });
  const lines = events.map((e) => `${e.queryId}<${e.parentId} ${e.op} ${e.text}`);
  assert.deepEqual(lines.slice(0, 12), [
    '0<0 Enter data.test.allow',
    '0<0 Eval data.test.allow',
    '1<0 Enter data.test.allow',
    '1<0 Eval input.user == "admin"',
    '1<0 Fail input.user == "admin"',
    '2<0 Enter data.test.allow',
    '2<0 Eval some r in input.roles',
    '2<0 Eval r == "owner"',
    '2<0 Fail r == "owner"',
    '2<0 Redo some r in input.roles',
    '2<0 Eval r == "owner"',
    '2<0 Exit data.test.allow',
  ]);
  assert.ok(lines.includes('0<0 Exit data.test.allow'));
});

test('trace() is a Note; `notes` keeps notes with the queries around them, `fails` the failures', () => {
  const { events, value } = traced('data.test.deny', { user: 'admin' });
  assert.equal(value instanceof RegoSet && value.size, 0);
  const notes = explainEvents(events, 'notes');
  assert.deepEqual(
    notes.map((e) => `${e.op} ${e.message ?? e.text}`),
    ['Enter data.test.deny', 'Enter data.test.deny', 'Enter data.test.allow', 'Note admin ok'],
  );
  const fails = explainEvents(events, 'fails');
  assert.equal(fails[fails.length - 1]!.op, 'Fail');
  assert.equal(fails[fails.length - 1]!.text, 'not data.test.allow');
});

test('the pretty trace: a location column, then `| ` per query depth', () => {
  const { events } = traced('data.test.names', { names: ['a', 'x'] });
  const text = prettyTrace(events, { locations: true });
  const lines = text.trimEnd().split('\n');
  assert.match(lines[0]!, /^query:1 {10}Enter data\.test\.names$/);
  assert.match(lines[1]!, /^query:1 {10}\| Eval data\.test\.names$/);
  assert.ok(lines.some((l) => /^test\.rego:18 {5}\| \| Enter some n in input\.names; n != "x"$/.test(l)), text);
  assert.ok(lines.some((l) => /^test\.rego:18 {5}\| \| \| Fail n != "x"$/.test(l)), text);
  assert.equal(prettyTrace(events).split('\n')[0], 'Enter data.test.names');
  const json = traceJSON(events) as { op: string; query_id: number; type: string; node: string }[];
  assert.deepEqual(json[0], { op: 'Enter', query_id: 0, parent_id: 0, type: 'body', node: 'data.test.names', location: { file: 'query', row: 1, col: 1 } });
});

test('an ordinary compile emits no evaluation events, and trace() prints nothing (only notes reach a tracer)', () => {
  const policy = compile([{ file: 'test.rego', source: SOURCE }]);
  const tracer = new Tracer();
  const printed: string[] = [];
  const rs = policy.prepare('data.test.allow').eval({ input: { user: 'admin' }, tracer, print: (m) => printed.push(m) });
  assert.equal(rs[0]!.expressions[0]!.value, true);
  assert.deepEqual(tracer.events.map((e) => `${e.op} ${e.message}`), ['Note admin ok']);
  assert.deepEqual(printed, []);
});

test('a trace stops growing at its limit and says so', () => {
  const policy = compile([{ file: 'big.rego', source: 'package big\n\nn := count([x | some x in numbers.range(1, 1000); x > 0])\n' }], { trace: true });
  const tracer = new Tracer(50);
  policy.prepare('data.big.n').eval({ tracer });
  assert.equal(tracer.events.length, 51);
  assert.equal(tracer.events[50]!.message, 'trace cut after 50 events');
});
