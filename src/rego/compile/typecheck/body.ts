/**
 * Type checking of a body (OPA's CheckBody, v1/ast/check.go). Each expression,
 * normalized into steps (normalize.ts) in the order the safety check chose,
 * is checked in three passes, as OPA does: the comprehensions it holds (each
 * body in a nested scope), the references it makes (`undefined ref` when a
 * value of a known type has no such element; variables used as keys get the
 * key type), then the expression itself: a unification (`match error`) or a
 * call (`invalid argument(s)` against the function's declared or inferred
 * type; operands unify with the parameter types, so variables take them).
 * An error caused by an unknown type is dropped when a comprehension or ref
 * of the same expression already failed: it is a consequence.
 */
import { RegoError } from '../../errors.js';
import type { Body, Expr, RefTerm, Term, With } from '../../syntax/ast.js';
import { declaredVars } from '../resolve.js';
import { builtinType } from './builtins.js';
import type { DataTypes } from './env.js';
import { Scope, selectRef } from './env.js';
import { argError, causedByNilType, matchError, refUnsupported } from './errors.js';
import { checkRef, type RefContext } from './refs.js';
import { callName, expandTerm, normalizeExpr, type Step, type VarGen } from './normalize.js';
import { requiresEval } from '../../syntax/walk.js';
import { keyValue, isConstant } from './terms.js';
import {
  ANY,
  arrayOf,
  BOOLEAN,
  dynamicObject,
  isNil,
  NULL,
  NUMBER,
  objectOf,
  or,
  select,
  setOf,
  STRING,
  valuesOf,
  type ArrayType,
  type FunctionType,
  type MaybeType,
  type ObjectType,
  type StaticProperty,
  type Type,
} from './types.js';
import { unifies } from './unifies.js';

export interface CheckContext {
  data: DataTypes;
  /** Bodies in the order the safety check put their expressions in. */
  order: { get(body: Body): Expr[] | undefined } | undefined;
  /** Modules check `a == b` as a unification (OPA's RewriteEquals stage); queries do not. */
  rewriteEquals: boolean;
  gen: VarGen;
}

type Comprehension = Extract<Term, { type: 'arraycomp' | 'setcomp' | 'objectcomp' }>;

const constantTypes = new WeakMap<Term, Type>();

export class BodyChecker implements RefContext {
  readonly errors: RegoError[] = [];
  /** Types of the comprehensions of the expression being checked (their bodies are checked once per expression). */
  private closureTypes: Map<Term, MaybeType> | undefined;

  constructor(
    readonly cx: CheckContext,
    readonly scope: Scope,
  ) {}

  /** Checks a body in this checker's scope; `after` are steps appended to it (head terms, comprehension terms). */
  checkBody(body: Body, after: readonly Step[] = []): void {
    for (const name of declaredVars(body, new Set())) this.scope.declare(name);
    for (const e of this.cx.order?.get(body) ?? body) {
      for (const step of normalizeExpr(e, this.cx.gen, this.cx.rewriteEquals)) this.run(step);
    }
    for (const step of after) this.run(step);
  }

  run(step: Step): void {
    this.closureTypes = undefined;
    const closureErrors = this.checkClosures(step);
    const refErrors: RegoError[] = [];
    this.visitRefs(step, refErrors);
    const err = this.checkStep(step);
    this.errors.push(...closureErrors, ...refErrors);
    if (err && !((closureErrors.length > 0 || refErrors.length > 0) && causedByNilType(err))) this.errors.push(err);
  }

  // ---- pass 1: comprehensions ----------------------------------------------

  private checkClosures(step: Step): RegoError[] {
    if (step.kind === 'every') {
      // The comprehensions of an `every` body, where its key and value are variables of their own.
      const inner = new BodyChecker(this.cx, new Scope(this.scope));
      inner.declareEvery(step.every);
      return inner.everyClosures(step.every, []);
    }
    let result: RegoError[] = [];
    this.closuresIn(stepTerms(step), step.with, (errs) => (result = errs));
    if (step.kind === 'print') for (const a of step.args) this.closureErrors(a, (errs) => (result = errs));
    return result;
  }

  /** Checks the comprehensions (and template parts) among `terms`; OPA keeps the errors of the last one that has some. */
  private closuresIn(terms: readonly Term[], withs: readonly With[], onErrors: (errs: RegoError[]) => void): void {
    const visit = (t: Term): void => {
      switch (t.type) {
        case 'arraycomp':
        case 'setcomp':
        case 'objectcomp': {
          const { type, errors } = this.comprehension(t);
          (this.closureTypes ??= new Map()).set(t, type);
          if (errors.length > 0) onErrors(errors);
          return;
        }
        case 'template':
          for (const p of t.parts) if (typeof p !== 'string') this.closureErrors(p, onErrors);
          return;
        default:
          forEachChild(t, visit);
      }
    };
    for (const t of terms) visit(t);
    for (const w of withs) visit(w.value);
  }

  private everyClosures(e: Extract<Expr, { type: 'every' }>, result: RegoError[]): RegoError[] {
    for (const x of e.body) {
      if (x.type === 'every') {
        const inner = new BodyChecker(this.cx, new Scope(this.scope));
        inner.declareEvery(x);
        result = inner.everyClosures(x, result);
      } else this.closuresIn(exprTerms(x), x.with, (errs) => (result = errs));
    }
    return result;
  }

  /** A term checked as OPA checks a print operand or template part: the body `x = term` of a closure. */
  private closureErrors(t: Term, onErrors: (errs: RegoError[]) => void): void {
    const inner = new BodyChecker(this.cx, new Scope(this.scope));
    const steps: Step[] = [];
    const out = expandTerm(t, steps, this.cx.gen, []);
    steps.push({ kind: 'eq', a: this.cx.gen.next(t.loc), b: out, loc: t.loc, with: [] });
    for (const s of steps) inner.run(s);
    if (inner.errors.length > 0) onErrors(inner.errors);
  }

  /** A comprehension's type, from its body checked in a nested scope (unknown when the body has errors). */
  comprehension(t: Comprehension): { type: MaybeType; errors: RegoError[] } {
    const inner = new BodyChecker(this.cx, new Scope(this.scope));
    const after: Step[] = [];
    const heads = t.type === 'objectcomp' ? [t.key, t.value] : [t.term];
    const outs = heads.map((h) => inner.headTerm(h, after));
    inner.checkBody(t.body, after);
    if (inner.errors.length > 0) return { type: undefined, errors: inner.errors };
    const types = outs.map((h) => inner.typeOf(h));
    const type = t.type === 'arraycomp' ? arrayOf([], types[0]) : t.type === 'setcomp' ? setOf(types[0]) : dynamicObject(types[0], types[1]);
    return { type, errors: [] };
  }

  /**
   * A head term (rule key or value, comprehension term) as OPA's compiler
   * leaves it: its calls and, when it still needs evaluating, the term itself
   * become steps appended to the body; the term returned stands for it.
   */
  headTerm(t: Term, after: Step[]): Term {
    const out = expandTerm(t, after, this.cx.gen, []);
    if (!requiresEval(out)) return out;
    const v = this.cx.gen.next(t.loc);
    after.push({ kind: 'eq', a: v, b: out, loc: t.loc, with: [] });
    return v;
  }

  // ---- pass 2: references --------------------------------------------------

  private visitRefs(step: Step, errors: RegoError[]): void {
    const visit = (t: Term): void => {
      switch (t.type) {
        case 'arraycomp':
        case 'setcomp':
        case 'objectcomp':
        case 'template':
          return;
        case 'ref': {
          const tpe = this.getByRef(t);
          if (tpe?.kind === 'function') {
            errors.push(refUnsupportedFor(t, tpe));
            return;
          }
          const err = checkRef(this, t);
          if (err) errors.push(err);
          forEachChild(t, visit);
          return;
        }
        default:
          forEachChild(t, visit);
      }
    };
    if (step.kind === 'every') {
      // OPA checks the references of an `every` body (not its calls), in the body's own scope here.
      const inner = new BodyChecker(this.cx, new Scope(this.scope));
      inner.declareEvery(step.every);
      inner.everyRefs(step.every, errors);
      return;
    }
    for (const t of stepTerms(step)) visit(t);
  }

  private declareEvery(e: Extract<Expr, { type: 'every' }>): void {
    if (e.key) this.scope.declare(e.key.name);
    this.scope.declare(e.value.name);
    for (const n of declaredVars(e.body, new Set())) this.scope.declare(n);
  }

  private everyRefs(e: Extract<Expr, { type: 'every' }>, errors: RegoError[]): void {
    for (const x of e.body) {
      for (const s of normalizeExpr(x, this.cx.gen, this.cx.rewriteEquals)) {
        this.closureTypes = undefined;
        if (s.kind === 'every') {
          const inner = new BodyChecker(this.cx, new Scope(this.scope));
          inner.declareEvery(s.every);
          inner.everyRefs(s.every, errors);
        } else this.visitRefs(s, errors);
      }
    }
  }

  // ---- pass 3: the expression ----------------------------------------------

  private checkStep(step: Step): RegoError | undefined {
    const withErr = this.checkWith(step.with);
    if (withErr) return withErr;
    if (step.kind === 'eq') {
      const ta = this.typeOf(step.a);
      const tb = this.typeOf(step.b);
      return this.unify2(step.a, ta, step.b, tb) ? undefined : matchError(step.loc, ta, tb);
    }
    if (step.kind === 'call') return this.checkCall(step);
    return undefined;
  }

  private checkCall(step: Extract<Step, { kind: 'call' }>): RegoError | undefined {
    const name = callName(step.fn);
    const fn = step.fn.head.type === 'var' && step.fn.head.name === 'data' ? this.cx.data.lookup(step.fn.path) : builtinType(name);
    if (fn === undefined || (fn.kind !== 'function' && fn.kind !== 'any')) {
      return new RegoError('rego_type_error', `undefined function ${name}`, step.loc);
    }
    // Any: a function whose body has errors (only the empty union: OPA 1.x reports `f()` on a rule of a union type).
    if (fn.kind === 'any') return fn.of.length === 0 ? undefined : new RegoError('rego_type_error', `undefined function ${name}`, step.loc);
    const nargs = fn.args.length;
    const nparams = fn.result !== undefined ? nargs + 1 : nargs;
    const ops = step.args;
    if (ops.length > nparams && fn.variadic === undefined) {
      return argError(step.loc, name, 'too many arguments', ops.map((o) => this.typeOf(o)), fn, true);
    }
    if (ops.length < nargs) return argError(step.loc, name, 'too few arguments', ops.map((o) => this.typeOf(o)), fn, true);
    for (let i = 0; i < ops.length; i++) {
      const want = i < nargs ? fn.args[i] : i < nparams ? fn.result : fn.variadic;
      if (!this.unify1(ops[i]!, want, false)) {
        return argError(step.loc, name, 'invalid argument(s)', ops.map((o) => this.typeOf(o)), fn, true);
      }
    }
    return undefined;
  }

  /** `with f as g` replacing a function by another: their parameters must unify (`arity mismatch`). */
  private checkWith(withs: readonly With[]): RegoError | undefined {
    for (const w of withs) {
      const target = this.withTargetType(w.target);
      if (target?.kind !== 'function') continue;
      const value = this.withValueType(w.value);
      if (value?.kind === 'function' && !unifies(target, value)) {
        return argError(w.loc, dottedName(w.target) ?? '', 'arity mismatch', value.args, target, false);
      }
    }
    return undefined;
  }

  private withTargetType(target: RefTerm): MaybeType {
    if (target.head.type !== 'var') return undefined;
    if (target.head.name === 'data') return this.cx.data.lookup(target.path);
    if (target.head.name === 'input') return ANY;
    return builtinType(dottedName(target) ?? '');
  }

  private withValueType(value: Term): MaybeType {
    const head = value.type === 'ref' ? value.head : value;
    if (head.type === 'var' && head.name !== 'data' && head.name !== 'input' && this.scope.get(head.name) === undefined) {
      const name = value.type === 'ref' ? dottedName(value) : head.name;
      const fn = name !== undefined ? builtinType(name) : undefined;
      if (fn) return fn;
    }
    return this.typeOf(value);
  }

  // ---- types of terms -------------------------------------------------------

  /** The type of a term in this scope (OPA's GetByValue). */
  typeOf(t: Term): MaybeType {
    switch (t.type) {
      case 'null':
        return NULL;
      case 'boolean':
        return BOOLEAN;
      case 'number':
        return NUMBER;
      case 'string':
        return STRING;
      case 'template':
        return STRING;
      case 'var':
        return this.scope.get(t.name);
      case 'ref':
        return this.getByRef(t);
      case 'array':
      case 'set':
      case 'object': {
        // A constant composite (a test's input document...) has one type: worked out once.
        const known = constantTypes.get(t);
        if (known) return known;
        const type = this.compositeType(t);
        if (isConstant(t)) constantTypes.set(t, type);
        return type;
      }
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp':
        return this.closureTypes?.has(t) ? this.closureTypes.get(t) : this.comprehension(t).type;
      case 'call':
        return undefined;
    }
  }

  private compositeType(t: Extract<Term, { type: 'array' | 'set' | 'object' }>): Type {
    if (t.type === 'object') return this.objectType(t.items);
    if (t.type === 'array') return arrayOf(
      t.items.map((x) => this.typeOf(x)),
      t.items.length === 0 ? ANY : undefined,
    );
    let of: MaybeType;
    for (const x of t.items) of = or(of, this.typeOf(x));
    return setOf(of ?? ANY);
  }

  private objectType(items: [Term, Term][]): ObjectType {
    const props: StaticProperty[] = [];
    let dynamic: { key: MaybeType; value: MaybeType } | undefined;
    for (const [k, v] of items) {
      if (isConstant(k)) props.push({ key: keyValue(k), value: this.typeOf(v) });
      else dynamic = { key: this.typeOf(k), value: this.typeOf(v) };
    }
    if (props.length === 0 && dynamic === undefined) dynamic = { key: ANY, value: ANY };
    return objectOf(props, dynamic);
  }

  /** The type of the value a ref denotes (OPA's GetByRef): rules and base data below `data`, any below `input`. */
  getByRef(ref: RefTerm): MaybeType {
    const head = ref.head;
    if (head.type === 'var') {
      if (head.name === 'data') return this.cx.data.lookup(ref.path);
      if (head.name === 'input') return ANY;
      const t = this.scope.get(head.name);
      return t === undefined ? undefined : selectRef(t, ref.path);
    }
    return selectRef(this.typeOf(head), ref.path);
  }

  // ---- unification ------------------------------------------------------------

  /** Unifies a term with a type: variables in it take the type (`union`: or widen theirs); false if they cannot match. */
  unify1(t: Term, tpe: MaybeType, union: boolean): boolean {
    switch (t.type) {
      case 'array':
        if (tpe?.kind === 'array') return this.unify1Array(t.items, tpe, union);
        return tpe?.kind === 'any' ? this.unify1Any(t, tpe.of, t.items) : false;
      case 'object':
        if (tpe?.kind === 'object') return this.unify1Object(t.items, tpe, union);
        return tpe?.kind === 'any' ? this.unify1Any(t, tpe.of, t.items.flat()) : false;
      case 'set':
        if (tpe?.kind === 'set') return t.items.every((x) => this.unify1(x, valuesOf(tpe), union));
        return tpe?.kind === 'any' ? this.unify1Any(t, tpe.of, t.items) : false;
      case 'var':
        if (!union) {
          const exist = this.scope.get(t.name);
          if (exist !== undefined) return unifies(exist, tpe);
          this.scope.put(t.name, tpe);
        } else this.scope.put(t.name, or(this.scope.get(t.name), tpe));
        return true;
      default:
        return unifies(this.typeOf(t), tpe);
    }
  }

  /** A composite term against a union: the empty union types its parts any; else some member must unify (all are tried, widening). */
  private unify1Any(t: Term, of: readonly Type[], parts: Term[]): boolean {
    if (of.length === 0) {
      for (const p of parts) this.unify1(p, ANY, true);
      return true;
    }
    let ok = false;
    for (const m of of) ok = this.unify1(t, m, true) || ok;
    return ok;
  }

  private unify1Array(items: Term[], tpe: ArrayType, union: boolean): boolean {
    if (items.length !== tpe.static.length && tpe.dynamic === undefined) return false;
    return items.every((x, i) => this.unify1(x, i < tpe.static.length ? tpe.static[i] : tpe.dynamic, union));
  }

  private unify1Object(items: [Term, Term][], tpe: ObjectType, union: boolean): boolean {
    if (items.length !== tpe.static.length && tpe.dynamic?.value === undefined) return false;
    for (const [k, v] of items) {
      if (isConstant(k)) {
        const child = select(tpe, keyValue(k));
        if (child === undefined || !this.unify1(v, child, union)) return false;
      } else this.unify1(v, ANY, union);
    }
    return true;
  }

  /** Unifies two terms of the given types (OPA's unify2): the known side types the unknown one, or both must unify. */
  unify2(a: Term, ta: MaybeType, b: Term, tb: MaybeType): boolean {
    const nilA = isNil(ta);
    const nilB = isNil(tb);
    if (nilA && !nilB) return this.unify1(a, tb, false);
    if (nilB && !nilA) return this.unify1(b, ta, false);
    if (!nilA && !nilB) return unifies(ta, tb);
    if (a.type === 'array') return this.unify2Array(a, b);
    if (a.type === 'object') return this.unify2Object(a, b);
    if (a.type === 'var') {
      if (b.type === 'var') return this.unify1(a, ANY, false) && this.unify1(b, this.typeOf(a), false);
      if (b.type === 'array') return this.unify2Array(b, a);
      if (b.type === 'object') return this.unify2Object(b, a);
    }
    return false;
  }

  private unify2Array(a: Extract<Term, { type: 'array' }>, b: Term): boolean {
    if (b.type === 'array') {
      if (a.items.length !== b.items.length) return false;
      return a.items.every((x, i) => this.unify2(x, this.typeOf(x), b.items[i]!, this.typeOf(b.items[i]!)));
    }
    if (b.type === 'var') return this.unify1(a, ANY, false) && this.unify1(b, this.typeOf(a), false);
    return false;
  }

  private unify2Object(a: Extract<Term, { type: 'object' }>, b: Term): boolean {
    if (b.type === 'object') {
      const pairs: [Term, Term][] = [];
      for (const [k, v] of a.items) {
        const match = b.items.find(([k2]) => sameKey(k, k2));
        if (match) pairs.push([v, match[1]]);
      }
      if (a.items.length !== b.items.length || pairs.length !== a.items.length) return false;
      return pairs.every(([x, y]) => this.unify2(x, this.typeOf(x), y, this.typeOf(y)));
    }
    if (b.type === 'var') return this.unify1(a, ANY, false) && this.unify1(b, this.typeOf(a), false);
    return false;
  }
}

function sameKey(a: Term, b: Term): boolean {
  if (isConstant(a) && isConstant(b)) return JSON.stringify(keyValue(a)) === JSON.stringify(keyValue(b)) && a.type === b.type;
  return a.type === 'var' && b.type === 'var' && a.name === b.name;
}

/** `count`, `strings.replace_n`: a ref's dotted name when all its elements after the head are strings. */
export function dottedName(ref: RefTerm): string | undefined {
  if (ref.head.type !== 'var') return undefined;
  let s = ref.head.name;
  for (const p of ref.path) {
    if (p.type !== 'string') return undefined;
    s += '.' + p.value;
  }
  return s;
}

/** The terms of a step that its reference check walks (a call's operands, not its function name). */
function stepTerms(step: Step): Term[] {
  switch (step.kind) {
    case 'eq':
      return [step.a, step.b];
    case 'call':
      return step.args;
    case 'term':
      return [step.term];
    default:
      return [];
  }
}

/** The terms of a (not normalized) expression. */
function exprTerms(e: Expr): Term[] {
  switch (e.type) {
    case 'expr':
      return [e.term];
    case 'somein':
      return e.key ? [e.key, e.value, e.collection] : [e.value, e.collection];
    default:
      return [];
  }
}

/** Calls `visit` on a term's direct children (a call's operands; nothing inside comprehensions). */
function forEachChild(t: Term, visit: (t: Term) => void): void {
  switch (t.type) {
    case 'ref':
      visit(t.head);
      for (const p of t.path) visit(p);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) visit(x);
      break;
    case 'object':
      for (const [k, v] of t.items) {
        visit(k);
        visit(v);
      }
      break;
    case 'call':
      for (const a of t.args) visit(a);
      break;
    default:
      break;
  }
}

function refUnsupportedFor(t: RefTerm, tpe: FunctionType): RegoError {
  return refUnsupported(t.head, t.path, t.path.length, tpe);
}
