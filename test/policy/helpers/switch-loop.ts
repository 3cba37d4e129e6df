/**
 * Child process for the crash test of revision switches: switches a rego
 * directory between two revisions, back and forth, until it is killed.
 * Usage: switch-loop.ts <regoDir> <revisions.json> <a|b> (revisions: {"a": files, "b": files}; the directory now holds the third argument's).
 */
import { readFileSync } from 'node:fs';
import { switchRevision } from '../../../src/policy/revision-switch.js';
import type { PolicyFile } from '../../../src/policy/types.js';

const [regoDir, revisionsPath, start] = process.argv.slice(2) as [string, string, string];
const { a, b } = JSON.parse(readFileSync(revisionsPath, 'utf8')) as { a: PolicyFile[]; b: PolicyFile[] };
let [from, to] = start === 'a' ? [a, b] : [b, a];
process.stdout.write('ready\n');
for (;;) {
  switchRevision(regoDir, from, to);
  [from, to] = [to, from];
}
