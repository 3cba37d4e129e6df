/**
 * Terms, by precedence: `in` < relations < `|` < `&` < `+ -` < `* / %` < a
 * term with its refs and calls; collections, comprehensions, template strings
 * and number literals. Bodies (inside comprehensions) and `with` (inside
 * template strings) come from the layer above (`parse-body.ts`).
 */
import type { Location } from '../errors.js';
import type { Body, Expr, RefTerm, StringTerm, Term, VarTerm, With } from './ast.js';
import { tokenize, type Token } from './lexer.js';
import { furthest, makeCall, ParseFailure, ParserBase } from './parser-base.js';
import { numberFromText } from '../value.js';

/** Operator token → built-in name, as OPA (see `CallTerm` in ast.ts). */
const RELATION_OPS: Record<string, string> = { '==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };
const OR_OPS: Record<string, string> = { '|': 'or' };
const AND_OPS: Record<string, string> = { '&': 'and' };
const ARITH_OPS: Record<string, string> = { '+': 'plus', '-': 'minus' };
const FACTOR_OPS: Record<string, string> = { '*': 'mul', '/': 'div', '%': 'rem' };
/** Binary operators from loosest to tightest: relations < | < & < + - < * / %. */
const BINARY_LEVELS = [RELATION_OPS, OR_OPS, AND_OPS, ARITH_OPS, FACTOR_OPS];

/** Operator token → its precedence level (index into `BINARY_LEVELS`). */
const LEVEL_OF = new Map<string, number>(BINARY_LEVELS.flatMap((ops, level) => Object.keys(ops).map((op): [string, number] => [op, level])));

/** The precedence level of a binary operator token, or -1. */
function binaryLevel(text: string): number {
  return LEVEL_OF.get(text) ?? -1;
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
export const dotSegments = new WeakSet<Term>();

export abstract class TermParser extends ParserBase {
  /** OPA's `parseQuery`: literals separated by `;` or newlines, up to `end` (not consumed). */
  abstract parseBody(end: string | 'eof'): Body;
  abstract parseWith(): With[];
  /** A parser of the same kind over other tokens, sharing this one's state (template strings). */
  protected abstract subParser(tokens: Token[]): TermParser;

  // -------------------------------------------------------------------------
  // Terms, by precedence: in < relations < | < & < + - < * / % < term

  /** `inList`: inside `[...]`, `{...}`, call args and `some`/rule keys, a comma separates items rather than starting `k, v in xs`. */
  parseTermInfixCall(inList: boolean): Term {
    return this.parseTermIn(undefined, !inList);
  }

  protected parseTermIn(lhsIn: Term | undefined, keyVal: boolean): Term {
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
    // `in.x` / `in[...]` next is a reference starting a new statement (OPA's scanAheadRef), not membership.
    if (this.isKw('in') && !this.keywordLedRef()) {
      this.next();
      const rhs = this.parseTermRelation();
      const call = makeCall('internal.member_2', [lhs, rhs], lhs.loc);
      return this.isKw('in') ? this.nested(() => this.parseTermIn(call, keyVal)) : call;
    }
    return lhs;
  }

  protected parseTermRelation(): Term {
    return this.parseBinary(0);
  }

  /**
   * Left-associative binary operators, by precedence climbing: `level` is the
   * loosest precedence (index into `BINARY_LEVELS`) this call may consume. One
   * function for all levels keeps the stack shallow per nesting level, which
   * is what bounds how deep a term can nest (see `MAX_PARSE_DEPTH`).
   */
  protected parseBinary(level: number): Term {
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
  protected readonly termMemo = new Map<number, TermMemo>();

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
    // Only a term parsed during an attempt can be asked for again (after the attempt backs off).
    const remember = this.speculating > 0;
    this.enter();
    try {
      const term = this.parseTermUnmemoized();
      if (remember) this.termMemo.set(start, { wildcardsBefore, depthBefore, term, end: this.pos, wildcardsAfter: this.shared.wildcards });
      return term;
    } catch (e) {
      if (remember && e instanceof ParseFailure) this.termMemo.set(start, { wildcardsBefore, depthBefore, end: this.pos, wildcardsAfter: this.shared.wildcards, failure: e });
      throw e;
    } finally {
      this.leave();
    }
  }

  protected parseTermUnmemoized(): Term {
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
        } else if (this.isKeyword(t) && t.text !== 'contains' && this.pos !== this.refKeywordAt) {
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
          // OPA's parseNumber: `-` starts a negative number literal (`-1`, `- 1`,
          // `-.5`) and nothing else: `-x` and `-(1)` are parse errors.
          this.next();
          if (this.tok.kind !== 'number') this.illegal('expected number');
          term = this.parseNumber(true, loc);
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
  protected parseVarToken(): VarTerm {
    const t = this.tok;
    const loc = this.loc();
    this.next();
    if (t.text === '_') return { type: 'var', name: `$w${this.shared.wildcards++}`, wildcard: true, loc };
    return { type: 'var', name: t.text, loc };
  }

  protected parseNumber(negative: boolean, loc: Location): Term {
    const raw = this.tok.text;
    // Go's big.Float parses `00` as 0: OPA rejects multiple leading zeros.
    if (raw.length > 1 && raw[0] === '0' && raw[1] === '0') this.illegal('expected number');
    const text = negative ? `-${raw}` : raw;
    const value = numberValue(text);
    if (value === undefined) this.fail('number too big');
    this.next();
    return { type: 'number', raw: text, value: numberFromText(text, value), loc };
  }

  /**
   * After a term: refs (`.a`, `[x]`) and calls (`(args)`) that directly follow it. In a rule head
   * (`headSpacing`), OPA's parseHeadFinish skips white space before the first of them: v0's
   * `deny [msg] { … }` and `f (x) = y { … }` are the rules `deny[msg]` and `f(x)`.
   */
  protected parseTermFinish(head: Term, headSpacing = false): Term {
    let cur = head;
    let path: Term[] = [];
    const refOf = (): Term => (path.length === 0 ? cur : flattenRef(cur, path));
    for (let first = headSpacing; ; first = false) {
      const follows = (text: string): boolean => (first ? this.isPunct(text) : this.isAttached(text));
      if (follows('.')) {
        this.checkRefHead(cur);
        this.next();
        // OPA's scanWS sees the space itself, just after the dot.
        if (this.tok.spaceBefore) this.fail('unexpected whitespace token: expected identifier', this.afterPrevious());
        if (this.tok.kind !== 'ident') this.illegal('expected identifier');
        const seg: StringTerm = { type: 'string', value: this.tok.text, loc: this.loc() };
        dotSegments.add(seg);
        path.push(seg);
        this.next();
      } else if (follows('[')) {
        this.checkRefHead(cur);
        this.next();
        const key = this.parseTermInfixCall(false);
        if (!this.isPunct(']')) this.illegal('expected ['); // sic: OPA's parseRef names `tokens.LBrack`
        this.next();
        path.push(key);
      } else if (follows('(')) {
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

  protected checkRefHead(head: Term): void {
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

  protected parseCall(fnTerm: Term): Term {
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
  protected parseTermList(end: string, first: Term[] = []): Term[] {
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
      if (!this.isPunct(',')) this.illegal(`expected "," or "${end}"`);
      this.next();
      if (this.isPunct(end)) {
        this.next();
        return items;
      }
    }
  }

  protected parseArray(): Term {
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

  protected parseSetOrObject(): Term {
    const loc = this.loc();
    this.next();
    if (this.isPunct('}')) {
      this.next();
      return { type: 'object', items: [], loc };
    }
    // Where the colon after a one-term key stands: that key was already tried as a comprehension's.
    let triedColon = -1;
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
        triedColon = this.pos;
        return this.parseObjectComprehensionTail(head, loc);
      },
      () => this.parseSetOrObjectItems(loc, triedColon),
    );
  }

  /** After an object comprehension's key, at `:`: `v | body}`, or undefined when no `|` follows one term. */
  protected parseObjectComprehensionTail(key: Term, loc: Location): Term | undefined {
    this.next();
    const value = this.parseTerm();
    if (!this.isPunct('|')) return undefined;
    this.next();
    const body = this.parseBody('}');
    this.next();
    return { type: 'objectcomp', key, value, body, loc };
  }

  protected parseSetOrObjectItems(loc: Location, triedColon = -1): Term {
    const first = this.parseTermInfixCall(true);
    if (this.isPunct(':')) {
      // OPA's parseObject: a key with operators can still start a comprehension (`{x + 1: y | ...}`).
      // (Tried once per key only: nested objects would otherwise take exponential time.)
      if (this.pos !== triedColon) {
        const comprehension = this.attempt(() => this.parseObjectComprehensionTail(first, loc));
        if (comprehension.value) return comprehension.value;
      }
      this.next();
      const items: [Term, Term][] = [[first, this.parseTermInfixCall(true)]];
      // OPA's parseObject, then parseTermPairList: their own messages.
      if (!this.isPunct('}') && !this.isPunct(',')) this.illegal('non-terminated object');
      for (;;) {
        if (this.isPunct('}')) break;
        if (!this.isPunct(',')) this.illegal('expected "," or "}"');
        this.next();
        if (this.isPunct('}')) break;
        const k = this.parseTermInfixCall(true);
        this.expectPunct(':', 'expected ":"');
        items.push([k, this.parseTermInfixCall(true)]);
      }
      this.next();
      return { type: 'object', items, loc };
    }
    if (this.isPunct('}')) {
      this.next();
      return { type: 'set', items: [first], loc };
    }
    if (!this.isPunct(',')) this.illegal('non-terminated set');
    return { type: 'set', items: this.parseTermList('}', [first]), loc };
  }

  /**
   * OPA prefers comprehensions in the ambiguous `{a | b}`: parse one plain term
   * and, if `|` follows, a comprehension body; otherwise (or if that fails) start
   * again and parse the items as full terms. When both fail, the error that got
   * furthest into the source is reported (the more helpful one).
   */
  protected parseCollection(comprehension: () => Term | undefined, items: () => Term): Term {
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
  protected termWith(term: Term, withs: With[]): Term {
    const loc = term.loc;
    const v = (): VarTerm => ({ type: 'var', name: `$t${this.shared.wildcards++}`, loc });
    const out = v();
    const eq: Term = { type: 'call', fn: { type: 'ref', head: { type: 'var', name: 'eq', loc }, path: [], loc }, args: [{ ...out }, term], loc };
    const body: Expr[] = [{ type: 'expr', term: eq, negated: false, with: withs, loc }];
    return { type: 'ref', head: { type: 'arraycomp', term: { ...out }, body, loc }, path: [{ type: 'number', raw: '0', value: 0, loc }], loc };
  }

  protected parseTemplate(t: Token, loc: Location): Term {
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
      const sub = this.subParser(tokens);
      sub.keywords.clear();
      for (const k of this.keywords) sub.keywords.add(k);
      const term = sub.parseTermInfixCall(false);
      const withs = sub.isKw('with') ? sub.parseWith() : [];
      if (sub.tok.kind !== 'eof') sub.illegal();
      parts.push(withs.length === 0 ? term : this.termWith(term, withs));
    }
    return { type: 'template', parts, loc };
  }
}

function flattenRef(head: Term, path: Term[]): RefTerm {
  if (head.type === 'ref') return { type: 'ref', head: head.head, path: [...head.path, ...path], loc: head.loc };
  return { type: 'ref', head, path, loc: head.loc };
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
