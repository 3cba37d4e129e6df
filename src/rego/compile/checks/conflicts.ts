/**
 * Rule conflicts known at compile time, as OPA 1.x's `checkRuleConflicts`
 * (v1/ast/compile.go). Rules are grouped by the ground prefix of their path
 * (the node of OPA's rule tree); at each node, the first finding wins and the
 * node's subtree is not checked further:
 * - a rule with a ground path and rules below it: `rule data.p.r conflicts with [data.p.r.a]`;
 * - mixed kinds (single / multi-value), function arities, or single-value rules
 *   with a ground path beside others: `conflicting rules data.p.r found`;
 * - more than one default: `multiple default rules data.p.r found at f.rego:3, f.rego:4`
 *   (at the first default's package).
 * And a rule whose path is a package of another module:
 * `package a.b conflicts with rule b defined at f.rego:5` (at the rule's package).
 */
import { RegoError } from '../../errors.js';
import type { Module, Rule, Term } from '../../syntax/ast.js';
import { pathText, type RuleIndex, type RuleInfo } from './names.js';

/** A rule's path is ground when no segment of its head is a variable (or other non-scalar). */
function groundRef(rule: Rule): boolean {
  return rule.head.ref.every((t) => isScalar(t));
}

function isScalar(t: Term): boolean {
  return t.type === 'string' || t.type === 'number' || t.type === 'boolean' || t.type === 'null';
}

/** The rule's full path as OPA prints it: `data.p.q`, `data.p.q[x]`, `data.p["a.b"]`. */
function refText(info: RuleInfo): string {
  return pathText(['data', ...info.module.package.path]) + info.rule.head.ref.map(segmentText).join('');
}

function segmentText(t: Term): string {
  switch (t.type) {
    case 'string':
      return pathText(['', t.value]);
    case 'var':
      return `[${t.wildcard ? '_' : t.name}]`;
    case 'number':
      return `[${t.raw}]`;
    case 'boolean':
      return `[${String(t.value)}]`;
    case 'null':
      return '[null]';
    default:
      return '[…]';
  }
}

function locText(rule: Rule): string {
  return `${rule.loc.file}:${rule.loc.row}`;
}

/** Single-value rules (complete rules and functions) vs multi-value (partial set) rules. */
function kindOf(rule: Rule): 'single' | 'multi' {
  return rule.head.kind === 'multi' ? 'multi' : 'single';
}

export function checkRuleConflicts(index: RuleIndex, modules: readonly Module[] = []): RegoError[] {
  const errors: RegoError[] = [];
  const paths = [...index.byPath.keys()].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const stopped: string[] = [];
  const below = (path: string, prefix: string): boolean => path.startsWith(prefix) && (path[prefix.length] === '.' || path[prefix.length] === '[');
  for (const path of paths) {
    if (stopped.some((p) => below(path, p))) continue;
    const rules = index.byPath.get(path)!;
    const error = nodeConflict(path, rules, index, below);
    if (error) {
      errors.push(error);
      stopped.push(path);
    }
  }
  errors.push(...packageConflicts(modules));
  return errors;
}

function nodeConflict(path: string, rules: RuleInfo[], index: RuleIndex, below: (p: string, prefix: string) => boolean): RegoError | undefined {
  const first = rules[0]!.rule;
  const name = refText(rules[rules.length - 1]!);
  if (rules.some((r) => groundRef(r.rule))) {
    const inside = index.all.filter((r) => below(r.path, path)).map(refText);
    if (inside.length > 0) {
      // OPA lists each rule path below once, leaving out those below another listed one, sorted.
      const sorted = [...new Set(inside)].sort((a, b) => a.length - b.length);
      const kept: string[] = [];
      for (const p of sorted) if (!kept.some((k) => below(p, k) || k === p)) kept.push(p);
      kept.sort();
      return new RegoError('rego_type_error', `rule ${name} conflicts with [${kept.join(' ')}]`, first.loc);
    }
  }
  const kinds = new Set(rules.map((r) => kindOf(r.rule)));
  const arities = new Set(rules.map((r) => r.rule.head.args?.length ?? 0));
  const complete = rules.filter((r) => kindOf(r.rule) === 'single' && groundRef(r.rule)).length;
  const partial = rules.length - complete;
  if (kinds.size > 1 || arities.size > 1 || (complete >= 1 && partial >= 1)) {
    return new RegoError('rego_type_error', `conflicting rules ${name} found`, first.loc);
  }
  const defaults = rules.filter((r) => r.rule.isDefault);
  if (defaults.length > 1) {
    const at = defaults.map((d) => locText(d.rule)).join(', ');
    return new RegoError('rego_type_error', `multiple default rules ${name} found at ${at}`, defaults[0]!.module.package.loc);
  }
  return undefined;
}

/** A rule whose (ground) path is exactly another module's package. */
function packageConflicts(modules: readonly Module[]): RegoError[] {
  const errors: RegoError[] = [];
  const packages = new Map<string, Module>();
  for (const m of modules) if (!packages.has(m.package.path.join('\u0000'))) packages.set(m.package.path.join('\u0000'), m);
  // Only a package one or more segments below a module's own can be one of its rules' paths: the first
  // segment of that rule is then the package's next segment. Most modules have no package below them.
  const below = new Map<string, Set<string>>();
  for (const m of modules) {
    const path = m.package.path;
    for (let i = 0; i < path.length; i++) {
      const above = path.slice(0, i).join('\u0000');
      let next = below.get(above);
      if (!next) below.set(above, (next = new Set()));
      next.add(path[i]!);
    }
  }
  for (const m of modules) {
    const firstSegments = below.get(m.package.path.join('\u0000'));
    if (firstSegments === undefined) continue;
    for (const rule of m.rules) {
      const first = rule.head.ref[0];
      if (first?.type !== 'string' || !firstSegments.has(first.value)) continue;
      if (!rule.head.ref.every((t) => t.type === 'string')) continue;
      const full = [...m.package.path, ...rule.head.ref.map((t) => (t as Extract<Term, { type: 'string' }>).value)];
      const other = packages.get(full.join('\u0000'));
      if (!other || other === m) continue;
      const relative = rule.head.ref.map(segmentText).join('').slice(1);
      errors.push(
        new RegoError('rego_type_error', `package ${other.package.path.join('.')} conflicts with rule ${relative} defined at ${locText(rule)}`, m.package.loc),
      );
    }
  }
  return errors;
}
