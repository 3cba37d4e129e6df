/**
 * `opa test --coverage`: which lines of each module were evaluated. A line is
 * coverable when a rule head or an expression (at any depth: comprehension,
 * `every` and `else` bodies included) starts on it; it is covered when the
 * evaluator reported a location on it. The report has OPA's JSON shape
 * (`cover.Report`): per file `covered`/`not_covered` row ranges, line counts
 * and a percentage rounded to two decimals, then the overall figures.
 */
import type { Location } from '../errors.js';
import type { Body, Expr, Module, Rule, Term } from '../syntax/ast.js';

export interface RowRange {
  start: { row: number };
  end: { row: number };
}

export interface FileCoverage {
  covered?: RowRange[];
  not_covered?: RowRange[];
  covered_lines?: number;
  not_covered_lines?: number;
  coverage?: number;
}

export interface CoverageReport {
  files: Record<string, FileCoverage>;
  covered_lines: number;
  not_covered_lines: number;
  coverage: number;
}

/** Collects the rows the evaluator reports, per file. */
export class CoverageCollector {
  readonly hits = new Map<string, Set<number>>();

  /** Bound so it can be passed as `EvalOptions.coverage`. */
  readonly record = (loc: Location): void => {
    let rows = this.hits.get(loc.file);
    if (!rows) this.hits.set(loc.file, (rows = new Set()));
    rows.add(loc.row);
  };
}

function termBodies(term: Term, visit: (body: Body) => void): void {
  switch (term.type) {
    case 'ref':
      termBodies(term.head, visit);
      term.path.forEach((t) => termBodies(t, visit));
      return;
    case 'array':
    case 'set':
      term.items.forEach((t) => termBodies(t, visit));
      return;
    case 'object':
      term.items.forEach(([k, v]) => (termBodies(k, visit), termBodies(v, visit)));
      return;
    case 'call':
      term.args.forEach((t) => termBodies(t, visit));
      return;
    case 'arraycomp':
    case 'setcomp':
      termBodies(term.term, visit);
      visit(term.body);
      return;
    case 'objectcomp':
      termBodies(term.key, visit);
      termBodies(term.value, visit);
      visit(term.body);
      return;
    case 'template':
      term.parts.forEach((p) => typeof p !== 'string' && termBodies(p, visit));
      return;
    default:
      return;
  }
}

function exprTerms(expr: Expr): Term[] {
  const withTerms = expr.with.map((w) => w.value);
  switch (expr.type) {
    case 'expr':
      return [expr.term, ...withTerms];
    case 'some':
      return withTerms;
    case 'somein':
      return [...(expr.key ? [expr.key] : []), expr.value, expr.collection, ...withTerms];
    case 'every':
      return [expr.domain, ...withTerms];
  }
}

/** Rows of every rule head and expression of the module (duplicates possible). */
export function coverableRows(module: Module): number[] {
  const rows: number[] = [];
  const body = (b: Body): void => {
    for (const expr of b) {
      rows.push(expr.loc.row);
      for (const t of exprTerms(expr)) termBodies(t, body);
      if (expr.type === 'every') body(expr.body);
    }
  };
  const rule = (r: Rule): void => {
    rows.push(r.head.loc.row);
    const headTerms = [...(r.head.args ?? []), ...(r.head.key ? [r.head.key] : []), ...(r.head.value ? [r.head.value] : []), ...r.head.ref];
    for (const t of headTerms) termBodies(t, body);
    body(r.body);
    if (r.else) rule(r.else);
  };
  module.rules.forEach(rule);
  return rows;
}

/** Sorted distinct rows merged into ranges of consecutive rows. */
export function toRanges(rows: Iterable<number>): RowRange[] {
  const sorted = [...new Set(rows)].sort((a, b) => a - b);
  const ranges: RowRange[] = [];
  for (const row of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && row === last.end.row + 1) last.end.row = row;
    else ranges.push({ start: { row }, end: { row } });
  }
  return ranges;
}

function percent(covered: number, notCovered: number): number {
  const total = covered + notCovered;
  return total === 0 ? 0 : Math.round((100 * covered * 100) / total) / 100;
}

/** Builds OPA's coverage report for the modules from the collected hits. Files sorted by name. */
export function coverageReport(modules: readonly Module[], hits: ReadonlyMap<string, ReadonlySet<number>>): CoverageReport {
  const perFile = new Map<string, { covered: Set<number>; notCovered: Set<number> }>();
  const entry = (file: string) => {
    let e = perFile.get(file);
    if (!e) perFile.set(file, (e = { covered: new Set(), notCovered: new Set() }));
    return e;
  };
  for (const [file, rows] of hits) for (const row of rows) entry(file).covered.add(row);
  for (const module of modules) {
    const e = entry(module.file);
    for (const row of coverableRows(module)) if (!e.covered.has(row)) e.notCovered.add(row);
  }

  const files: Record<string, FileCoverage> = {};
  let coveredTotal = 0;
  let notCoveredTotal = 0;
  for (const file of [...perFile.keys()].sort()) {
    const { covered, notCovered } = perFile.get(file)!;
    coveredTotal += covered.size;
    notCoveredTotal += notCovered.size;
    // Go's `omitempty`: empty lists and zero counts are left out.
    const fc: FileCoverage = {};
    if (covered.size > 0) fc.covered = toRanges(covered);
    if (notCovered.size > 0) fc.not_covered = toRanges(notCovered);
    if (covered.size > 0) fc.covered_lines = covered.size;
    if (notCovered.size > 0) fc.not_covered_lines = notCovered.size;
    const p = percent(covered.size, notCovered.size);
    if (p !== 0) fc.coverage = p;
    files[file] = fc;
  }
  return {
    files,
    covered_lines: coveredTotal,
    not_covered_lines: notCoveredTotal,
    coverage: percent(coveredTotal, notCoveredTotal),
  };
}
