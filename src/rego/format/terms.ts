/**
 * Writing bodies, expressions and terms the way `opa fmt` lays them out:
 * operators spaced, nested operator calls parenthesised, refs dotted where a
 * name allows it, collections on one line unless they were written over
 * several (then one line per source row, with a trailing comma), and
 * comprehension bodies inline or indented as they were written.
 */
import type { Body, CallTerm, Every, Expr, RefTerm, SomeDecl, SomeIn, Term, TemplateStringTerm, With } from '../syntax/ast.js';
import { callName } from '../syntax/parser.js';
import { countNewlines, isOperatorCall, type SourceSpans } from './spans.js';
import { closingRow, infixOf, isMemberCall, isUnionCall, isVarCompatible, quoteString } from './layout.js';
import { UnexpectedComment, Writer, type FmtComment } from './writer.js';

export interface FmtOptions {
  /** Formatting for Rego v1 (`:=` heads, `if`, `contains`). */
  regoV1: boolean;
  /** Rule bodies take `if` (v1, or imported). */
  ifs: boolean;
  /** Partial sets take `contains` (v1, or imported). */
  contains: boolean;
  /** Some rule head is a ref of three or more parts: all heads are written as refs. */
  refHeads: boolean;
  /** Words that must be bracketed in refs when written in brackets. */
  keywords: Set<string>;
}

/** A node's start row and source text, for layout decisions. */
interface Anchor {
  row: number;
  text: string;
}

type Element = Term | [Term, Term];

/** An operator call with the wrong number of operands cannot be formatted (OPA: arity mismatch). */
export class FormatError extends Error {}

export class TermFormatter extends Writer {
  constructor(
    protected readonly spans: SourceSpans,
    protected readonly opts: FmtOptions,
  ) {
    super();
  }

  // -------------------------------------------------------------------------
  // Source facts

  protected exprText(e: Expr): string {
    const span = this.spans.expr(e);
    return span ? this.spans.text(span) : '';
  }

  /** A term on its own line-less output, without comments. */
  protected plain(t: Term): string {
    const w = new TermFormatter(this.spans, this.opts);
    w.inline = true;
    w.writeTermParens(false, t, []);
    return w.text();
  }

  protected anchorOf(t: Term): Anchor {
    return { row: t.loc.row, text: this.spans.termText(t) };
  }

  // -------------------------------------------------------------------------
  // Bodies and expressions

  protected writeBody(body: Body, comments: FmtComment[]): FmtComment[] {
    comments = this.insertComments(comments, body[0]!.loc.row);
    body.forEach((expr, i) => {
      if (i > 0) {
        const prev = body[i - 1]!;
        const lastRow = prev.loc.row + countNewlines(this.exprText(prev));
        if (expr.loc.row > lastRow + 1) this.blankLine();
      }
      this.startLine();
      comments = this.resume(() => this.writeExpr(expr, comments));
      this.endLine();
    });
    return comments;
  }

  /** Runs a writer; a comment conflict below it leaves the comments it carried (or none). */
  protected resume(fn: () => FmtComment[]): FmtComment[] {
    try {
      return fn();
    } catch (e) {
      if (e instanceof UnexpectedComment) return e.rest ?? [];
      throw e;
    }
  }

  protected writeExpr(expr: Expr, comments: FmtComment[]): FmtComment[] {
    comments = this.insertComments(comments, expr.loc.row);
    if (!this.inline) this.startLine();
    if (expr.negated) this.write('not ');
    switch (expr.type) {
      case 'some':
        comments = this.writeSomeDecl(expr, comments);
        break;
      case 'somein':
        comments = this.writeSomeIn(expr, comments);
        break;
      case 'every':
        comments = this.writeEvery(expr, comments);
        break;
      case 'expr': {
        const notBody = expr.negated ? notBodyOf(expr.term) : undefined;
        if (notBody) comments = this.writeNotBody(notBody, expr.loc.row, comments);
        else comments = expr.term.type === 'call' ? this.writeFunctionCall(expr.term, comments) : this.writeTerm(expr.term, comments);
        break;
      }
    }
    return expr.with.length > 0 ? this.writeWiths(expr, comments) : comments;
  }

  /** `with` stays on the line the expression ends on if written there; later ones go one per line, indented, as written. */
  private writeWiths(expr: Expr, comments: FmtComment[]): FmtComment[] {
    const span = this.spans.exprTerms(expr);
    let lastRow = span ? this.spans.endRow(span) : expr.loc.row;
    let withs = expr.with;
    if (withs[0]!.loc.row === lastRow) {
      comments = this.writeWith(withs[0]!, comments, false);
      lastRow = withs[0]!.loc.row;
      withs = withs.slice(1);
    }
    let indented = false;
    for (const w of withs) {
      const indent = w.loc.row > lastRow;
      if (indent) {
        if (!indented) {
          this.up();
          indented = true;
        }
        this.endLine();
        this.startLine();
        lastRow = w.loc.row;
      }
      comments = this.writeWith(w, comments, indent);
    }
    if (indented) this.down();
    return comments;
  }

  private writeWith(w: With, comments: FmtComment[], indented: boolean): FmtComment[] {
    comments = this.insertComments(comments, w.loc.row);
    if (!indented) this.write(' ');
    this.write('with ');
    comments = this.writeTerm(w.target, comments);
    this.write(' as ');
    try {
      return this.writeTerm(w.value, comments);
    } catch (e) {
      // The value was written as it stood: the chain of `with`s goes on.
      if (e instanceof UnexpectedComment && e.handled) return e.rest ?? [];
      throw e;
    }
  }

  private writeSomeDecl(decl: SomeDecl, comments: FmtComment[]): FmtComment[] {
    comments = this.insertComments(comments, decl.loc.row);
    this.write('some ');
    let row = decl.loc.row;
    decl.vars.forEach((v, i) => {
      if (v.loc.row > row) {
        this.endLine();
        this.startLine();
        this.write('\t');
        row = v.loc.row;
      } else if (i > 0) {
        this.write(' ');
      }
      comments = this.writeTerm(v, comments);
      if (i < decl.vars.length - 1) this.write(',');
    });
    return comments;
  }

  private writeSomeIn(decl: SomeIn, comments: FmtComment[]): FmtComment[] {
    comments = this.insertComments(comments, decl.loc.row);
    this.write('some ');
    const operands = decl.key ? [decl.key, decl.value, decl.collection] : [decl.value, decl.collection];
    return this.writeInOperator(false, operands, comments);
  }

  private writeEvery(every: Every, comments: FmtComment[]): FmtComment[] {
    const row = every.loc.row;
    comments = this.insertComments(comments, row);
    this.write('every ');
    if (every.key) {
      comments = this.writeTerm(every.key, comments);
      this.write(', ');
    }
    comments = this.writeTerm(every.value, comments);
    this.write(' in ');
    comments = this.writeTerm(every.domain, comments);
    this.write(' {');
    const span = this.spans.exprTerms(every);
    const anchor = { row, text: span ? this.spans.text(span) : '' };
    comments = this.resume(() => this.writeComprehensionBody('{', '}', every.body, anchor, anchor, comments));
    if (every.body.length === 1 && every.body[0]!.loc.row === row) this.write(' ');
    this.write('}');
    return comments;
  }

  /** `not { a; b }` (rego.v2), which the parser keeps as `not {true | a; b}[true]`. */
  private writeNotBody(body: Body, row: number, comments: FmtComment[]): FmtComment[] {
    this.write('{');
    const anchor = { row, text: '' };
    comments = this.resume(() => this.writeComprehensionBody('{', '}', body, anchor, anchor, comments));
    if (body[body.length - 1]!.loc.row === row) this.write(' ');
    this.write('}');
    return comments;
  }

  /** A call as a whole expression: operators infix (`z = x + y` for the three-operand form), other functions plain. */
  protected writeFunctionCall(call: CallTerm, comments: FmtComment[]): FmtComment[] {
    if (isMemberCall(call)) return this.writeInOperator(false, call.args, comments);
    const infix = infixOf(call);
    if (!infix) return this.writeFunctionCallPlain(call, comments);
    const [a, b, c] = call.args;
    if (call.args.length === infix.arity) {
      comments = this.dropOnConflict(() => this.writeOperand(a!, comments));
      this.write(` ${infix.op} `);
      return this.writeOperand(b!, comments);
    }
    if (call.args.length === infix.arity + 1) {
      comments = this.dropOnConflict(() => this.writeOperand(c!, comments));
      this.write(' = ');
      comments = this.dropOnConflict(() => this.writeOperand(a!, comments));
      this.write(` ${infix.op} `);
      return this.dropOnConflict(() => this.writeOperand(b!, comments));
    }
    throw new FormatError(`${callName(call)}: arity mismatch`);
  }

  /**
   * An operator's operand. `x in xs` binds loosest, so as an operand it needs
   * parentheses (OPA's formatter drops them there, which changes the meaning;
   * we keep them).
   */
  private writeOperand(t: Term, comments: FmtComment[]): FmtComment[] {
    if (!isMember2(t)) return this.writeTerm(t, comments);
    this.write('(');
    comments = this.writeTerm(t, comments);
    this.write(')');
    return comments;
  }

  /** A conflict below loses the comments it carried past this point (as OPA's formatter does). */
  private dropOnConflict(fn: () => FmtComment[]): FmtComment[] {
    try {
      return fn();
    } catch (e) {
      if (e instanceof UnexpectedComment) throw new UnexpectedComment(e.row, undefined, e.handled);
      throw e;
    }
  }

  private writeFunctionCallPlain(call: CallTerm, comments: FmtComment[]): FmtComment[] {
    comments = this.writeRef(call.fn, comments);
    this.write('(');
    const anchor = this.anchorOf(call.fn);
    comments = this.writeIterable(call.args, anchor, closingRow(anchor.text, anchor.row, '(', ')'), comments, (t, c) => this.writeListItem(t as Term, c, false));
    this.write(')');
    return comments;
  }

  private writeInOperator(parens: boolean, operands: Term[], comments: FmtComment[]): FmtComment[] {
    if (operands.length === 2) {
      const left = operands[0]!;
      // `in` groups to the left: `a in b in c` is `(a in b) in c`.
      comments = isMember2(left) ? this.writeInOperator(false, left.args, comments) : this.writeTermParens(true, left, comments);
      this.write(' in ');
      return this.writeTermParens(true, operands[1]!, comments);
    }
    if (operands.length !== 3) throw new FormatError('internal.member_3: arity mismatch');
    if (parens) this.write('(');
    comments = this.writeTermParens(true, operands[0]!, comments);
    this.write(', ');
    comments = this.writeTermParens(true, operands[1]!, comments);
    this.write(' in ');
    comments = this.writeTermParens(true, operands[2]!, comments);
    if (parens) this.write(')');
    return comments;
  }

  // -------------------------------------------------------------------------
  // Terms

  /**
   * A term; when a comment inside it has no place in the layout, the term is
   * written as it was written instead, and the conflict travels up (an
   * enclosing term does the same) until a body or `with` resumes.
   */
  protected writeTerm(term: Term, comments: FmtComment[]): FmtComment[] {
    if (comments.length === 0) return this.writeTermParens(false, term, comments);
    const length = this.length;
    const level = this.level;
    const saved = comments;
    try {
      return this.writeTermParens(false, term, comments);
    } catch (e) {
      if (!(e instanceof UnexpectedComment)) throw e;
      this.truncate(length);
      this.level = level;
      const text = this.spans.termText(term);
      if (this.beforeEnd && text) {
        const endRow = term.loc.row + countNewlines(text);
        if (this.beforeEnd.row >= term.loc.row && this.beforeEnd.row <= endRow) this.beforeEnd = undefined;
      }
      if (!text) throw new FormatError('original unformatted text is empty');
      throw new UnexpectedComment(e.row, this.writeUnformatted(text, term.loc.row, saved), true);
    }
  }

  protected writeTermParens(parens: boolean, term: Term, comments: FmtComment[]): FmtComment[] {
    comments = this.insertComments(comments, term.loc.row);
    if (!this.inline) this.startLine();
    switch (term.type) {
      case 'ref':
        comments = this.writeRef(term, comments);
        break;
      case 'object':
        comments = this.writeCollection('{', '}', term.items, term, comments, (e, c) => this.writeObjectItem(e as [Term, Term], c));
        break;
      case 'array':
        comments = this.writeCollection('[', ']', term.items, term, comments, (e, c) => this.writeListItem(e as Term, c, true));
        break;
      case 'set':
        comments = this.writeSet(term.items, term, comments);
        break;
      case 'arraycomp':
        this.write('[');
        comments = this.writeComprehension('[', ']', term.term, term.body, this.anchorOf(term), comments);
        this.write(']');
        break;
      case 'setcomp':
        this.write('{');
        comments = this.writeComprehension('{', '}', term.term, term.body, this.anchorOf(term), comments);
        this.write('}');
        break;
      case 'objectcomp':
        comments = this.writeObjectComprehension(term.key, term.value, term.body, this.anchorOf(term), comments);
        break;
      case 'string':
        this.write(this.stringText(term));
        break;
      case 'template':
        comments = this.writeTemplate(term, comments);
        break;
      case 'var':
        this.write(term.wildcard ? '_' : term.name);
        break;
      case 'call':
        comments = this.writeCall(parens, term, comments);
        break;
      case 'number':
        this.write(term.raw);
        break;
      case 'boolean':
        this.write(term.value ? 'true' : 'false');
        break;
      case 'null':
        this.write('null');
        break;
    }
    if (!this.inline) this.startLine();
    return comments;
  }

  /** A string as it was spelled (raw strings stay raw, escapes stay as written). */
  private stringText(term: Term & { type: 'string' }): string {
    const i = this.spans.tokenAt(term.loc);
    const token = i === undefined ? undefined : this.spans.tokens[i];
    if (!token || (token.kind !== 'string' && token.kind !== 'rawstring') || this.spans.parenthesized(term)) return quoteString(term.value);
    return this.spans.source.slice(token.start, token.end);
  }

  protected writeRef(ref: RefTerm, comments: FmtComment[]): FmtComment[] {
    const head = ref.head;
    const parens = head.type === 'call' && this.spans.termText(head).startsWith('(');
    comments = this.writeTermParens(parens, head, comments);
    for (const seg of ref.path) {
      if (seg.type === 'string') {
        this.writeRefString(seg);
      } else if (seg.type === 'var') {
        this.write(`[${seg.wildcard ? '_' : seg.name}]`);
      } else {
        this.write('[');
        try {
          comments = this.writeTerm(seg, comments);
        } catch (e) {
          if (!(e instanceof UnexpectedComment && e.handled)) throw e;
          // Keep the closing bracket off the unformatted text's comment.
          this.write('\n');
          comments = e.rest ?? [];
        }
        this.write(']');
      }
    }
    return comments;
  }

  protected writeRefString(seg: Term & { type: 'string' }): void {
    const s = seg.value;
    this.write(this.bracketRefString(s, seg) ? `[${quoteString(s)}]` : `.${s}`);
  }

  private bracketRefString(s: string, seg: Term): boolean {
    if (!isVarCompatible(s)) return true;
    if (!this.opts.keywords.has(s)) return false;
    // A keyword written in brackets stays there; written after a dot, it may stay.
    const i = this.spans.tokenAt(seg.loc);
    return i !== undefined && this.spans.tokens[i]!.kind === 'string';
  }

  private writeCall(parens: boolean, call: CallTerm, comments: FmtComment[]): FmtComment[] {
    const infix = infixOf(call);
    if (!infix) return this.writeFunctionCallPlain(call, comments);
    if (infix.op === 'in') {
      if (!(parens && isMember2(call))) return this.writeInOperator(true, call.args, comments);
      this.write('(');
      comments = this.writeInOperator(true, call.args, comments);
      this.write(')');
      return comments;
    }
    if (call.args.length !== infix.arity) throw new FormatError(`${callName(call)}: arity mismatch`);
    if (parens) this.write('(');
    comments = this.writeTermParens(true, call.args[0]!, comments);
    this.write(` ${infix.op} `);
    comments = this.writeTermParens(true, call.args[1]!, comments);
    if (parens) this.write(')');
    return comments;
  }

  private writeCollection(open: string, close: string, items: Element[], term: Term, comments: FmtComment[], fn: ItemWriter): FmtComment[] {
    const anchor = this.anchorOf(term);
    this.write(open);
    comments = this.writeIterable(items, anchor, closingRow(anchor.text, anchor.row, open, close), comments, fn);
    this.write(close);
    return comments;
  }

  private writeSet(items: Term[], term: Term, comments: FmtComment[]): FmtComment[] {
    if (items.length > 0) return this.writeCollection('{', '}', items, term, comments, (e, c) => this.writeListItem(e as Term, c, true));
    this.write('set()');
    const anchor = this.anchorOf(term);
    return this.insertComments(comments, closingRow(anchor.text, anchor.row, '(', ')'));
  }

  private writeObjectItem([key, value]: [Term, Term], comments: FmtComment[]): FmtComment[] {
    const keyParens = isUnionCall(key);
    if (keyParens) this.write('(');
    comments = this.writeTerm(key, comments);
    if (keyParens) this.write(')');
    this.write(': ');
    const valueParens = isUnionCall(value);
    if (valueParens) this.write('(');
    comments = this.writeTerm(value, comments);
    if (valueParens) this.write(')');
    return comments;
  }

  protected writeListItem(t: Term, comments: FmtComment[], parenUnions: boolean): FmtComment[] {
    const parens = isUnionCall(t) && (parenUnions || this.spans.termText(t).startsWith('('));
    if (parens) this.write('(');
    comments = this.writeTerm(t, comments);
    if (parens) this.write(')');
    return comments;
  }

  /**
   * `{k: v | body}`: key and value follow the brace; the body goes on lines of
   * its own when it started below the brace (OPA 1.x lays out the value as if
   * it stood at the brace).
   */
  private writeObjectComprehension(key: Term, value: Term, body: Body, anchor: Anchor, comments: FmtComment[]): FmtComment[] {
    this.write('{');
    const parens = isUnionCall(key);
    if (parens) this.write('(');
    comments = this.writeTerm(key, comments);
    if (parens) this.write(')');
    this.write(': ');
    comments = this.writeComprehension('{', '}', value, body, anchor, comments, anchor.row);
    this.write('}');
    return comments;
  }

  private writeComprehension(open: string, close: string, term: Term, body: Body, anchor: Anchor, comments: FmtComment[], termRow = term.loc.row): FmtComment[] {
    if (termRow - anchor.row >= 1) {
      this.endLine();
      this.startLine();
    }
    // A comprehension's head (an object comprehension's value too) is one term to OPA's parser, so an operator
    // call there (`mul(x, 2)`, `(x * 2)`), printed infix, needs parentheses to parse again. OPA's formatter keeps
    // them only when the source had them, and then fails its own result check (OPA issue 4215).
    const parens = term.type === 'call' && (infixOf(term) !== undefined || this.spans.termText(term).startsWith('('));
    comments = this.writeTermParens(parens, term, comments);
    this.write(' |');
    return this.writeComprehensionBody(open, close, body, { row: termRow, text: '' }, anchor, comments);
  }

  protected writeComprehensionBody(open: string, close: string, body: Body, term: Anchor, compr: Anchor, comments: FmtComment[]): FmtComment[] {
    const lines = groupRows(
      body.map((e) => e.loc.row),
      term.row,
    );
    if (body[0]!.loc.row - term.row > 0 || lines > 1) {
      this.endLine();
      this.up();
      comments = this.writeBody(body, comments);
      comments = this.insertComments(comments, closingRow(compr.text, compr.row, open, close));
      this.down();
      this.startLine();
      return comments;
    }
    this.write(' ');
    body.forEach((expr, i) => {
      comments = this.writeExpr(expr, comments);
      if (i < body.length - 1) this.write('; ');
    });
    return this.insertComments(comments, closingRow(compr.text, compr.row, open, close));
  }

  /**
   * Items on one line, or one source row per line with a trailing comma when
   * they were written over several rows (or the first began on a new line).
   */
  protected writeIterable(elements: Element[], last: Anchor, closeRow: number, comments: FmtComment[], fn: ItemWriter, flat = false): FmtComment[] {
    // `flat`: the items all stand where the node does (a chained rule's copied head).
    const rowOf = (e: Element): number => (flat ? last.row : (Array.isArray(e) ? e[0] : e).loc.row);
    const lines: Element[][] = [];
    let current: Element[] = [];
    let prevRow = last.row;
    elements.forEach((e, i) => {
      const row = rowOf(e);
      if (row - prevRow > 0 && i > 0) {
        lines.push(current);
        current = [];
      }
      prevRow = row;
      current.push(e);
    });
    lines.push(current);

    let newlineFirst = false;
    if (lines.length === 1 && !flat) {
      for (const c of comments) {
        if (c.row > last.row && c.row < closeRow) throw new UnexpectedComment(c.row);
      }
      if (elements.length > 0) {
        const first = elements[0]!;
        const firstText = this.spans.termText(Array.isArray(first) ? first[0] : first);
        const cut = firstText ? last.text.indexOf(firstText) : -1;
        if (cut > 0) newlineFirst = last.text.slice(0, cut).indexOf('\n') > 0;
      }
    }
    const multiline = lines.length > 1 || newlineFirst;
    if (multiline) {
      this.delay = true;
      this.startMultilineSeq();
    }
    lines.forEach((line, i) => {
      line.forEach((e, j) => {
        comments = fn(e, comments);
        if (j < line.length - 1) this.write(', ');
      });
      if (i < lines.length - 1) {
        this.write(',');
        this.endLine();
        this.startLine();
      }
    });
    if (multiline) {
      this.write(',');
      this.endLine();
      comments = this.insertComments(comments, closeRow);
      this.down();
      this.startLine();
    }
    return comments;
  }

  private writeTemplate(t: TemplateStringTerm, comments: FmtComment[]): FmtComment[] {
    // `{x with ...}` parts were rewritten by the parser: keep the template as written.
    if (t.parts.some((p) => typeof p !== 'string' && p.type === 'ref' && p.head.type === 'arraycomp')) {
      this.write(this.spans.termText(t) || '""');
      return comments;
    }
    this.write('$"');
    for (const part of t.parts) {
      if (typeof part === 'string') {
        this.write(quoteString(part).slice(1, -1).replace(/\{/g, '\\{'));
        continue;
      }
      this.write('{');
      comments = part.type === 'call' ? this.writeFunctionCall(part, comments) : this.writeTerm(part, comments);
      this.write('}');
    }
    this.write('"');
    return comments;
  }
}

type ItemWriter = (e: Element, comments: FmtComment[]) => FmtComment[];

/** How many lines items fall on when a new line starts at each later row. */
function groupRows(rows: number[], startRow: number): number {
  let lines = 1;
  let prev = startRow;
  rows.forEach((row, i) => {
    if (row - prev > 0 && i > 0) lines++;
    prev = row;
  });
  return lines;
}

/** The body of a parsed `not { ... }`: a set comprehension of `true`, looked up at `true`, all at one position. */
function notBodyOf(t: Term): Body | undefined {
  if (t.type !== 'ref' || t.head.type !== 'setcomp' || t.path.length !== 1) return undefined;
  const comp = t.head;
  const key = t.path[0]!;
  const synthetic = comp.term.type === 'boolean' && comp.term.loc === comp.loc && key.type === 'boolean' && key.loc === comp.loc;
  return synthetic ? comp.body : undefined;
}

function isMember2(t: Term): t is CallTerm {
  return t.type === 'call' && callName(t) === 'internal.member_2';
}

