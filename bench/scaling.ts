/**
 * Benchmark 4 — scaling: compile and evaluation time for generated policies of
 * 100, 1,000 and 10,000 rules, and evaluation time over inputs of 10, 1,000 and
 * 100,000 elements. Cost must grow linearly (or better): rule counts grow 10×
 * per step and input sizes 100× per step, so linear growth shows as a factor of
 * about 10 and 100 respectively. The 10,000-rule policy is also reloaded as a
 * directory of 100 modules after one module changed (`recompile.ts`), through
 * the path a `POST /policy/reload` takes.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { compile } from '../src/rego/index.js';
import { fmtNs, measure, printTable, type Figures } from './lib.js';
import { generatedRule, measureRecompile } from './recompile.js';

/** N partial-set rules, each guarded by a constant comparison (what real deny-lists look like). */
function generatedPolicy(n: number): string {
  const rules: string[] = ['package gen', ''];
  for (let i = 0; i < n; i++) rules.push(generatedRule(i));
  return rules.join('\n');
}

const ITERATION_POLICY = `package iter

hits := count([x | some x in input.items; x.risk > 5; startswith(x.name, "pkg")])

flagged contains x.name if {
	some x in input.items
	x.risk > 8
}
`;

/** A small allow/deny policy of the kind most OPA users start with. */
const SMALL_POLICY = `package small

default allow := false

allow if {
	input.user.role == "admin"
}

allow if {
	input.method == "GET"
	input.path[0] == "public"
}

deny contains msg if {
	not allow
	msg := sprintf("%s %s denied for %s", [input.method, concat("/", input.path), input.user.name])
}
`;

function growth(values: number[]): string[] {
  return values.map((v, i) => (i === 0 ? '' : (v / values[i - 1]!).toFixed(1) + '×'));
}

export async function run(): Promise<Figures> {
  const small = compile([{ file: 'small.rego', source: SMALL_POLICY }]).prepare('data.small');
  const smallInput = { user: { name: 'alice', role: 'dev' }, method: 'POST', path: ['admin', 'users'] };
  const st = measure(() => small.eval({ input: smallInput }));
  printTable('Small allow/deny policy (query data.small)', ['policy', 'median', 'p99', 'evals/s'], [
    ['small allow/deny', fmtNs(st.median_ns), fmtNs(st.p99_ns), st.per_s.toLocaleString('en-US')],
  ]);

  const sizes = [100, 1000, 10000];
  const compileNs: number[] = [];
  const evalNs: number[] = [];
  for (const n of sizes) {
    const source = generatedPolicy(n);
    const t0 = performance.now();
    const policy = compile([{ file: `gen_${n}.rego`, source }]);
    compileNs.push(Math.round((performance.now() - t0) * 1e6));
    const q = policy.prepare('data.gen.deny');
    const input = { kind: `kind_${n - 1}`, size: 1000 };
    const got = q.eval({ input });
    if (JSON.stringify(got[0]?.expressions[0]?.value) === undefined) throw new Error('generated policy gave no result');
    evalNs.push(measure(() => q.eval({ input }), { minMs: 500, minSamples: 50, warmup: 20 }).median_ns);
  }
  const cg = growth(compileNs);
  const eg = growth(evalNs);
  printTable(
    'Scaling with policy size (N rules guarded by constant comparisons; query data.gen.deny; 10× per step, linear = ~10×)',
    ['rules', 'compile', 'growth', 'eval median', 'growth'],
    sizes.map((n, i) => [n, fmtNs(compileNs[i]!), cg[i]!, fmtNs(evalNs[i]!), eg[i]!]),
  );

  // The largest policy again, as a directory of 100 modules reloaded through the reload path after one module changed.
  const largest = sizes[sizes.length - 1]!;
  const re = await measureRecompile(largest);
  printTable(
    `Reloading the ${largest.toLocaleString('en-US')}-rule policy as ${re.modules} modules (PolicyReloader → engine → compileAsync; server-side duration)`,
    ['measure', 'time', 'target'],
    [
      ['first load (nothing cached)', fmtNs(re.first_load_ns), ''],
      [`reload after one module changed (median of ${re.recompile_one_changed_samples_ns.length})`, fmtNs(re.recompile_one_changed_ns), re.recompile_one_changed_ns <= 50e6 ? 'ok (≤ 50 ms)' : 'MISS (≤ 50 ms)'],
    ],
  );

  const policy = compile([{ file: 'iter.rego', source: ITERATION_POLICY }]);
  const q = policy.prepare('data.iter');
  const inputSizes = [10, 1000, 100000];
  const inputNs: number[] = [];
  for (const n of inputSizes) {
    const items = Array.from({ length: n }, (_, i) => ({ name: i % 2 ? `pkg-${i}` : `lib-${i}`, risk: i % 10 }));
    const input = { items };
    inputNs.push(measure(() => q.eval({ input }), { minMs: 500, minSamples: n > 10000 ? 5 : 50, warmup: n > 10000 ? 2 : 20 }).median_ns);
  }
  const ig = growth(inputNs);
  printTable(
    'Scaling with input size (comprehension + partial set over input.items; 100× per step, linear = ~100×)',
    ['elements', 'eval median', 'growth'],
    inputSizes.map((n, i) => [n, fmtNs(inputNs[i]!), ig[i]!]),
  );
  return {
    small_policy: { median_ns: st.median_ns, p99_ns: st.p99_ns, per_s: st.per_s },
    rules: Object.fromEntries(
      sizes.map((n, i) => [
        n,
        {
          compile_ns: compileNs[i],
          eval_median_ns: evalNs[i],
          ...(n === largest
            ? {
                recompile_one_changed_ns: re.recompile_one_changed_ns,
                recompile_modules: re.modules,
                directory_first_load_ns: re.first_load_ns,
                recompile_one_changed_samples_ns: re.recompile_one_changed_samples_ns,
              }
            : {}),
        },
      ]),
    ),
    input: Object.fromEntries(inputSizes.map((n, i) => [n, { eval_median_ns: inputNs[i] }])),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
