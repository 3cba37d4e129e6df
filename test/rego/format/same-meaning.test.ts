/**
 * Formatting never changes meaning: every Rego module we have — the bundled
 * policies, the test fixtures, and every module of the conformance cases
 * (ours and the shared sample) — is formatted, parsed again, and its syntax
 * tree compared with the original's (locations and spelling aside). The
 * formatted text must also be a fixed point: formatting it again changes
 * nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatSource, type FormatVersion } from '../../../src/rego/format/index.js';
import { meaningOf } from '../../../src/rego/format/same-meaning.js';
import { parseModule } from '../../../src/rego/syntax/parser.js';
import { DEFAULT_ROOT, OWN_ROOT, findCaseFiles, loadCases } from '../../../scripts/conformance-lib.js';

const root = new URL('../../../', import.meta.url).pathname;

function regoFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...regoFilesUnder(p));
    else if (name.endsWith('.rego')) out.push(p);
  }
  return out;
}

interface Source {
  name: string;
  text: string;
  v0: boolean;
}

/** Parses as v1 (or v0 where asked or where only v0 parses); undefined when the module does not parse at all. */
function versionOf(s: Source): FormatVersion | undefined {
  for (const v0 of s.v0 ? [true] : [false, true]) {
    try {
      parseModule(s.name, s.text, { v0 });
      return v0 ? 'v0' : 'v1';
    } catch {
      // try the next version
    }
  }
  return undefined;
}

/** Checks one module; returns a description of the failure, if any. */
function check(s: Source, version: FormatVersion): string | undefined {
  const before = parseModule(s.name, s.text, { v0: version === 'v0' });
  let formatted: string;
  try {
    formatted = formatSource(s.name, s.text, { version });
  } catch (e) {
    // v1 output refuses what OPA refuses (deprecated built-ins, shadowed input...): not a formatting fault.
    if (e instanceof Error && /rego_(compile|type|parse)_error/.test(e.message)) return undefined;
    return `format failed: ${String(e)}`;
  }
  let after;
  try {
    after = parseModule(s.name, formatted, { v0: version === 'v0' });
  } catch (e) {
    return `output does not parse: ${String(e)}\n${formatted}`;
  }
  if (meaningOf(before) !== meaningOf(after)) return `meaning changed:\n${formatted}`;
  const again = formatSource(s.name, formatted, { version });
  if (again !== formatted) return `not a fixed point:\n${formatted}\n---\n${again}`;
  return undefined;
}

function runAll(label: string, sources: Source[]): void {
  test(`formatting keeps the meaning of ${label}`, () => {
    let checked = 0;
    const failures: string[] = [];
    for (const s of sources) {
      const version = versionOf(s);
      if (!version) continue;
      checked++;
      const failure = check(s, version);
      if (failure) failures.push(`${s.name}: ${failure}`);
    }
    assert.ok(checked > 0, `no module of ${label} parsed`);
    assert.deepEqual(failures.slice(0, 3), [], `${failures.length} of ${checked} modules failed`);
  });
}

const files = [...regoFilesUnder(join(root, 'policies')), ...regoFilesUnder(join(root, 'test'))];
runAll(
  'the bundled policies and test fixtures',
  files.map((f) => ({ name: f, text: readFileSync(f, 'utf8'), v0: false })),
);

function conformanceModules(dir: string): Source[] {
  if (!existsSync(dir)) return [];
  const out: Source[] = [];
  for (const file of findCaseFiles(dir)) {
    for (const c of loadCases(file)) {
      (c.modules ?? []).forEach((text, i) => out.push({ name: `${file}#${c.note}#${i}`, text, v0: c.v0_compatible === true }));
    }
  }
  return out;
}

runAll('our conformance cases', conformanceModules(OWN_ROOT));
const sharedRoot = process.env['CONFORMANCE_ROOT'] ?? DEFAULT_ROOT;
if (existsSync(sharedRoot)) runAll('the shared conformance sample', conformanceModules(sharedRoot));
