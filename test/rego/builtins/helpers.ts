/** Shared by the built-in tests: a fake context, ways to call a table's built-ins, and error matchers. */
import assert from 'node:assert/strict';
import { BuiltinError, type BuiltinContext, type BuiltinTable } from '../../../src/rego/builtins/builtin.js';
import { equals, toJSONText, type Value } from '../../../src/rego/value.js';

/** A fixed clock: 2021-01-01T00:00:00Z. */
export const NOW_NS = 1609459200n * 1_000_000_000n;

export function fakeContext(nowNs: bigint = NOW_NS): BuiltinContext {
  return { strict: true, nowNs, cache: new Map(), print: () => {} };
}

/** Calls `table[name]` with `args` and a fresh context (or the given one). */
export function invoker(table: BuiltinTable) {
  return (name: string, args: Value[], ctx: BuiltinContext = fakeContext()): Value | undefined => {
    const f = table[name];
    assert.ok(f, `built-in ${name} is registered`);
    return f(args, ctx);
  };
}

/** `call(name, ...args)`, and `expect`/`fails` assertions on a call's outcome. */
export function caller(table: BuiltinTable) {
  const invoke = invoker(table);
  const call = (name: string, ...args: Value[]): Value | undefined => invoke(name, args);
  const expect = (name: string, args: Value[], want: Value | undefined) => {
    const got = call(name, ...args);
    if (want === undefined) {
      assert.equal(got, undefined, `${name}: expected undefined`);
      return;
    }
    assert.ok(got !== undefined && equals(got, want), `${name}(${args.map((a) => toJSONText(a)).join(', ')}): got ${got === undefined ? 'undefined' : toJSONText(got)}, want ${toJSONText(want)}`);
  };
  const fails = (name: string, args: Value[], code: BuiltinError['code'], message: string) => {
    assertBuiltinError(() => call(name, ...args), code, message);
  };
  return { call, expect, fails };
}

/** Asserts that `fn` throws a BuiltinError with this code whose message passes `check`. */
function throwsBuiltinWith(fn: () => unknown, code: BuiltinError['code'], check: (message: string) => void): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BuiltinError, `expected BuiltinError, got ${String(e)}`);
    assert.equal(e.code, code);
    check(e.message);
    return true;
  });
}

/** Asserts that `fn` throws a BuiltinError with this code (and message, when given: equal to a string, or matching a pattern). */
export function assertBuiltinError(fn: () => unknown, code: BuiltinError['code'], message?: string | RegExp): void {
  throwsBuiltinWith(fn, code, (m) => {
    if (typeof message === 'string') assert.equal(m, message);
    else if (message) assert.match(m, message);
  });
}

/** Asserts that `fn` throws a BuiltinError with this code whose message contains `text`. */
export function throwsBuiltin(fn: () => unknown, code: BuiltinError['code'], text: string): void {
  throwsBuiltinWith(fn, code, (m) => assert.ok(m.includes(text), `message ${JSON.stringify(m)} should contain ${JSON.stringify(text)}`));
}
