/**
 * Bodies and expressions: literals (`not`, `:=`/`=`, `with`), `some`,
 * `every` and `not { body }` (rego.v2), over the term layer.
 */
import type { Location } from '../errors.js';
import type { Body, Every, Expr, RefTerm, Term, VarTerm, With } from './ast.js';
import { callName, makeCall } from './parser-base.js';
import { TermParser } from './parse-terms.js';

export abstract class BodyParser extends TermParser {
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
        if (atEnd()) return body.slice();
        continue;
      }
      // An exact-size copy: the tree keeps the body, and a pushed array has spare capacity.
      if (atEnd()) return body.slice();
      if (!this.tok.newlineBefore) this.illegal(`expected \\n or ; or ${end === 'eof' ? 'eof' : end}`);
    }
  }

  parseLiteral(): Expr {
    return this.nested(() => this.parseLiteralUnnested());
  }

  protected parseLiteralUnnested(): Expr {
    const loc = this.loc();
    let negated = false;
    if (this.keywordLedRef()) {
      this.refKeywordAt = this.pos;
      return this.parseExprLiteral(loc, false);
    }
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
    return this.parseExprLiteral(loc, negated);
  }

  /** A plain expression: a term, or `a := b` / `a = b`, then its `with` modifiers. */
  protected parseExprLiteral(loc: Location, negated: boolean): Expr {
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
  protected parseNotBody(loc: Location): Expr | undefined {
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

  parseWith(): With[] {
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

  protected parseSome(loc: Location): Expr {
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

  protected parseEvery(loc: Location): Expr {
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

  protected parseBraceBody(): Body {
    this.expectPunct('{');
    const body = this.parseBody('}');
    this.expectPunct('}');
    return body;
  }
}
