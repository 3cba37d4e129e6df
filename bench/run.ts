/**
 * `npm run bench [-- --json FILE] [-- NAME…]`: runs the benchmarks in order,
 * each printing its table; with `--json FILE` writes all their figures to one
 * file (`{"decision": {"<domain>": {...}}, "http": …, "reload": …, "scaling": …, "memory": …, "fleet": …}`).
 */
import { writeFileSync } from 'node:fs';
import type { Figures } from './lib.js';

const ALL = ['decision', 'http', 'reload', 'scaling', 'memory', 'fleet'] as const;

const args = process.argv.slice(2);
let jsonFile: string | undefined;
const names: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') jsonFile = args[++i];
  else names.push(args[i]!);
}
const selected = names.length ? ALL.filter((n) => names.includes(n)) : [...ALL];

const results: Record<string, Figures> = {};
let failed = false;
for (const name of selected) {
  const mod = (await import(`./${name}.js`)) as { run: () => Promise<Figures> };
  try {
    results[name] = await mod.run();
  } catch (err) {
    failed = true;
    console.error(`\nbenchmark ${name} failed: ${err instanceof Error ? err.stack : String(err)}`);
  }
}
if (jsonFile) {
  writeFileSync(jsonFile, JSON.stringify({ machine: machineFacts(), ...results }, null, 2) + '\n');
  console.log(`\nfigures written to ${jsonFile}`);
}
process.exit(failed ? 1 : 0);

function machineFacts(): Figures {
  return { node: process.version, platform: `${process.platform}-${process.arch}`, date: new Date().toISOString() };
}
