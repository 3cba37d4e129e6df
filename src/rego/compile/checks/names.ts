/**
 * Light name resolution for the compile-time checks: which rules exist (by
 * full `data.` path), and what a name or ref in a module refers to — a rule of
 * the package, an import, a `data.` document, a built-in, or a local variable.
 * The evaluator's resolver (../resolve.ts) does the full rewrite; the checks
 * only need to know where references point.
 */
import type { Import, Module, RefTerm, Rule, StringTerm } from '../../syntax/ast.js';
import { collectVars, declaredVars } from '../resolve.js';

export interface RuleInfo {
  module: Module;
  rule: Rule;
  /** Full path of the rule's node: `data` + package + the head's leading string segments (up to the first variable). */
  segments: string[];
  /** The same as OPA prints it: `data.a.p`, `data.a["b.c"]`. */
  path: string;
}

export interface RuleIndex {
  /** Rules by node path (`data.a.p`), in module order. */
  byPath: Map<string, RuleInfo[]>;
  all: RuleInfo[];
}

export function ruleSegments(module: Module, rule: Rule): string[] {
  let n = 0;
  while (n < rule.head.ref.length && rule.head.ref[n]!.type === 'string') n++;
  // Built at its final size (kept per rule by the rule index): `push` would leave spare capacity in each.
  return ['data'].concat(module.package.path, rule.head.ref.slice(0, n).map((s) => (s as StringTerm).value));
}

/** `data.a.b`, with segments that are not identifiers in brackets (`data.a["b.c"]`). */
export function pathText(segments: string[]): string {
  return segments.map((s, i) => (i === 0 ? s : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join('');
}

/**
 * Each module's rule infos, made once per module: a module is immutable, and
 * a compile cache hands the same module to many compiles (`../incremental.ts`).
 */
const moduleInfos = new WeakMap<Module, readonly RuleInfo[]>();

function infosOf(module: Module): readonly RuleInfo[] {
  let infos = moduleInfos.get(module);
  if (infos === undefined) {
    infos = module.rules.map((rule) => {
      const segments = ruleSegments(module, rule);
      return { module, rule, segments, path: pathText(segments) };
    });
    moduleInfos.set(module, infos);
  }
  return infos;
}

export function indexRules(modules: Module[]): RuleIndex {
  const byPath = new Map<string, RuleInfo[]>();
  const all: RuleInfo[] = [];
  for (const module of modules) {
    for (const info of infosOf(module)) {
      all.push(info);
      const list = byPath.get(info.path);
      if (list === undefined) byPath.set(info.path, [info]);
      else list.push(info);
    }
  }
  return { byPath, all };
}

/** The name an import binds: its alias, or the last segment of its path. */
export function importName(imp: Import): string | undefined {
  if (imp.alias) return imp.alias;
  const last = imp.path.path[imp.path.path.length - 1];
  if (last?.type === 'string') return last.value;
  return imp.path.head.type === 'var' ? imp.path.head.name : undefined;
}

/** A ref's leading string segments as names (`data.a.b[x].c` → data, a, b). */
function leadingNames(ref: RefTerm): string[] {
  if (ref.head.type !== 'var') return [];
  const names = [ref.head.name];
  for (const seg of ref.path) {
    if (seg.type !== 'string') break;
    names.push(seg.value);
  }
  return names;
}

/**
 * Where a name (a var, or the leading names of a ref) points in `module`:
 * the dotted `data.`/`input.` path it stands for, or undefined when it is not
 * a package rule, an import or a root document (then it is a local variable or
 * a built-in).
 */
export function resolveNames(module: Module, names: string[], packageRules: ReadonlySet<string>): string[] | undefined {
  const [first, ...rest] = names;
  if (first === undefined) return undefined;
  if (first === 'data' || first === 'input') return names;
  for (const imp of module.imports) {
    if (importName(imp) !== first) continue;
    const root = imp.path.head.type === 'var' ? imp.path.head.name : '';
    if (root !== 'data' && root !== 'input') continue;
    return [...leadingNames(imp.path), ...rest];
  }
  if (packageRules.has(first)) return ['data', ...module.package.path, ...names];
  return undefined;
}

/** Rule names by package, per module list (built once: the checks ask for every module's package). */
const namesByPackage = new WeakMap<readonly Module[], Map<string, Set<string>>>();

/** Names of the rules (first head segment) defined in the module's package, across all modules. */
export function packageRuleNames(modules: Module[], module: Module): Set<string> {
  let byPackage = namesByPackage.get(modules);
  if (!byPackage) {
    byPackage = new Map();
    for (const m of modules) {
      const key = m.package.path.join('.');
      let names = byPackage.get(key);
      if (!names) byPackage.set(key, (names = new Set()));
      for (const r of m.rules) names.add(r.head.name);
    }
    namesByPackage.set(modules, byPackage);
  }
  return byPackage.get(module.package.path.join('.')) ?? new Set();
}

/** The dotted name of a call's function ref (`strings.replace_n`, `data.lib.f`), undefined when it has non-string segments. */
export function refNames(ref: RefTerm): string[] | undefined {
  if (ref.head.type !== 'var') return undefined;
  const names = [ref.head.name];
  for (const seg of ref.path) {
    if (seg.type !== 'string') return undefined;
    names.push(seg.value);
  }
  return names;
}

/** Variables a rule declares itself (function arguments, `:=`, `some`, `every`): these hide package rule names. */
export function declaredLocals(rule: Rule): Set<string> {
  const out = new Set<string>();
  for (const a of rule.head.args ?? []) collectVars(a, out);
  declaredVars(rule.body, out);
  for (const e of rule.body) {
    if (e.type !== 'every') continue;
    if (e.key) out.add(e.key.name);
    out.add(e.value.name);
  }
  return out;
}
