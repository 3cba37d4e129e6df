/** Shared test helpers for built-in namespaces: a fake context and call/expect helpers. */
import assert from 'node:assert/strict';
import type { BuiltinContext, BuiltinTable } from '../../../src/rego/builtins/builtin.js';
import { BuiltinError } from '../../../src/rego/builtins/builtin.js';
import { equals, toJSONText, type Value } from '../../../src/rego/value.js';

export function fakeContext(): BuiltinContext {
  return { strict: true, nowNs: 0n, cache: new Map(), print: () => {} };
}

export function caller(table: BuiltinTable) {
  const call = (name: string, ...args: Value[]): Value | undefined => {
    const f = table[name];
    assert.ok(f, `built-in ${name} is registered`);
    return f(args, fakeContext());
  };
  const expect = (name: string, args: Value[], want: Value | undefined) => {
    const got = call(name, ...args);
    if (want === undefined) {
      assert.equal(got, undefined, `${name}: expected undefined`);
      return;
    }
    assert.ok(got !== undefined && equals(got, want), `${name}(${args.map((a) => toJSONText(a)).join(', ')}): got ${got === undefined ? 'undefined' : toJSONText(got)}, want ${toJSONText(want)}`);
  };
  const fails = (name: string, args: Value[], code: BuiltinError['code'], message: string) => {
    assert.throws(
      () => call(name, ...args),
      (e: unknown) => e instanceof BuiltinError && e.code === code && e.message === message,
      `${name}: expected ${code}: ${message}`,
    );
  };
  return { call, expect, fails };
}
