/**
 * A stand-in engine for worker tests: parses with the real parser, and
 * evaluates `hang` tests by spinning forever without ever checking a deadline
 * (what the worker backstop exists for); every other test is true.
 */
import type { ModuleSource, Policy } from '../../src/rego/api.js';
import type { Module } from '../../src/rego/syntax/ast.js';
import { parseModule } from '../../src/rego/syntax/parser.js';

export function compile(sources: (ModuleSource | Module)[]): Policy {
  return {
    modules: sources.map((s) => ('source' in s ? parseModule(s.file, s.source) : s)),
    prepare(query: string) {
      return {
        eval(opts = {}) {
          if (query.includes('hang')) for (;;);
          opts.print?.(`ran ${query}`);
          opts.coverage?.({ file: 'x.rego', row: 1, col: 1 });
          return [{ expressions: [{ value: true, text: query, location: { file: '', row: 1, col: 1 } }], bindings: {} }];
        },
      };
    },
  };
}
