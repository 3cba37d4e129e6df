/**
 * Local variables as OPA's compiler tracks them when it rewrites `:=`, `some`
 * and `every` (v1/ast/compile.go, rewriteLocalVars): scopes nest at
 * comprehensions and `every` bodies; a name is an argument, declared (`some`),
 * assigned (`:=`) or merely seen, and every later occurrence counts as a use.
 * From that, the strict-mode errors `assigned var x unused` and `unused
 * argument x`, and the errors OPA always reports on the way: `var x assigned
 * above`, `declared var x unused`, `cannot assign vars inside negated
 * expression`.
 */
import { RegoError } from '../../errors.js';
import type { Body, Expr, Rule, Term } from '../../syntax/ast.js';
import { callName } from '../../syntax/parser.js';
import { walkTerm } from '../../syntax/walk.js';

type Occurrence = 'arg' | 'seen' | 'assigned' | 'declared';

interface Binding {
  occurrence: Occurrence;
  count: number;
  /** A name OPA generates (the wildcard `_`): never reported. */
  wildcard: boolean;
}

type Scope = Map<string, Binding>;

const OCCURRENCE_ERROR: Record<Occurrence, (v: string) => string> = {
  seen: (v) => `var ${v} referenced above`,
  assigned: (v) => `var ${v} assigned above`,
  declared: (v) => `var ${v} declared above`,
  arg: (v) => `arg ${v} redeclared`,
};

function isAssignment(e: Expr): boolean {
  return e.type === 'expr' && e.term.type === 'call' && callName(e.term) === 'assign' && e.term.args.length === 2;
}

class LocalVars {
  readonly errors: RegoError[] = [];
  private scopes: Scope[] = [new Map()];

  constructor(private readonly strict: boolean) {}

  private get current(): Scope {
    return this.scopes[this.scopes.length - 1]!;
  }

  /** The binding of a name in the nearest scope that has one. */
  private lookup(name: string): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const b = this.scopes[i]!.get(name);
      if (b) return b;
    }
    return undefined;
  }

  count(name: string): number {
    return this.lookup(name)?.count ?? 0;
  }

  /** A use of a name: counted where it is bound, or remembered as seen. */
  private use(name: string, wildcard: boolean): void {
    const bound = this.lookup(name);
    if (bound) bound.count++;
    else this.current.set(name, { occurrence: 'seen', count: 1, wildcard });
  }

  /** Binds a name in the current scope; a name already met there is an error. */
  declare(name: string, occurrence: Occurrence, wildcard: boolean, loc: Term['loc']): void {
    const prior = this.current.get(name);
    if (prior) {
      this.errors.push(new RegoError('rego_compile_error', OCCURRENCE_ERROR[prior.occurrence](name), loc));
      return;
    }
    this.current.set(name, { occurrence, count: 1, wildcard });
  }

  /** Function arguments: bound once, later occurrences count as uses. */
  args(args: Term[]): void {
    for (const a of args) {
      walkTerm(a, (t) => {
        if (t.type === 'var') {
          if (this.current.has(t.name)) this.current.get(t.name)!.count++;
          else this.current.set(t.name, { occurrence: 'arg', count: 1, wildcard: t.wildcard === true });
        }
        // Sets, comprehensions and calls bind nothing.
        return t.type !== 'set' && t.type !== 'arraycomp' && t.type !== 'setcomp' && t.type !== 'objectcomp' && t.type !== 'call';
      });
    }
  }

  snapshot(): Scope[] {
    return this.scopes.map((s) => new Map([...s].map(([k, v]) => [k, { ...v }])));
  }

  restore(scopes: Scope[]): void {
    this.scopes = scopes;
  }

  /**
   * A body: its expressions in order, then (strict) its assignments never used
   * after, then its `some`/`every` declarations never used (reported by OPA
   * in every mode) — each only while the rule has no error yet.
   */
  body(body: Body, used: Set<string>): void {
    for (const e of body) this.expr(e);
    if (this.strict) this.reportUnused(body, used, 'assigned', (v) => `assigned var ${v} unused`);
    this.reportUnused(body, used, 'declared', (v) => `declared var ${v} unused`);
  }

  private reportUnused(body: Body, used: Set<string>, occurrence: Occurrence, message: (v: string) => string): void {
    if (this.errors.length > 0) return;
    for (const [name, b] of this.current) {
      if (b.occurrence !== occurrence || b.wildcard || b.count > 1 || used.has(name)) continue;
      const at = body.find((e) => exprMentions(e, name)) ?? body[0]!;
      this.errors.push(new RegoError('rego_compile_error', message(name), at.loc));
    }
  }

  private expr(e: Expr): void {
    if (isAssignment(e)) {
      const call = (e as Expr & { type: 'expr' }).term as Term & { type: 'call' };
      if (e.negated) {
        this.errors.push(new RegoError('rego_compile_error', 'cannot assign vars inside negated expression', e.loc));
        return;
      }
      this.term(call.args[1]!);
      for (const w of e.with) this.term(w.value);
      this.assignTargets(call.args[0]!);
      return;
    }
    switch (e.type) {
      case 'some':
        for (const v of e.vars) this.declare(v.name, 'declared', v.wildcard === true, e.loc);
        return;
      case 'somein': {
        this.term(e.collection);
        for (const t of e.key ? [e.key, e.value] : [e.value]) {
          walkTerm(t, (x) => {
            if (x.type === 'var') this.declare(x.name, 'declared', x.wildcard === true, e.loc);
            return x.type !== 'ref';
          });
        }
        // OPA rewrites `some x in xs` to `x = xs[_]`: the names are used once there.
        for (const t of e.key ? [e.key, e.value] : [e.value]) this.term(t);
        break;
      }
      case 'every':
        this.term(e.domain);
        this.scopes.push(new Map());
        if (e.key) this.declare(e.key.name, 'declared', e.key.wildcard === true, e.loc);
        this.declare(e.value.name, 'declared', e.value.wildcard === true, e.loc);
        this.body(e.body, new Set());
        this.scopes.pop();
        break;
      case 'expr':
        this.term(e.term);
        break;
    }
    for (const w of e.with) {
      this.term(w.target);
      this.term(w.value);
    }
  }

  private assignTargets(t: Term): void {
    walkTerm(t, (x) => {
      if (x.type === 'var') {
        this.declare(x.name, 'assigned', x.wildcard === true, x.loc);
        return false;
      }
      if (x.type === 'array') return true;
      if (x.type === 'object') {
        for (const [, v] of x.items) this.assignTargets(v);
        return false;
      }
      if (x.type === 'ref' && x.path.length === 0 && x.head.type === 'var') {
        this.declare(x.head.name, 'assigned', false, x.loc);
        return false;
      }
      const kind = x.type === 'call' ? 'call' : x.type === 'ref' ? 'ref' : x.type;
      this.errors.push(new RegoError('rego_compile_error', `cannot assign to ${kind}`, x.loc));
      return false;
    });
  }

  /** Uses in a term; closures get a scope of their own. */
  term(t: Term): void {
    walkTerm(t, (x) => {
      switch (x.type) {
        case 'var':
          this.use(x.name, x.wildcard === true);
          return false;
        case 'ref':
          // `input`/`data` themselves are not local names.
          return !(x.path.length === 0 && x.head.type === 'var' && (x.head.name === 'input' || x.head.name === 'data'));
        case 'arraycomp':
        case 'setcomp':
          this.closure(x.body, [x.term]);
          return false;
        case 'objectcomp':
          this.closure(x.body, [x.key, x.value]);
          return false;
        case 'template':
          for (const p of x.parts) {
            if (typeof p === 'string') continue;
            this.scopes.push(new Map());
            this.term(p);
            this.scopes.pop();
          }
          return false;
        default:
          return true;
      }
    });
  }

  private closure(body: Body, heads: Term[]): void {
    const used = new Set<string>();
    for (const h of heads) varsOf(h, used);
    this.scopes.push(new Map());
    this.body(body, used);
    for (const h of heads) this.term(h);
    this.scopes.pop();
  }
}

function varsOf(t: Term, into: Set<string>): Set<string> {
  walkTerm(t, (x) => {
    if (x.type === 'var') into.add(x.name);
  });
  return into;
}

function exprMentions(e: Expr, name: string): boolean {
  let found = false;
  const visit = (t: Term): boolean => {
    if (t.type === 'var' && t.name === name) found = true;
    return !found;
  };
  switch (e.type) {
    case 'expr':
      walkTerm(e.term, visit);
      break;
    case 'some':
      found = e.vars.some((v) => v.name === name);
      break;
    case 'somein':
      for (const t of [e.key, e.value, e.collection]) if (t) walkTerm(t, visit);
      break;
    case 'every':
      found = e.key?.name === name || e.value.name === name;
      break;
  }
  return found;
}

function scalar(t: Term): boolean {
  return t.type === 'null' || t.type === 'boolean' || t.type === 'number' || t.type === 'string';
}

/**
 * The local-variable errors of one rule (with its `else` branches): always the
 * redeclaration errors, and in strict mode unused assignments and arguments.
 */
export function localVarErrors(rule: Rule, strict: boolean): RegoError[] {
  const tracker = new LocalVars(strict);
  tracker.args(rule.head.args ?? []);
  const base = tracker.snapshot();
  const unusedArgs = new Set<string>();
  for (const a of rule.head.args ?? []) varsOf(a, unusedArgs);
  for (let branch: Rule | undefined = rule; branch; branch = branch.else) {
    tracker.restore(base.map((s) => new Map([...s].map(([k, v]) => [k, { ...v }]))));
    const used = new Set<string>();
    for (const t of [...branch.head.ref.slice(1), branch.head.key]) if (t && !scalar(t)) varsOf(t, used);
    if (branch.head.value && !scalar(branch.head.value)) {
      const valueVars = varsOf(branch.head.value, new Set());
      for (const v of valueVars) {
        used.add(v);
        unusedArgs.delete(v);
      }
    }
    tracker.body(branch.body, used);
    for (const arg of [...unusedArgs]) if (tracker.count(arg) > 1) unusedArgs.delete(arg);
  }
  if (strict) {
    for (const a of rule.head.args ?? []) {
      walkTerm(a, (t) => {
        if (t.type === 'var' && !t.wildcard && unusedArgs.has(t.name)) {
          tracker.errors.push(new RegoError('rego_compile_error', `unused argument ${t.name}. (hint: use _ (wildcard variable) instead)`, rule.head.loc));
          unusedArgs.delete(t.name);
        }
      });
    }
  }
  return tracker.errors;
}
