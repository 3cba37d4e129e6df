import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, evalQuery } from '../../src/rego/index.js';
import { RegoError, type Location } from '../../src/rego/errors.js';
import { toJS } from '../../src/rego/value.js';

function policy(source: string) {
  return compile([{ file: 'p.rego', source }]);
}

function coveredRows(source: string, query: string, input: unknown): number[] {
  const rows = new Set<number>();
  const files = new Set<string>();
  evalQuery(policy(source), query, {
    input: input as never,
    coverage: (loc: Location) => {
      rows.add(loc.row);
      files.add(loc.file);
    },
  });
  assert.deepEqual([...files], ['p.rego'], 'query expressions are not part of any module');
  return [...rows].sort((a, b) => a - b);
}

test('coverage: evaluated expressions, and heads of rules that succeed', () => {
  const src = `package p

allow if {
	input.x > 1
	input.y == 2
}

deny if {
	input.x < 0
}
`;
  // allow's first expression fails: its head and second expression are not covered.
  assert.deepEqual(coveredRows(src, 'data.p.allow', { x: 0, y: 2 }), [4]);
  assert.deepEqual(coveredRows(src, 'data.p.allow', { x: 2, y: 2 }), [3, 4, 5]);
  assert.deepEqual(coveredRows(src, 'data.p.deny', { x: 2 }), [9]);
});

test('coverage: function heads on success, negated expressions when evaluated', () => {
  const src = `package p

f(x) := y if {
	y := x + 1
}

q if {
	not f(1) == 3
}
`;
  assert.deepEqual(coveredRows(src, 'data.p.q', {}), [3, 4, 7, 8]);
});

function evalError(source: string, query: string): RegoError {
  try {
    evalQuery(policy(source), query);
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
  assert.fail('expected an evaluation error');
}

test('conflicting else values: OPA wording depends on whether the query asks for the rule directly', () => {
  const src = `package ex

c if {
	false
} else := false

c if {
	false
} else := true

p if c
`;
  assert.equal(evalError(src, 'data.ex.c').message, 'rule data.ex.c produced conflicting values');
  assert.equal(evalError(src, 'data.ex.p').message, 'complete rules must not produce multiple outputs');
  const plain = 'package ex\n\nc := 1\n\nc := 2\n';
  assert.equal(evalError(plain, 'data.ex.c').message, 'complete rules must not produce multiple outputs');
});

test('data refs find string keys for integer indexes; other objects do not', () => {
  const src = `package t

p := data.nested[2]

q := obj[2] if obj := data.nested
`;
  const data = { nested: { '2': 'bar' } };
  assert.deepEqual(evalQuery(policy(src), 'x := data.t.p', { data })[0]!.bindings, { x: 'bar' });
  assert.deepEqual(evalQuery(policy(src), 'x := data.t.q', { data }), []);
});

test('template strings may carry with modifiers', () => {
  const src = `package t

msg := $"Hello {input.name with input as {"name": "world"}}!"
`;
  assert.deepEqual(evalQuery(policy(src), 'x := data.t.msg')[0]!.bindings, { x: 'Hello world!' });
});

test('http.send checks the request keys before refusing the network', () => {
  const strict = (req: string) => {
    try {
      evalQuery(policy(`package t\n\np := x if http.send(${req}, x)\n`), 'data.t.p', { strictBuiltinErrors: true });
    } catch (e) {
      if (e instanceof RegoError) return e;
      throw e;
    }
    return assert.fail('expected an error');
  };
  const missing = strict('{"method": "get"}');
  assert.equal(missing.code, 'eval_type_error');
  assert.match(missing.message, /missing required request parameters\(s\): \{"url"\}$/);
  const invalid = strict('{"method": "get", "url": "http://x", "bogus": 1}');
  assert.match(invalid.message, /invalid request parameters\(s\): \{"bogus"\}$/);
  const refused = strict('{"method": "get", "url": "http://x"}');
  assert.equal(refused.code, 'eval_builtin_error');
  assert.match(refused.message, /network access is not permitted/);
  // Without strict built-in errors the call is undefined.
  assert.deepEqual(evalQuery(policy('package t\n\np := x if http.send({"method": "get"}, x)\n'), 'x := data.t.p'), []);
});

test('a variable bound nowhere but in a negated expression is unsafe (OPA)', () => {
  const errs = (source: string): string[] => {
    try {
      policy(source);
    } catch (e) {
      return ((e as { errors: RegoError[] }).errors ?? []).map((x) => `${x.code}: ${x.message}`);
    }
    return [];
  };
  assert.deepEqual(errs('package t\n\nq := {1}\n\np if not q[x]\n'), ['rego_unsafe_var_error: var x is unsafe']);
  assert.deepEqual(errs('package t\n\nq := {1}\n\np if {\n\tx := 1\n\tnot q[x]\n}\n'), []);
});

test('sets and objects are iterated in OPA\'s order (sorted members and keys)', () => {
  const p = compile([
    {
      file: 'o.rego',
      source: `package o
members := [x | some x in {3, 1, 2}]
keys := [k | some k, _ in {"b": 1, "a": 2, "c": 3}]
input_keys := [k | some k, _ in input]
joined := concat(",", {"b", "c", "a"})
`,
    },
  ]);
  const v = (q: string, input?: unknown) => toJS(p.prepare(q).eval(input === undefined ? {} : { input: input as never })[0]!.expressions[0]!.value);
  assert.deepEqual(v('data.o.members'), [1, 2, 3]);
  assert.deepEqual(v('data.o.keys'), ['a', 'b', 'c']);
  assert.deepEqual(v('data.o.input_keys', JSON.parse('{"z": 1, "10": 2, "9": 3}')), ['10', '9', 'z']);
  assert.equal(v('data.o.joined'), 'a,b,c');
});

test('a refused built-in cannot come in through `with` either', () => {
  assert.throws(
    () =>
      compile(
        [{ file: 'w.rego', source: 'package w\nr := v if { v := time.now_ns() with time.now_ns as opa.runtime }\n' }],
        { refusedBuiltins: ['opa.runtime'] },
      ),
    (e: unknown) => /unsafe built-in function calls in expression: opa\.runtime/.test(String((e as Error).message)),
  );
});
