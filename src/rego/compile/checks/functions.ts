/**
 * Calls: every function called must exist — a user function of the modules or
 * a built-in of the capabilities (minus refused ones) — and be called with its
 * arity (one extra operand is the output: `plus(1, 2, x)`; a call nested in
 * another term has its output already). Messages are OPA's: `count: arity
 * mismatch` with the operand and parameter types for built-ins, `function
 * data.a.f has arity 1, got 3 arguments` for user functions. In v1 modules,
 * deprecated built-ins are refused as OPA 1.x does.
 */
import { RegoError } from '../../errors.js';
import type { Body, CallTerm, Module, Rule, Term } from '../../syntax/ast.js';
import { builtinCapability } from '../../capabilities.js';
import { importsRegoV1 } from '../../syntax/v1rules.js';
import { packageRuleNames, pathText, refNames, resolveNames, type RuleIndex } from './names.js';
import { walkExpr, walkRule, walkTerm } from '../../syntax/walk.js';
import { builtinArityError } from '../typecheck/index.js';
import { termText } from '../typecheck/terms.js';

/** Checks the calls of `checked` (default: every module; an incremental compile passes the changed ones). */
export function checkFunctionCalls(modules: Module[], index: RuleIndex, refused: ReadonlySet<string>, checked: readonly Module[] = modules): RegoError[] {
  const errors: RegoError[] = [];
  for (const module of checked) {
    const local = packageRuleNames(modules, module);
    const v1 = !module.v0 || importsRegoV1(module);
    for (const rule of module.rules) {
      // A call that is an expression of its own keeps its operands; any other (nested) call gets an output operand.
      const statements = new Set<Term>();
      for (let r: Rule | undefined = rule; r; r = r.else) {
        statementTerms(r.body, statements);
        for (const t of headTerms(r)) walkTerm(t, (x) => closureStatements(x, statements));
      }
      const isDocument = (name: string): boolean => resolveNames(module, [name], local) !== undefined;
      walkRule(rule, (t) => {
        if (t.type !== 'call') return;
        const err = checkCall(t, !statements.has(t), module, local, index, refused, v1, isDocument);
        if (err) errors.push(err);
      });
    }
  }
  return errors;
}

function statementTerms(body: Body, out: Set<Term>): void {
  for (const e of body) {
    if (e.type === 'expr') out.add(e.term);
    if (e.type === 'every') statementTerms(e.body, out);
    walkExpr(e, (t) => closureStatements(t, out));
  }
}

/** A comprehension's body holds statements of its own (its term is not walked further here). */
function closureStatements(t: Term, out: Set<Term>): boolean | void {
  if (t.type !== 'arraycomp' && t.type !== 'setcomp' && t.type !== 'objectcomp') return;
  statementTerms(t.body, out);
  for (const h of t.type === 'objectcomp' ? [t.key, t.value] : [t.term]) walkTerm(h, (x) => closureStatements(x, out));
  return false;
}

function headTerms(rule: Rule): Term[] {
  const h = rule.head;
  return [...h.ref, ...(h.args ?? []), ...(h.key ? [h.key] : []), ...(h.value ? [h.value] : [])];
}

function checkCall(
  call: CallTerm,
  nested: boolean,
  module: Module,
  local: ReadonlySet<string>,
  index: RuleIndex,
  refused: ReadonlySet<string>,
  v1: boolean,
  isDocument: (name: string) => boolean,
): RegoError | undefined {
  const names = refNames(call.fn);
  if (!names) return undefined; // dynamic function refs are the evaluator's business
  const target = resolveNames(module, names, local);
  if (target) {
    const path = pathText(target);
    const rules = index.byPath.get(path);
    if (!rules) return new RegoError('rego_type_error', `undefined function ${path}`, call.loc);
    // A rule that is not a function has arity 0 (calling it is then a type error: undefined function).
    const arity = rules[0]!.rule.head.args?.length ?? 0;
    const act = call.args.length;
    if (act === arity || (!nested && act === arity + 1)) return undefined;
    return new RegoError('rego_type_error', `function ${path} has arity ${arity}, got ${act} argument${act === 1 ? '' : 's'}`, call.loc);
  }
  const name = names.join('.');
  // A refused built-in is still a known one: the compiler reports it once, as
  // OPA does, with `unsafe built-in function calls in expression: <name>`.
  if (refused.has(name)) return undefined;
  const cap = builtinCapability(name);
  if (!cap) return new RegoError('rego_type_error', `undefined function ${name}`, call.loc);
  if (v1 && cap.deprecated) return new RegoError('rego_type_error', `deprecated built-in function calls in expression: ${name}`, call.loc);
  // OPA's CheckVoidCalls: a built-in without a result (`print`) cannot give a value.
  if (nested && cap.result === undefined) return new RegoError('rego_type_error', `${termText(call)} used as value`, call.loc);
  if (cap.arity < 0) return undefined;
  const n = call.args.length;
  if (n === cap.arity || (!nested && n === cap.arity + 1)) return undefined;
  // OPA: `<name>: arity mismatch`, with the operands' types (a nested call's output operand among them) and the parameters.
  return builtinArityError(call, name, nested, isDocument);
}
