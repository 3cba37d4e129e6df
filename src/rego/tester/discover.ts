/**
 * Finding the tests in compiled modules, as `opa test` does (v1/tester/runner.go):
 * every rule whose path has a segment starting with `test_` (run) or
 * `todo_test_` (reported as skipped) among its leading constant segments, in
 * any package: `test_x`, `tests.test_x` (named `tests.test_x`), and
 * `test_x[name]` (a test with a case per key: it passes when every case is
 * `true`). Rules sharing a name in one package are separate tests: OPA renames
 * the second and later definitions `test_x#01`, `test_x#02`… before compiling;
 * we do the same by renaming them in the source text to a fresh identifier
 * (`#` cannot appear in one) and keep the OPA name for reports.
 */
import type { ModuleSource } from '../api.js';
import type { Location } from '../errors.js';
import type { Module, Rule, Term } from '../syntax/ast.js';

export const TEST_PREFIX = 'test_';
export const SKIP_PREFIX = 'todo_test_';

export interface TestCase {
  /** `data.pkg` (OPA's `Package` field). */
  package: string;
  /** Name as OPA reports it: `test_x`, or `test_x#01` for a second definition. */
  name: string;
  /** Query evaluating the test's rule in the compiled policy. */
  query: string;
  location: Location;
  /** `todo_test_` rules: reported, never evaluated. */
  skip: boolean;
  /** A test with cases (`test_x[name] if ...`): its value is an object of case results. */
  cases?: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A ref segment as OPA prints refs: `.name` for identifiers, `["text"]` otherwise. */
function segment(name: string): string {
  return IDENT.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** `data.a.b` for `package a.b`, as OPA prints `module.Package.Path`. */
export function packageName(module: Module): string {
  return 'data' + module.package.path.map(segment).join('');
}

/** Where a rule's path names a test: the test segment, the ref up to it as OPA prints it, and whether cases follow. */
interface TestRef {
  /** The segment with the prefix (`test_x`). */
  name: string;
  /** The rule's ref up to that segment (`tests.test_x`), relative to the package. */
  ref: string;
  cases: boolean;
}

/** OPA's `ruleName`: the first leading constant segment of the head's path with a test prefix. */
function testRef(rule: Rule): TestRef | undefined {
  const head = rule.head;
  if (head.kind === 'function') return undefined;
  const segs: string[] = [];
  for (let i = 0; i < head.ref.length; i++) {
    const t = head.ref[i]!;
    if (t.type !== 'string') return undefined;
    segs.push(t.value);
    if (t.value.startsWith(TEST_PREFIX) || t.value.startsWith(SKIP_PREFIX)) {
      const ref = segs[0]! + segs.slice(1).map(segment).join('');
      return { name: t.value, ref, cases: i < head.ref.length - 1 };
    }
  }
  return undefined;
}

/** The terms naming a test's cases (`[tc.note]` in `test_x[tc.note] if ...`): the head's path after a `test_` segment; none for other rules. */
export function testCaseTerms(rule: Rule): Term[] {
  const head = rule.head;
  if (head.kind === 'function') return [];
  for (let i = 0; i < head.ref.length; i++) {
    const t = head.ref[i]!;
    if (t.type !== 'string') return [];
    if (t.value.startsWith(SKIP_PREFIX)) return [];
    if (t.value.startsWith(TEST_PREFIX)) return head.ref.slice(i + 1);
  }
  return [];
}

/** Modules in the order OPA's compiler visits them (sorted by file name). */
function byFile(modules: readonly Module[]): Module[] {
  return [...modules].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** A test rule definition that must be renamed so it can be evaluated on its own. */
export interface DuplicateRename {
  file: string;
  /** Where the rule starts; its name is the first occurrence of `from` at or after it. */
  location: Location;
  from: string;
  /** Fresh identifier used in the compiled source. */
  to: string;
  /** `data.pkg` of the rule. */
  package: string;
  /** OPA's name for it: `from#NN`. */
  display: string;
}

/** Lists the second and later definitions of each test name per package, with fresh names for them. */
export function planDuplicateRenames(modules: readonly Module[]): DuplicateRename[] {
  const taken = new Set<string>();
  for (const m of modules) for (const r of m.rules) taken.add(`${packageName(m)}\u0000${testRef(r)?.ref ?? r.head.name}`);
  const counts = new Map<string, number>();
  const renames: DuplicateRename[] = [];
  for (const module of byFile(modules)) {
    const pkg = packageName(module);
    for (const rule of module.rules) {
      const test = testRef(rule);
      if (test === undefined) continue;
      const name = test.name;
      const key = `${pkg}\u0000${test.ref}`;
      const seen = counts.get(key) ?? 0;
      counts.set(key, seen + 1);
      if (seen === 0) continue;
      const suffix = String(seen).padStart(2, '0');
      const prefix = test.ref.slice(0, test.ref.length - name.length);
      let to = `${name}__dup${suffix}`;
      while (taken.has(`${pkg}\u0000${prefix}${to}`)) to += '_';
      taken.add(`${pkg}\u0000${prefix}${to}`);
      renames.push({ file: module.file, location: rule.head.loc, from: name, to, package: pkg, display: `${name}#${suffix}` });
    }
  }
  return renames;
}

/** Offset in `text` of (row, col); columns count characters (code points). */
function offsetOf(text: string, row: number, col: number): number {
  let offset = 0;
  for (let r = 1; r < row; r++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  for (let c = 1; c < col && offset < text.length; c++) {
    offset += text.codePointAt(offset)! > 0xffff ? 2 : 1;
  }
  return offset;
}

const WORD = /[A-Za-z0-9_]/;

/** Offset of the first whole-word occurrence of `name` at or after `from`. */
function findName(text: string, name: string, from: number): number {
  for (let i = text.indexOf(name, from); i >= 0; i = text.indexOf(name, i + 1)) {
    const before = i > 0 ? text[i - 1]! : '';
    const after = text[i + name.length] ?? '';
    if (!WORD.test(before) && !WORD.test(after)) return i;
  }
  return -1;
}

/**
 * Applies the renames to the sources. Returns the new sources and the renames
 * that could not be applied (name not found where the parser said the rule is);
 * those definitions then run merged with the first one.
 */
export function applyRenames(
  sources: readonly ModuleSource[],
  renames: readonly DuplicateRename[],
): { sources: ModuleSource[]; unapplied: DuplicateRename[] } {
  const unapplied: DuplicateRename[] = [];
  const out = sources.map((src) => {
    const mine = renames.filter((r) => r.file === src.file);
    if (mine.length === 0) return src;
    const edits: { at: number; rename: DuplicateRename }[] = [];
    for (const rename of mine) {
      const at = findName(src.source, rename.from, offsetOf(src.source, rename.location.row, rename.location.col));
      if (at < 0) unapplied.push(rename);
      else edits.push({ at, rename });
    }
    let source = src.source;
    for (const { at, rename } of edits.sort((a, b) => b.at - a.at)) {
      source = source.slice(0, at) + rename.to + source.slice(at + rename.from.length);
    }
    return { file: src.file, source };
  });
  return { sources: out, unapplied };
}

/**
 * Lists the tests of the compiled modules in OPA's order (modules by file
 * name, rules in source order). `renamed` maps `data.pkg` + compiled rule name
 * to the OPA display name for renamed duplicates.
 */
export function discoverTests(modules: readonly Module[], renamed: readonly DuplicateRename[] = []): TestCase[] {
  const display = new Map(renamed.map((r) => [`${r.package}\u0000${r.to}`, r.display]));
  const cases: TestCase[] = [];
  for (const module of byFile(modules)) {
    const pkg = packageName(module);
    for (const rule of module.rules) {
      const test = testRef(rule) ?? renamedRef(rule, display, pkg);
      if (test === undefined) continue;
      const shown = display.get(`${pkg}\u0000${test.name}`);
      const name = shown === undefined ? test.ref : test.ref.slice(0, test.ref.length - test.name.length) + shown;
      cases.push({
        package: pkg,
        name,
        query: pkg + '.' + test.ref,
        location: rule.loc,
        skip: test.name.startsWith(SKIP_PREFIX),
        ...(test.cases ? { cases: true } : {}),
      });
    }
  }
  return cases;
}

/** A renamed duplicate's test ref (its compiled name no longer has the prefix's display form). */
function renamedRef(rule: Rule, display: Map<string, string>, pkg: string): TestRef | undefined {
  const segs = rule.head.ref;
  for (let i = 0; i < segs.length; i++) {
    const t = segs[i]!;
    if (t.type !== 'string') return undefined;
    if (display.has(`${pkg}\u0000${t.value}`)) {
      const names = segs.slice(0, i + 1).map((s) => (s as Extract<typeof s, { type: 'string' }>).value);
      return { name: t.value, ref: names[0]! + names.slice(1).map(segment).join(''), cases: i < segs.length - 1 };
    }
  }
  return undefined;
}

/** OPA's `--run` filter subject: `data.pkg.test_name`. */
export function fullName(test: Pick<TestCase, 'package' | 'name'>): string {
  return `${test.package}.${test.name}`;
}
