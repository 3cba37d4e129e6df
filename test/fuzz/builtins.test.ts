/**
 * Built-in fuzz: every built-in in the registration table, called with the
 * arity from capabilities and operands drawn from a pool of odd values, returns
 * a value or undefined, or throws a `BuiltinError`; never another exception,
 * never more than a second.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinTable, relationTable } from '../../src/rego/builtins/index.js';
import { BuiltinError, type BuiltinContext } from '../../src/rego/builtins/builtin.js';
import { builtinCapability } from '../../src/rego/capabilities.js';
import { compile } from '../../src/rego/index.js';
import { RegoError } from '../../src/rego/errors.js';
import type { Value } from '../../src/rego/value.js';
import { Rng } from './fuzz-lib.js';
import { randomValue, randomValueOfType } from './values.js';

const SEED = 0xb1;
const CALLS_PER_BUILTIN = 25;
const CALL_BUDGET_MS = 1000;

function context(): BuiltinContext {
  return { strict: false, nowNs: 1_700_000_000_000_000_000n, cache: new Map(), print: () => {} };
}

function describe(args: Value[]): string {
  return args
    .map((a) => {
      try {
        return String(JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).slice(0, 120);
      } catch {
        return '?';
      }
    })
    .join(', ');
}

/** Calls one built-in (draining a relation's outputs) and checks the outcome. */
function check(name: string, args: Value[]): void {
  const fn = builtinTable.get(name);
  const relation = relationTable.get(name);
  const t0 = Date.now();
  try {
    if (fn) fn(args, context());
    else for (const _ of relation!(args, context())) void _;
  } catch (e) {
    if (!(e instanceof BuiltinError)) {
      const detail = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
      assert.fail(`${name}(${describe(args)}) threw ${detail}`);
    }
  }
  const ms = Date.now() - t0;
  assert.ok(ms < CALL_BUDGET_MS, `${name}(${describe(args)}) took ${ms} ms`);
}

const names = [...builtinTable.keys(), ...relationTable.keys()].sort();

test('the registration table is not empty', () => {
  assert.ok(names.length > 150);
});

for (const name of names) {
  test(`${name} survives odd operands`, () => {
    const cap = builtinCapability(name);
    // Seeded per built-in, so one built-in's failure reproduces on its own.
    const rng = new Rng(SEED ^ [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
    for (let i = 0; i < CALLS_PER_BUILTIN; i++) {
      const arity = !cap || cap.arity < 0 ? rng.int(4) : cap.arity;
      const args = Array.from({ length: arity }, (_, j) => (rng.chance(0.3) ? randomValue(rng) : randomValueOfType(rng, cap?.args[j]?.type)));
      check(name, args);
    }
  });
}

test('regressions found by fuzzing', () => {
  // A year count of 1e308 left the exact integer range (BigInt(NaN) threw a RangeError).
  assert.throws(() => builtinTable.get('time.add_date')!([0, -1e308, 0, 0], context()), BuiltinError);
  // "1000…0" with 100k digits: trailing zeros were stripped one bigint division at a time.
  const t0 = Date.now();
  builtinTable.get('units.parse')!(['1' + '0'.repeat(100_000)], context());
  assert.ok(Date.now() - t0 < 500, `units.parse took ${Date.now() - t0} ms`);
});

test('a failing built-in is undefined, or an eval error under strict built-in errors', () => {
  const policy = compile([{ file: 'b.rego', source: 'package p\nx := time.add_date(0, input, 0, 0)\n' }]);
  const q = policy.prepare('data.p.x');
  assert.deepEqual(q.eval({ input: -1e308 }), []);
  assert.throws(() => q.eval({ input: -1e308, strictBuiltinErrors: true }), (e: unknown) => e instanceof RegoError && e.code === 'eval_builtin_error');
});
