/**
 * Built-in declarations from OPA's capabilities file: how many operands a call
 * takes (so that an extra argument is recognised as the output operand) and
 * whether the built-in is a relation.
 */
import capabilities from '../capabilities.json' with { type: 'json' };

export interface BuiltinDecl {
  name: string;
  /** Number of input operands (variadic built-ins: -1). */
  arity: number;
  relation: boolean;
  /** Infix operator text (`==`, `+`, `in`...), if any. */
  infix?: string;
}

interface RawBuiltin {
  name: string;
  decl: { args?: unknown[]; variadic?: unknown; result?: unknown };
  relation?: boolean;
  infix?: string;
}

const decls = new Map<string, BuiltinDecl>();
for (const b of (capabilities as { builtins: RawBuiltin[] }).builtins) {
  decls.set(b.name, {
    name: b.name,
    arity: b.decl.variadic !== undefined ? -1 : (b.decl.args?.length ?? 0),
    relation: b.relation === true,
    ...(b.infix !== undefined ? { infix: b.infix } : {}),
  });
}

export function builtinDecl(name: string): BuiltinDecl | undefined {
  return decls.get(name);
}

export function allBuiltinDecls(): IterableIterator<BuiltinDecl> {
  return decls.values();
}
