/**
 * Benchmark 1 — decision cost in process: each domain of the default policies
 * evaluated through the policy engine (prepared once, as the sidecar does), beside
 * the cost of `JSON.parse` + `JSON.stringify` of the same input.
 * Target (issue 13): every domain's median ≤ 2× that round trip.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../src/rego/index.js';
import { PolicyEngine } from '../src/policy/engine.js';
import { DOMAIN_INPUTS, type BenchDomain } from './inputs.js';
import { fmtNs, measure, printTable, type Figures } from './lib.js';

/** Issue 13: a decision costs at most twice the JSON round trip of its input. */
const TARGET = 2;

export async function run(): Promise<Figures> {
  const engine = PolicyEngine.open(resolve('policies'), { compile });
  const snapshot = engine.current();
  if (!snapshot) throw new Error(`default policies do not load: ${engine.lastLoadError()}`);
  const call: Record<BenchDomain, (input: unknown) => unknown> = {
    admission: (i) => engine.admission(i),
    guardrail: (i) => engine.guardrail(i),
    firewall: (i) => engine.firewall(i),
    sandbox: (i) => engine.sandbox(i),
    audit: (i) => engine.audit(i),
    skill_actions: (i) => engine.skillActions(i),
  };
  const figures: Record<string, unknown> = {};
  const rows: (string | number)[][] = [];
  for (const domain of Object.keys(DOMAIN_INPUTS) as BenchDomain[]) {
    const input = DOMAIN_INPUTS[domain];
    const text = JSON.stringify(input);
    const decide = call[domain];
    const failure = (decide(input) as { failure?: string }).failure;
    if (failure) throw new Error(`${domain} failed closed: ${failure}`);
    const t = measure(() => decide(input));
    const rt = measure(() => JSON.stringify(JSON.parse(text)), { batch: 10 });
    const ratio = t.median_ns / rt.median_ns;
    figures[domain] = {
      median_ns: t.median_ns,
      p99_ns: t.p99_ns,
      per_s: t.per_s,
      json_round_trip_ns: rt.median_ns,
      ratio_to_json_round_trip: Number(ratio.toFixed(2)),
    };
    rows.push([domain, fmtNs(t.median_ns), fmtNs(t.p99_ns), t.per_s.toLocaleString('en-US'), fmtNs(rt.median_ns), ratio.toFixed(2) + '×', ratio <= TARGET ? 'ok' : 'MISS']);
  }
  printTable(
    `Decision cost in process (default policies, revision ${snapshot.revision}; target: median ≤ ${TARGET}× JSON round trip)`,
    ['domain', 'median', 'p99', 'evals/s', 'JSON rt', 'ratio', 'target'],
    rows,
  );
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
