/** A minimal BuiltinContext for calling built-ins directly in tests, and error matchers. */
import assert from 'node:assert/strict';
import { BuiltinError, type BuiltinContext, type BuiltinTable } from '../../../src/rego/builtins/builtin.js';
import type { Value } from '../../../src/rego/value.js';

export function fakeContext(nowNs = 1_700_000_000_000_000_000n): BuiltinContext {
  return { strict: true, nowNs, cache: new Map(), print: () => {} };
}

/** Calls `table[name]` with a fresh context (or the given one). */
export function caller(table: BuiltinTable) {
  return (name: string, args: Value[], ctx: BuiltinContext = fakeContext()): Value | undefined => {
    const f = table[name];
    assert.ok(f, `built-in ${name} is registered`);
    return f(args, ctx);
  };
}

/** Asserts that `fn` throws a BuiltinError with this code whose message contains `text`. */
export function throwsBuiltin(fn: () => unknown, code: BuiltinError['code'], text: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BuiltinError, `expected BuiltinError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.ok(e.message.includes(text), `message ${JSON.stringify(e.message)} should contain ${JSON.stringify(text)}`);
    return true;
  });
}
