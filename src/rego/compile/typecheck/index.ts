/**
 * OPA's static type checker (v1/ast/check.go, v1/types) for our compiler:
 * `checkTypeSteps` infers the type of every rule and function across modules
 * and reports the `rego_type_error`s OPA reports: built-in and function calls
 * whose operands cannot have the declared types (`count: invalid argument(s)`),
 * unifications that can never succeed (`match error`), references to elements
 * a known value cannot have (`undefined ref`), `with` replacing a function by
 * one of another arity. `input` and base `data` are of any type (no schemas).
 * It runs after the safety check, on the resolved rules, following the order
 * the safety check gave each body; `checkQueryTypes` checks a query against
 * the rule types of a compiled policy.
 *
 * Files: types.ts (the type model), unifies.ts, builtins.ts (declarations from
 * the capabilities file), env.ts (rule types, variable scopes), normalize.ts
 * (expressions as OPA's rewriting stages leave them), body.ts (bodies,
 * unification, calls), refs.ts (reference checks), rules.ts (rule types),
 * errors.ts (errors and their details).
 */
import type { Location, RegoError } from '../../errors.js';
import type { Body, CallTerm, Expr, Term } from '../../syntax/ast.js';
import type { ResolvedRule } from '../resolve.js';
import type { RuleNode } from '../ruletree.js';
import { BodyChecker, type CheckContext } from './body.js';
import { DataTypes, Scope } from './env.js';
import { VarGen } from './normalize.js';
import { RuleTypes, type TypeMemo } from './rules.js';
import { builtinType } from './builtins.js';
import { argError } from './errors.js';
import { ANY, type MaybeType } from './types.js';

/** Each body's expressions in the order the safety check chose (a `Map`, or a `WeakMap` kept between compiles). */
export type BodyOrder = { get(body: Body): Expr[] | undefined };

/**
 * Checks every rule, pausing (`yield`) between rules; returns the errors
 * (sorted as OPA sorts them) and the rule types. With `memo`, rules checked
 * in an earlier compile may be replayed (see `TypeMemo`).
 */
export function* checkTypeSteps(
  rules: readonly ResolvedRule[],
  tree: RuleNode,
  order: BodyOrder,
  memo?: TypeMemo,
): Generator<void, { errors: RegoError[]; types: RuleTypes }, void> {
  let types: RuleTypes | undefined;
  const data = new DataTypes((prefix) => types!.ensure(prefix));
  const cx: CheckContext = { data, order, rewriteEquals: true, gen: new VarGen() };
  types = new RuleTypes(tree, cx, memo);
  let pending = 0;
  for (const rr of rules) {
    const before = types.checked;
    types.checkRule(rr);
    // A pause after each rule checked; replayed ones are cheap: a pause per 256 of them.
    if (types.checked !== before || ++pending === 256) {
      pending = 0;
      yield;
    }
  }
  return { errors: sortErrors(types.errors), types };
}

/** Checks a query body against a policy's rule types (queries keep `==` a comparison, as OPA's query compiler does). */
export function checkQueryTypes(body: Body, types: RuleTypes, order: BodyOrder): RegoError[] {
  const checker = new BodyChecker({ data: types.data, order, rewriteEquals: false, gen: new VarGen() }, new Scope());
  checker.checkBody(body);
  return sortErrors(checker.errors);
}

export type { RuleTypes, TypeEffect, TypeMemo } from './rules.js';

/**
 * OPA's error for a built-in called with the wrong number of operands (raised
 * before rules are typed): `count: arity mismatch`, the operands' types
 * (documents any, variables unknown, a nested call's output operand unknown)
 * and the built-in's parameters.
 */
export function builtinArityError(call: CallTerm, name: string, nested: boolean, isDocument: (name: string) => boolean): RegoError {
  const checker = new BodyChecker({ data: new DataTypes(() => {}), order: undefined, rewriteEquals: true, gen: new VarGen() }, new Scope());
  const typeOf = (t: Term): MaybeType => {
    const head = t.type === 'ref' ? t.head : t;
    if (head.type === 'var' && head.name !== 'data' && head.name !== 'input' && isDocument(head.name)) return ANY;
    return checker.typeOf(t);
  };
  const have = call.args.map(typeOf);
  if (nested) have.push(undefined);
  return argError(call.loc, name, 'arity mismatch', have, builtinType(name) ?? { kind: 'function', args: [], result: undefined }, false);
}

function compareLocations(a: Location | undefined, b: Location | undefined): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.row - b.row || a.col - b.col;
}

/** OPA's order for errors: by location, then by text. */
function sortErrors(errors: RegoError[]): RegoError[] {
  return errors
    .map((e) => ({ e, text: e.format() }))
    .sort((x, y) => compareLocations(x.e.location, y.e.location) || (x.text < y.text ? -1 : x.text > y.text ? 1 : 0))
    .map((x) => x.e);
}
