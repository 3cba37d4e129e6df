/**
 * Runs OPA-format conformance cases: `npm run conformance -- [--compile-only]
 * [--json FILE] [--update-passing] [PATH ...]` (default: the shared sample
 * `../shared/conformance` next to the repository, then our own regression cases in
 * `test/conformance/`, labelled `ours/…`). Prints counts per folder
 * and ends with `conformance: N passed, M failed, K skipped`. Always exits 0.
 * `--update-passing` rewrites test/conformance-passing.txt with the passing shared cases.
 */
import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { caseId, DEFAULT_ROOT, OWN_ROOT, findCaseFiles, loadCases, loadCompiler, runCase, type CaseResult } from './conformance-lib.js';

interface Args {
  compileOnly: boolean;
  json?: string;
  updatePassing: boolean;
  paths: string[];
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { compileOnly: false, updatePassing: false, paths: [], verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--compile-only') args.compileOnly = true;
    else if (a === '--update-passing') args.updatePassing = true;
    else if (a === '--verbose' || a === '-v') args.verbose = true;
    else if (a === '--json') args.json = argv[++i];
    else args.paths.push(a);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const root = resolve(DEFAULT_ROOT);
  const own = resolve(OWN_ROOT);
  const paths = args.paths.length > 0 ? args.paths.map((p) => resolve(p)) : [root, own];
  // Our own cases are labelled `ours/…`; only the shared suite's cases go into the passing list.
  const label = (file: string): string => (file.startsWith(own + '/') ? `ours/${relative(own, file)}` : relative(root, file));
  const { compile, real } = await loadCompiler();
  if (!real) console.log('note: src/rego/index.ts not available; parsing and compile checks only');

  const results: CaseResult[] = [];
  const perFolder = new Map<string, { passed: number; failed: number; skipped: number }>();
  for (const path of paths) {
    for (const file of findCaseFiles(path)) {
      const rel = label(file);
      const folder = dirname(rel);
      const counts = perFolder.get(folder) ?? { passed: 0, failed: 0, skipped: 0 };
      perFolder.set(folder, counts);
      let cases;
      try {
        cases = loadCases(file);
      } catch (e) {
        results.push({ file: rel, note: '(file)', status: 'failed', reason: `cannot load: ${(e as Error).message}` });
        counts.failed++;
        continue;
      }
      for (const c of cases) {
        const r = runCase(compile, c, { compileOnly: args.compileOnly });
        results.push({ file: rel, note: String(c.note), status: r.status, ...(r.reason ? { reason: r.reason } : {}) });
        counts[r.status]++;
        if (args.verbose && r.status === 'failed') console.log(`FAIL ${rel}#${c.note}: ${r.reason}`);
      }
    }
  }

  for (const [folder, c] of [...perFolder].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`${folder}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  }
  if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2) + '\n');
  if (args.updatePassing) {
    const passing = results.filter((r) => r.status === 'passed' && !r.file.startsWith('ours/')).map((r) => caseId(root, resolve(root, r.file), r.note));
    const target = new URL('../test/conformance-passing.txt', import.meta.url).pathname;
    writeFileSync(target, passing.join('\n') + '\n');
    console.log(`wrote ${passing.length} cases to ${relative(process.cwd(), target)}`);
  }
  const n = (s: CaseResult['status']): number => results.filter((r) => r.status === s).length;
  console.log(`conformance: ${n('passed')} passed, ${n('failed')} failed, ${n('skipped')} skipped`);
}

main().catch((e) => {
  // Never a non-zero exit: report and finish the summary line anyway.
  console.log(`conformance runner error: ${e instanceof Error ? e.message : String(e)}`);
  console.log('conformance: 0 passed, 0 failed, 0 skipped');
});
