/** Hand-built modules and a scripted Policy, to test the runner without the engine. */
import type { EvalOptions, Policy, Result } from '../../src/rego/api.js';
import type { Expr, Module, Rule } from '../../src/rego/syntax/ast.js';
import type { Value } from '../../src/rego/value.js';

export function expr(file: string, row: number): Expr {
  return { type: 'expr', term: { type: 'boolean', value: true, loc: { file, row, col: 2 } }, negated: false, with: [], loc: { file, row, col: 2 } };
}

export function rule(file: string, name: string, row: number, opts: { bodyRows?: number[]; fn?: boolean } = {}): Rule {
  const loc = { file, row, col: 1 };
  return {
    head: { name, ref: [{ type: 'string', value: name, loc }], kind: opts.fn ? 'function' : 'complete', assign: false, loc, ...(opts.fn ? { args: [] } : {}) },
    body: (opts.bodyRows ?? []).map((r) => expr(file, r)),
    isDefault: false,
    file,
    loc,
  };
}

export function module(file: string, pkg: string[], rules: Rule[]): Module {
  return { file, package: { path: pkg, loc: { file, row: 1, col: 1 } }, imports: [], rules, v0: false, comments: [] };
}

/** What a scripted query does: return a value (undefined = no result), throw, print. */
export interface Script {
  value?: Value;
  throws?: unknown;
  prints?: string[];
  /** Locations to report as covered. */
  covers?: { file: string; row: number }[];
}

export function fakePolicy(modules: Module[], scripts: Record<string, Script>, seen: { query: string; opts: EvalOptions }[] = []): Policy {
  return {
    modules,
    prepare(query: string) {
      return {
        eval(opts: EvalOptions = {}): Result[] {
          seen.push({ query, opts });
          const s = scripts[query];
          if (!s) return [];
          for (const p of s.prints ?? []) opts.print?.(p);
          for (const c of s.covers ?? []) opts.coverage?.({ ...c, col: 1 });
          if (s.throws !== undefined) throw s.throws;
          if (s.value === undefined) return [];
          return [{ expressions: [{ value: s.value, text: query, location: { file: '', row: 1, col: 1 } }], bindings: {} }];
        },
      };
    },
  };
}
