/**
 * The compile cache (src/rego/compile/incremental.ts): a compile that builds
 * on the last one must give exactly what a full compile gives: the same
 * errors, or a policy with the same answers. Each step of an edit sequence is
 * compiled both ways and compared; the cache's report says which path it took.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompileCache, compile, parseModule, type ModuleSource, type Policy } from '../../src/rego/index.js';
import { RegoErrors } from '../../src/rego/errors.js';
import { toJSONText, type Value } from '../../src/rego/value.js';

const LIB = `package lib

threshold := 5

names contains n if {
	some n in input.names
}

f(x) := y if {
	y := x * 2
}

g(x) := "big" if {
	x > 10
} else := "small"

obj[k] := v if {
	some k, v in input.obj
}
`;

const APP = `package app

import data.lib

allow if lib.f(input.n) > lib.threshold

deny contains msg if {
	some n in lib.names
	startswith(n, "bad")
	msg := sprintf("bad %s", [n])
}

size := lib.g(input.n)

total := count(lib.names)

keys := [k | some k, _ in lib.obj]

default verdict := "none"

verdict := "allow" if allow

all_small if {
	every n in input.nums {
		n < 100
	}
}

overridden := x if {
	x := allow with data.lib.threshold as 1000
}

walked := [n | some n in data.lib.names]
`;

const OTHER = `package other

import data.app

summary := {"allow": app.allow, "deny": app.deny, "size": app.size}
`;

const INPUTS: Value[] = [
  { n: 3, names: ['bad1', 'good'], obj: { a: 1 }, nums: [1, 2] },
  { n: 12, names: [], obj: {}, nums: [1000] },
  { n: 0, names: ['badx'], obj: { b: 'x', c: [1] }, nums: [] },
];

const QUERIES = ['data', 'data.app.verdict', 'data.other.summary', 'data.app.overridden'];

type Outcome = { errors: string[] } | { answers: string[] };

function outcome(run: () => Policy): Outcome {
  let policy: Policy;
  try {
    policy = run();
  } catch (e) {
    assert.ok(e instanceof RegoErrors, String(e));
    return { errors: e.errors.map((x) => x.format()) };
  }
  const answers: string[] = [];
  for (const q of QUERIES) {
    const prepared = policy.prepare(q);
    for (const input of INPUTS) {
      try {
        answers.push(prepared.eval({ input }).map((r) => toJSONText(r.expressions[0]!.value)).join(';'));
      } catch (e) {
        answers.push(`error: ${(e as Error).message}`);
      }
    }
  }
  return { answers };
}

type Files = Record<string, string>;

function sources(files: Files): ModuleSource[] {
  return Object.keys(files)
    .sort()
    .map((file) => ({ file, source: files[file]! }));
}

/** Applies `edits` one after another; at each step the cached compile must match a fresh one. Returns the report kinds. */
function compareSteps(start: Files, edits: ((f: Files) => Files)[]): { kinds: string[]; errorSteps: number[] } {
  const cache = new CompileCache();
  const kinds: string[] = [];
  const errorSteps: number[] = [];
  let files = start;
  const step = (label: string): void => {
    const fresh = outcome(() => compile(sources(files)));
    const cached = outcome(() => compile(sources(files), { cache }));
    assert.deepEqual(cached, fresh, `${label}: the cached compile differs from a full one`);
    if ('errors' in cached) errorSteps.push(kinds.length);
    kinds.push(cache.report!.kind);
  };
  step('start');
  edits.forEach((edit, i) => {
    files = edit(files);
    step(`edit ${i + 1}`);
  });
  return { kinds, errorSteps };
}

const replace = (file: string, from: string, to: string) => (f: Files): Files => {
  assert.ok(f[file]!.includes(from), `${file} has no ${JSON.stringify(from)}`);
  return { ...f, [file]: f[file]!.replace(from, to) };
};

test('an edit sequence compiles through the cache exactly as it compiles from scratch', () => {
  const { kinds, errorSteps } = compareSteps({ 'lib.rego': LIB, 'app.rego': APP, 'other.rego': OTHER }, [
    replace('lib.rego', 'threshold := 5', 'threshold := 7'), // a value: only lib is compiled again
    replace('lib.rego', 'y := x * 2', 'y := x * 3'), // a function body
    replace('lib.rego', 'threshold := 7', 'threshold := "seven"'), // a type changes: every rule is type-checked again
    replace('app.rego', 'total := count(lib.names)', 'total := lib.threshold + 1'), // a type error seen from an unchanged module's rule
    replace('app.rego', 'total := lib.threshold + 1', 'total := count(lib.names)'),
    replace('lib.rego', 'threshold := "seven"', 'threshold := 5'),
    replace('app.rego', 'allow if lib.f(input.n) > lib.threshold', 'allow if lib.f(z) > lib.threshold'), // unsafe
    replace('app.rego', 'allow if lib.f(z) > lib.threshold', 'allow if lib.f(input.n) > lib.threshold'),
    replace('lib.rego', 'some n in input.names', 'some n in data.other.summary.deny'), // recursion
    replace('lib.rego', 'some n in data.other.summary.deny', 'some n in input.names'),
    replace('app.rego', 'size := lib.g(input.n)', 'size := lib.g(input.n, 1, 2)'), // arity
    replace('app.rego', 'size := lib.g(input.n, 1, 2)', 'size := lib.g(input.n)'),
    (f) => f, // nothing changed: the same policy
    replace('app.rego', 'walked :=', 'extra := 1\n\nwalked :='), // a rule added: a full compile
    replace('other.rego', 'summary := {', 'summary := {{'), // a parse error
    replace('other.rego', 'summary := {{', 'summary := {'),
    replace('other.rego', 'package other', 'package other2'), // a package renamed
    replace('lib.rego', 'x > 10', 'x > 1'),
    replace('app.rego', 'with data.lib.threshold as 1000', 'with data.lib.threshold as -1'),
  ]);
  // What each step did: an incremental compile that finds errors is done again in full (`full`), so are
  // edits of a module's interface (rules added, packages renamed); unchanged files give the same policy.
  assert.deepEqual(kinds, [
    'full', // start
    'incremental', // a value
    'incremental', // a function body
    'incremental', // a type change (all rules type-checked again, still without recompiling unchanged modules)
    'full', // type error
    'incremental',
    'incremental',
    'full', // unsafe variable
    'incremental',
    'full', // recursion
    'incremental',
    'full', // arity
    'incremental',
    'same',
    'full', // a rule added
    'full', // parse error (the last successful compile stays the base)
    'incremental', // fixed: only the file that failed is parsed and compiled again
    'full', // package renamed
    'incremental',
    'incremental',
  ]);
  assert.deepEqual(
    errorSteps,
    [4, 7, 9, 11, 15],
    'the edits meant to fail (and only those) fail',
  );
});

function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

test('compiling never mutates a syntax tree (so one parsed tree serves many compiles)', () => {
  const dir = join(import.meta.dirname, '../../policies/rego');
  const files = readdirSync(dir).filter((n) => n.endsWith('.rego')).sort();
  const texts = files.map((file) => ({ file, source: readFileSync(join(dir, file), 'utf8') }));
  // Frozen trees: any write into them throws (modules are strict code).
  const frozen = texts.map((s) => deepFreeze(parseModule(s.file, s.source)));
  const fromFrozen = compile(frozen, { refusedBuiltins: ['http.send'] });
  const fromText = compile(texts, { refusedBuiltins: ['http.send'] });
  const data = JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) as Value;
  const input = { target_type: 'skill', target_name: 'x', scan_result: { max_severity: 'HIGH', total_findings: 2 } };
  const q = 'data.defenseclaw';
  assert.equal(
    toJSONText(fromFrozen.prepare(q).eval({ input, data })[0]!.expressions[0]!.value),
    toJSONText(fromText.prepare(q).eval({ input, data })[0]!.expressions[0]!.value),
  );
  // And again through a cache, twice (the second compile builds on the first).
  const cache = new CompileCache();
  compile(frozen, { cache });
  compile(frozen, { cache });
  assert.equal(cache.report!.kind, 'same');
});
