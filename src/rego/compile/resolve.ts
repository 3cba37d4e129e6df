/**
 * Name resolution: rewrites every module's rules so that references to rules of
 * the package (`p`, `f(x)`, `q[x]`) and to imports (`import data.a.b as c`,
 * `import input.x`) become full `data.`/`input.` references. What is left as a
 * plain variable afterwards is a local variable (or the root documents `input`
 * and `data`). Syntax trees passed in are never mutated.
 */
import { RegoError } from '../errors.js';
import type { Body, Expr, Import, Module, RefTerm, Rule, StringTerm, Term, VarTerm, With } from '../syntax/ast.js';
import type { Location } from '../errors.js';
import { walkTerm } from '../syntax/walk.js';

/** A resolved rule: its full path below `data` (as terms; variables for ref heads) plus the rewritten rule. */
export interface ResolvedRule {
  module: Module;
  /** Package path below data. */
  pkg: string[];
  /** Full rule reference below data: package path then the head's ref. */
  path: Term[];
  rule: Rule;
}

const ROOTS = new Set(['data', 'input']);

/** The variable a root document declared as a local becomes (a name no source can spell). */
function shadowName(root: string): string {
  return `${root}$local`;
}

function isShadow(name: string): boolean {
  return name === 'input$local' || name === 'data$local';
}

export function stringTerm(value: string, loc: Location): StringTerm {
  return { type: 'string', value, loc };
}

export function dataRef(path: string[], loc: Location): RefTerm {
  return { type: 'ref', head: { type: 'var', name: 'data', loc }, path: path.map((p) => stringTerm(p, loc)), loc };
}

/** Names bound by `some`/`:=`/function arguments/`every` in a body (not in nested closures). */
export function declaredVars(body: Body, into: Set<string>): Set<string> {
  for (const e of body) exprDeclaredVars(e, into);
  return into;
}

/** Names one expression of a body binds (see `declaredVars`). */
export function exprDeclaredVars(e: Expr, into: Set<string>): Set<string> {
  if (e.type === 'some') for (const v of e.vars) into.add(v.name);
  else if (e.type === 'somein') {
    if (e.key) patternVars(e.key, into);
    patternVars(e.value, into);
  } else if (e.type === 'expr' && e.term.type === 'call' && isAssign(e.term.fn)) collectVars(e.term.args[0]!, into);
  return into;
}

export function isAssign(fn: RefTerm): boolean {
  return fn.path.length === 0 && fn.head.type === 'var' && fn.head.name === 'assign';
}

/**
 * The variables a `some ... in` pattern declares: those it can bind, so not the
 * ones inside references (`some input.x in xs` declares nothing: it tests
 * membership, as OPA's output-variable analysis has it).
 */
function patternVars(t: Term, into: Set<string>): void {
  walkTerm(t, (x) => {
    if (x.type === 'ref') return false;
    if (x.type === 'var') into.add(x.name);
  });
}

/** Every variable in a term, including inside nested closures. */
export function collectVars(t: Term, into: Set<string>): void {
  walkTerm(t, (x) => {
    if (x.type === 'var') into.add(x.name);
  });
}

/** What a bare name means in one module: a rule of the package or an import alias. */
interface NameEnv {
  pkg: string[];
  rules: Set<string>;
  imports: Map<string, RefTerm>;
}

function importAlias(imp: Import): string | undefined {
  if (imp.alias) return imp.alias;
  const last = imp.path.path[imp.path.path.length - 1];
  if (last && last.type === 'string') return last.value;
  if (imp.path.path.length === 0 && imp.path.head.type === 'var') return imp.path.head.name;
  return undefined;
}

function rootOf(ref: RefTerm): string | undefined {
  return ref.head.type === 'var' ? ref.head.name : undefined;
}

export class Resolver {
  readonly errors: RegoError[] = [];
  /** Rule names per package (joined path), across all modules. */
  private readonly packageRules = new Map<string, Set<string>>();

  constructor(private readonly modules: readonly Module[]) {
    for (const m of modules) {
      const key = m.package.path.join('.');
      let names = this.packageRules.get(key);
      if (!names) this.packageRules.set(key, (names = new Set()));
      for (const r of m.rules) names.add(r.head.name);
    }
  }

  resolveAll(): ResolvedRule[] {
    const out: ResolvedRule[] = [];
    for (const m of this.modules) out.push(...this.resolveModule(m));
    return out;
  }

  /** One module's rules, resolved (against the rule names of all modules). */
  resolveModule(m: Module): ResolvedRule[] {
    const out: ResolvedRule[] = [];
    const env = this.envFor(m);
    for (const rule of m.rules) {
      const resolved = this.resolveRule(rule, env);
      out.push({ module: m, pkg: m.package.path, path: [...m.package.path.map((p) => stringTerm(p, rule.loc)), ...resolved.head.ref], rule: resolved });
    }
    return out;
  }

  private envFor(m: Module): NameEnv {
    const imports = new Map<string, RefTerm>();
    for (const imp of m.imports) {
      const root = rootOf(imp.path);
      if (root !== 'data' && root !== 'input') continue; // future.keywords.*, rego.v1
      const alias = importAlias(imp);
      if (alias === undefined) continue;
      imports.set(alias, imp.path);
    }
    return { pkg: m.package.path, rules: this.packageRules.get(m.package.path.join('.')) ?? new Set(), imports };
  }

  /** Resolves a query: only imports-free names; refs are used as written. */
  resolveQuery(body: Body, pkg: string[] = [], imports: Map<string, RefTerm> = new Map()): Body {
    const env: NameEnv = { pkg, rules: this.packageRules.get(pkg.join('.')) ?? new Set(), imports };
    if (pkg.length === 0) env.rules = new Set();
    return this.body(body, env, declaredVars(body, new Set()));
  }

  private resolveRule(rule: Rule, env: NameEnv): Rule {
    const locals = new Set<string>();
    for (const a of rule.head.args ?? []) collectVars(a, locals);
    // Variable segments of the head's ref (`o[k]`, `a.b[c].d`) are locals bound by the body; names inside
    // other segments (`p[xs[i]]`) resolve as anywhere else (OPA resolves the head's ref like its key).
    for (let i = 1; i < rule.head.ref.length; i++) {
      const seg = rule.head.ref[i]!;
      if (seg.type === 'var') locals.add(seg.name);
    }
    declaredVars(rule.body, locals);
    const head = rule.head;
    const ref = mapShared(head.ref, (s, i) => (i === 0 ? s : this.term(s, env, locals)));
    const args = head.args && mapShared(head.args, (a) => this.term(a, env, locals));
    const key = head.key && this.term(head.key, env, locals);
    const value = head.value && this.term(head.value, env, locals);
    const same = ref === head.ref && args === head.args && key === head.key && value === head.value;
    const out: Rule = {
      ...rule,
      head: same ? head : { ...head, ref, ...(args ? { args } : {}), ...(key ? { key } : {}), ...(value ? { value } : {}) },
      body: this.body(rule.body, env, locals),
    };
    if (rule.else) {
      const e = this.resolveRule({ ...rule.else, head: { ...rule.else.head, args: rule.head.args ?? [] } }, env);
      if (!rule.head.args) delete e.head.args;
      out.else = e;
    }
    return out;
  }

  /**
   * A body: always a new array (compile stages key their results by body, per
   * compile), whose expressions are the written ones where resolution changes nothing.
   */
  private body(body: Body, env: NameEnv, locals: ReadonlySet<string>): Body {
    const out = mapShared(body, (e) => this.expr(e, env, locals));
    return out === body ? body.slice() : out;
  }

  private nested(body: Body, env: NameEnv, locals: ReadonlySet<string>, extra: Term[] = []): { body: Body; locals: ReadonlySet<string> } {
    const inner = new Set(locals);
    declaredVars(body, inner);
    for (const t of extra) collectVars(t, inner);
    return { body: this.body(body, env, inner), locals: inner };
  }

  private expr(e: Expr, env: NameEnv, locals: ReadonlySet<string>): Expr {
    const withs = mapShared(e.with, (w) => this.with(w, env, locals));
    switch (e.type) {
      case 'expr': {
        const term = this.term(e.term, env, locals);
        return term === e.term && withs === e.with ? e : { ...e, term, with: withs };
      }
      case 'some':
        return withs === e.with ? e : { ...e, with: withs };
      case 'somein': {
        const key = e.key && this.term(e.key, env, locals);
        const value = this.term(e.value, env, locals);
        const collection = this.term(e.collection, env, locals);
        if (key === e.key && value === e.value && collection === e.collection && withs === e.with) return e;
        return { ...e, ...(key ? { key } : {}), value, collection, with: withs };
      }
      case 'every': {
        const extra: Term[] = e.key ? [e.key, e.value] : [e.value];
        const inner = this.nested(e.body, env, locals, extra);
        return { ...e, domain: this.term(e.domain, env, locals), body: inner.body, with: withs };
      }
    }
  }

  private with(w: With, env: NameEnv, locals: ReadonlySet<string>): With {
    // The target names the real document even where a local hides it (`with input as input`).
    const targetLocals = new Set([...locals].filter((n) => !ROOTS.has(n)));
    const target = this.ref(w.target, env, targetLocals, true);
    const value = this.term(w.value, env, locals);
    return target === w.target && value === w.value ? w : { ...w, target, value };
  }

  /**
   * Resolves a bare name that is not a local: rule of the package or import
   * alias. A root document declared as a local (`input := {...}`, allowed in v0
   * modules; see `checks/roots.ts`) is that local: a variable of another name.
   */
  private name(v: VarTerm, env: NameEnv, locals: ReadonlySet<string>): Term | undefined {
    if (ROOTS.has(v.name) && locals.has(v.name)) return { type: 'var', name: shadowName(v.name), loc: v.loc };
    if (locals.has(v.name) || ROOTS.has(v.name) || v.wildcard) return undefined;
    if (env.rules.has(v.name)) return dataRef([...env.pkg, v.name], v.loc);
    const imp = env.imports.get(v.name);
    if (imp) return { ...imp, loc: v.loc };
    return undefined;
  }

  private ref(r: RefTerm, env: NameEnv, locals: ReadonlySet<string>, isFnName = false): RefTerm {
    const path = mapShared(r.path, (p) => this.term(p, env, locals));
    if (r.head.type === 'var') {
      const target = this.name(r.head, env, locals);
      if (target && target.type === 'ref') return { type: 'ref', head: target.head, path: [...target.path, ...path], loc: r.loc };
      if (target && target.type === 'var') return { ...r, head: target, path };
      void isFnName;
      return path === r.path ? r : { ...r, path };
    }
    const head = this.term(r.head, env, locals);
    return head === r.head && path === r.path ? r : { ...r, head, path };
  }

  /** The term with names resolved; the same object when nothing in it changes. */
  term(t: Term, env: NameEnv, locals: ReadonlySet<string>): Term {
    switch (t.type) {
      case 'var': {
        const target = this.name(t, env, locals);
        return target ?? t;
      }
      case 'ref': {
        const r = this.ref(t, env, locals);
        // A shadowed root written alone is the plain local variable (so `input := x` binds it).
        return r.path.length === 0 && r.head.type === 'var' && isShadow(r.head.name) ? r.head : r;
      }
      case 'array':
      case 'set': {
        const items = mapShared(t.items, (x) => this.term(x, env, locals));
        return items === t.items ? t : { ...t, items };
      }
      case 'object': {
        const items = mapShared(t.items, (pair) => {
          const k = this.term(pair[0], env, locals);
          const v = this.term(pair[1], env, locals);
          return k === pair[0] && v === pair[1] ? pair : ([k, v] as [Term, Term]);
        });
        return items === t.items ? t : { ...t, items };
      }
      case 'call': {
        // The function name: a package function, an imported one, or a built-in (left as written).
        const fn = this.ref(t.fn, env, NO_LOCALS, true);
        const args = mapShared(t.args, (a) => this.term(a, env, locals));
        return fn === t.fn && args === t.args ? t : { ...t, fn, args };
      }
      case 'arraycomp':
      case 'setcomp': {
        const inner = this.nested(t.body, env, locals);
        return { ...t, term: this.term(t.term, env, inner.locals), body: inner.body };
      }
      case 'objectcomp': {
        const inner = this.nested(t.body, env, locals);
        return { ...t, key: this.term(t.key, env, inner.locals), value: this.term(t.value, env, inner.locals), body: inner.body };
      }
      case 'template': {
        const parts = mapShared(t.parts, (p) => (typeof p === 'string' ? p : this.term(p, env, locals)));
        return parts === t.parts ? t : { ...t, parts };
      }
      default:
        return t;
    }
  }
}

const NO_LOCALS: ReadonlySet<string> = new Set();

/**
 * `xs.map(f)`, or `xs` itself when `f` returned every element unchanged:
 * resolved rules share with the written ones every part that resolution
 * leaves as it is (most of a policy), instead of a copy of the whole tree.
 * Trees are never mutated, so sharing is safe.
 */
function mapShared<T>(xs: readonly T[], f: (x: T, i: number) => T): T[] {
  let out: T[] | undefined;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = f(x, i);
    if (out === undefined) {
      if (y === x) continue;
      out = xs.slice(0, i);
    }
    out.push(y);
  }
  return out ?? (xs as T[]);
}
