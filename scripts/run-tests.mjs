#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner through tsx.
// (Node 20's `--test` does not expand glob patterns itself.)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = find('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
// CI has 90 minutes and no one to press Ctrl-C: a test file whose tests all finished exits even if something it
// started left a handle open (--test-force-exit; a leak is still a bug to find, but must not hang CI), and no single
// test may run longer than 10 minutes (the longest end-to-end tests set their own, shorter, timeouts).
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-force-exit', '--test-timeout=600000', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
