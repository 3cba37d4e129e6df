/**
 * Rego v1 syntax requirements that OPA 1.x reports as parse errors after a
 * module parsed: rule bodies need `if`, partial set rules need `contains`. They
 * apply to v1 modules and to v0 modules that `import rego.v1`.
 */
import { RegoError } from '../errors.js';
import type { Module, Rule } from './ast.js';

export interface RuleSyntax {
  /** v0's `p[x] { ... }` / `p[x]`: a partial set written without `contains`. */
  multiWithoutContains: boolean;
  /** A `{ body }` not preceded by `if`. */
  bodyWithoutIf: boolean;
  /** A bare `p.q.r`: neither a value nor a body written. */
  noBodyNoValue?: boolean;
}

/** `import rego.v1` (or `rego.v2`, which implies it). */
export function importsRegoV1(module: Module): boolean {
  return module.imports.some(
    (imp) =>
      imp.path.head.type === 'var' &&
      imp.path.head.name === 'rego' &&
      imp.path.path.length === 1 &&
      imp.path.path[0]!.type === 'string' &&
      (imp.path.path[0]!.value === 'v1' || imp.path.path[0]!.value === 'v2'),
  );
}

export function checkRegoV1Rules(module: Module, syntax: ReadonlyMap<Rule, RuleSyntax>): RegoError[] {
  if (module.v0 && !importsRegoV1(module)) return [];
  const errors: RegoError[] = [];
  const visit = (rule: Rule): void => {
    // OPA's checkRegoV1Rule, in its order.
    const s = syntax.get(rule);
    if (s?.noBodyNoValue) errors.push(new RegoError('rego_parse_error', 'rule must have value assignment and/or body declaration', rule.loc));
    if (s?.bodyWithoutIf) errors.push(new RegoError('rego_parse_error', `\`if\` keyword is required before ${rule.head.args?.length ? 'function' : 'rule'} body`, rule.loc));
    if (s?.multiWithoutContains) errors.push(new RegoError('rego_parse_error', '`contains` keyword is required for partial set rules', rule.loc));
    if (rule.else) visit(rule.else);
  };
  for (const rule of module.rules) visit(rule);
  return errors;
}
