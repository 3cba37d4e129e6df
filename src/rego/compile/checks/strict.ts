/**
 * OPA's strict-mode checks (`opa check --strict`) and the Rego v1 checks that
 * `opa fmt` runs before writing v1 output (`CheckRegoV1`): duplicate imports,
 * `input`/`data` shadowed by rules, arguments or assignments, deprecated
 * built-ins, keywords as rule names. Messages and codes are OPA's
 * (v1/ast/rego_v1.go, v1/ast/compile.go).
 */
import { RegoError } from '../../errors.js';
import type { Body, Expr, Import, Module, Rule, Term } from '../../syntax/ast.js';
import { callName } from '../../syntax/parser.js';
import { walkBody, walkTerm } from '../../syntax/walk.js';
import { builtinCapability } from '../../capabilities.js';

const ROOT_DOCUMENTS = new Set(['input', 'data']);
const V1_KEYWORDS = new Set(['not', 'package', 'import', 'as', 'default', 'else', 'with', 'null', 'true', 'false', 'some', 'if', 'contains', 'in', 'every']);

/** `import data.a.b as c`, as OPA prints an import. */
export function importText(imp: Import): string {
  const head = imp.path.head.type === 'var' ? imp.path.head.name : '?';
  const path = [head, ...imp.path.path.map((s) => (s.type === 'string' ? s.value : '?'))].join('.');
  return imp.alias ? `import ${path} as ${imp.alias}` : `import ${path}`;
}

/** The name an import binds: its alias, or its last segment. */
function importBinding(imp: Import): string {
  if (imp.alias) return imp.alias;
  const last = imp.path.path[imp.path.path.length - 1];
  if (last?.type === 'string') return last.value;
  return imp.path.head.type === 'var' ? imp.path.head.name : '';
}

/** Two imports binding the same name (every kind of import counts, as in OPA's v1 check). */
export function duplicateImportErrors(module: Module): RegoError[] {
  const errors: RegoError[] = [];
  const seen = new Map<string, Import>();
  for (const imp of module.imports) {
    const name = importBinding(imp);
    const prev = seen.get(name);
    if (prev) errors.push(new RegoError('rego_compile_error', `import must not shadow ${importText(prev)}`, imp.loc));
    else seen.set(name, imp);
  }
  return errors;
}

/** Every rule of a module, `else` branches included. */
export function allRules(module: Module): Rule[] {
  const out: Rule[] = [];
  const visit = (r: Rule): void => {
    out.push(r);
    if (r.else) visit(r.else);
  };
  module.rules.forEach(visit);
  return out;
}

/** Every expression of a body, nested bodies (comprehensions, `every`) included. */
export function forEachExpr(body: Body, visit: (e: Expr) => void): void {
  for (const e of body) {
    visit(e);
    if (e.type === 'every') forEachExpr(e.body, visit);
  }
  walkBody(body, (t) => {
    if (t.type === 'arraycomp' || t.type === 'setcomp' || t.type === 'objectcomp') {
      for (const e of t.body) visit(e);
    }
  });
}

/** Rules, function arguments and `:=` targets named `input` or `data`. */
export function rootDocumentOverrideErrors(module: Module): RegoError[] {
  const errors: RegoError[] = [];
  for (const rule of allRules(module)) {
    const name = rule.head.name;
    if (ROOT_DOCUMENTS.has(name)) errors.push(new RegoError('rego_compile_error', `rules must not shadow ${name} (use a different rule name)`, rule.loc));
    for (const arg of rule.head.args ?? []) {
      if (arg.type === 'ref' && arg.path.length === 0 && arg.head.type === 'var' && ROOT_DOCUMENTS.has(arg.head.name)) {
        errors.push(new RegoError('rego_compile_error', `args must not shadow ${arg.head.name} (use a different variable name)`, arg.loc));
      }
    }
  }
  for (const rule of allRules(module)) {
    forEachExpr(rule.body, (e) => {
      if (e.type !== 'expr' || e.term.type !== 'call' || callName(e.term) !== 'assign') return;
      const target = e.term.args[0];
      const name = target ? rootName(target) : undefined;
      if (name) errors.push(new RegoError('rego_compile_error', `variables must not shadow ${name} (use a different variable name)`, e.loc));
    });
  }
  return errors;
}

function rootName(t: Term): string | undefined {
  if (t.type === 'ref' && t.path.length === 0 && t.head.type === 'var' && ROOT_DOCUMENTS.has(t.head.name)) return t.head.name;
  if (t.type === 'var' && ROOT_DOCUMENTS.has(t.name)) return t.name;
  return undefined;
}

/** Calls of deprecated built-ins, at the expression (a call standing alone) or at the call's name. */
export function deprecatedBuiltinErrors(module: Module): RegoError[] {
  const errors: RegoError[] = [];
  const report = (name: string, loc: Expr['loc']): void => {
    if (builtinCapability(name)?.deprecated) errors.push(new RegoError('rego_type_error', `deprecated built-in function calls in expression: ${name}`, loc));
  };
  for (const rule of allRules(module)) {
    const topLevel = new Set<Term>();
    forEachExpr(rule.body, (e) => {
      if (e.type !== 'expr' || e.term.type !== 'call') return;
      topLevel.add(e.term);
      report(callName(e.term), e.loc);
    });
    const visit = (t: Term): void => {
      if (t.type === 'call' && !topLevel.has(t)) report(callName(t), t.fn.loc);
    };
    for (const t of [...rule.head.ref, ...(rule.head.args ?? []), rule.head.key, rule.head.value]) if (t) walkTerm(t, visit);
    walkBody(rule.body, visit);
  }
  return errors;
}

/** Rules named after a v1 keyword (`if`, `contains`, ...), which v1 cannot parse back. */
export function keywordRuleNameErrors(module: Module): RegoError[] {
  return allRules(module)
    .filter((r) => r.head.ref.length < 2 && V1_KEYWORDS.has(r.head.name))
    .map((r) => new RegoError('rego_parse_error', `${r.head.name} keyword cannot be used for rule name`, r.loc));
}

/** What OPA's `CheckRegoV1` reports for a module about to be written as v1 (the `if`/`contains` requirements aside). */
export function regoV1Errors(module: Module): RegoError[] {
  return [...duplicateImportErrors(module), ...rootDocumentOverrideErrors(module), ...deprecatedBuiltinErrors(module), ...keywordRuleNameErrors(module)];
}
