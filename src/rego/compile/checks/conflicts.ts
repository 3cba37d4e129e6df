/**
 * Rule conflicts known at compile time, as OPA's `checkRuleConflicts`
 * (v1/ast/compile.go). Rules are placed at the ground prefix of their path
 * (`data.p.q[r].s` at `data.p.q`); at each place:
 *  - a rule with a ground path may not have rules below it
 *    (`rule data.p.r.a conflicts with [data.p.r.a.b]`);
 *  - rules of different kinds (multi-value or not), of different arities, or
 *    complete rules beside partial ones (`p := 1`, `p[x] := 2`) conflict
 *    (`conflicting rules data.p.p found`);
 *  - one `default` at most (`multiple default rules data.p.p found at f:2, f:3`,
 *    reported at the package).
 * And a package may not be a rule of another module's package
 * (`package a.b conflicts with rule b defined at f:3`).
 */
import { RegoError, type Location } from '../../errors.js';
import type { Module, Rule, Term } from '../../syntax/ast.js';
import { keyOf } from '../../value.js';
import { constantValue, isConstant, refText } from '../typecheck/terms.js';

interface Placed {
  rule: Rule;
  module: Module;
  path: Term[];
  ground: boolean;
}

class Node {
  readonly children = new Map<string, Node>();
  readonly rules: Placed[] = [];
}

function rulePath(module: Module, rule: Rule): Term[] {
  const loc = module.package.loc;
  return [...module.package.path.map((p): Term => ({ type: 'string', value: p, loc })), ...rule.head.ref];
}

const DATA: Term = { type: 'var', name: 'data', loc: { file: '', row: 0, col: 0 } };

function text(path: readonly Term[]): string {
  return refText(DATA, path);
}

function locText(loc: Location): string {
  return `${loc.file}:${loc.row}`;
}

export function checkRuleConflicts(modules: readonly Module[]): RegoError[] {
  const root = new Node();
  for (const module of modules) {
    for (const rule of module.rules) {
      const path = rulePath(module, rule);
      let node = root;
      let i = 0;
      for (; i < path.length && isConstant(path[i]!); i++) {
        const key = keyOf(constantValue(path[i]!));
        let next = node.children.get(key);
        if (!next) node.children.set(key, (next = new Node()));
        node = next;
      }
      node.rules.push({ rule, module, path, ground: i === path.length });
    }
  }
  const errors: RegoError[] = [];
  const visit = (node: Node): void => {
    if (node.rules.length > 0 && conflictAt(node, errors)) return;
    for (const c of node.children.values()) visit(c);
  };
  visit(root);
  errors.push(...packageConflicts(modules));
  return errors;
}

/** Checks the rules placed at one node; true when the node's subtree is not to be looked into. */
function conflictAt(node: Node, errors: RegoError[]): boolean {
  const kinds = new Set<boolean>();
  const arities = new Set<number>();
  let complete = 0;
  let partial = 0;
  let below: string[] | undefined;
  const defaults: Placed[] = [];
  for (const p of node.rules) {
    const multi = p.rule.head.kind === 'multi';
    kinds.add(multi);
    arities.add(p.rule.head.args?.length ?? 0);
    if (p.rule.isDefault) defaults.push(p);
    if (p.ground && node.children.size > 0) below = rulesBelow(node);
    if (!multi && p.ground) complete++;
    else partial++;
  }
  const first = node.rules[0]!;
  const name = text(node.rules[node.rules.length - 1]!.path);
  if (below) {
    errors.push(new RegoError('rego_type_error', `rule ${name} conflicts with [${below.join(' ')}]`, first.rule.loc));
    return true;
  }
  if (kinds.size > 1 || arities.size > 1 || (complete > 0 && partial > 0)) {
    errors.push(new RegoError('rego_type_error', `conflicting rules ${name} found`, first.rule.loc));
  } else if (defaults.length > 1) {
    const at = defaults.map((d) => locText(d.rule.loc)).join(', ');
    errors.push(new RegoError('rego_type_error', `multiple default rules ${name} found at ${at}`, defaults[0]!.module.package.loc));
  }
  return false;
}

/** The paths of the rules below a node, none a prefix of another, sorted. */
function rulesBelow(node: Node): string[] {
  const paths: Term[][] = [];
  const walk = (n: Node): void => {
    for (const p of n.rules) {
      if (paths.some((x) => isPrefix(x, p.path))) continue;
      for (let i = paths.length - 1; i >= 0; i--) if (isPrefix(p.path, paths[i]!)) paths.splice(i, 1);
      paths.push(p.path);
    }
    for (const c of n.children.values()) walk(c);
  };
  for (const c of node.children.values()) walk(c);
  return paths.map(text).sort();
}

function isPrefix(prefix: readonly Term[], path: readonly Term[]): boolean {
  return prefix.length <= path.length && prefix.every((t, i) => termKey(t) === termKey(path[i]!));
}

function termKey(t: Term): string {
  return isConstant(t) ? keyOf(constantValue(t)) : `\u0001${refText(t, [])}`;
}

/** A package whose path is that of a rule with a ground path in another package. */
function packageConflicts(modules: readonly Module[]): RegoError[] {
  const packages = new Map<string, Module[]>();
  for (const m of modules) {
    const key = m.package.path.join('\u0000');
    packages.set(key, [...(packages.get(key) ?? []), m]);
  }
  const errors: RegoError[] = [];
  for (const m of modules) {
    for (const rule of m.rules) {
      if (!rule.head.ref.every(isConstant)) continue;
      if (!rule.head.ref.every((t) => t.type === 'string')) continue;
      const key = [...m.package.path, ...rule.head.ref.map((t) => (t as { value: string }).value)].join('\u0000');
      for (const other of packages.get(key) ?? []) {
        if (other === m) continue;
        const first = rule.head.ref[0]!;
        const ruleRef = refText({ type: 'var', name: rule.head.name, loc: first.loc }, rule.head.ref.slice(1));
        errors.push(new RegoError('rego_type_error', `package ${other.package.path.join('.')} conflicts with rule ${ruleRef} defined at ${locText(rule.loc)}`, m.package.loc));
      }
    }
  }
  return errors;
}
