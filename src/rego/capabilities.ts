/**
 * OPA's capabilities file (v1.20.2): every built-in's name, operand types,
 * result type and flags. The compile-time checks use it to recognise built-ins,
 * check arities and operand types of constants, and refuse deprecated ones.
 * The JSON is imported (not read from disk) so that `tsc` copies it to `dist/`.
 */
import capabilitiesJson from './capabilities.json' with { type: 'json' };

/** A type in OPA's declaration language (`{"type":"number"}`, `{"type":"array","dynamic":{...}}`, `{"type":"any","of":[...]}`...). */
export interface TypeDecl {
  type: 'any' | 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set' | 'function';
  of?: TypeDecl[];
  static?: unknown;
  dynamic?: unknown;
  [key: string]: unknown;
}

export interface BuiltinCapability {
  name: string;
  /** Number of operands, or -1 for variadic built-ins (`print`, `sprintf`... have a fixed arity; `print` is variadic). */
  arity: number;
  args: TypeDecl[];
  result?: TypeDecl;
  deprecated: boolean;
  relation: boolean;
  nondeterministic: boolean;
  infix?: string;
}

interface RawBuiltin {
  name: string;
  decl: { args?: TypeDecl[]; variadic?: TypeDecl; result?: TypeDecl };
  deprecated?: boolean;
  relation?: boolean;
  nondeterministic?: boolean;
  infix?: string;
}

const table = new Map<string, BuiltinCapability>();
for (const raw of (capabilitiesJson as unknown as { builtins: RawBuiltin[] }).builtins) {
  const cap: BuiltinCapability = {
    name: raw.name,
    arity: raw.decl.variadic !== undefined ? -1 : (raw.decl.args?.length ?? 0),
    args: raw.decl.args ?? [],
    deprecated: raw.deprecated === true,
    relation: raw.relation === true,
    nondeterministic: raw.nondeterministic === true,
  };
  if (raw.decl.result) cap.result = raw.decl.result;
  if (raw.infix !== undefined) cap.infix = raw.infix;
  table.set(raw.name, cap);
}

export function builtinCapability(name: string): BuiltinCapability | undefined {
  return table.get(name);
}

export function allBuiltinCapabilities(): IterableIterator<BuiltinCapability> {
  return table.values();
}

/** Top-level namespaces of built-in names (`strings`, `time`, `io`...): a ref starting with one may be a built-in call. */
export function builtinNamespaces(): ReadonlySet<string> {
  return namespaces;
}
const namespaces = new Set(Array.from(table.keys(), (n) => n.split('.')[0]!));
