/**
 * Modules and rules: the package, imports (future keywords, `rego.v1`),
 * rule heads (`contains`, `:=`/`=`, functions, refs), bodies after `if`,
 * `else` chains and default rules, over the body layer.
 */
import type { Body, Head, Import, Module, Package, RefTerm, Rule, StringTerm, Term, VarTerm } from './ast.js';
import type { Location } from '../errors.js';
import type { Comment, Token } from './lexer.js';
import { attachAnnotations } from './annotations.js';
import { FUTURE_KEYWORDS } from './parser-base.js';
import { BodyParser } from './parse-body.js';
import { dotSegments } from './parse-terms.js';
import { isGroundTerm } from './walk.js';

export class ModuleParser extends BodyParser {
  protected subParser(tokens: Token[]): ModuleParser {
    return new ModuleParser(this.file, tokens, this.v0, this.shared);
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
      if (this.isKw('import') && !this.keywordLedRef()) {
        imports.push(this.parseImport());
        continue;
      }
      if (this.isKw('package') && !this.keywordLedRef()) this.illegal();
      rules.push(...this.parseRules());
    }
    const module: Module = { file: this.file, package: pkg, imports, rules, v0: this.v0, comments };
    attachAnnotations(module);
    return module;
  }

  protected parsePackage(): Package {
    const loc = this.loc();
    this.next();
    if (this.tok.kind !== 'ident') this.illegal(); // OPA's parsePackage: illegalToken
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
  protected stringPath(term: Term, message: string): string[] {
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

  protected parseImport(): Import {
    const loc = this.loc();
    this.next();
    if (this.tok.kind !== 'ident') this.illegal(); // OPA's parseImport: illegalToken
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

  protected parseRules(): Rule[] {
    const loc = this.loc();
    let isDefault = false;
    if (this.isKw('default') && !this.keywordLedRef()) {
      this.next();
      isDefault = true;
    }
    if (this.tok.kind !== 'ident' || (this.isKeyword(this.tok) && !this.keywordLedRef())) this.illegal(isDefault ? 'expected ident' : undefined);
    const { head, usesContains, refSegments } = this.parseHead(isDefault);
    const rule: Rule = { loc, head, body: [], isDefault, file: this.file };

    if (isDefault) {
      this.validateDefault(rule);
      return [rule];
    }

    const hasIf = this.isKw('if');
    // `p[x] { ... }`, `p.q { ... }` and bare `p[x]`, `p.q` without `if`: a
    // partial set (multi-value) rule, `.q` being `["q"]` (OPA's parseRules and
    // ParsePartialSetDocRuleFromTerm); v1 then asks for `contains`.
    const multiWithoutContains = !hasIf && !usesContains && !head.args && refSegments.length === 2 && head.value === undefined;
    if (multiWithoutContains) {
      head.kind = 'multi';
      head.key = refSegments[1];
      head.ref = refSegments.slice(0, 1);
    }

    let bodyWithoutIf = false;
    let noBodyNoValue = false;
    if (hasIf) {
      this.next();
      rule.body = this.parseIfBody();
    } else if (this.isPunct('{')) {
      bodyWithoutIf = true;
      rule.body = this.parseBraceBody();
    } else if (usesContains) {
      this.ruleSyntax.set(rule, { multiWithoutContains, bodyWithoutIf });
      return [rule];
    } else {
      if (head.value === undefined && !head.args) {
        // A bare name is a query, not a rule (OPA's ParseRuleFromExpr); a bare
        // `p.q.r` is `p.q.r = true`, which v1 refuses (nothing written after it).
        if (refSegments.length === 1) this.fail('var cannot be used for rule name', loc);
        noBodyNoValue = refSegments.length > 2;
      }
      this.rejectWithAfterRule(loc);
    }
    this.ruleSyntax.set(rule, { multiWithoutContains, bodyWithoutIf, noBodyNoValue });

    if (this.isKw('else') && !this.keywordLedRef()) {
      if (head.ref.length > 1 && !head.ref.every(isGroundTerm)) this.fail('else keyword cannot be used on rules with variables in head');
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

  /**
   * A rule with neither `if` nor a body is an expression to OPA's parser
   * (parseRules gives up, parseQuery reads it, ParseRuleFromExpr makes the
   * rule), so a `with` after it is that expression's modifier, even on the
   * next line: `with.a` there cannot be a reference starting a new rule.
   */
  private rejectWithAfterRule(loc: Location): void {
    if (!this.isKw('with')) return;
    if (this.keywordLedRef()) {
      this.next();
      this.illegal('expected ident');
    }
    this.fail('expressions using with keyword cannot be used for rule head', loc);
  }

  protected parseHead(isDefault: boolean): { head: Head; usesContains: boolean; refSegments: Term[] } {
    const loc = this.loc();
    const first = this.parseVarToken();
    const term = this.parseTermFinish(first, true);
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
    // `f() := v` is a complete rule that may also be called as `f()` (OPA treats zero-argument functions as rules).
    const head: Head = { loc, name, ref: refSegments, kind: args && args.length > 0 ? 'function' : 'complete', assign: false };
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
  protected nameSegment(v: VarTerm): StringTerm {
    if (v.wildcard) this.fail('rule name cannot be a wildcard', v.loc);
    return { type: 'string', value: v.name, loc: v.loc };
  }

  /** Whether the current token can start a term (for error messages on missing values). */
  protected startsTerm(): boolean {
    const t = this.tok;
    if (t.kind === 'eof' || t.kind === 'illegal') return t.kind === 'illegal';
    if (t.kind === 'punct') return ['{', '[', '(', '-', '.'].includes(t.text);
    if (t.kind === 'ident') return !this.isKeyword(t) || ['true', 'false', 'null', 'contains'].includes(t.text);
    return true;
  }

  protected validateDefault(rule: Rule): void {
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
  protected parseIfBody(): Body {
    if (!this.isPunct('{')) return [this.parseLiteral()];
    // Nearly every rule: a body that cannot be read as another literal. Parsed once, not tried as a literal first.
    if (this.onlyBraceBody()) return this.parseBraceBody();
    const asLiteral = this.attempt(() => {
      const lit = this.parseLiteral();
      const isSet = lit.type === 'expr' && lit.term.type === 'set' && !lit.negated && lit.with.length === 0;
      return isSet ? undefined : lit;
    });
    if (asLiteral.value) return [asLiteral.value];
    return this.parseBraceBody();
  }


  /**
   * At `{` after `if`: true when trying the braces as one literal first could
   * only end in a plain set or a failure, both of which mean a body, so the
   * body is all there is to parse. That is so when nothing after the closing
   * `}` could continue a literal (a ref, call, operator, `,`, `in`, `=`, `:=`,
   * `with`) and nothing inside, at the top level, could make it an object or
   * a comprehension (`:` or `|`; `{}` is the empty object). A token scan, no
   * parse; when in doubt it answers false and the literal is tried as before.
   */
  protected onlyBraceBody(): boolean {
    const tokens = this.tokens;
    let depth = 0;
    for (let i = this.pos; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind === 'eof') return false;
      if (t.kind !== 'punct') continue;
      switch (t.text) {
        case '{':
        case '[':
        case '(':
          depth++;
          break;
        case '}':
        case ']':
        case ')':
          depth--;
          if (depth === 0) {
            if (i === this.pos + 1) return false; // `{}`
            const after = tokens[i + 1];
            if (after === undefined || after.kind === 'eof') return true;
            if (after.kind === 'ident') return after.text !== 'in' && after.text !== 'with';
            return after.kind !== 'punct' || CLOSERS.has(after.text);
          }
          break;
        case ':':
        case '|':
          if (depth === 1) return false;
          break;
      }
    }
    return false;
  }

  protected parseElse(parent: Rule): Rule {
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
    let hasBody = true;
    if (this.isKw('if')) {
      this.next();
      rule.body = this.parseIfBody();
    } else if (this.isPunct('{')) {
      bodyWithoutIf = true;
      rule.body = this.parseBraceBody();
    } else hasBody = false;
    this.ruleSyntax.set(rule, { multiWithoutContains: false, bodyWithoutIf });
    // An `else` without a body ends the chain (OPA's parseElse): a further `else` is then unexpected.
    if (hasBody && this.isKw('else') && !this.keywordLedRef()) rule.else = this.nested(() => this.parseElse(parent));
    return rule;
  }
}

/** Tokens after a `{ … }` that cannot continue a literal: closing another construct, or a separator of literals. */
const CLOSERS = new Set(['}', ']', ')', ';']);

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
