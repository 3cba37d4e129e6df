/**
 * The Rego syntax tree, as the parser produces it and the compiler consumes it.
 * Shaped after OPA's `ast` package: a Module holds a Package, Imports and Rules;
 * a Rule has a Head and a Body; a Body is a list of Exprs; an Expr is a term, a
 * call, a `some` declaration or an `every`; Terms carry values. Every node has
 * a location (file, row, col; rows and columns from 1, columns in characters).
 */
import type { Location } from '../errors.js';
import type { RegoNumber } from '../value.js';

export type { Location };

// ---------------------------------------------------------------------------
// Terms

export type Term =
  | NullTerm
  | BooleanTerm
  | NumberTerm
  | StringTerm
  | VarTerm
  | RefTerm
  | ArrayTerm
  | ObjectTerm
  | SetTerm
  | CallTerm
  | ArrayComprehension
  | SetComprehension
  | ObjectComprehension
  | TemplateStringTerm;

interface Node {
  loc: Location;
}

export interface NullTerm extends Node {
  type: 'null';
}
export interface BooleanTerm extends Node {
  type: 'boolean';
  value: boolean;
}
/**
 * `raw` is the literal text (e.g. `1.50`, `1e3`, `123456789012345678901234567890`); `value` its parsed form
 * (bigint for integers beyond the safe range, a `RegoNumber` box where the text says more than the value).
 */
export interface NumberTerm extends Node {
  type: 'number';
  raw: string;
  value: number | bigint | RegoNumber;
}
export interface StringTerm extends Node {
  type: 'string';
  value: string;
}
/** A variable. The wildcard `_` is renamed by the parser to a unique `$wN` name with `wildcard: true`. */
export interface VarTerm extends Node {
  type: 'var';
  name: string;
  wildcard?: boolean;
}
/**
 * A reference: a head term followed by path segments. `input.a["b"][i]` is
 * head `var input`, path `[string a, string b, var i]` (dot segments become
 * string terms). The head may be any term (`[1,2][i]`, `f(x).y`, `{...}[k]`).
 */
export interface RefTerm extends Node {
  type: 'ref';
  head: Term;
  path: Term[];
}
export interface ArrayTerm extends Node {
  type: 'array';
  items: Term[];
}
export interface ObjectTerm extends Node {
  type: 'object';
  items: [Term, Term][];
}
/** `set()` parses to a SetTerm with no items. */
export interface SetTerm extends Node {
  type: 'set';
  items: Term[];
}
/**
 * A call `f(a, b)` or an operator (`a + b` is a call of `plus`, `a == b` of
 * `equal`, `-x` of `minus(0, x)`... as OPA does: operator names are the
 * built-ins' names from the capabilities file: plus, minus, mul, div, rem, and,
 * or, equal, neq, lt, lte, gt, gte, internal.member_2, internal.member_3).
 * `fn` is the function name as a ref (`data.lib.f`, `strings.replace_n`) —
 * for a plain name `f` it is a RefTerm with head `var f` and empty path.
 */
export interface CallTerm extends Node {
  type: 'call';
  fn: RefTerm;
  args: Term[];
}
export interface ArrayComprehension extends Node {
  type: 'arraycomp';
  term: Term;
  body: Body;
}
export interface SetComprehension extends Node {
  type: 'setcomp';
  term: Term;
  body: Body;
}
export interface ObjectComprehension extends Node {
  type: 'objectcomp';
  key: Term;
  value: Term;
  body: Body;
}
/** OPA 1.x template strings `$"...{expr}..."` (feature `template_strings`): literal parts and expression terms. */
export interface TemplateStringTerm extends Node {
  type: 'template';
  parts: (string | Term)[];
}

// ---------------------------------------------------------------------------
// Expressions

export type Body = Expr[];

/** `with target as value` modifiers attached to an expression. */
export interface With extends Node {
  target: RefTerm;
  value: Term;
}

export type Expr = TermExpr | SomeDecl | SomeIn | Every;

interface ExprBase extends Node {
  negated: boolean;
  with: With[];
}

/**
 * A plain expression. `term` is a single term (`x`, `input.allow`, a call such
 * as `equal(a, b)`, `assign(x, v)` for `:=`, `eq(a, b)` for `=`).
 */
export interface TermExpr extends ExprBase {
  type: 'expr';
  term: Term;
}

/** `some x, y` — declares local variables. */
export interface SomeDecl extends ExprBase {
  type: 'some';
  vars: VarTerm[];
}

/** `some x in xs` / `some k, v in xs` (key is absent in the one-variable form). Key and value may be any term (patterns). */
export interface SomeIn extends ExprBase {
  type: 'somein';
  key?: Term;
  value: Term;
  collection: Term;
}

/** `every x in xs { body }` / `every k, v in xs { body }`. */
export interface Every extends ExprBase {
  type: 'every';
  key?: VarTerm;
  value: VarTerm;
  domain: Term;
  body: Body;
}

// ---------------------------------------------------------------------------
// Rules

/**
 * A rule head. `ref` is the full rule reference relative to the package
 * (`p` → [string p]; `a.b[c].d` → [string a, string b, var c, string d]; for
 * `o[k] := v` → [string o, var k]). `name` is the first segment's name.
 *
 * kind:
 *  - 'complete':  `p := v`, `p = v`, `p if ...`, `default p := v`, ref heads ending in a ground key
 *  - 'multi':     `p contains x if ...` (partial set; `key` holds x)
 *  - 'function':  `f(x) := v if ...` (`args` set)
 * A partial object `o[k] := v` is a 'complete' rule whose ref ends in a
 * variable (OPA 1.x treats it as a single-value rule with a non-ground ref).
 *
 * `value` is absent for `p if {...}` / `f(x) if {...}`, meaning `true`.
 * `assign` is true for `:=`, false for `=` or no value.
 */
export interface Head extends Node {
  name: string;
  ref: Term[];
  kind: 'complete' | 'multi' | 'function';
  args?: Term[];
  key?: Term;
  value?: Term;
  assign: boolean;
}

/** Raw `# METADATA` block, parsed as YAML by the compiler/annotations module. */
export interface Annotation extends Node {
  /** The YAML text (comment markers stripped). */
  text: string;
  /** `scope` as written, if any (`rule`, `document`, `package`, `subpackages`). */
  scope?: string;
}

export interface Rule extends Node {
  head: Head;
  /** Empty body means `true` (e.g. constants `p := 1`). */
  body: Body;
  isDefault: boolean;
  /** `else` chain: each has its own (optional) value and body; a missing value means the parent's value form (`true` if none). */
  else?: Rule;
  annotations?: Annotation[];
  /** Index of the module within the compile set, and the module's file, filled by the parser. */
  file: string;
}

export interface Import extends Node {
  /** `data.a.b`, `input.x`, `future.keywords.in`, `rego.v1`. */
  path: RefTerm;
  alias?: string;
}

export interface Package extends Node {
  /** Path below `data`: `package a.b` → ['a', 'b']. */
  path: string[];
  annotations?: Annotation[];
}

export interface Module {
  file: string;
  package: Package;
  imports: Import[];
  rules: Rule[];
  /** True if the module was parsed as Rego v0 (`--v0-compatible`). */
  v0: boolean;
  /** Every comment, with its location (kept for annotations and tooling). */
  comments: { text: string; loc: Location }[];
}
