/**
 * Parser/compiler fuzz: mutated conformance modules and shipped policies, and
 * pathological shapes (deep nesting, long lines) either compile or fail with
 * located `RegoErrors`; never another exception, never a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/rego/index.js';
import { RegoErrors } from '../../src/rego/errors.js';
import { MAX_PARSE_DEPTH } from '../../src/rego/syntax/parser.js';
import { Rng, assertCompileFailure, corpus, mutateSome } from './fuzz-lib.js';

const SEED = 0x5eed;
const CASES = 1500;
/** A single compile slower than this is treated as a hang. */
const CASE_BUDGET_MS = 1000;

/** Compiles one module; returns the errors when it fails (asserting they are well-formed). */
function tryCompile(source: string, context: string, v0 = false): RegoErrors | undefined {
  const t0 = Date.now();
  try {
    compile([{ file: 'fuzz.rego', source }], { v0Compatible: v0 });
    return undefined;
  } catch (e) {
    assertCompileFailure(e, context);
    return e as RegoErrors;
  } finally {
    const ms = Date.now() - t0;
    assert.ok(ms < CASE_BUDGET_MS, `${context}: compile took ${ms} ms`);
  }
}

test('mutated modules compile or fail with located RegoErrors', () => {
  const cases = corpus();
  assert.ok(cases.length > 100, 'corpus found');
  const rng = new Rng(SEED);
  for (let i = 0; i < CASES; i++) {
    const c = rng.pick(cases);
    const k = rng.int(c.modules.length);
    const sources = c.modules.map((m, j) => ({ file: `m${j}.rego`, source: j === k ? mutateSome(rng, m) : m }));
    const context = `case ${i} (seed ${SEED}, from ${c.id})`;
    const t0 = Date.now();
    try {
      compile(sources, { v0Compatible: rng.chance(0.2) });
    } catch (e) {
      assertCompileFailure(e, context);
    }
    assert.ok(Date.now() - t0 < CASE_BUDGET_MS, `${context}: too slow`);
  }
});

test('random bytes and unicode garbage are parse errors, not crashes', () => {
  const rng = new Rng(SEED + 1);
  for (let i = 0; i < 300; i++) {
    const len = rng.int(200);
    let s = rng.chance(0.5) ? 'package p\n' : '';
    for (let j = 0; j < len; j++) s += String.fromCharCode(rng.chance(0.8) ? 32 + rng.int(95) : rng.int(0x10000));
    tryCompile(s, `garbage ${i}`, rng.chance(0.3));
  }
  for (const s of ['', '\0', 'package', 'package p\n\0', '\uFEFFpackage p', 'package p\nx := "\uD800"', 'package p\nx := `', 'package p\nx := $"{', 'package p\nx := 1e99999999999']) {
    tryCompile(s, JSON.stringify(s));
  }
});

/** Shapes that nest one level per repetition, closed or left open. */
const DEEP_SHAPES: Record<string, (n: number) => string> = {
  'open arrays': (n) => 'x := ' + '['.repeat(n),
  arrays: (n) => 'x := ' + '['.repeat(n) + ']'.repeat(n),
  objects: (n) => 'x := ' + '{"a":'.repeat(n) + '1' + '}'.repeat(n),
  sets: (n) => 'x := ' + '{'.repeat(n) + '1' + '}'.repeat(n),
  parentheses: (n) => 'x := ' + '('.repeat(n) + '1' + ')'.repeat(n),
  subtractions: (n) => 'x := ' + '(1 - '.repeat(n) + '1' + ')'.repeat(n),
  'operator chain': (n) => 'x := 1' + ' + 1'.repeat(n),
  'membership chain': (n) => 'x := 1' + ' in [1]'.repeat(n),
  // Well-typed shapes (the type checker rejects what OPA rejects): y[y[…y[0]…]] with y := [0], abs(abs(…1…)).
  'ref keys': (n) => 'x := y' + '[y'.repeat(n) + '[0]' + ']'.repeat(n) + '\ny := [0]',
  calls: (n) => 'x := ' + 'abs('.repeat(n) + '1' + ')'.repeat(n),
  comprehensions: (n) => 'x := ' + '[z | z := '.repeat(n) + '1' + ']'.repeat(n),
  // Each `every` uses its variable: an unused one is OPA's `declared var y unused`.
  every: (n) => 'x if {' + ' every y in [1] { y == 1;'.repeat(n) + ' true ' + '}'.repeat(n) + '}',
  'else chain': (n) => 'x := 1 if false' + ' else := 1 if false'.repeat(n),
};

test('10,000-deep nesting is a located rego_parse_error, not a stack overflow', () => {
  for (const [shape, make] of Object.entries(DEEP_SHAPES)) {
    const errors = tryCompile(`package p\n${make(10_000)}\n`, shape);
    assert.ok(errors, `${shape}: compiled`);
    assert.equal(errors.errors[0]!.code, 'rego_parse_error', shape);
    if (shape !== 'open arrays') assert.match(errors.errors[0]!.message, /max parsing recursion depth reached/, shape);
    assert.equal(errors.errors[0]!.location!.row, 2, shape);
  }
});

test('nesting below the limit compiles and evaluates without exhausting the stack', () => {
  const depth = Math.floor(MAX_PARSE_DEPTH / 2) - 2;
  for (const [shape, make] of Object.entries(DEEP_SHAPES)) {
    if (shape === 'open arrays' || shape === 'comprehensions') continue;
    const policy = compile([{ file: 'deep.rego', source: `package p\n${make(depth)}\n` }]);
    policy.prepare('data.p.x').eval();
  }
});

test('nested collections parse in linear time (no exponential backtracking)', () => {
  const t0 = Date.now();
  const n = Math.floor(MAX_PARSE_DEPTH / 2) - 2;
  for (const s of ['['.repeat(n) + ']'.repeat(n), '[{'.repeat(n / 2) + '}]'.repeat(n / 2), '{"a": '.repeat(n) + '1' + '}'.repeat(n)]) {
    compile([{ file: 'n.rego', source: `package p\nx := ${s}\n` }]);
  }
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
});

test('one very long line lexes in linear time', () => {
  const t0 = Date.now();
  // 50,000 tokens on one line; column counting used to restart at the line start per token.
  tryCompile('package p\nx := [' + '1, '.repeat(25_000) + ']\n', 'long line');
  assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
});
