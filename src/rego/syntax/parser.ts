/**
 * The Rego parser's public API: modules (v1 and v0), queries and single terms.
 * The parser itself is layered, one job per file: `parser-base.ts` (tokens,
 * errors, backtracking), `parse-terms.ts` (terms and operators),
 * `parse-body.ts` (bodies and expressions), `parse-rules.ts` (modules, imports,
 * rules). Errors are thrown as `RegoErrors` with OPA's `rego_parse_error`.
 */
import { RegoErrors } from '../errors.js';
import type { Body, Module, Term } from './ast.js';
import { tokenize } from './lexer.js';
import { checkRegoV1Rules } from './v1rules.js';
import { toErrors } from './parser-base.js';
import { ModuleParser } from './parse-rules.js';

export { callName, FUTURE_KEYWORDS, MAX_PARSE_DEPTH } from './parser-base.js';
export { numberValue } from './parse-terms.js';

export interface ParseOptions {
  /** Parse as Rego v0 (OPA's `--v0-compatible`): future keywords only when imported. */
  v0?: boolean;
}


/** Parses a module. Throws `RegoErrors` (rego_parse_error) with every error found. */
export function parseModule(file: string, source: string, opts: ParseOptions = {}): Module {
  const v0 = opts.v0 === true;
  const { tokens, comments } = tokenize(file, source);
  const parser = new ModuleParser(file, tokens, v0);
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
  const parser = new ModuleParser(file, tokens, false);
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
  const parser = new ModuleParser(file, tokens, false);
  try {
    const term = parser.parseTermInfixCall(false);
    if (!parser.atEof()) parser.illegal();
    return term;
  } catch (e) {
    toErrors(e);
  }
}

