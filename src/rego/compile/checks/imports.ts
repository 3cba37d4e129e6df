/** Imports: in v1 modules two imports may not bind the same name (`import must not shadow import data.foo`). */
import { RegoError } from '../../errors.js';
import type { Import, Module } from '../../syntax/ast.js';
import { importsRegoV1 } from '../../syntax/v1rules.js';
import { importName } from './names.js';

function importText(imp: Import): string {
  const path = [imp.path.head.type === 'var' ? imp.path.head.name : '?', ...imp.path.path.map((s) => (s.type === 'string' ? s.value : '?'))].join('.');
  return imp.alias ? `import ${path} as ${imp.alias}` : `import ${path}`;
}

export function checkDuplicateImports(modules: Module[]): RegoError[] {
  const errors: RegoError[] = [];
  for (const module of modules) {
    if (module.v0 && !importsRegoV1(module)) continue;
    const seen = new Map<string, Import>();
    for (const imp of module.imports) {
      const root = imp.path.head.type === 'var' ? imp.path.head.name : '';
      if (root === 'future' || root === 'rego') continue;
      const name = importName(imp);
      if (name === undefined) continue;
      const prev = seen.get(name);
      if (prev) errors.push(new RegoError('rego_compile_error', `import must not shadow ${importText(prev)}`, imp.loc));
      else seen.set(name, imp);
    }
  }
  return errors;
}
