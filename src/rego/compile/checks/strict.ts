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
import { importsRegoV1 } from '../../syntax/v1rules.js';
import { importName, pathText } from './names.js';
import { localVarErrors } from './strict-locals.js';

const ROOT_DOCUMENTS = new Set(['input', 'data']);
const V1_KEYWORDS = new Set(['not', 'package', 'import', 'as', 'default', 'else', 'with', 'null', 'true', 'false', 'some', 'if', 'contains', 'in', 'every']);

/** `import data.a.b as c`, as OPA prints an import (segments that are not names in brackets). */
export function importText(imp: Import): string {
  const head = imp.path.head.type === 'var' ? imp.path.head.name : '?';
  const path = pathText([head, ...imp.path.path.map((s) => (s.type === 'string' ? s.value : '?'))]);
  return imp.alias ? `import ${path} as ${imp.alias}` : `import ${path}`;
}

/** The name an import binds: its alias, or its last segment. */
function importBinding(imp: Import): string {
  return importName(imp) ?? (imp.path.head.type === 'var' ? imp.path.head.name : '');
}

function isVersionImport(imp: Import): boolean {
  return imp.path.head.type === 'var' && (imp.path.head.name === 'future' || imp.path.head.name === 'rego');
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

/**
 * Imports never referred to (strict mode): a name refers to an import unless a
 * local variable of the rule (an argument, a `:=`/`some` name, a
 * comprehension's or `every`'s own) shadows it, as OPA resolves names.
 */
export function unusedImportErrors(module: Module): RegoError[] {
  const names = new Map<string, Import>();
  for (const imp of module.imports) if (!isVersionImport(imp)) names.set(importBinding(imp), imp);
  if (names.size === 0) return [];
  const used = new Set<string>();
  for (const rule of allRules(module)) markImportUses(rule, new Set(names.keys()), used);
  return module.imports
    .filter((imp) => !isVersionImport(imp) && names.get(importBinding(imp)) === imp && !used.has(importBinding(imp)))
    .map((imp) => new RegoError('rego_compile_error', `${importText(imp)} unused`, imp.loc));
}

function markImportUses(rule: Rule, globals: Set<string>, used: Set<string>): void {
  const shadowed: Set<string>[] = [new Set()];
  for (const a of rule.head.args ?? []) patternVars(a, shadowed[0]!);
  shadowed.push(declaredNames(rule.body));
  const isLocal = (name: string): boolean => shadowed.some((s) => s.has(name));
  const visitTerm = (t: Term): void => {
    walkTerm(t, (x) => {
      if (x.type === 'var') {
        if (globals.has(x.name) && !isLocal(x.name)) used.add(x.name);
        return false;
      }
      // A call's function name refers to an import too (`lib.f(x)`).
      if (x.type === 'call' && x.fn.head.type === 'var') visitTerm(x.fn.head);
      if (x.type === 'arraycomp' || x.type === 'setcomp' || x.type === 'objectcomp') {
        shadowed.push(declaredNames(x.body));
        if (x.type === 'objectcomp') {
          visitTerm(x.key);
          visitTerm(x.value);
        } else visitTerm(x.term);
        visitBody(x.body);
        shadowed.pop();
        return false;
      }
      return true;
    });
  };
  const visitBody = (body: Body): void => {
    for (const e of body) {
      if (e.type === 'expr') visitTerm(e.term);
      else if (e.type === 'somein') [e.key, e.value, e.collection].forEach((t) => t && visitTerm(t));
      else if (e.type === 'every') {
        shadowed.push(new Set([e.value.name, ...(e.key ? [e.key.name] : [])]));
        visitTerm(e.domain);
        visitBody(e.body);
        shadowed.pop();
      }
      for (const w of e.with) {
        visitTerm(w.target);
        visitTerm(w.value);
      }
    }
  };
  for (const t of [...rule.head.ref.slice(1), rule.head.key, rule.head.value]) if (t) visitTerm(t);
  visitBody(rule.body);
}

/** Names a function argument binds (not inside sets, comprehensions or calls; object values only). */
function patternVars(t: Term, into: Set<string>): void {
  walkTerm(t, (x) => {
    if (x.type === 'var') into.add(x.name);
    if (x.type === 'object') {
      for (const [, v] of x.items) patternVars(v, into);
      return false;
    }
    return x.type !== 'set' && x.type !== 'arraycomp' && x.type !== 'setcomp' && x.type !== 'objectcomp' && x.type !== 'call';
  });
}

/** Names bound in a body by `:=` and `some` (not in nested closures). */
function declaredNames(body: Body): Set<string> {
  const out = new Set<string>();
  const vars = (t: Term): void =>
    walkTerm(t, (x) => {
      if (x.type === 'var') out.add(x.name);
    });
  for (const e of body) {
    if (e.type === 'some') e.vars.forEach((v) => out.add(v.name));
    else if (e.type === 'somein') [e.key, e.value].forEach((t) => t && vars(t));
    else if (e.type === 'expr' && e.term.type === 'call' && callName(e.term) === 'assign' && e.term.args[0]) vars(e.term.args[0]);
  }
  return out;
}

/** Whether a module follows v1's rules (parsed as v1, or importing `rego.v1`). */
function isV1(module: Module): boolean {
  return !module.v0 || importsRegoV1(module);
}

/**
 * The compile stages that stop the compile when they fail, in OPA's order:
 * unused imports (strict), `input`/`data` shadowed (strict, or any v1
 * module), duplicate imports (strict; v1 modules are checked later anyway),
 * then local variables (OPA's rewriteLocalVars stage, in every mode:
 * redeclarations, `declared var x unused`, assignments that cannot be; strict
 * mode adds unused assignments and arguments).
 */
export function stageErrors(modules: readonly Module[], strict: boolean): RegoError[] {
  const stages: ((m: Module) => RegoError[])[] = [
    (m) => (strict ? unusedImportErrors(m) : []),
    (m) => (strict || isV1(m) ? rootDocumentOverrideErrors(m) : []),
    (m) => (strict && !isV1(m) ? duplicateImportErrors(m) : []),
    (m) => m.rules.flatMap((r) => localVarErrors(r, strict)),
  ];
  for (const stage of stages) {
    const errors = modules.flatMap(stage);
    if (errors.length > 0) return errors;
  }
  return [];
}

/** Deprecated built-ins in v0 modules (strict mode; v1 modules always refuse them). */
export function strictDeprecatedErrors(modules: readonly Module[]): RegoError[] {
  return modules.filter((m) => !isV1(m)).flatMap(deprecatedBuiltinErrors);
}

/** What OPA's `CheckRegoV1` reports for a module about to be written as v1 (the `if`/`contains` requirements aside). */
export function regoV1Errors(module: Module): RegoError[] {
  return [...duplicateImportErrors(module), ...rootDocumentOverrideErrors(module), ...deprecatedBuiltinErrors(module), ...keywordRuleNameErrors(module)];
}
