/**
 * `opa fmt` for our engine: formats a Rego module byte for byte as OPA 1.x
 * does, hand-written because no library formats Rego. The layout rules are
 * OPA's (v1/format/format.go); the code is ours, over our syntax tree plus the
 * source spans recovered in `spans.ts`.
 *
 * Versions, as `opa fmt` has them:
 * - `v1` (default): v1 modules formatted as v1;
 * - `v0` (`--v0-compatible`): v0 modules formatted as v0;
 * - `v0v1` (`--rego-v1`): v0 modules rewritten to be valid v0 and v1
 *   (`import rego.v1` added, `future.keywords` imports dropped, `if`,
 *   `contains` and `:=` written).
 */
import { RegoErrors } from '../errors.js';
import type { Expr, Import, Module, Rule } from '../syntax/ast.js';
import { parseModule } from '../syntax/parser.js';
import { walkBody } from '../syntax/walk.js';
import { keywordsFor, isMemberCall } from './layout.js';
import { ModuleFormatter, type ImportItem } from './rules.js';
import { SourceSpans } from './spans.js';
import { meaningOf } from './same-meaning.js';
import type { FmtOptions } from './terms.js';
import type { FmtComment } from './writer.js';
import { regoV1Errors } from '../compile/checks/strict.js';

export type FormatVersion = 'v1' | 'v0' | 'v0v1';

export interface FormatOptions {
  version?: FormatVersion;
  /** Drop `rego.v1` and `future.keywords` imports where the target version makes them redundant. */
  dropV0Imports?: boolean;
}

export { FormatError } from './terms.js';

/** Parses and formats one module; throws `RegoErrors` when it does not parse (or breaks v1 rules for v1 output). */
export function formatSource(file: string, source: string, opts: FormatOptions = {}): string {
  const version = opts.version ?? 'v1';
  const module = parseModule(file, source, { v0: version !== 'v1' });
  if (version !== 'v0') {
    const errors = regoV1Errors(module);
    if (errors.length > 0) throw new RegoErrors(errors);
  }
  return formatModule(module, source, version, opts.dropV0Imports === true);
}

function formatModule(module: Module, source: string, version: FormatVersion, dropV0Imports: boolean): string {
  const spans = new SourceSpans(source, module);
  const regoV1 = version !== 'v0';
  const opts: FmtOptions = { regoV1, ifs: regoV1, contains: regoV1, refHeads: false, keywords: new Set() };
  const futureKeywords: string[] = [];
  for (const imp of module.imports) {
    const names = importNames(imp);
    if (names[0] === 'rego' && names[1] === 'v1' && names.length === 2) {
      opts.ifs = opts.contains = true;
    } else if (names[0] === 'future' && names[1] === 'keywords') {
      if (names.length === 2) opts.ifs = opts.contains = true;
      else {
        futureKeywords.push(names[2]!);
        if (names[2] === 'contains') opts.contains = true;
        if (names[2] === 'if') opts.ifs = true;
      }
    }
  }
  const visitRule = (rule: Rule): void => {
    const n = rule.head.ref.length;
    if (n > 2 || (n === 2 && rule.head.kind === 'multi')) opts.refHeads = true;
    if (rule.else) visitRule(rule.else);
  };
  module.rules.forEach(visitRule);
  opts.keywords = keywordsFor(regoV1, futureKeywords);

  const imports = arrangeImports(module, version, dropV0Imports, keywordsUsed(module));
  const comments: FmtComment[] = spans.comments
    .map((c) => ({ text: c.text.trimEnd(), raw: `#${c.text}`, row: c.loc.row, col: c.loc.col }))
    .sort((a, b) => a.row - b.row || a.col - b.col);
  return new ModuleFormatter(spans, opts, module).format(imports, comments);
}

function importNames(imp: Import): string[] {
  const head = imp.path.head.type === 'var' ? imp.path.head.name : '';
  return [head, ...imp.path.path.map((s) => (s.type === 'string' ? s.value : ''))];
}

const isRegoV1 = (i: ImportItem): boolean => i.names.length === 2 && i.names[0] === 'rego' && i.names[1] === 'v1';
const isFuture = (i: ImportItem): boolean => i.names[0] === 'future';

/** The imports to write: `rego.v1` added for v0v1 output, `future.keywords` imports dropped or added as OPA does. */
function arrangeImports(module: Module, version: FormatVersion, drop: boolean, used: Set<string>): ImportItem[] {
  let items: ImportItem[] = module.imports.map((imp) => {
    const item: ImportItem = { names: importNames(imp), row: imp.loc.row, col: imp.loc.col, parsed: imp };
    if (imp.alias !== undefined) item.alias = imp.alias;
    return item;
  });
  const add = (names: string[]): void => {
    const rows = items.filter((i) => isFuture(i) || isRegoV1(i)).map((i) => i.row);
    items.push({ names, row: rows.length > 0 ? Math.max(...rows) + 1 : 1, col: 1 });
  };
  if (version === 'v1' && drop) items = items.filter((i) => !isRegoV1(i));
  else if (version === 'v0v1' && !items.some(isRegoV1)) add(['rego', 'v1']);
  const regoV1Imported = items.some(isRegoV1);
  if (version !== 'v0' || regoV1Imported) {
    if (drop || regoV1Imported) items = items.filter((i) => !isFuture(i));
    return items;
  }
  for (const kw of used) {
    const covered = items.some(
      (i) => i.names[0] === 'future' && i.names[1] === 'keywords' && (i.names.length === 2 || i.names[2] === kw || (kw === 'in' && i.names[2] === 'every')),
    );
    if (!covered) add(['future', 'keywords', kw]);
  }
  return items;
}

/** Keywords whose syntax the module uses at expression level (`x in xs`, `every`). */
function keywordsUsed(module: Module): Set<string> {
  const used = new Set<string>();
  const visitExpr = (e: Expr): void => {
    if (e.type === 'every') used.add('every');
    if (e.type === 'expr' && e.term.type === 'call' && isMemberCall(e.term)) used.add('in');
  };
  const visitBody = (body: Expr[]): void => {
    for (const e of body) {
      visitExpr(e);
      if (e.type === 'every') visitBody(e.body);
    }
    walkBody(body, (t) => {
      if (t.type === 'arraycomp' || t.type === 'setcomp' || t.type === 'objectcomp') t.body.forEach(visitExpr);
    });
  };
  const visitRule = (rule: Rule): void => {
    visitBody(rule.body);
    if (rule.else) visitRule(rule.else);
  };
  module.rules.forEach(visitRule);
  return used;
}

/**
 * Formats and checks the result as `opa fmt --check-result` does — it must
 * parse — and, beyond OPA, that it parses to the same syntax tree (locations
 * and spelling aside): formatting never changes what a policy means.
 */
export function formatChecked(file: string, source: string, opts: FormatOptions = {}): string {
  const version = opts.version ?? 'v1';
  const before = parseModule(file, source, { v0: version !== 'v1' });
  const formatted = formatSource(file, source, opts);
  let after: Module;
  try {
    after = parseModule(file, formatted, { v0: version === 'v0' });
  } catch (e) {
    throw new FormatResultError(`${file} was successfully formatted, but the result is invalid: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ignoreVersionImports = version !== 'v0';
  if (meaningOf(before, { ignoreVersionImports }) !== meaningOf(after, { ignoreVersionImports })) {
    throw new FormatResultError(`${file} was formatted, but the result would parse to a different policy: left unchanged (please report this)`);
  }
  return formatted;
}

/** The formatted text failed its check (see `formatChecked`). */
export class FormatResultError extends Error {}
