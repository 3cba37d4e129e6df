/**
 * Rule conflicts known at compile time, as OPA's `checkRuleConflicts`: rules of
 * one path that mix kinds (complete / multi-value / function) or function
 * arities (`conflicting rules data.x.p found`), and more than one `default`
 * (`multiple default rules data.x.p found`).
 */
import { RegoError } from '../../errors.js';
import type { RuleIndex } from './names.js';

export function checkRuleConflicts(index: RuleIndex): RegoError[] {
  const errors: RegoError[] = [];
  for (const [path, rules] of index.byPath) {
    const kinds = new Set(rules.map((r) => r.rule.head.kind));
    const arities = new Set(rules.filter((r) => r.rule.head.kind === 'function').map((r) => r.rule.head.args!.length));
    // Ref heads with variables (`p[x] := ...`) and ground single-value rules at one path mix legitimately.
    const first = rules[0]!.rule;
    if (kinds.size > 1 || arities.size > 1) {
      errors.push(new RegoError('rego_type_error', `conflicting rules ${path} found`, first.loc));
    } else if (rules.filter((r) => r.rule.isDefault).length > 1) {
      errors.push(new RegoError('rego_type_error', `multiple default rules ${path} found`, first.loc));
    }
  }
  return errors;
}
