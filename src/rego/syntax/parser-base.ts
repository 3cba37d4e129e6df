/**
 * The parser's foundation: the token cursor, OPA's error messages
 * (`unexpected } token`, ...), the nesting bound and backtracking. The layers
 * above it, one file each: terms (`parse-terms.ts`), bodies and expressions
 * (`parse-body.ts`), modules and rules (`parse-rules.ts`); `parser.ts` is the
 * public API. Shaped after OPA's `ast/parser.go`, so that the same programs
 * parse, to the same trees, with the same messages.
 *
 * Parse errors are thrown internally as `ParseFailure` so that speculative
 * parses (comprehension vs. set, `if` literal vs. `if { body }`, `some x in xs`
 * vs. `some x, y`) can back off and retry, as OPA does with save/restore.
 */
import { RegoError, RegoErrors, type Location } from '../errors.js';
import type { CallTerm, RefTerm, Rule, StringTerm, Term } from './ast.js';
import type { Token } from './lexer.js';
import type { RuleSyntax } from './v1rules.js';

/** Keywords in every Rego version. */
const BASE_KEYWORDS = new Set(['package', 'import', 'as', 'default', 'else', 'not', 'some', 'with', 'null', 'true', 'false']);
/** Keywords of Rego v1, which v0 modules enable with `import future.keywords...` or `import rego.v1`. */
export const FUTURE_KEYWORDS = ['contains', 'every', 'if', 'in'] as const;

/** What OPA 1.x's tokens print as (`tokens.go`): operators by name, other punctuation as written. */
const OPERATOR_TOKEN_NAMES: Readonly<Record<string, string>> = {
  '+': 'plus', '-': 'minus', '*': 'mul', '/': 'div', '%': 'rem', '&': 'and', '|': 'or',
  '=': 'eq', '==': 'equal', ':=': 'assign', '!=': 'neq', '>': 'gt', '<': 'lt', '>=': 'gte', '<=': 'lte',
};

export class ParseFailure {
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
export interface SharedState {
  /** Counter for wildcard names, so they stay unique. */
  wildcards: number;
  /** Current nesting (see `MAX_PARSE_DEPTH`). */
  depth: number;
}


export abstract class ParserBase {
  protected pos = 0;
  protected readonly keywords: Set<string>;
  /** `not { a; b }` is allowed (`import rego.v2`). */
  protected notBodies = false;
  /** Rules that used `if`/`contains`, and whether a body followed `{` without `if`: for the v1 checks. */
  readonly ruleSyntax = new Map<Rule, RuleSyntax>();

  constructor(
    readonly file: string,
    protected readonly tokens: Token[],
    readonly v0: boolean,
    protected readonly shared: SharedState = { wildcards: 0, depth: 0 },
  ) {
    this.keywords = new Set(BASE_KEYWORDS);
    if (!v0) for (const k of FUTURE_KEYWORDS) this.keywords.add(k);
  }

  // -------------------------------------------------------------------------
  // Token helpers

  protected get tok(): Token {
    return this.tokens[this.pos]!;
  }
  protected next(): void {
    if (this.pos < this.tokens.length - 1) this.pos++;
  }
  protected loc(t: Token = this.tok): Location {
    return { file: this.file, row: t.row, col: t.col };
  }
  /** Just after the previous token (a one-character token: `.`, `(`): where OPA sees whitespace that follows it. */
  protected afterPrevious(): Location {
    const prev = this.tokens[this.pos - 1] ?? this.tok;
    return { file: this.file, row: prev.row, col: prev.col + 1 };
  }
  /**
   * A keyword written as the head of a reference (`if.x`, `else[k]`): OPA 1.x
   * (capability `keywords_in_refs`) reads it as a name where a statement
   * starts (a rule head or an expression), when `.` or `[` follows at once.
   */
  protected keywordLedRef(): boolean {
    const t = this.tok;
    if (t.kind !== 'ident' || !this.keywords.has(t.text) || t.text === 'null' || t.text === 'true' || t.text === 'false') return false;
    const next = this.tokens[this.pos + 1];
    return next !== undefined && next.kind === 'punct' && (next.text === '.' || next.text === '[') && !next.spaceBefore;
  }
  /** The position where `keywordLedRef` let a keyword start a term. */
  protected refKeywordAt = -1;

  protected isPunct(text: string, t: Token = this.tok): boolean {
    return t.kind === 'punct' && t.text === text;
  }
  /** Punctuation directly attached to the previous token (refs and calls: `a.b`, `a[b]`, `f(x)`). */
  protected isAttached(text: string): boolean {
    return this.isPunct(text) && !this.tok.spaceBefore;
  }
  isKeyword(t: Token, word?: string): boolean {
    return t.kind === 'ident' && this.keywords.has(t.text) && (word === undefined || t.text === word);
  }
  protected isKw(word: string): boolean {
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
        name = this.isKeyword(t) || (FUTURE_KEYWORDS as readonly string[]).includes(t.text) ? t.text : 'identifier';
        if (name !== 'identifier') kind = 'keyword';
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
        name = OPERATOR_TOKEN_NAMES[t.text] ?? t.text;
    }
    this.fail(note ? `unexpected ${name} ${kind}: ${note}` : `unexpected ${name} ${kind}`);
  }

  protected expectPunct(text: string, note?: string): void {
    if (!this.isPunct(text)) this.illegal(note ?? `expected ${text}`);
    this.next();
  }

  /** One level deeper; fails with OPA's message past `MAX_PARSE_DEPTH`. Pair with `leave`. */
  protected enter(): void {
    if (this.shared.depth >= MAX_PARSE_DEPTH) this.fail('max parsing recursion depth reached');
    this.shared.depth++;
  }
  protected leave(levels = 1): void {
    this.shared.depth -= levels;
  }
  /** Runs `fn` one level deeper (the level is released however `fn` ends). */
  protected nested<T>(fn: () => T): T {
    this.enter();
    try {
      return fn();
    } finally {
      this.leave();
    }
  }

  /**
   * Attempts running (`attempt`): while none is, the parser never goes back,
   * so nothing it parses needs to be remembered for a second pass (`parseTerm`'s memo).
   */
  protected speculating = 0;

  /** Runs `fn`; when it fails or yields undefined, restores the position (returning the failure, if any). */
  protected attempt<T>(fn: () => T): { value?: T; failure?: ParseFailure } {
    const saved = this.pos;
    const savedWildcards = this.shared.wildcards;
    this.speculating++;
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
    } finally {
      this.speculating--;
    }
  }

  atEof(): boolean {
    return this.tok.kind === 'eof';
  }
}

export function makeCall(name: string, args: Term[], loc: Location): CallTerm {
  // Operators (`equal`, `plus`…) are plain names: no split for them, the commonest calls made.
  const dot = name.indexOf('.');
  const first = dot < 0 ? name : name.slice(0, dot);
  const path: StringTerm[] = dot < 0 ? [] : name.slice(dot + 1).split('.').map((s): StringTerm => ({ type: 'string', value: s, loc }));
  const fn: RefTerm = { type: 'ref', head: { type: 'var', name: first, loc }, path, loc };
  return { type: 'call', fn, args, loc };
}

/** The dotted name of a call's function (`internal.member_2`, `data.lib.f`). */
export function callName(call: CallTerm): string {
  const head = call.fn.head.type === 'var' ? call.fn.head.name : '?';
  return [head, ...call.fn.path.map((s) => (s.type === 'string' ? s.value : '?'))].join('.');
}

export function furthest(a: ParseFailure, b: ParseFailure): ParseFailure {
  const la = a.error.location!;
  const lb = b.error.location!;
  return lb.row > la.row || (lb.row === la.row && lb.col > la.col) ? b : a;
}

export function toErrors(e: unknown): never {
  if (e instanceof ParseFailure) throw new RegoErrors([e.error]);
  throw e;
}

// ---------------------------------------------------------------------------
