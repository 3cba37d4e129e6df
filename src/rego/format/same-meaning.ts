/**
 * "Formatting never changes meaning", checked: the formatted text is parsed
 * again and both syntax trees are compared with locations, comments and pure
 * spelling left out. Spelling that the formatter may change without changing
 * meaning is normalised on both sides: `=` vs `:=` in rule heads, an explicit
 * `= true` value, a body of just `true`, wildcard numbering, and (for the v0→v1
 * rewrite) the `future.keywords`/`rego.v1` imports, which only switch syntax;
 * the order of imports does not matter either.
 */
import type { Module, Rule, Term } from '../syntax/ast.js';

/** A location-free, spelling-free text of a module, equal for modules that mean the same. */
export function meaningOf(module: Module, opts: { ignoreVersionImports?: boolean } = {}): string {
  const imports = module.imports
    .filter((imp) => {
      const root = imp.path.head.type === 'var' ? imp.path.head.name : '';
      if (root === 'future') return false;
      return !(opts.ignoreVersionImports && root === 'rego');
    })
    .map((imp) => JSON.stringify({ path: strip(imp.path), alias: imp.alias ?? null }))
    // Import order within a group is the formatter's to choose.
    .sort();
  return JSON.stringify({ package: module.package.path, imports, rules: module.rules.map(rule) });
}

function rule(r: Rule): unknown {
  const head = r.head;
  const implicitTrue = head.kind !== 'multi' && (head.value === undefined || (head.value.type === 'boolean' && head.value.value === true));
  const justTrue =
    r.body.length === 1 && r.body[0]!.type === 'expr' && !r.body[0]!.negated && r.body[0]!.with.length === 0 && isTrue(r.body[0]!.term);
  return {
    default: r.isDefault,
    kind: head.kind,
    ref: head.ref.map(strip),
    args: head.args?.map(strip) ?? null,
    key: head.key ? strip(head.key) : null,
    value: implicitTrue ? true : strip(head.value),
    body: justTrue ? [] : strip(r.body),
    else: r.else ? rule(r.else) : null,
  };
}

function isTrue(t: Term): boolean {
  return t.type === 'boolean' && t.value;
}

/** A copy without locations and with wildcards made anonymous. */
function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x === null || typeof x !== 'object') return typeof x === 'bigint' ? `${x}n` : x;
  const o = x as Record<string, unknown>;
  if (o.type === 'var' && o.wildcard) return { type: 'var', wildcard: true };
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) {
    if (k === 'loc' || k === 'file' || k === 'annotations') continue;
    out[k] = strip(o[k]);
  }
  return out;
}
