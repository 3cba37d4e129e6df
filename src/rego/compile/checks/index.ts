/**
 * Compile-time checks on parsed modules, one file per check. `compile()` runs
 * them before building the rule tree; every error carries OPA's code, message
 * and the location OPA reports. At most `ERROR_LIMIT` errors are returned, as
 * OPA stops after ten.
 */
import { ERROR_LIMIT, type RegoError } from '../../errors.js';
import type { Module } from '../../syntax/ast.js';
import { checkRuleConflicts } from './conflicts.js';
import { checkFunctionCalls } from './functions.js';
import { checkDuplicateImports } from './imports.js';
import { indexRules } from './names.js';
import { checkRecursion, type ModuleEdges } from './recursion.js';
import { stageErrors, strictDeprecatedErrors } from './strict.js';

export interface CheckOptions {
  /** Built-ins policies may not call: a call is `undefined function <name>`, as with OPA capabilities that lack it. */
  refusedBuiltins?: readonly string[];
  /** OPA's strict mode (see `strict.ts`). */
  strict?: boolean;
}

/**
 * The checks of OPA's first compile stages, which stop the compile when they
 * fail (nothing after them is reported): unused imports in strict mode,
 * `input`/`data` shadowed (strict mode or v1 modules), local variables
 * (redeclared, `some` never used; unused assignments in strict mode).
 */
export function checkStages(modules: Module[], opts: CheckOptions = {}): RegoError[] {
  return stageErrors(modules, opts.strict === true).slice(0, ERROR_LIMIT);
}

export function checkModules(modules: Module[], opts: CheckOptions = {}): RegoError[] {
  const steps = checkSteps(modules, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * What an incremental compile (`../incremental.ts`) tells the checks: the
 * modules that changed since the last compile that passed them, when every
 * rule path, kind and arity is as it was then (so what the other modules'
 * checks found, nothing, still holds); and each module's share of the
 * recursion graph, kept between compiles (filled here for new modules).
 */
export interface CheckScope {
  changed?: readonly Module[];
  edges?: ModuleEdges;
}

/** The checks one after another, pausing (`yield`) between them (for `compileAsync`). */
export function* checkSteps(modules: Module[], opts: CheckOptions = {}, scope: CheckScope = {}): Generator<void, RegoError[], void> {
  const index = indexRules(modules);
  const checked = scope.changed ?? modules;
  // Conflicts are between rule paths, kinds, arities and packages: none since the compile that had the same ones.
  const errors = [...checkDuplicateImports([...checked]), ...(scope.changed ? [] : checkRuleConflicts(index, modules))];
  yield;
  errors.push(...checkFunctionCalls(modules, index, new Set(opts.refusedBuiltins ?? []), checked));
  yield;
  errors.push(...checkRecursion(modules, index, scope.edges));
  if (opts.strict) errors.push(...strictDeprecatedErrors(checked));
  return errors.slice(0, ERROR_LIMIT);
}
