/**
 * Calls: every function called must exist — a user function of the modules or
 * a built-in of the capabilities (minus refused ones) — and be called with its
 * arity (one extra operand is the output: `plus(1, 2, x)`). In v1 modules,
 * deprecated built-ins are refused as OPA 1.x does.
 */
import { RegoError } from '../../errors.js';
import type { CallTerm, Module } from '../../syntax/ast.js';
import { builtinCapability } from '../../capabilities.js';
import { importsRegoV1 } from '../../syntax/v1rules.js';
import { packageRuleNames, pathText, refNames, resolveNames, type RuleIndex } from './names.js';
import { walkRule } from '../../syntax/walk.js';

export function checkFunctionCalls(modules: Module[], index: RuleIndex, refused: ReadonlySet<string>): RegoError[] {
  const errors: RegoError[] = [];
  for (const module of modules) {
    const local = packageRuleNames(modules, module);
    const v1 = !module.v0 || importsRegoV1(module);
    for (const rule of module.rules) {
      walkRule(rule, (t) => {
        if (t.type !== 'call') return;
        const err = checkCall(t, module, local, index, refused, v1);
        if (err) errors.push(err);
      });
    }
  }
  return errors;
}

function checkCall(call: CallTerm, module: Module, local: ReadonlySet<string>, index: RuleIndex, refused: ReadonlySet<string>, v1: boolean): RegoError | undefined {
  const names = refNames(call.fn);
  if (!names) return undefined; // dynamic function refs are the evaluator's business
  const target = resolveNames(module, names, local);
  if (target) {
    const path = pathText(target);
    const rules = index.byPath.get(path);
    if (!rules) return new RegoError('rego_type_error', `undefined function ${path}`, call.loc);
    const fn = rules.find((r) => r.rule.head.kind === 'function');
    if (!fn) return undefined; // calling a non-function rule is caught by the type checker/evaluator
    return arityError(path, fn.rule.head.args!.length, call, true);
  }
  const name = names.join('.');
  // A refused built-in is still a known one: the compiler reports it once, as
  // OPA does, with `unsafe built-in function calls in expression: <name>`.
  if (refused.has(name)) return undefined;
  const cap = builtinCapability(name);
  if (!cap) return new RegoError('rego_type_error', `undefined function ${name}`, call.loc);
  if (v1 && cap.deprecated) return new RegoError('rego_type_error', `deprecated built-in function calls in expression: ${name}`, call.loc);
  if (cap.arity < 0) return undefined;
  return arityError(name, cap.arity, call, cap.result !== undefined);
}

/** OPA's wording: `<name>: too many arguments` / `too few arguments`. */
function arityError(name: string, arity: number, call: CallTerm, hasOutput: boolean): RegoError | undefined {
  const n = call.args.length;
  if (n < arity) return new RegoError('rego_type_error', `${name}: too few arguments`, call.loc);
  if (n > arity + (hasOutput ? 1 : 0)) return new RegoError('rego_type_error', `${name}: too many arguments`, call.loc);
  return undefined;
}
