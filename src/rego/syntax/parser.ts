/**
 * The Rego parser: a recursive-descent parser shaped after OPA's `ast/parser.go`,
 * so that the same programs parse, to the same trees, with the same messages
 * (`unexpected } token`, `found empty body`, ...).
 *
 * Parse errors are thrown internally as `ParseFailure` so that speculative
 * parses (comprehension vs. set, `if` literal vs. `if { body }`, `some x in xs`
 * vs. `some x, y`) can back off and retry, as OPA does with save/restore.
 */
import { RegoError, RegoErrors, type Location } from '../errors.js';
import type {
  Annotation,
  Body,
  CallTerm,
  Every,
  Expr,
  Head,
  Import,
  Module,
  Package,
  RefTerm,
  Rule,
  StringTerm,
  Term,
  VarTerm,
  With,
} from './ast.js';
import { tokenize, type Comment, type Token } from './lexer.js';
import { attachAnnotations } from './annotations.js';
import { checkRegoV1Rules } from './v1rules.js';

export interface ParseOptions {
  /** Parse as Rego v0 (OPA's `--v0-compatible`): future keywords only when imported. */
  v0?: boolean;
}

/** Keywords in every Rego version. */
const BASE_KEYWORDS = new Set(['package', 'import', 'as', 'default', 'else', 'not', 'some', 'with', 'null', 'true', 'false']);
/** Keywords of Rego v1, which v0 modules enable with `import future.keywords...` or `import rego.v1`. */
export const FUTURE_KEYWORDS = ['contains', 'every', 'if', 'in'] as const;

/** Operator token → built-in name, as OPA (see `CallTerm` in ast.ts). */
const RELATION_OPS: Record<string, string> = { '==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };
const OR_OPS: Record<string, string> = { '|': 'or' };
const AND_OPS: Record<string, string> = { '&': 'and' };
const ARITH_OPS: Record<string, string> = { '+': 'plus', '-': 'minus' };
const FACTOR_OPS: Record<string, string> = { '*': 'mul', '/': 'div', '%': 'rem' };
/** Binary operators from loosest to tightest: relations < | < & < + - < * / %. */
const BINARY_LEVELS = [RELATION_OPS, OR_OPS, AND_OPS, ARITH_OPS, FACTOR_OPS];

/** The precedence level of a binary operator token, or -1. */
function binaryLevel(text: string): number {
  return BINARY_LEVELS.findIndex((ops) => Object.prototype.hasOwnProperty.call(ops, text));
}

class ParseFailure {
  constructor(readonly error: RegoError) {}
}

/**
 * How deep terms, bodies and operator chains may nest. OPA bounds its parser's
 * recursion too (`max parsing recursion depth reached`); this bound is lower
 * because the parser and every later pass (checks, compiler, evaluator) recurse
 * on the tree with the JavaScript stack, which must not overflow on hostile input.
 */
export const MAX_PARSE_DEPTH = 256;

/** State shared by a parser and its sub-parsers (template strings). */
interface SharedState {
  /** Counter for wildcard names, so they stay unique. */
  wildcards: number;
  /** Current nesting (see `MAX_PARSE_DEPTH`). */
  depth: number;
}

/** A finished `parseTerm` at one token position: where it ended, or how it failed. */
interface TermMemo {
  wildcardsBefore: number;
  depthBefore: number;
  term?: Term;
  end: number;
  wildcardsAfter: number;
  failure?: ParseFailure;
}

/** String terms made from `.name` segments, as opposed to `["name"]` (the two differ for v0 partial set heads). */
const dotSegments = new WeakSet<Term>();

class Parser {
  private pos = 0;
  private readonly keywords: Set<string>;
  /** `not { a; b }` is allowed (`import rego.v2`). */
  private notBodies = false;
  /** Rules that used `if`/`contains`, and whether a body followed `{` without `if`: for the v1 checks. */
  readonly ruleSyntax = new Map<Rule, { multiWithoutContains: boolean; bodyWithoutIf: boolean }>();

  constructor(
    readonly file: string,
    private readonly tokens: Token[],
    readonly v0: boolean,
    private readonly shared: SharedState = { wildcards: 0, depth: 0 },
  ) {
    this.keywords = new Set(BASE_KEYWORDS);
    if (!v0) for (const k of FUTURE_KEYWORDS) this.keywords.add(k);
  }

  // -------------------------------------------------------------------------
  // Token helpers

  private get tok(): Token {
    return this.tokens[this.pos]!;
  }
  private peek(n = 1): Token {
    return this.tokens[Math.min(this.pos + n, this.tokens.length - 1)]!;
  }
  private next(): void {
    if (this.pos < this.tokens.length - 1) this.pos++;
  }
  private loc(t: Token = this.tok): Location {
    return { file: this.file, row: t.row, col: t.col };
  }
  private isPunct(text: string, t: Token = this.tok): boolean {
    return t.kind === 'punct' && t.text === text;
  }
  /** Punctuation directly attached to the previous token (refs and calls: `a.b`, `a[b]`, `f(x)`). */
  private isAttached(text: string): boolean {
    return this.isPunct(text) && !this.tok.spaceBefore;
  }
  isKeyword(t: Token, word?: string): boolean {
    return t.kind === 'ident' && this.keywords.has(t.text) && (word === undefined || t.text === word);
  }
  private isKw(word: string): boolean {
    return this.isKeyword(this.tok, word);
  }
  enableKeywords(words: readonly string[]): void {
    for (const w of words) this.keywords.add(w);
  }

  fail(message: string, loc: Location = this.loc()): never {
    throw new ParseFailure(new RegoError('rego_parse_error', message, loc));
  }

  /** OPA's `illegal`: `unexpected <tok> token[: note]` at the current token. */
  illegal(note?: string): never {
    const t = this.tok;
    if (t.kind === 'illegal') this.fail(t.error ?? 'illegal token');
    let name: string;
    let kind = 'token';
    switch (t.kind) {
      case 'ident':
        name = this.isKeyword(t) || (FUTURE_KEYWORDS as readonly string[]).includes(t.text) ? t.text : 'ident';
        if (name !== 'ident') kind = 'keyword';
        break;
      case 'string':
      case 'rawstring':
      case 'template':
        name = 'string';
        break;
      case 'number':
        name = 'number';
        break;
      case 'eof':
        name = 'eof';
        break;
      default:
        name = t.text;
    }
    this.fail(note ? `unexpected ${name} ${kind}: ${note}` : `unexpected ${name} ${kind}`);
  }

  private expectPunct(text: string, note?: string): void {
    if (!this.isPunct(text)) this.illegal(note ?? `expected ${text}`);
    this.next();
  }

  /** One level deeper; fails with OPA's message past `MAX_PARSE_DEPTH`. Pair with `leave`. */
  private enter(): void {
    if (this.shared.depth >= MAX_PARSE_DEPTH) this.fail('max parsing recursion depth reached');
    this.shared.depth++;
  }
  private leave(levels = 1): void {
    this.shared.depth -= levels;
  }
  /** Runs `fn` one level deeper (the level is released however `fn` ends). */
  private nested<T>(fn: () => T): T {
    this.enter();
    try {
      return fn();
    } finally {
      this.leave();
    }
  }

  /** Runs `fn`; when it fails or yields undefined, restores the position (returning the failure, if any). */
  private attempt<T>(fn: () => T): { value?: T; failure?: ParseFailure } {
    const saved = this.pos;
    const savedWildcards = this.shared.wildcards;
    try {
      const value = fn();
      if (value === undefined) {
        this.pos = saved;
        this.shared.wildcards = savedWildcards;
      }
      return { value };
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      this.pos = saved;
      this.shared.wildcards = savedWildcards;
      return { failure: e };
    }
  }

  // -------------------------------------------------------------------------
  // Module level

  parseModule(comments: Comment[]): Module {
    if (!this.isKw('package')) {
      if (this.tok.kind === 'eof') this.fail('empty module');
      this.fail('package expected');
    }
    const pkg = this.parsePackage();
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (this.tok.kind !== 'eof') {
      if (this.isKw('import')) {
        imports.push(this.parseImport());
        continue;
      }
      if (this.isKw('package')) this.illegal();
      rules.push(...this.parseRules());
    }
    const module: Module = { file: this.file, package: pkg, imports, rules, v0: this.v0, comments };
    attachAnnotations(module);
    return module;
  }

  private parsePackage(): Package {
    const loc = this.loc();
    this.next();
    if (this.tok.kind !== 'ident') this.illegal('expected ident');
    const term = this.parseTerm();
    const path = this.stringPath(term, 'invalid package path');
    // `package input` / `package data.x` name the document below data.
    if (term.type === 'var' || (term.type === 'ref' && term.head.type === 'var' && term.head.name === 'data')) {
      if (term.type === 'ref' && term.head.type === 'var' && term.head.name === 'data') path.shift();
    }
    if (path.length === 0) this.fail('invalid package path', term.loc);
    return { loc, path };
  }

  /** A var or a ref of string segments as a list of names. */
  private stringPath(term: Term, message: string): string[] {
    if (term.type === 'var') return [term.name];
    if (term.type === 'ref' && term.head.type === 'var') {
      const names = [term.head.name];
      for (const seg of term.path) {
        if (seg.type !== 'string') this.fail(message, seg.loc);
        names.push(seg.value);
      }
      return names;
    }
    this.fail(message, term.loc);
  }

  private parseImport(): Import {
    const loc = this.loc();
    this.next();
    if (this.tok.kind !== 'ident') this.fail('expected ident');
    const term = this.parseTerm();
    let path: RefTerm;
    if (term.type === 'var') path = { type: 'ref', head: term, path: [], loc: term.loc };
    else if (term.type === 'ref' && term.head.type === 'var') path = term;
    else this.fail('expected path', term.loc);
    for (const seg of path.path) {
      if (seg.type !== 'string') this.fail(`unexpected ${seg.type} token: expecting string`, seg.loc);
    }
    const root = (path.head as VarTerm).name;
    if (!['data', 'input', 'future', 'rego'].includes(root)) {
      this.fail(`unexpected import path, must begin with one of: {data, future, input, rego}, got: ${root}`, path.loc);
    }
    const names = path.path.map((s) => (s as StringTerm).value);
    if (root === 'future') {
      if (names[0] !== 'keywords' || names.length > 2) this.fail('invalid import, must be `future.keywords` or `future.keywords.<keyword>`', path.loc);
      if (names.length === 2 && !(FUTURE_KEYWORDS as readonly string[]).includes(names[1]!)) {
        this.fail(`unexpected keyword, must be one of [${FUTURE_KEYWORDS.join(' ')}]`, path.loc);
      }
      this.enableKeywords(names.length === 2 ? [names[1]!] : FUTURE_KEYWORDS);
    }
    if (root === 'rego') {
      if (names.length !== 1 || (names[0] !== 'v1' && names[0] !== 'v2')) {
        this.fail(`invalid import \`rego.${names.join('.')}\`, must be \`rego.v1\``, path.loc);
      }
      this.enableKeywords(FUTURE_KEYWORDS);
      // `import rego.v2` (where OPA is going) also allows `not { body }`.
      if (names[0] === 'v2') this.notBodies = true;
    }
    const imp: Import = { loc, path };
    if (this.isKw('as')) {
      this.next();
      if (this.tok.kind !== 'ident' || this.isKeyword(this.tok)) this.illegal('expected var');
      if (root === 'future' || root === 'rego') this.fail(`\`${root}\` imports cannot be aliased`, loc);
      imp.alias = this.tok.text;
      this.next();
    }
    return imp;
  }

  // -------------------------------------------------------------------------
  // Rules

  private parseRules(): Rule[] {
    const loc = this.loc();
    let isDefault = false;
    if (this.isKw('default')) {
      this.next();
      isDefault = true;
    }
    if (this.tok.kind !== 'ident' || this.isKeyword(this.tok)) this.illegal(isDefault ? 'expected ident' : undefined);
    const { head, usesContains, refSegments } = this.parseHead(isDefault);
    const rule: Rule = { loc, head, body: [], isDefault, file: this.file };

    if (isDefault) {
      this.validateDefault(rule);
      return [rule];
    }

    const hasIf = this.isKw('if');
    // v0's `p[x] { ... }` / bare `p[x]`: a partial set (multi-value) rule.
    const multiWithoutContains =
      !hasIf && !usesContains && !head.args && refSegments.length === 2 && !dotSegments.has(refSegments[1]!) && head.value === undefined;
    if (multiWithoutContains) {
      head.kind = 'multi';
      head.key = refSegments[1];
      head.ref = refSegments.slice(0, 1);
    }

    let bodyWithoutIf = false;
    if (hasIf) {
      this.next();
      rule.body = this.parseIfBody();
    } else if (this.isPunct('{')) {
      bodyWithoutIf = true;
      rule.body = this.parseBraceBody();
    } else if (usesContains) {
      this.ruleSyntax.set(rule, { multiWithoutContains, bodyWithoutIf });
      return [rule];
    }
    this.ruleSyntax.set(rule, { multiWithoutContains, bodyWithoutIf });

    if (this.isKw('else')) {
      if (head.ref.length > 1 && !head.ref.every(isGround)) this.fail('else keyword cannot be used on rules with variables in head');
      if (head.kind === 'multi') this.fail('else keyword cannot be used on multi-value rules');
      rule.else = this.parseElse(rule);
    }

    const rules = [rule];
    // `p if { ... } { ... }`: each extra body is a rule of its own with the same head.
    while (this.isPunct('{')) {
      if (rule.else) this.fail('expected else keyword');
      const bodyLoc = this.loc();
      const body = this.parseBraceBody();
      const next: Rule = { loc: bodyLoc, head: { ...head, loc: bodyLoc }, body, isDefault: false, file: this.file };
      this.ruleSyntax.set(next, { multiWithoutContains, bodyWithoutIf: false });
      rules.push(next);
    }
    return rules;
  }

  private parseHead(isDefault: boolean): { head: Head; usesContains: boolean; refSegments: Term[] } {
    const loc = this.loc();
    const first = this.parseVarToken();
    const term = this.parseTermFinish(first);
    let refSegments: Term[];
    let args: Term[] | undefined;
    if (term.type === 'var') {
      refSegments = [this.nameSegment(term)];
    } else if (term.type === 'ref' && term.head.type === 'var') {
      refSegments = [this.nameSegment(term.head), ...term.path];
    } else if (term.type === 'call') {
      refSegments = [this.nameSegment(term.fn.head as VarTerm), ...term.fn.path];
      args = term.args;
    } else if (term.type === 'set') {
      // `set()` as a rule head is the function call `set()` OPA rejects as a head.
      this.fail('expected rule head name', term.loc);
    } else {
      this.illegal('expected rule head name');
    }
    const name = (refSegments[0] as StringTerm).value;
    const refText = refSegments.map((s, i) => (i === 0 ? name : s.type === 'string' && dotSegments.has(s) ? `.${s.value}` : `[…]`)).join('');
    const head: Head = { loc, name, ref: refSegments, kind: args ? 'function' : 'complete', assign: false };
    if (args) head.args = args;

    if (this.isKw('contains')) {
      if (args) this.illegal(`the contains keyword can only be used with multi-value rule definitions (e.g., ${refText} contains <VALUE> { ... })`);
      this.next();
      head.kind = 'multi';
      head.key = this.parseTermInfixCall(true);
      return { head, usesContains: true, refSegments };
    }
    if (this.isPunct('=') || this.isPunct(':=')) {
      head.assign = this.tok.text === ':=';
      this.next();
      if (this.startsTerm()) {
        head.value = this.parseTermInfixCall(true);
      } else if (args) {
        this.illegal(`expected function value term (e.g., ${refText}(...) := <VALUE> { ... })`);
      } else if (isDefault) {
        this.illegal(`expected default rule value term (e.g., default ${refText} := <VALUE>)`);
      } else {
        this.illegal(`expected rule value term (e.g., ${refText} := <VALUE> { ... })`);
      }
    }
    return { head, usesContains: false, refSegments };
  }

  /** The first segment of a rule head: the rule's name as a string term. */
  private nameSegment(v: VarTerm): StringTerm {
    if (v.wildcard) this.fail('rule name cannot be a wildcard', v.loc);
    return { type: 'string', value: v.name, loc: v.loc };
  }

  /** Whether the current token can start a term (for error messages on missing values). */
  private startsTerm(): boolean {
    const t = this.tok;
    if (t.kind === 'eof' || t.kind === 'illegal') return t.kind === 'illegal';
    if (t.kind === 'punct') return ['{', '[', '(', '-', '.'].includes(t.text);
    if (t.kind === 'ident') return !this.isKeyword(t) || ['true', 'false', 'null', 'contains'].includes(t.text);
    return true;
  }

  private validateDefault(rule: Rule): void {
    const head = rule.head;
    if (head.value === undefined) this.fail('illegal default rule (must have a value)', rule.loc);
    const bad = findNonGround(head.value);
    if (bad) this.fail(`default rule value cannot contain ${bad}`, rule.loc);
    if (head.args) {
      const seen = new Set<string>();
      for (const a of head.args) {
        if (a.type !== 'var') this.fail(`illegal default rule (arguments cannot contain ${a.type})`, rule.loc);
        if (seen.has(a.name)) this.fail(`illegal default rule (arguments cannot be repeated ${a.name})`, rule.loc);
        seen.add(a.name);
      }
    }
  }

  /** After `if`: one literal (`p if x > 1`), or a `{ body }` (a set literal `{ x }` means a body, as OPA). */
  private parseIfBody(): Body {
    if (!this.isPunct('{')) return [this.parseLiteral()];
    const asLiteral = this.attempt(() => {
      const lit = this.parseLiteral();
      const isSet = lit.type === 'expr' && lit.term.type === 'set' && !lit.negated && lit.with.length === 0;
      return isSet ? undefined : lit;
    });
    if (asLiteral.value) return [asLiteral.value];
    return this.parseBraceBody();
  }

  private parseBraceBody(): Body {
    this.expectPunct('{');
    const body = this.parseBody('}');
    this.expectPunct('}');
    return body;
  }

  private parseElse(parent: Rule): Rule {
    const loc = this.loc();
    this.next();
    const head: Head = { ...parent.head, loc, value: undefined, assign: false };
    const rule: Rule = { loc, head, body: [], isDefault: false, file: this.file };
    if (this.isPunct('=') || this.isPunct(':=')) {
      head.assign = this.tok.text === ':=';
      this.next();
      if (!this.startsTerm()) this.illegal('expected else value term');
      head.value = this.parseTermInfixCall(true);
    } else if (this.isPunct('{') || this.isKw('if')) {
      head.value = { type: 'boolean', value: true, loc };
    } else {
      this.illegal('expected else value term');
    }
    let bodyWithoutIf = false;
    if (this.isKw('if')) {
      this.next();
      rule.body = this.parseIfBody();
    } else if (this.isPunct('{')) {
      bodyWithoutIf = true;
      rule.body = this.parseBraceBody();
    }
    this.ruleSyntax.set(rule, { multiWithoutContains: false, bodyWithoutIf });
    if (this.isKw('else')) rule.else = this.nested(() => this.parseElse(parent));
    return rule;
  }

  // -------------------------------------------------------------------------
  // Bodies and expressions

  /** OPA's `parseQuery`: literals separated by `;` or newlines, up to `end` (not consumed). */
  parseBody(end: string | 'eof'): Body {
    const atEnd = (): boolean => (end === 'eof' ? this.tok.kind === 'eof' : this.isPunct(end));
    if (atEnd()) this.fail('found empty body');
    const body: Body = [];
    for (;;) {
      body.push(this.parseLiteral());
      if (this.isPunct(';')) {
        this.next();
        // A `;` just before the end is tolerated (`x = 1;`).
        if (atEnd()) return body;
        continue;
      }
      if (atEnd()) return body;
      if (!this.tok.newlineBefore) this.illegal(`expected \\n or ; or ${end === 'eof' ? 'eof' : end}`);
    }
  }

  parseLiteral(): Expr {
    return this.nested(() => this.parseLiteralUnnested());
  }

  private parseLiteralUnnested(): Expr {
    const loc = this.loc();
    let negated = false;
    if (this.isKw('not')) {
      this.next();
      negated = true;
    }
    if (this.isKw('some')) {
      if (negated) this.illegal("illegal negation of 'some'");
      return this.parseSome(loc);
    }
    if (this.isKw('every')) {
      if (negated) this.illegal("illegal negation of 'every'");
      return this.parseEvery(loc);
    }
    if (negated && this.notBodies && this.isPunct('{')) {
      const notBody = this.parseNotBody(loc);
      if (notBody) return notBody;
    }
    const lhs = this.parseTermInfixCall(false);
    let term = lhs;
    if (this.isPunct(':=') || this.isPunct('=')) {
      const op = this.tok.text === ':=' ? 'assign' : 'eq';
      this.next();
      const rhs = this.parseTermInfixCall(false);
      term = makeCall(op, [lhs, rhs], lhs.loc);
    }
    const expr: Expr = { type: 'expr', term, negated, with: [], loc };
    if (this.isKw('with')) expr.with = this.parseWith();
    return expr;
  }

  /**
   * `not { a; b }` (rego.v2): true when the body has no solution. Written in
   * existing terms as `not {true | a; b}[true]`, which means exactly that and
   * sees the enclosing variables as a closure. Undefined when what follows `not`
   * is an ordinary term (`not {1, 2}[x]`).
   */
  private parseNotBody(loc: Location): Expr | undefined {
    const asTerm = this.attempt(() => {
      const lit = this.parseLiteral();
      return lit.type === 'expr' && lit.term.type === 'set' ? undefined : lit;
    });
    if (asTerm.value) return undefined;
    const bodyLoc = this.loc();
    const body = this.parseBraceBody();
    const yes = (): Term => ({ type: 'boolean', value: true, loc: bodyLoc });
    const comp: Term = { type: 'setcomp', term: yes(), body, loc: bodyLoc };
    const term: RefTerm = { type: 'ref', head: comp, path: [yes()], loc: bodyLoc };
    const expr: Expr = { type: 'expr', term, negated: true, with: [], loc };
    if (this.isKw('with')) expr.with = this.parseWith();
    return expr;
  }

  private parseWith(): With[] {
    const withs: With[] = [];
    while (this.isKw('with')) {
      const loc = this.loc();
      this.next();
      if (this.tok.kind !== 'ident' || this.isKeyword(this.tok)) this.illegal('expected ident');
      const target = this.parseTerm();
      let ref: RefTerm;
      if (target.type === 'var') ref = { type: 'ref', head: target, path: [], loc: target.loc };
      else if (target.type === 'ref') ref = target;
      else this.illegal('expected with target path');
      if (!this.isKw('as')) this.illegal('expected as keyword');
      this.next();
      withs.push({ loc, target: ref, value: this.parseTermInfixCall(false) });
    }
    return withs;
  }

  private parseSome(loc: Location): Expr {
    const afterSome = this.pos + 1;
    const attempt = this.attempt(() => {
      this.next();
      return this.parseTermInfixCall(false);
    });
    const term = attempt.value;
    if (term && term.type === 'call') {
      const name = callName(term);
      const base = { negated: false, with: [] as With[], loc };
      let expr: Expr;
      if (name === 'internal.member_2') {
        expr = { ...base, type: 'somein', value: term.args[0]!, collection: term.args[1]! };
      } else if (name === 'internal.member_3') {
        expr = { ...base, type: 'somein', key: term.args[0]!, value: term.args[1]!, collection: term.args[2]! };
      } else {
        this.illegal('expected `x in xs` or `x, y in xs` expression');
      }
      if (this.isKw('with')) expr.with = this.parseWith();
      return expr;
    }
    this.pos = afterSome - 1;
    const vars: VarTerm[] = [];
    for (;;) {
      this.next();
      if (this.tok.kind !== 'ident' || this.isKeyword(this.tok)) this.illegal('expected var');
      vars.push(this.parseVarToken());
      if (!this.isPunct(',')) break;
    }
    return { type: 'some', vars, negated: false, with: [], loc };
  }

  private parseEvery(loc: Location): Expr {
    this.next();
    const term = this.parseTermInfixCall(false);
    if (term.type !== 'call') this.illegal('expected `x[, y] in xs { ... }` expression');
    const name = callName(term);
    let key: Term | undefined;
    let value: Term;
    let domain: Term;
    if (name === 'internal.member_2') {
      [value, domain] = term.args as [Term, Term];
    } else if (name === 'internal.member_3') {
      [key, value, domain] = term.args as [Term, Term, Term];
      if (key.type !== 'var') this.illegal('expected key to be a variable');
    } else {
      this.illegal('expected `x[, y] in xs { ... }` expression');
    }
    if (value.type !== 'var') this.illegal('expected value to be a variable');
    if (!this.isPunct('{')) this.illegal('missing body');
    const body = this.parseBraceBody();
    const every: Every = { type: 'every', value, domain, body, negated: false, with: [], loc };
    if (key) every.key = key as VarTerm;
    if (this.isKw('with')) every.with = this.parseWith();
    return every;
  }

  // -------------------------------------------------------------------------
  // Terms, by precedence: in < relations < | < & < + - < * / % < term

  /** `inList`: inside `[...]`, `{...}`, call args and `some`/rule keys, a comma separates items rather than starting `k, v in xs`. */
  parseTermInfixCall(inList: boolean): Term {
    return this.parseTermIn(undefined, !inList);
  }

  private parseTermIn(lhsIn: Term | undefined, keyVal: boolean): Term {
    const lhs = lhsIn ?? this.parseTermRelation();
    if (keyVal && this.isPunct(',')) {
      const saved = this.pos;
      const tried = this.attempt(() => {
        this.next();
        const mhs = this.parseTermRelation();
        if (!this.isKw('in')) return undefined;
        this.next();
        const rhs = this.parseTermRelation();
        return makeCall('internal.member_3', [lhs, mhs, rhs], lhs.loc);
      });
      if (tried.value) return this.isKw('in') ? this.nested(() => this.parseTermIn(tried.value, keyVal)) : tried.value;
      this.pos = saved;
    }
    if (this.isKw('in')) {
      this.next();
      const rhs = this.parseTermRelation();
      const call = makeCall('internal.member_2', [lhs, rhs], lhs.loc);
      return this.isKw('in') ? this.nested(() => this.parseTermIn(call, keyVal)) : call;
    }
    return lhs;
  }

  private parseTermRelation(): Term {
    return this.parseBinary(0);
  }

  /**
   * Left-associative binary operators, by precedence climbing: `level` is the
   * loosest precedence (index into `BINARY_LEVELS`) this call may consume. One
   * function for all levels keeps the stack shallow per nesting level, which
   * is what bounds how deep a term can nest (see `MAX_PARSE_DEPTH`).
   */
  private parseBinary(level: number): Term {
    let lhs = this.parseTerm();
    // Each operator nests the tree one level deeper (`((a + b) + c) + d`).
    let levels = 0;
    try {
      for (;;) {
        const opLevel = this.tok.kind === 'punct' ? binaryLevel(this.tok.text) : -1;
        if (opLevel < level) return lhs;
        const name = BINARY_LEVELS[opLevel]![this.tok.text]!;
        this.enter();
        levels++;
        this.next();
        const rhs = this.parseBinary(opLevel + 1);
        lhs = makeCall(name, [lhs, rhs], lhs.loc);
      }
    } finally {
      this.leave(levels);
    }
  }

  /**
   * Results of `parseTerm` by start position. The speculative parses of
   * collections (`[a | ...]` tried as a comprehension, then as items) parse the
   * same first term twice; without this, nested collections (`[[[[...]]]]`)
   * would take time exponential in their depth. An entry is used once, and only
   * after the attempt that produced it was backed off, so no term is shared.
   */
  private readonly termMemo = new Map<number, TermMemo>();

  /** A single term with its refs and calls (no infix operators). */
  parseTerm(): Term {
    const start = this.pos;
    const wildcardsBefore = this.shared.wildcards;
    const depthBefore = this.shared.depth;
    const memo = this.termMemo.get(start);
    if (memo && memo.wildcardsBefore === wildcardsBefore && memo.depthBefore === depthBefore) {
      if (memo.failure) throw memo.failure;
      this.termMemo.delete(start);
      this.pos = memo.end;
      this.shared.wildcards = memo.wildcardsAfter;
      return memo.term!;
    }
    try {
      const term = this.nested(() => this.parseTermUnmemoized());
      this.termMemo.set(start, { wildcardsBefore, depthBefore, term, end: this.pos, wildcardsAfter: this.shared.wildcards });
      return term;
    } catch (e) {
      if (e instanceof ParseFailure) this.termMemo.set(start, { wildcardsBefore, depthBefore, end: this.pos, wildcardsAfter: this.shared.wildcards, failure: e });
      throw e;
    }
  }

  private parseTermUnmemoized(): Term {
    const t = this.tok;
    const loc = this.loc();
    let term: Term;
    switch (t.kind) {
      case 'ident':
        if (t.text === 'null' && this.isKeyword(t)) {
          term = { type: 'null', loc };
          this.next();
        } else if ((t.text === 'true' || t.text === 'false') && this.isKeyword(t)) {
          term = { type: 'boolean', value: t.text === 'true', loc };
          this.next();
        } else if (this.isKeyword(t) && t.text !== 'contains') {
          // `contains` is a keyword only right after a rule head's reference
          // (OPA's parseHead); anywhere else it is a name: `contains(s, x)`.
          this.illegal();
        } else {
          term = this.parseVarToken();
        }
        break;
      case 'number':
        term = this.parseNumber(false, loc);
        break;
      case 'string':
      case 'rawstring':
        term = { type: 'string', value: t.text, loc };
        this.next();
        break;
      case 'template':
        term = this.parseTemplate(t, loc);
        break;
      case 'punct':
        if (t.text === '-') {
          this.next();
          if (this.tok.kind === 'number' && !this.tok.spaceBefore) {
            term = this.parseNumber(true, loc);
          } else {
            // Unary minus on a non-literal: minus(0, x).
            const operand = this.parseTerm();
            return makeCall('minus', [{ type: 'number', raw: '0', value: 0, loc }, operand], loc);
          }
        } else if (t.text === '[') {
          term = this.parseArray();
        } else if (t.text === '{') {
          term = this.parseSetOrObject();
        } else if (t.text === '(') {
          this.next();
          term = this.parseTermInfixCall(false);
          this.expectPunct(')');
        } else {
          this.illegal();
        }
        break;
      default:
        this.illegal();
    }
    return this.parseTermFinish(term);
  }

  /** Consumes an identifier token as a variable (`_` becomes a fresh wildcard). */
  private parseVarToken(): VarTerm {
    const t = this.tok;
    const loc = this.loc();
    this.next();
    if (t.text === '_') return { type: 'var', name: `$w${this.shared.wildcards++}`, wildcard: true, loc };
    return { type: 'var', name: t.text, loc };
  }

  private parseNumber(negative: boolean, loc: Location): Term {
    const raw = this.tok.text;
    // Go's big.Float parses `00` as 0: OPA rejects multiple leading zeros.
    if (raw.length > 1 && raw[0] === '0' && raw[1] === '0') this.illegal('expected number');
    const text = negative ? `-${raw}` : raw;
    const value = numberValue(text);
    if (value === undefined) this.fail('number too big');
    this.next();
    return { type: 'number', raw: text, value, loc };
  }

  /** After a term: refs (`.a`, `[x]`) and calls (`(args)`) that directly follow it. */
  private parseTermFinish(head: Term): Term {
    let cur = head;
    let path: Term[] = [];
    const refOf = (): Term => (path.length === 0 ? cur : flattenRef(cur, path));
    for (;;) {
      if (this.isAttached('.')) {
        this.checkRefHead(cur);
        this.next();
        if (this.tok.kind !== 'ident' || this.tok.spaceBefore) this.illegal('expected ident');
        const seg: StringTerm = { type: 'string', value: this.tok.text, loc: this.loc() };
        dotSegments.add(seg);
        path.push(seg);
        this.next();
      } else if (this.isAttached('[')) {
        this.checkRefHead(cur);
        this.next();
        const key = this.parseTermInfixCall(false);
        if (!this.isPunct(']')) this.illegal('expected ]');
        this.next();
        path.push(key);
      } else if (this.isAttached('(')) {
        const fn = refOf();
        cur = this.parseCall(fn);
        path = [];
      } else {
        break;
      }
    }
    const result = refOf();
    if (result.type === 'var' && (result.name === 'input' || result.name === 'data')) {
      return { type: 'ref', head: result, path: [], loc: result.loc };
    }
    return result;
  }

  private checkRefHead(head: Term): void {
    switch (head.type) {
      case 'var':
      case 'ref':
      case 'array':
      case 'object':
      case 'set':
      case 'call':
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp':
        return;
      default:
        this.fail(`illegal ref (head cannot be ${head.type})`);
    }
  }

  private parseCall(fnTerm: Term): Term {
    let fn: RefTerm;
    if (fnTerm.type === 'var') fn = { type: 'ref', head: fnTerm, path: [], loc: fnTerm.loc };
    else if (fnTerm.type === 'ref' && fnTerm.head.type === 'var' && fnTerm.path.every((s) => s.type === 'string')) fn = fnTerm;
    else this.fail(`illegal call (operator cannot be ${fnTerm.type})`);
    this.next(); // (
    const args = this.parseTermList(')');
    if (fn.head.type === 'var' && fn.head.name === 'set' && fn.path.length === 0 && args.length === 0) {
      return { type: 'set', items: [], loc: fn.loc };
    }
    return { type: 'call', fn, args, loc: fn.loc };
  }

  /** Comma-separated terms up to `end` (consumed); a trailing comma is allowed. */
  private parseTermList(end: string, first: Term[] = []): Term[] {
    const items = first;
    if (items.length === 0 && this.isPunct(end)) {
      this.next();
      return items;
    }
    if (items.length > 0) {
      // Called after the first item with the current token a comma.
      this.next();
      if (this.isPunct(end)) {
        this.next();
        return items;
      }
    }
    for (;;) {
      items.push(this.parseTermInfixCall(true));
      if (this.isPunct(end)) {
        this.next();
        return items;
      }
      if (!this.isPunct(',')) this.illegal(`expected , or ${end}`);
      this.next();
      if (this.isPunct(end)) {
        this.next();
        return items;
      }
    }
  }

  private parseArray(): Term {
    const loc = this.loc();
    this.next();
    if (this.isPunct(']')) {
      this.next();
      return { type: 'array', items: [], loc };
    }
    return this.parseCollection(
      () => {
        const head = this.parseTerm();
        if (!this.isPunct('|')) return undefined;
        this.next();
        const body = this.parseBody(']');
        this.next();
        return { type: 'arraycomp', term: head, body, loc };
      },
      () => ({ type: 'array', items: this.parseTermList(']'), loc }),
    );
  }

  private parseSetOrObject(): Term {
    const loc = this.loc();
    this.next();
    if (this.isPunct('}')) {
      this.next();
      return { type: 'object', items: [], loc };
    }
    return this.parseCollection(
      () => {
        const head = this.parseTerm();
        if (this.isPunct('|')) {
          this.next();
          const body = this.parseBody('}');
          this.next();
          return { type: 'setcomp', term: head, body, loc };
        }
        if (!this.isPunct(':')) return undefined;
        this.next();
        const value = this.parseTerm();
        if (!this.isPunct('|')) return undefined;
        this.next();
        const body = this.parseBody('}');
        this.next();
        return { type: 'objectcomp', key: head, value, body, loc };
      },
      () => this.parseSetOrObjectItems(loc),
    );
  }

  private parseSetOrObjectItems(loc: Location): Term {
    const first = this.parseTermInfixCall(true);
    if (this.isPunct(':')) {
      this.next();
      const items: [Term, Term][] = [[first, this.parseTermInfixCall(true)]];
      for (;;) {
        if (this.isPunct('}')) break;
        if (!this.isPunct(',')) this.illegal('expected , or }');
        this.next();
        if (this.isPunct('}')) break;
        const k = this.parseTermInfixCall(true);
        this.expectPunct(':', 'expected :');
        items.push([k, this.parseTermInfixCall(true)]);
      }
      this.next();
      return { type: 'object', items, loc };
    }
    if (this.isPunct('}')) {
      this.next();
      return { type: 'set', items: [first], loc };
    }
    if (!this.isPunct(',')) this.illegal('expected , or }');
    return { type: 'set', items: this.parseTermList('}', [first]), loc };
  }

  /**
   * OPA prefers comprehensions in the ambiguous `{a | b}`: parse one plain term
   * and, if `|` follows, a comprehension body; otherwise (or if that fails) start
   * again and parse the items as full terms. When both fail, the error that got
   * furthest into the source is reported (the more helpful one).
   */
  private parseCollection(comprehension: () => Term | undefined, items: () => Term): Term {
    const tried = this.attempt(comprehension);
    if (tried.value) return tried.value;
    try {
      return items();
    } catch (e) {
      if (e instanceof ParseFailure && tried.failure) throw furthest(tried.failure, e);
      throw e;
    }
  }

  /**
   * `{t with ...}` inside a template string: a term cannot carry `with`, so it
   * is written in existing terms as `[$v | $v = t with ...][0]` (undefined when
   * `t` is, one value otherwise).
   */
  private termWith(term: Term, withs: With[]): Term {
    const loc = term.loc;
    const v = (): VarTerm => ({ type: 'var', name: `$t${this.shared.wildcards++}`, loc });
    const out = v();
    const eq: Term = { type: 'call', fn: { type: 'ref', head: { type: 'var', name: 'eq', loc }, path: [], loc }, args: [{ ...out }, term], loc };
    const body: Expr[] = [{ type: 'expr', term: eq, negated: false, with: withs, loc }];
    return { type: 'ref', head: { type: 'arraycomp', term: { ...out }, body, loc }, path: [{ type: 'number', raw: '0', value: 0, loc }], loc };
  }

  private parseTemplate(t: Token, loc: Location): Term {
    this.next();
    const parts: (string | Term)[] = [];
    for (const part of t.templateParts ?? []) {
      if (typeof part === 'string') {
        parts.push(part);
        continue;
      }
      const { tokens } = tokenize(this.file, part.source);
      for (const tk of tokens) {
        if (tk.row === 1) tk.col += part.col - 1;
        tk.row += part.row - 1;
      }
      const sub = new Parser(this.file, tokens, this.v0, this.shared);
      sub.keywords.clear();
      for (const k of this.keywords) sub.keywords.add(k);
      const term = sub.parseTermInfixCall(false);
      const withs = sub.isKw('with') ? sub.parseWith() : [];
      if (sub.tok.kind !== 'eof') sub.illegal();
      parts.push(withs.length === 0 ? term : this.termWith(term, withs));
    }
    return { type: 'template', parts, loc };
  }

  atEof(): boolean {
    return this.tok.kind === 'eof';
  }
}

// ---------------------------------------------------------------------------
// Helpers

function makeCall(name: string, args: Term[], loc: Location): CallTerm {
  const [first, ...rest] = name.split('.');
  const fn: RefTerm = {
    type: 'ref',
    head: { type: 'var', name: first!, loc },
    path: rest.map((s): StringTerm => ({ type: 'string', value: s, loc })),
    loc,
  };
  return { type: 'call', fn, args, loc };
}

/** The dotted name of a call's function (`internal.member_2`, `data.lib.f`). */
export function callName(call: CallTerm): string {
  const head = call.fn.head.type === 'var' ? call.fn.head.name : '?';
  return [head, ...call.fn.path.map((s) => (s.type === 'string' ? s.value : '?'))].join('.');
}

function flattenRef(head: Term, path: Term[]): RefTerm {
  if (head.type === 'ref') return { type: 'ref', head: head.head, path: [...head.path, ...path], loc: head.loc };
  return { type: 'ref', head, path, loc: head.loc };
}

function isGround(t: Term): boolean {
  switch (t.type) {
    case 'var':
    case 'ref':
    case 'call':
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
    case 'template':
      return false;
    case 'array':
    case 'set':
      return t.items.every(isGround);
    case 'object':
      return t.items.every(([k, v]) => isGround(k) && isGround(v));
    default:
      return true;
  }
}

/** For default rule values: the first var/ref/call found outside comprehensions (OPA's wording: "var", "ref", "call"). */
function findNonGround(t: Term): string | undefined {
  switch (t.type) {
    case 'var':
    case 'ref':
    case 'call':
      return t.type;
    case 'array':
    case 'set':
      for (const i of t.items) {
        const r = findNonGround(i);
        if (r) return r;
      }
      return undefined;
    case 'object':
      for (const [k, v] of t.items) {
        const r = findNonGround(k) ?? findNonGround(v);
        if (r) return r;
      }
      return undefined;
    case 'template':
      return 'call';
    default:
      return undefined;
  }
}

/**
 * The value of a number literal. Integers (including exponent forms such as
 * `1e400`) beyond the float-safe range become exact bigints; other numbers are
 * float64. Undefined when the exponent is absurdly large (OPA: "number too big").
 */
export function numberValue(text: string): number | bigint | undefined {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const [, sign, intPart = '', fracPart = '', expPart = '0'] = m;
  let digits = (intPart + fracPart).replace(/^0+/, '');
  let scale = Number(expPart) - fracPart.length;
  if (digits === '') return 0;
  if (Math.abs(digits.length + scale) > 30000) return undefined;
  while (scale < 0 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    scale++;
  }
  if (scale >= 0) {
    const n = BigInt(digits) * 10n ** BigInt(scale) * (sign === '-' ? -1n : 1n);
    return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
  }
  return Number(text.replace(/^(-?)\./, '$10.'));
}

function furthest(a: ParseFailure, b: ParseFailure): ParseFailure {
  const la = a.error.location!;
  const lb = b.error.location!;
  return lb.row > la.row || (lb.row === la.row && lb.col > la.col) ? b : a;
}

function toErrors(e: unknown): never {
  if (e instanceof ParseFailure) throw new RegoErrors([e.error]);
  throw e;
}

// ---------------------------------------------------------------------------
// Public API

/** Parses a module. Throws `RegoErrors` (rego_parse_error) with every error found. */
export function parseModule(file: string, source: string, opts: ParseOptions = {}): Module {
  const v0 = opts.v0 === true;
  const { tokens, comments } = tokenize(file, source);
  const parser = new Parser(file, tokens, v0);
  let module: Module;
  try {
    module = parser.parseModule(comments);
  } catch (e) {
    toErrors(e);
  }
  const errors = checkRegoV1Rules(module, parser.ruleSyntax);
  if (errors.length > 0) throw new RegoErrors(errors);
  return module;
}

/** Parses a query such as `data.x.p = y; z := 1` (Rego v1 keywords). Throws `RegoErrors`. */
export function parseQuery(source: string, file = 'query'): Body {
  const { tokens } = tokenize(file, source);
  const parser = new Parser(file, tokens, false);
  try {
    if (parser.atEof()) parser.fail('empty query');
    return parser.parseBody('eof');
  } catch (e) {
    toErrors(e);
  }
}

/** Parses a single term (e.g. a conformance case's `input_term`). Throws `RegoErrors`. */
export function parseTerm(source: string, file = 'term'): Term {
  const { tokens } = tokenize(file, source);
  const parser = new Parser(file, tokens, false);
  try {
    const term = parser.parseTermInfixCall(false);
    if (!parser.atEof()) parser.illegal();
    return term;
  } catch (e) {
    toErrors(e);
  }
}
