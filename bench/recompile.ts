/**
 * Part of the scaling benchmark: the generated 10,000-rule policy as an
 * operator keeps it, a policy directory of many modules (100 files of 100
 * rules, all adding to `data.gen.deny`), reloaded through the path every
 * reload takes: `PolicyReloader.reload` (src/gateway/reload.ts) → the policy
 * engine (src/policy/engine.ts: directory read, revision, `compileAsync`,
 * snapshot) → the swap. Measured: the first load (nothing cached), and
 * reloads after one rule of one module changed (the server-side
 * `duration_ms` a `POST /policy/reload` would answer). Every reload's effect
 * is checked with a query, so a reload that changed nothing cannot pass.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compile, compileAsync } from '../src/rego/index.js';
import { PolicyEngine } from '../src/policy/engine.js';
import { PolicyReloader } from '../src/gateway/reload.js';
import { toJS, type Value } from '../src/rego/value.js';

/** Rule i of the generated policy (the same text as the single-module policy of `scaling.ts`), its kind renamed by `variant`. */
export function generatedRule(i: number, variant = ''): string {
  return [`deny contains "rule_${i}" if {`, `\tinput.kind == "kind_${i}${variant}"`, `\tinput.size > ${i % 100}`, '}', ''].join('\n');
}

function moduleText(first: number, count: number, changed?: { rule: number; variant: string }): string {
  const lines = ['package gen', ''];
  for (let i = first; i < first + count; i++) lines.push(generatedRule(i, changed?.rule === i ? changed.variant : ''));
  return lines.join('\n');
}

export interface RecompileFigures {
  modules: number;
  /** The first load of the directory, through the engine (parse, compile, snapshot). */
  first_load_ns: number;
  /** Median `duration_ms` (in ns) of the reloads after one module changed. */
  recompile_one_changed_ns: number;
  recompile_one_changed_samples_ns: number[];
}

export async function measureRecompile(rules: number, modules = 100, reloads = 11): Promise<RecompileFigures> {
  const home = mkdtempSync(join(tmpdir(), 'dc-bench-recompile-'));
  try {
    const regoDir = join(home, 'rego');
    mkdirSync(regoDir);
    const perModule = Math.ceil(rules / modules);
    const fileOf = (m: number): string => join(regoDir, `gen_${String(m).padStart(3, '0')}.rego`);
    for (let m = 0; m < modules; m++) writeFileSync(fileOf(m), moduleText(m * perModule, Math.min(perModule, rules - m * perModule)));
    writeFileSync(join(regoDir, 'data.json'), '{}\n');

    const t0 = performance.now();
    const engine = await PolicyEngine.create(home, { compile, compileAsync });
    const firstLoadNs = Math.round((performance.now() - t0) * 1e6);
    if (engine.current() === null) throw new Error(`the generated directory did not load: ${engine.lastLoadError()}`);
    const reloader = new PolicyReloader({
      engine,
      audit: { log: () => undefined },
      metrics: { recordReload: () => undefined },
      events: { emit: () => undefined },
      caches: { invalidate: () => undefined },
    });

    const samples: number[] = [];
    for (let r = 0; r < reloads; r++) {
      // A different module each time; its rule gets a new kind, so the decision for that kind must change.
      const m = (r * 37) % modules;
      const rule = m * perModule + (r % perModule);
      const variant = `_v${r}`;
      const tmp = join(home, '.tmp.rego');
      writeFileSync(tmp, moduleText(m * perModule, Math.min(perModule, rules - m * perModule), { rule, variant }));
      renameSync(tmp, fileOf(m));
      const result = await reloader.reload('api');
      if (!result.ok) throw new Error(`reload ${r} failed: ${JSON.stringify(result.body)}`);
      samples.push(Math.round(result.body.duration_ms * 1e6));
      const deny = (kind: string): unknown => toJS(engine.query(['gen', 'deny'], { kind, size: 1000 }).output as Value);
      const hit = deny(`kind_${rule}${variant}`);
      if (!Array.isArray(hit) || hit.length !== 1 || hit[0] !== `rule_${rule}`) {
        throw new Error(`reload ${r}: data.gen.deny for the changed rule is ${JSON.stringify(hit)}, not ["rule_${rule}"]`);
      }
      const old = deny(`kind_${rule}`);
      if (!Array.isArray(old) || old.length !== 0) throw new Error(`reload ${r}: the old kind of rule ${rule} still matches: ${JSON.stringify(old)}`);
      // Back to the original text for the next round (not measured).
      writeFileSync(tmp, moduleText(m * perModule, Math.min(perModule, rules - m * perModule)));
      renameSync(tmp, fileOf(m));
      const back = await reloader.reload('api');
      if (!back.ok) throw new Error(`reload ${r} (restore) failed: ${JSON.stringify(back.body)}`);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    return {
      modules,
      first_load_ns: firstLoadNs,
      recompile_one_changed_ns: sorted[Math.floor(sorted.length / 2)]!,
      recompile_one_changed_samples_ns: samples,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
