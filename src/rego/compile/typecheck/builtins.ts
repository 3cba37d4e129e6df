/**
 * Built-in function types, read from the `decl` entries of the capabilities
 * file, with the parameter names OPA prints in argument errors
 * (`want: (x: string, delimiter: string)`). `builtin-names.json` lists, per
 * built-in, its parameter names followed by its result's name (taken from
 * OPA's built-in documentation); built-ins without names print bare types.
 */
import capabilitiesJson from '../../capabilities.json' with { type: 'json' };
import namesJson from './builtin-names.json' with { type: 'json' };
import { typeFromJSON, type FunctionType } from './types.js';

interface RawBuiltin {
  name: string;
  decl: unknown;
}

let table: Map<string, FunctionType> | undefined;

function build(): Map<string, FunctionType> {
  const names = namesJson as Record<string, string[]>;
  const out = new Map<string, FunctionType>();
  for (const raw of (capabilitiesJson as unknown as { builtins: RawBuiltin[] }).builtins) {
    const fn = typeFromJSON(raw.decl);
    if (fn?.kind !== 'function') continue;
    const named = names[raw.name];
    if (!named) {
      out.set(raw.name, fn);
      continue;
    }
    const argNames = named.slice(0, fn.args.length);
    const resultName = fn.result !== undefined ? named[fn.args.length] : undefined;
    out.set(raw.name, { ...fn, argNames, ...(resultName ? { resultName } : {}) });
  }
  return out;
}

/** The declared type of a built-in (`count`, `strings.replace_n`, `plus`...), or undefined. */
export function builtinType(name: string): FunctionType | undefined {
  table ??= build();
  return table.get(name);
}
