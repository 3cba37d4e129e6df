/**
 * Source spans of syntax-tree nodes, for the formatter.
 *
 * OPA's formatter decides much of its layout from each node's original text
 * (`Location.Text`): whether a collection was written over several lines,
 * where a closing brace sat (comments before it stay inside), whether a term
 * was parenthesised, how a string literal was spelled. Our parser keeps only
 * where a node starts, so this module recovers where it ends by walking the
 * token stream alongside the tree: brackets are matched once, refs and calls
 * are followed token by token, and grouping parentheses around a term are
 * counted as part of it (as OPA counts them). Parsing pays nothing for this:
 * only `policy fmt` builds spans.
 */
import type { Body, CallTerm, Expr, Module, RefTerm, Rule, Term, With } from '../syntax/ast.js';
import { tokenize, type Comment, type Token } from '../syntax/lexer.js';
import { walkRule, walkTerm } from '../syntax/walk.js';

/** Token indices, both inclusive. */
export type Span = readonly [number, number];

const OPEN = new Set(['(', '[', '{']);

export class SourceSpans {
  readonly tokens: Token[];
  readonly comments: Comment[];
  private readonly byPosition = new Map<string, number>();
  /** Index of the matching bracket for each bracket token (-1 otherwise). */
  private readonly match: Int32Array;
  /** `(` tokens that open a call's arguments (the rest group). */
  private readonly callParens = new Set<number>();
  private readonly coreCache = new WeakMap<Term, Span>();
  private readonly fullCache = new WeakMap<Term, Span>();
  /** Rules that continue a chain `p { a } { b }`: they share the first rule's head terms. */
  private readonly chained = new WeakSet<Rule>();

  constructor(
    readonly source: string,
    readonly module: Module,
  ) {
    const { tokens, comments } = tokenize(module.file, source);
    this.tokens = tokens;
    this.comments = comments;
    tokens.forEach((t, i) => this.byPosition.set(`${t.row}:${t.col}`, i));
    this.match = new Int32Array(tokens.length).fill(-1);
    const stack: number[] = [];
    tokens.forEach((t, i) => {
      if (t.kind !== 'punct') return;
      if (OPEN.has(t.text)) stack.push(i);
      else if (t.text === ')' || t.text === ']' || t.text === '}') {
        const open = stack.pop();
        if (open !== undefined) {
          this.match[open] = i;
          this.match[i] = open;
        }
      }
    });
    let previous: Rule | undefined;
    for (const rule of module.rules) {
      if (previous && rule.head.ref === previous.head.ref) this.chained.add(rule);
      previous = rule;
      walkRule(rule, (t) => {
        if (t.type === 'call' && !isOperatorCall(t)) this.markCallParen(t);
      });
    }
  }

  // -------------------------------------------------------------------------
  // Basics

  /** The token a location points at, if any (synthetic nodes point nowhere). */
  tokenAt(loc: { row: number; col: number }): number | undefined {
    return this.byPosition.get(`${loc.row}:${loc.col}`);
  }
  text(span: Span): string {
    return this.source.slice(this.tokens[span[0]]!.start, this.tokens[span[1]]!.end);
  }
  /** The row where a span ends. */
  endRow(span: Span): number {
    const last = this.tokens[span[1]]!;
    return last.row + countNewlines(this.source, last.start, last.end);
  }
  isChained(rule: Rule): boolean {
    return this.chained.has(rule);
  }
  private isPunct(i: number, text: string): boolean {
    const t = this.tokens[i];
    return t !== undefined && t.kind === 'punct' && t.text === text;
  }
  private matchOf(i: number): number {
    const m = this.match[i];
    return m === undefined || m < 0 ? i : m;
  }

  // -------------------------------------------------------------------------
  // Terms

  private markCallParen(call: CallTerm): void {
    const start = this.tokenAt(call.fn.loc);
    if (start === undefined) return;
    const end = this.followRef(start, call.fn.path.length);
    if (this.isPunct(end + 1, '(')) this.callParens.add(end + 1);
  }

  /** From the token of a ref's head, follows `n` path segments (`.name` or `[...]`); returns the last token. */
  private followRef(i: number, n: number): number {
    let end = i;
    for (let k = 0; k < n; k++) {
      if (this.isPunct(end + 1, '.')) end += 2;
      else if (this.isPunct(end + 1, '[')) end = this.matchOf(end + 1);
      else break;
    }
    return end;
  }

  /** A term's own tokens, without grouping parentheses around it. */
  core(t: Term): Span | undefined {
    const cached = this.coreCache.get(t);
    if (cached) return cached;
    const span = this.computeCore(t);
    if (span) this.coreCache.set(t, span);
    return span;
  }

  private computeCore(t: Term): Span | undefined {
    if (t.type === 'call' && isOperatorCall(t)) {
      const first = this.full(t.args[0]!);
      const last = this.full(t.args[t.args.length - 1]!);
      if (!first || !last) return undefined;
      return [first[0], last[1]];
    }
    const start = this.tokenAt(t.loc);
    if (start === undefined) return undefined;
    switch (t.type) {
      case 'number':
        return this.isPunct(start, '-') ? [start, start + 1] : [start, start];
      case 'array':
      case 'object':
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp':
        return [start, this.matchOf(start)];
      case 'set':
        // `set()` starts at the name; other sets at their brace.
        if (this.tokens[start]!.kind === 'ident') return [start, this.matchOf(start + 1)];
        return [start, this.matchOf(start)];
      case 'ref':
        return [start, this.followRef(this.headEnd(t, start), t.path.length)];
      case 'call': {
        const nameEnd = this.followRef(start, t.fn.path.length);
        return this.isPunct(nameEnd + 1, '(') ? [start, this.matchOf(nameEnd + 1)] : [start, nameEnd];
      }
      default:
        return [start, start];
    }
  }

  /** Where a ref's head ends, from the token it starts at. */
  private headEnd(ref: RefTerm, start: number): number {
    const head = ref.head;
    if (head.type === 'var') return start;
    const span = this.core(head);
    return span ? span[1] : start;
  }

  /** A term with the grouping parentheses written around it. */
  full(t: Term): Span | undefined {
    const cached = this.fullCache.get(t);
    if (cached) return cached;
    const core = this.core(t);
    if (!core) return undefined;
    let [s, e] = core;
    while (this.isPunct(s - 1, '(') && !this.callParens.has(s - 1) && this.match[s - 1] === e + 1) {
      s--;
      e++;
    }
    const span: Span = [s, e];
    this.fullCache.set(t, span);
    return span;
  }

  /** Whether the term was written in parentheses. */
  parenthesized(t: Term): boolean {
    const core = this.core(t);
    const full = this.full(t);
    return core !== undefined && full !== undefined && full[0] < core[0];
  }

  /**
   * OPA's text of a term: a scalar's first token (a negative number is just
   * its sign there), a composite's tokens, parentheses included.
   */
  termText(t: Term): string {
    const full = this.full(t);
    if (!full) return '';
    if (full[0] === this.core(t)![0] && isScalar(t)) return this.text([full[0], full[0]]);
    return this.text(full);
  }

  // -------------------------------------------------------------------------
  // Expressions, heads, rules

  with(w: With): Span | undefined {
    const start = this.tokenAt(w.loc);
    const value = this.full(w.value);
    return start !== undefined && value ? [start, value[1]] : undefined;
  }

  /** An expression's tokens without its `with` modifiers. */
  exprTerms(e: Expr): Span | undefined {
    const start = this.tokenAt(e.loc);
    if (start === undefined) return undefined;
    let end: number | undefined;
    switch (e.type) {
      case 'expr':
        end = this.full(e.term)?.[1];
        break;
      case 'some': {
        const last = e.vars[e.vars.length - 1];
        end = last ? this.tokenAt(last.loc) : start;
        break;
      }
      case 'somein':
        end = this.full(e.collection)?.[1];
        break;
      case 'every': {
        const domain = this.full(e.domain)?.[1];
        end = domain !== undefined && this.isPunct(domain + 1, '{') ? this.matchOf(domain + 1) : domain;
        break;
      }
    }
    return end === undefined ? undefined : [start, end];
  }

  expr(e: Expr): Span | undefined {
    const terms = this.exprTerms(e);
    if (!terms) return undefined;
    const last = e.with[e.with.length - 1];
    const w = last ? this.with(last) : undefined;
    return w ? [terms[0], Math.max(terms[1], w[1])] : terms;
  }

  /** A rule head: name, ref, arguments, and key or value as written. */
  head(rule: Rule): Span | undefined {
    if (this.chained.has(rule)) return this.rule(rule);
    const start = this.tokenAt(rule.head.loc);
    if (start === undefined) return undefined;
    let end = start;
    if (this.tokens[start]!.text !== 'else') {
      // The name, then its attached `.x`, `[x]` and `(args)`.
      for (;;) {
        const next = this.tokens[end + 1];
        if (!next || next.spaceBefore || next.kind !== 'punct') break;
        if (next.text === '.') end += 2;
        else if (next.text === '[' || next.text === '(') end = this.matchOf(end + 1);
        else break;
      }
    }
    for (const t of [rule.head.key, this.writtenValue(rule)]) {
      const span = t ? this.full(t) : undefined;
      if (span && span[1] > end) end = span[1];
    }
    return [start, end];
  }

  /** The head value as written (undefined when the parser made it up). */
  writtenValue(rule: Rule): Term | undefined {
    const value = rule.head.value;
    if (!value || value.loc === rule.head.loc) return undefined;
    return value;
  }

  /** A rule from its first token to the end of its body and `else` chain (not the chained bodies after it). */
  rule(rule: Rule): Span | undefined {
    const start = this.tokenAt(rule.loc);
    if (start === undefined) return undefined;
    if (this.chained.has(rule)) return [start, this.matchOf(start)];
    const head = this.head(rule);
    if (!head) return undefined;
    let end = head[1];
    const lastExpr = rule.body[rule.body.length - 1];
    if (lastExpr) {
      const exprEnd = this.expr(lastExpr)?.[1] ?? end;
      let open = head[1] + 1;
      if (this.tokens[open]?.kind === 'ident' && this.tokens[open]!.text === 'if') open++;
      end = this.isPunct(open, '{') && this.matchOf(open) > exprEnd ? this.matchOf(open) : Math.max(end, exprEnd);
    }
    if (rule.else) {
      const elseSpan = this.rule(rule.else);
      if (elseSpan) end = Math.max(end, elseSpan[1]);
    }
    return [start, end];
  }

  /** The first token of a body (its first expression). */
  bodyRow(body: Body): number {
    return body[0]?.loc.row ?? 0;
  }
}

/** `a + b`, `x in xs`, `x := y`, `-x`: calls the parser made from operators, located at their first operand. */
export function isOperatorCall(t: CallTerm): boolean {
  const first = t.args[0];
  return first !== undefined && first.loc.row === t.loc.row && first.loc.col === t.loc.col;
}

function isScalar(t: Term): boolean {
  return t.type === 'null' || t.type === 'boolean' || t.type === 'number' || t.type === 'string' || t.type === 'var';
}

export function countNewlines(s: string, from = 0, to = s.length): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** Visits every term of a module's rules (for callers that need all of them). */
export function forEachTerm(module: Module, visit: (t: Term) => void): void {
  for (const rule of module.rules) walkRule(rule, (t) => void visit(t));
  for (const imp of module.imports) walkTerm(imp.path, (t) => void visit(t));
}
