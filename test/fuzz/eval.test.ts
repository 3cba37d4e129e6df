/**
 * Evaluation fuzz: every conformance module that compiles, evaluated with
 * random `input` documents (strict and non-strict built-in errors), yields
 * results or a `RegoError`; never another exception.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, type PreparedQuery } from '../../src/rego/index.js';
import { fromJS, type Value } from '../../src/rego/value.js';
import { Rng, assertEvalFailure, corpus } from './fuzz-lib.js';
import { randomValue } from './values.js';

const SEED = 0xe7a1;
const INPUTS_PER_QUERY = 3;
const EVAL_BUDGET_MS = 2000;

function prepare(modules: string[], query: string): PreparedQuery | undefined {
  try {
    return compile(modules.map((source, j) => ({ file: `m${j}.rego`, source }))).prepare(query);
  } catch {
    return undefined; // compile errors are the parser fuzz's business
  }
}

test('conformance modules evaluate random inputs to results or RegoErrors', () => {
  const rng = new Rng(SEED);
  let evaluated = 0;
  for (const c of corpus()) {
    const data: Value = c.case?.data !== undefined ? fromJS(c.case.data) : {};
    for (const query of new Set([c.case?.query ?? 'data', 'data'])) {
      const prepared = prepare(c.modules, query);
      if (!prepared) continue;
      for (let i = 0; i < INPUTS_PER_QUERY; i++) {
        const input = randomValue(rng);
        const strictBuiltinErrors = rng.chance(0.5);
        const t0 = Date.now();
        try {
          prepared.eval({ input, data, strictBuiltinErrors, deadline: t0 + EVAL_BUDGET_MS, print: () => {} });
        } catch (e) {
          assertEvalFailure(e, `${c.id} query ${query} input #${i} (seed ${SEED}, strict ${strictBuiltinErrors})`);
        }
        evaluated++;
      }
    }
  }
  assert.ok(evaluated > 1000, `evaluated ${evaluated}`);
});

test('inputs nested a few hundred deep evaluate through value-walking built-ins', () => {
  let arr: Value = 1;
  let obj: Value = 1;
  for (let i = 0; i < 300; i++) {
    arr = [arr];
    obj = { a: obj };
  }
  const source = `package p
eq := input == input
marshal := json.marshal(input)
walked := count([p | walk(input, [p, _])])
in_set := {input}
as_key := {input: 1}
text := sprintf("%v", [input])
`;
  const prepared = compile([{ file: 'deep.rego', source }]).prepare('data.p');
  for (const input of [arr, obj]) {
    const [result] = prepared.eval({ input, strictBuiltinErrors: true });
    const doc = result!.expressions[0]!.value as Record<string, Value>;
    assert.equal(doc['eq'], true);
    assert.equal(doc['walked'], 301);
  }
});
