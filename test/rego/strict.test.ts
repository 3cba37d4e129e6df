/** OPA's compiler strict mode (`opa check --strict`) and the v1 reserved-name checks, with OPA's messages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/rego/index.js';
import { RegoErrors } from '../../src/rego/errors.js';

/** The errors of a strict compile as `row: code: message` lines. */
function strictErrors(source: string, opts: { v0?: boolean; strict?: boolean } = {}): string[] {
  const lib = { file: 'lib.rego', source: 'package lib.b\n\nf(x) := x\n' };
  try {
    compile([{ file: 'p.rego', source }, lib], { v0Compatible: opts.v0 === true, strict: opts.strict !== false });
    return [];
  } catch (e) {
    if (!(e instanceof RegoErrors)) throw e;
    return e.errors.map((x) => `${x.location?.row}: ${x.code}: ${x.message}`);
  }
}

test('strict: unused imports (aliases, call names and shadowing locals considered)', () => {
  const src = `package p

import data.lib.a
import data.lib.b as bee
import data.lib.c
import data.lib.d

p if a.x
q if bee.f(1)
r if {
\tc := 1
\tc > 0
}
`;
  assert.deepEqual(strictErrors(src), ['5: rego_compile_error: import data.lib.c unused', '6: rego_compile_error: import data.lib.d unused']);
  assert.deepEqual(strictErrors(src, { strict: false }), []);
});

test('strict: unused assignments, arguments and declarations, in rules, comprehensions and every', () => {
  const src = `package p

f(x, y) := z if {
\tz := x + 1
\tw := 2
}

g(_, y) := y

p if {
\tsome i
\tinput.x > 0
}

p2 if {
\tv := [n | some n in input.xs; m := n]
\tcount(v) > 0
}

q if every k, v in input.o { v > 0 }
`;
  assert.deepEqual(strictErrors(src), [
    '3: rego_compile_error: unused argument y. (hint: use _ (wildcard variable) instead)',
    '5: rego_compile_error: assigned var w unused',
    '11: rego_compile_error: declared var i unused',
    '16: rego_compile_error: assigned var m unused',
    '20: rego_compile_error: declared var k unused',
  ]);
});

test('without strict mode: redeclarations and unused some declarations still fail (OPA rewriteLocalVars)', () => {
  const src = `package p

r if {
\tsome x
\tinput.y == 1
}

s if {
\tw := 1
\ttrue
}

t if {
\tz := 1
\tz := 2
}
`;
  assert.deepEqual(strictErrors(src, { strict: false }), ['4: rego_compile_error: declared var x unused', '15: rego_compile_error: var z assigned above']);
  assert.deepEqual(strictErrors(src), [
    '4: rego_compile_error: declared var x unused',
    '9: rego_compile_error: assigned var w unused',
    '15: rego_compile_error: var z assigned above',
  ]);
});

test('strict: variables used later, in the head, in closures or across else branches count as used', () => {
  const src = `package p

f(x) := 1 if {
\tx > 1
} else := 2

p := v if {
\tv := 1
}

q if {
\tlimit := 3
\tevery n in input.ns { n < limit }
}

r contains s if {
\ts := "x"
}
`;
  assert.deepEqual(strictErrors(src), []);
});

test('input and data may not be shadowed: always in v1, in v0 only in strict mode', () => {
  const src = 'package p\n\ninput := 1\n\nf(data) := 1\n\ng if {\n\tdata := 2\n\tdata == 2\n}\n';
  const want = [
    '3: rego_compile_error: rules must not shadow input (use a different rule name)',
    '5: rego_compile_error: args must not shadow data (use a different variable name)',
    '8: rego_compile_error: variables must not shadow data (use a different variable name)',
  ];
  assert.deepEqual(strictErrors(src, { strict: false }), want);
  const v0 = 'package p\n\ninput = 1\n';
  assert.deepEqual(strictErrors(v0, { v0: true, strict: false }), []);
  assert.deepEqual(strictErrors(v0, { v0: true }), ['3: rego_compile_error: rules must not shadow input (use a different rule name)']);
});

test('strict: deprecated built-ins and duplicate imports in v0 modules', () => {
  assert.deepEqual(strictErrors('package p\n\np { any([true]) }\n', { v0: true, strict: false }), []);
  assert.deepEqual(strictErrors('package p\n\np { any([true]) }\n', { v0: true }), ['3: rego_type_error: deprecated built-in function calls in expression: any']);
  assert.deepEqual(strictErrors('package p\n\nimport data.a.x\nimport data.b.x\n\np { x.y; data.b.x.z }\n', { v0: true }), [
    '4: rego_compile_error: import must not shadow import data.a.x',
  ]);
});
