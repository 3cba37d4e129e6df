/**
 * Small facts the formatter's layout rests on: which built-ins print as
 * operators, which names print after a dot, and where a closing bracket sits
 * in a node's source text.
 */
import type { CallTerm, Term } from '../syntax/ast.js';
import { callName } from '../syntax/parser.js';
import { goQuote } from '../builtins/go-quote.js';
import { builtinCapability } from '../capabilities.js';

/** The operator a built-in is written as, and its declared arity (OPA's `infix`, from the capabilities file). */
export function infixOf(call: CallTerm): { op: string; arity: number } | undefined {
  const cap = builtinCapability(callName(call));
  return cap?.infix !== undefined ? { op: cap.infix, arity: cap.arity } : undefined;
}

export function isMemberCall(call: CallTerm): boolean {
  const name = callName(call);
  return name === 'internal.member_2' || name === 'internal.member_3';
}

/** A call of `|` (set union): inside collections and comprehension heads it needs parentheses. */
export function isUnionCall(t: Term): boolean {
  return t.type === 'call' && callName(t) === 'or';
}

/** Keywords in every Rego version, and those v1 adds. */
const KEYWORDS_V0 = ['not', 'package', 'import', 'as', 'default', 'else', 'with', 'null', 'true', 'false', 'some'];
const KEYWORDS_V1 = [...KEYWORDS_V0, 'if', 'contains', 'in', 'every'];

export function keywordsFor(regoV1: boolean, futureKeywords: readonly string[]): Set<string> {
  return new Set(regoV1 ? KEYWORDS_V1 : [...KEYWORDS_V0, ...futureKeywords]);
}

/** Whether a string can be written as a dotted ref segment (ASCII letters, digits, underscore). */
export function isVarCompatible(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s);
}

/** OPA's text of a string value (Go's strconv.Quote). */
export function quoteString(s: string): string {
  return goQuote(s);
}

/**
 * The row of the bracket closing the first `open` in `text` (a node's source
 * starting at `row`), after first skipping a `skipOpen`…`skipClose` group; -1
 * when there is none. Brackets inside strings count too: this is the layout
 * rule OPA's formatter applies, quirks included.
 */
export function closingRow(text: string, row: number, open: string, close: string, skip?: [string, string]): number {
  let i = 0;
  let offset = 0;
  if (skip) {
    while (i < text.length && text[i] !== skip[0]) i++;
    let depth = 1;
    while (depth > 0) {
      i++;
      if (i >= text.length) break;
      const c = text[i];
      if (c === skip[0]) depth++;
      else if (c === skip[1]) depth--;
      else if (c === '\n') offset++;
    }
  }
  while (i < text.length && text[i] !== open) i++;
  if (i >= text.length) return -1;
  let depth = 1;
  while (depth > 0) {
    i++;
    if (i >= text.length) return -1;
    const c = text[i];
    if (c === open) depth++;
    else if (c === close) depth--;
    else if (c === '\n') offset++;
  }
  return row + offset;
}
