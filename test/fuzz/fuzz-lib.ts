/**
 * Shared pieces of the fuzz tests: a seeded PRNG (so every run sees the same
 * cases and a failure is reproducible from its seed and index), source
 * mutators, the corpus of Rego modules, and the check that an exception is one
 * the engine is allowed to throw.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ROOT, findCaseFiles, loadCases, type ConformanceCase } from '../../scripts/conformance-lib.js';
import { RegoError, RegoErrors } from '../../src/rego/errors.js';

/** mulberry32: small, fast and good enough to drive mutations. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Characters and fragments that tend to break lexers: quotes, NUL, surrogates, BOM, operators. */
const NASTY = [
  '\0', '"', '`', "'", '\\', '\n', '\r', '\t', '{', '}', '[', ']', '(', ')', ':=', '=', '|', '&', '.', ',', ';', '#',
  '\u{1F600}', '\uD800', '\uDC00', '\uFEFF', '\u2028', 'é', '\x7f', '0x', '1e999999', '-', '9'.repeat(40), '$"', '$`',
  'if', 'else', 'some', 'every', 'in', 'contains', 'with', 'as', 'not', 'default', 'import', 'package', '__', '_',
];

/** Rego-ish tokens: splitting on these boundaries keeps mutations close to real programs. */
function tokens(source: string): string[] {
  return source.match(/\s+|[A-Za-z_][A-Za-z0-9_]*|[0-9.]+|"(?:[^"\\\n]|\\.)*"|`[^`]*`|:=|==|!=|<=|>=|./gsu) ?? [];
}

/** One random edit of `source`: delete/duplicate/swap tokens or characters, truncate, insert garbage. */
export function mutate(rng: Rng, source: string): string {
  const toks = tokens(source);
  switch (rng.int(9)) {
    case 0: {
      toks.splice(rng.int(toks.length + 1), 1);
      return toks.join('');
    }
    case 1: {
      const i = rng.int(toks.length);
      toks.splice(i, 0, toks[i] ?? '');
      return toks.join('');
    }
    case 2: {
      const i = rng.int(toks.length);
      const j = rng.int(toks.length);
      [toks[i], toks[j]] = [toks[j]!, toks[i]!];
      return toks.join('');
    }
    case 3:
      return source.slice(0, rng.int(source.length + 1));
    case 4: {
      const i = rng.int(source.length + 1);
      return source.slice(0, i) + rng.pick(NASTY) + source.slice(i);
    }
    case 5: {
      const i = rng.int(source.length + 1);
      return source.slice(0, i) + String.fromCharCode(rng.int(0x10000)) + source.slice(i);
    }
    case 6: {
      const i = rng.int(source.length);
      return source.slice(0, i) + source.slice(i + 1);
    }
    case 7: {
      const i = rng.int(toks.length);
      toks.splice(i, 0, rng.pick(toks));
      return toks.join('');
    }
    default: {
      const i = rng.int(toks.length);
      toks[i] = rng.pick(NASTY);
      return toks.join('');
    }
  }
}

/** `source` after 1–3 random edits. */
export function mutateSome(rng: Rng, source: string): string {
  let s = source;
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) s = mutate(rng, s);
  return s;
}

export interface CorpusCase {
  id: string;
  modules: string[];
  case?: ConformanceCase;
}

/** Every conformance case with modules, plus the shipped policies, in a stable order. */
export function corpus(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const file of findCaseFiles(DEFAULT_ROOT)) {
    for (const c of loadCases(file)) {
      if (c.modules && c.modules.length > 0) out.push({ id: `${file}#${c.note}`, modules: c.modules, case: c });
    }
  }
  const policies = new URL('../../policies/rego/', import.meta.url).pathname;
  for (const name of readdirSync(policies).sort()) {
    if (name.endsWith('.rego')) out.push({ id: name, modules: [readFileSync(join(policies, name), 'utf8')] });
  }
  return out;
}

/** A location an editor can jump to: a file name and a 1-based row and column. */
export function assertLocated(e: RegoError, context: string): void {
  assert.ok(typeof e.code === 'string' && e.code.length > 0, `${context}: error without code: ${e.message}`);
  assert.ok(typeof e.message === 'string' && e.message.length > 0, `${context}: error without message (${e.code})`);
  const loc = e.location;
  assert.ok(loc, `${context}: error without location: ${e.code}: ${e.message}`);
  assert.ok(typeof loc.file === 'string' && loc.file.length > 0, `${context}: location without file: ${e.message}`);
  assert.ok(Number.isInteger(loc.row) && loc.row >= 1, `${context}: bad row ${loc.row}: ${e.message}`);
  assert.ok(Number.isInteger(loc.col) && loc.col >= 1, `${context}: bad col ${loc.col}: ${e.message}`);
}

/** Compile-time failures must be `RegoErrors` whose every error is located. */
export function assertCompileFailure(e: unknown, context: string): void {
  if (e instanceof RegoErrors) {
    assert.ok(e.errors.length > 0, `${context}: empty RegoErrors`);
    for (const x of e.errors) assertLocated(x, context);
    return;
  }
  const detail = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
  assert.fail(`${context}: unexpected exception ${detail}`);
}

/** Evaluation failures must be a `RegoError` (or `RegoErrors`); anything else is a crash. */
export function assertEvalFailure(e: unknown, context: string): void {
  if (e instanceof RegoError || e instanceof RegoErrors) return;
  const detail = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
  assert.fail(`${context}: unexpected exception ${detail}`);
}
