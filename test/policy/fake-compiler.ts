/**
 * A stand-in for the Rego compiler, for engine tests that are about snapshots,
 * reloads and fail-closed paths rather than Rego: each module is
 * `package <path>` followed by one line of JSON, the package's document.
 * A module containing `SYNTAX ERROR` fails to compile; `EVAL ERROR` fails at
 * evaluation. `{"$input": "key"}` echoes `input.key`.
 */
import type { CompileOptions, ModuleSource, Policy, PreparedQuery } from '../../src/rego/api.js';
import type { Module } from '../../src/rego/syntax/ast.js';
import { RegoError, RegoErrors } from '../../src/rego/errors.js';
import { fromJS, RegoSet, type Value } from '../../src/rego/value.js';

export interface FakeCompilerStats {
  compiles: number;
  lastOptions?: CompileOptions;
}

function toValue(x: unknown, input: Value | undefined): Value {
  if (Array.isArray(x)) return x.map((v) => toValue(v, input));
  if (typeof x === 'object' && x !== null) {
    const o = x as Record<string, unknown>;
    if (typeof o['$set'] === 'object') return new RegoSet((o['$set'] as unknown[]).map((v) => toValue(v, input)));
    if (typeof o['$input'] === 'string') return (input as Record<string, Value> | undefined)?.[o['$input']] ?? null;
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(o)) out[k] = toValue(v, input);
    return out;
  }
  return fromJS(x);
}

export function fakeCompiler(stats: FakeCompilerStats = { compiles: 0 }) {
  return (sources: ModuleSource[], options: CompileOptions): Policy => {
    stats.compiles++;
    stats.lastOptions = options;
    const docs = new Map<string, { json: unknown; evalError: boolean }>();
    // Only the package paths: the engine looks at them for domains the policy does not define.
    const modules: Module[] = [];
    for (const { file, source } of sources) {
      if (source.includes('SYNTAX ERROR')) {
        throw new RegoErrors([new RegoError('rego_parse_error', 'unexpected ident token', { file, row: 2, col: 1 })]);
      }
      const [head, ...rest] = source.split('\n');
      const pkg = head!.replace(/^package\s+/, '').trim();
      const body = rest.join('\n').trim();
      modules.push({ file, package: { path: pkg.split('.') } } as unknown as Module);
      docs.set(`data.${pkg}`, { json: body.includes('EVAL ERROR') ? null : JSON.parse(body || '{}'), evalError: body.includes('EVAL ERROR') });
    }
    return {
      modules,
      prepare(rawQuery: string): PreparedQuery {
        const query = rawQuery.replace(/\["([^"]*)"\]/g, '.$1');
        return {
          eval(opts = {}) {
            const doc = docs.get(query);
            if (!doc) return [];
            if (doc.evalError) throw new RegoError('eval_conflict_error', 'complete rules must not produce multiple outputs', { file: 'x.rego', row: 3, col: 1 });
            return [{ expressions: [{ value: toValue(doc.json, opts.input), text: query, location: { file: '', row: 1, col: 1 } }], bindings: {} }];
          },
        };
      },
    };
  };
}
