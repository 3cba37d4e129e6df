/** Shared by the net/semver/crypto/jwt/graph/template/unsupported built-in tests. */
import assert from 'node:assert/strict';
import { BuiltinError, type BuiltinContext, type BuiltinTable } from '../../../src/rego/builtins/builtin.js';
import type { Value } from '../../../src/rego/value.js';

/** A fixed clock: 2021-01-01T00:00:00Z. */
export const NOW_NS = 1609459200n * 1_000_000_000n;

export function fakeContext(nowNs: bigint = NOW_NS): BuiltinContext {
  return { strict: true, nowNs, cache: new Map(), print: () => {} };
}

/** Calls `name` from `table` with `args` and a fresh context. */
export function caller(table: BuiltinTable) {
  return (name: string, ...args: Value[]): Value | undefined => {
    const f = table[name];
    assert.ok(f, `built-in ${name} is registered`);
    return f(args, fakeContext());
  };
}

/** Asserts that `f` throws a BuiltinError with this code (and message, when given). */
export function assertBuiltinError(f: () => unknown, code: BuiltinError['code'], message?: string | RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof BuiltinError, `expected BuiltinError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}
