import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/rego/index.js';
import { RegoErrors } from '../../src/rego/errors.js';
import { builtinTable, relationTable } from '../../src/rego/builtins/index.js';
import { builtinCapability as builtinDecl } from '../../src/rego/capabilities.js';

function compileErrors(source: string, opts = {}): string[] {
  try {
    compile([{ file: 'x.rego', source }], opts);
    return [];
  } catch (e) {
    assert.ok(e instanceof RegoErrors);
    return e.errors.map((x) => x.format());
  }
}

test('unsafe variables are reported at their location', () => {
  const errs = compileErrors(`package t
p if {
  x > 1
}`);
  assert.ok(errs.some((e) => e.includes('x.rego:3:3: rego_unsafe_var_error: var x is unsafe')), errs.join('\n'));
});

test('bodies are reordered so bindings come before uses', () => {
  const p = compile([{ file: 'x.rego', source: 'package t\np := y if {\n  y > 1\n  y = input.n\n}' }]);
  assert.deepEqual(p.prepare('x := data.t.p').eval({ input: { n: 5 } })[0]!.bindings, { x: 5 });
  // `:=` after a use of the name is OPA's compile error, in every mode.
  assert.deepEqual(compileErrors('package t\np := y if {\n  y > 1\n  y := input.n\n}'), ['x.rego:4:3: rego_compile_error: var y referenced above']);
});

test('refused built-ins are compile errors naming them', () => {
  const errs = compileErrors(`package t
p := http.send({"method": "get", "url": "http://x"})`, { refusedBuiltins: ['http.send'] });
  assert.equal(errs.length, 1, errs.join('\n'));
  assert.ok(errs[0]!.includes('rego_type_error: unsafe built-in function calls in expression: http.send'), errs.join('\n'));
});

test('comprehension variables are local; `:=` scopes positionally', () => {
  const p = compile([
    {
      file: 'x.rego',
      source: `package t
xs := {"a", "b"}
p := x if {
  y := {x | xs[x]}
  x := count(y)
}`,
    },
  ]);
  assert.deepEqual(p.prepare('x := data.t.p').eval()[0]!.bindings, { x: 2 });
});

test('every registered built-in exists in the capabilities with the same arity', () => {
  for (const [name, impl] of builtinTable) {
    const decl = builtinDecl(name);
    assert.ok(decl, `${name} is not in capabilities.json`);
    if (decl.arity >= 0) assert.ok(impl.length <= 2, name);
  }
  for (const name of relationTable.keys()) assert.ok(builtinDecl(name)?.relation, `${name} is not a relation in capabilities.json`);
});

test('compileAsync gives the same policy as compile, letting the event loop run meanwhile', async () => {
  const { compileAsync } = await import('../../src/rego/index.js');
  const rules = Array.from({ length: 2000 }, (_, i) => `r${i} if input.k == ${i}`).join('\n');
  const source = `package big\n\n${rules}\n`;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  try {
    const policy = await compileAsync([{ file: 'big.rego', source }], {}, 1);
    assert.ok(ticks > 0, 'the event loop ran during the compile');
    assert.equal(policy.prepare('data.big.r1500').eval({ input: { k: 1500 } })[0]!.expressions[0]!.value, true);
  } finally {
    clearInterval(timer);
  }
  await assert.rejects(compileAsync([{ file: 'bad.rego', source: 'package bad\np if {' }]), (e: unknown) => (e as Error).name === 'RegoErrors');
});
