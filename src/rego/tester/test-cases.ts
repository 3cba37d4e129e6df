/**
 * Tests with cases (`test_x[tc.note] if { some tc in cases; ... }`), as OPA
 * 1.x's test runner runs them (v1/tester/runner.go): each test rule whose path
 * goes on after its `test_` segment gets a call `internal.test_case([keys])`
 * just after the expressions that bind the keys' variables
 * (injectTestCaseFunc), so the runner learns every case the evaluation
 * reached, and a case that fails further down still shows as a failed
 * sub-result. A test's sub-results are then its value's entries (`true`
 * passes, anything else fails; objects nest) plus every reached case missing
 * from them, which fails (runner.go subResults, SubResultMap.update).
 */
import type { Expr, Module, Term } from '../syntax/ast.js';
import { makeCall } from '../syntax/parser-base.js';
import { walkExpr, walkTerm } from '../syntax/walk.js';
import { isObject, objectEntries, type Value } from '../value.js';
import { goMarshal } from '../builtins/json-text.js';
import { testCaseTerms } from './discover.js';

const TEST_CASE = 'internal.test_case';

/** One case of a test: OPA's `tester.SubResult`. */
export interface SubResult {
  name: string;
  fail: boolean;
  subResults: SubResults;
}

export type SubResults = Record<string, SubResult>;

/** Adds the `internal.test_case` calls to the test rules with cases of freshly parsed modules (in place). */
export function injectTestCaseCalls(modules: readonly Module[]): void {
  for (const module of modules) {
    for (const rule of module.rules) {
      const keys = testCaseTerms(rule);
      if (keys.length === 0 || callsTestCase(rule.body)) continue;
      const vars = new Set<string>();
      for (const k of keys) walkTerm(k, (t) => void (t.type === 'var' && vars.add(t.name)));
      // Below the first occurrence of every key variable (OPA moves the key's generated assignment there).
      let below = -1;
      for (const name of vars) {
        const first = rule.body.findIndex((e) => mentions(e, name));
        if (first > below) below = first;
      }
      const at = rule.body[Math.max(below, 0)]?.loc ?? rule.loc;
      const call: Expr = { type: 'expr', term: makeCall(TEST_CASE, [{ type: 'array', items: keys, loc: at }], at), negated: false, with: [], loc: at };
      rule.body.splice(below + 1, 0, call);
    }
  }
}

function callsTestCase(body: Expr[]): boolean {
  let found = false;
  for (const e of body) {
    walkExpr(e, (t) => {
      if (t.type === 'call' && t.fn.head.type === 'var' && t.fn.head.name === 'internal' && t.fn.path.map((s) => (s.type === 'string' ? s.value : '')).join('.') === 'test_case') found = true;
    });
  }
  return found;
}

function mentions(e: Expr, name: string): boolean {
  let found = false;
  walkExpr(e, (t) => {
    if (t.type === 'var' && t.name === name) found = true;
  });
  return found;
}

/** OPA's `termToString`: a string as it is, anything else as JSON. */
function caseName(v: Value): string {
  return typeof v === 'string' ? v : goMarshal(v);
}

function subResultOf(name: string, v: Value): SubResult {
  if (isObject(v)) {
    const nested = caseResults(v, []);
    return { name, fail: nested.fail, subResults: nested.subResults };
  }
  return { name, fail: v !== true, subResults: {} };
}

/**
 * A test's outcome from its value (an object of cases) and the cases it
 * reached (the paths `internal.test_case` saw, in order): whether it fails,
 * and its sub-results.
 */
export function caseResults(value: Value | undefined, reached: readonly Value[]): { fail: boolean; subResults: SubResults } {
  if (value === undefined) return { fail: true, subResults: {} };
  let fail = false;
  const subResults: SubResults = {};
  if (isObject(value)) {
    for (const [k, v] of objectEntries(value)) {
      const name = caseName(k);
      const sr = subResultOf(name, v);
      subResults[name] = sr;
      if (sr.fail) fail = true;
    }
  }
  for (const path of reached) {
    if (Array.isArray(path) && update(subResults, path.map(caseName), 0)) fail = true;
  }
  return { fail, subResults };
}

/** OPA's `SubResultMap.update`: a case not in the value fails; a leaf keeps its outcome; parents of a failure fail. */
function update(results: SubResults, path: string[], i: number): boolean {
  if (i >= path.length) return true;
  const name = path[i]!;
  let entry = results[name];
  if (entry === undefined) {
    entry = { name, fail: true, subResults: {} };
    results[name] = entry;
  }
  if (i === path.length - 1) return entry.fail;
  const fail = update(entry.subResults, path, i + 1);
  if (fail) entry.fail = true;
  return fail;
}

/** Depth-first over sub-results, names sorted at each level (OPA's `SubResultMap.Iter`): each with its full name path. */
export function* iterSubResults(results: SubResults, prefix: string[] = []): Generator<[string[], SubResult]> {
  for (const name of Object.keys(results).sort()) {
    const sr = results[name]!;
    const full = [...prefix, name];
    yield [full, sr];
    yield* iterSubResults(sr.subResults, full);
  }
}
