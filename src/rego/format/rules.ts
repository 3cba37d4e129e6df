/**
 * Writing a module the way `opa fmt` does: the package, imports in groups
 * (sorted within a group, a blank line after each), then rules separated by a
 * blank line — except adjacent one-line rules, which stay together — with
 * comments kept on the rows they annotate.
 */
import type { Import, Module, Rule, Term } from '../syntax/ast.js';
import { isGroundTerm } from '../syntax/walk.js';
import { countNewlines, type SourceSpans } from './spans.js';
import { closingRow, isVarCompatible, quoteString } from './layout.js';
import { TermFormatter, type FmtOptions } from './terms.js';
import { UnexpectedComment, type FmtComment } from './writer.js';

/** An import to write: parsed, or added by the formatter (then it has no tokens). */
export interface ImportItem {
  names: string[];
  alias?: string;
  row: number;
  col: number;
  parsed?: Import;
}

/** OPA's view of a rule head, derived from ours. */
interface HeadView {
  /** The rule's ref (for a partial set, without the key). */
  ref: Term[];
  /** OPA's `Head.Key`: a partial set's element, or the key of a two-part ref. */
  key?: Term;
  /** The value as written; `generated` when the parser made it `true`. */
  value?: Term;
  generated: boolean;
  hasValue: boolean;
  assign: boolean;
  isElse: boolean;
  /** `if` follows the head as written. */
  hasIf: boolean;
}

export class ModuleFormatter extends TermFormatter {
  constructor(
    spans: SourceSpans,
    opts: FmtOptions,
    private readonly module: Module,
  ) {
    super(spans, opts);
  }

  /** The formatted module text (one trailing newline). */
  format(imports: ImportItem[], comments: FmtComment[]): string {
    type Item = { row: number; col: number; imp?: ImportItem; rule?: Rule };
    const items: Item[] = [
      ...imports.map((imp) => ({ row: imp.row, col: imp.col, imp })),
      ...this.module.rules.map((rule) => ({ row: rule.loc.row, col: rule.loc.col, rule })),
    ].sort((a, b) => a.row - b.row || a.col - b.col);
    comments = this.writePackage(comments);
    let i = 0;
    while (i < items.length) {
      const batch: ImportItem[] = [];
      while (i < items.length && items[i]!.imp) batch.push(items[i++]!.imp!);
      comments = this.writeImports(batch, comments);
      const rules: Rule[] = [];
      while (i < items.length && items[i]!.rule) rules.push(items[i++]!.rule!);
      comments = this.writeRules(rules, comments);
    }
    comments.forEach((c, k) => {
      this.writeLine(`#${c.text}`);
      if (k === comments.length - 1) this.write('\n');
    });
    const text = this.text();
    return text.endsWith('\n') ? text.replace(/\n+$/, '') + '\n' : text;
  }

  // -------------------------------------------------------------------------
  // Package and imports

  private writePackage(comments: FmtComment[]): FmtComment[] {
    comments = this.insertComments(comments, this.module.package.loc.row);
    this.startLine();
    this.write(`package ${this.packagePath()}`);
    this.blankLine();
    return comments;
  }

  /** The package path from its tokens (`data.` kept if written), segments dotted where they can be. */
  private packagePath(): string {
    const tokens = this.spans.tokens;
    let i = this.spans.tokenAt(this.module.package.loc);
    if (i === undefined) return this.module.package.path.join('.');
    i++;
    let out = tokens[i]!.text;
    for (;;) {
      const next = tokens[i + 1];
      if (!next || next.spaceBefore || next.kind !== 'punct') break;
      if (next.text === '.') {
        out += this.refString(tokens[i + 2]!.text, false);
        i += 2;
      } else if (next.text === '[' && tokens[i + 2]?.kind === 'string') {
        out += this.refString(tokens[i + 2]!.text, true);
        i += 3;
      } else break;
    }
    return out;
  }

  private refString(s: string, quoted: boolean): string {
    const bracket = !isVarCompatible(s) || (this.opts.keywords.has(s) && quoted);
    return bracket ? `[${quoteString(s)}]` : `.${s}`;
  }

  private writeImports(imports: ImportItem[], comments: FmtComment[]): FmtComment[] {
    if (imports.length === 0) return comments;
    const trailing = new Map<ImportItem, FmtComment>();
    comments = comments.filter((c) => {
      const imp = imports.find((x) => x.row === c.row);
      if (imp) trailing.set(imp, c);
      return !imp;
    });
    const groups: ImportItem[][] = [[imports[0]!]];
    for (const imp of imports.slice(1)) {
      const group = groups[groups.length - 1]!;
      if (imp.row - group[group.length - 1]!.row > 1) groups.push([imp]);
      else group.push(imp);
    }
    for (const group of groups) {
      comments = this.insertComments(comments, group[0]!.row);
      for (const imp of [...group].sort(compareImports)) {
        this.startLine();
        this.write(`import ${this.importPath(imp)}${imp.alias ? ` as ${imp.alias}` : ''}`);
        const c = trailing.get(imp);
        if (c) this.write(` #${c.text}`);
        this.endLine();
      }
      this.blankLine();
    }
    return comments;
  }

  private importPath(imp: ImportItem): string {
    const future = imp.names[0] === 'future';
    let out = imp.names[0]!;
    imp.names.slice(1).forEach((name, k) => {
      const seg = imp.parsed?.path.path[k];
      const quoted = seg !== undefined && this.spans.tokens[this.spans.tokenAt(seg.loc) ?? -1]?.kind === 'string';
      out += future && isVarCompatible(name) ? `.${name}` : this.refString(name, quoted);
    });
    return out;
  }

  // -------------------------------------------------------------------------
  // Rules

  private writeRules(rules: Rule[], comments: FmtComment[]): FmtComment[] {
    rules.forEach((rule, i) => {
      try {
        comments = this.insertComments(comments, rule.loc.row);
      } catch (e) {
        if (!(e instanceof UnexpectedComment)) throw e;
        comments = e.rest ?? [];
      }
      comments = this.resume(() => this.writeRule(rule, false, comments));
      const next = rules[i + 1];
      if (next && this.groupableOneLiner(rule) && this.groupableOneLiner(next) && next.loc.row === rule.loc.row + 1) return;
      this.blankLine();
    });
    return comments;
  }

  /** One-expression rules with `if` (or constants) written on adjacent rows stay together. */
  private groupableOneLiner(rule: Rule): boolean {
    if (rule.body.length > 1 || rule.isDefault) return false;
    return (this.opts.regoV1 || this.opts.ifs) && (this.opts.contains || rule.head.kind !== 'multi');
  }

  private headView(rule: Rule, isElse: boolean): HeadView {
    const head = rule.head;
    const value = this.spans.writtenValue(rule);
    const hasValue = head.kind !== 'multi';
    const hasIf = !isElse && this.hasIf(rule);
    const view: HeadView = { ref: head.ref, value, generated: hasValue && !value, hasValue, assign: head.assign, isElse, hasIf };
    if (isElse) return view;
    if (head.kind === 'multi') view.key = head.key;
    else if (head.ref.length === 2 && !head.args) {
      const last = head.ref[1]!;
      if (!hasIf || !isGroundTerm(last) || last.type === 'ref') view.key = last;
    }
    return view;
  }

  /** Whether `if` follows the head as written. */
  private hasIf(rule: Rule): boolean {
    const span = this.spans.head(rule);
    const next = span ? this.spans.tokens[span[1] + 1] : undefined;
    return next !== undefined && next.kind === 'ident' && next.text === 'if';
  }

  private ruleText(rule: Rule): string {
    const span = this.spans.rule(rule);
    return span ? this.spans.text(span) : '';
  }

  private writeRule(rule: Rule, isElse: boolean, comments: FmtComment[]): FmtComment[] {
    if (!isElse) this.startLine();
    if (rule.isDefault) this.write('default ');
    const expandedConst = isExpandedConst(rule);
    this.commentOnFinalLine = expandedConst;
    const view = this.headView(rule, isElse);
    let unexpected = false;
    try {
      comments = this.writeHead(rule, view, expandedConst, comments);
    } catch (e) {
      if (!(e instanceof UnexpectedComment)) throw e;
      unexpected = true;
      comments = e.rest ?? [];
    }
    if (rule.body.length === 0 || expandedConst) {
      this.endLine();
      return comments;
    }
    this.commentOnFinalLine = true;
    if ((this.opts.regoV1 || this.opts.ifs) && (this.opts.contains || view.hasValue)) {
      this.write(' if');
      const only = rule.body.length === 1 ? rule.body[0]! : undefined;
      if (only) {
        const headSpan = this.spans.head(rule);
        const headEndRow = rule.head.loc.row + (headSpan ? countNewlines(this.spans.text(headSpan)) : 0);
        const isSet = only.type === 'expr' && !only.negated && only.term.type === 'set';
        if (only.loc.row === headEndRow && !isSet) {
          this.write(' ');
          comments = this.writeExpr(only, comments);
          this.endLine();
          return rule.else ? this.writeElse(rule, comments) : comments;
        }
      }
    }
    if (unexpected && comments.length > 0) this.write(' { ');
    else {
      this.write(' {');
      this.endLine();
    }
    this.up();
    comments = this.writeBody(rule.body, comments);
    const text = this.ruleText(rule);
    const skip: [string, string] | undefined = rule.head.args && !isElse ? ['(', ')'] : view.key ? ['[', ']'] : undefined;
    comments = this.insertComments(comments, closingRow(text, rule.loc.row, '{', '}', skip));
    this.down();
    this.startLine();
    this.write('}');
    return rule.else ? this.writeElse(rule, comments) : comments;
  }

  private writeElse(rule: Rule, comments: FmtComment[]): FmtComment[] {
    const alt = rule.else!;
    // `} else` stays on the closing line when it was written there.
    const lines = this.ruleText(rule).split('\n');
    const relative = alt.loc.row - rule.loc.row;
    const wasInline = relative > 0 && relative < lines.length && !lines[relative]!.trim().startsWith('else');
    const commentAbove = (comments.length > 0 && comments[0]!.row < alt.head.loc.row) || this.beforeEnd !== undefined;
    if (!commentAbove && wasInline) this.write(' ');
    else {
      this.blankLine();
      this.startLine();
    }
    comments = this.insertComments(comments, alt.head.loc.row);
    if (commentAbove && !wasInline) this.startLine();
    return this.writeRule(alt, true, comments);
  }

  private writeHead(rule: Rule, view: HeadView, expandedConst: boolean, comments: FmtComment[]): FmtComment[] {
    const head = rule.head;
    if (view.isElse) {
      this.write('else');
    } else if (this.opts.refHeads || view.ref.length === 1) {
      comments = this.writeHeadRef(view.ref, comments);
    } else {
      // A two-part head is written `p[key]`, the key as OPA prints a value.
      const key = view.ref[1]!;
      if (comments.length > 0 && key.loc.row === comments[0]!.row) {
        const span = this.spans.head(rule);
        return this.writeUnformatted(span ? this.spans.text(span) : '', head.loc.row, comments);
      }
      this.write(`${(view.ref[0] as Term & { type: 'string' }).value}[${this.plainText(key)}]`);
    }
    if (head.args && !view.isElse) {
      this.write('(');
      const span = this.spans.head(rule);
      const anchor = { row: head.loc.row, text: span ? this.spans.text(span) : '' };
      try {
        const close = closingRow(anchor.text, anchor.row, '(', ')');
        comments = this.writeIterable(head.args, anchor, close, comments, (t, c) => this.writeListItem(t as Term, c, false), this.spans.isChained(rule));
      } finally {
        this.write(')');
      }
    }
    if (view.key && !view.hasValue) {
      if (this.opts.contains) {
        this.write(' contains ');
        comments = this.writeTerm(view.key, comments);
      } else {
        this.write('[');
        comments = this.writeTerm(view.key, comments);
        this.write(']');
      }
    }
    if (!view.hasValue) return comments;
    const isTrue = view.generated || (view.value!.type === 'boolean' && view.value!.value === true);
    if (!(view.key || !isTrue || expandedConst || rule.isDefault)) return comments;
    const v1RefConst = this.opts.regoV1 && expandedConst && !view.key && !head.args;
    // A value the parser made up at the head's own position is implied (`p[x] if ...`, a bare `a.b.c` or
    // `f(x)`). Without `if`, a two-part head with no value would read back as a partial set: there the
    // value is written out.
    const atHead = this.spans.isChained(rule) || (view.key !== undefined && view.hasIf) || rule.body.length === 0;
    if (view.generated && !view.isElse && atHead && !v1RefConst) return comments;
    this.write(view.assign || this.opts.regoV1 ? ' := ' : ' = ');
    if (view.generated) {
      comments = this.insertComments(comments, head.loc.row);
      this.write('true');
      return comments;
    }
    return this.writeTerm(view.value!, comments);
  }

  /** A head ref: the name, then `.x` where a name allows, `[x]` otherwise. */
  private writeHeadRef(ref: Term[], comments: FmtComment[]): FmtComment[] {
    this.write((ref[0] as Term & { type: 'string' }).value);
    for (const seg of ref.slice(1)) {
      if (seg.type === 'string') this.writeRefString(seg);
      else if (seg.type === 'var') this.write(`[${seg.wildcard ? '_' : seg.name}]`);
      else {
        this.write('[');
        comments = this.writeTerm(seg, comments);
        this.write(']');
      }
    }
    return comments;
  }

  /** A key as OPA's value printer shows it (strings quoted, the rest as formatted). */
  private plainText(t: Term): string {
    return t.type === 'string' ? quoteString(t.value) : this.plain(t);
  }
}

/** A rule whose body is nothing or just `true` (written as a constant). */
function isExpandedConst(rule: Rule): boolean {
  if (rule.else) return false;
  if (rule.body.length === 0) return true;
  if (rule.body.length !== 1) return false;
  const e = rule.body[0]!;
  return e.type === 'expr' && !e.negated && e.with.length === 0 && e.term.type === 'boolean' && e.term.value === true;
}

/** OPA's import order: by path (root name, then segments), then alias. */
function compareImports(a: ImportItem, b: ImportItem): number {
  const n = Math.min(a.names.length, b.names.length);
  for (let i = 0; i < n; i++) {
    if (a.names[i]! !== b.names[i]!) return a.names[i]! < b.names[i]! ? -1 : 1;
  }
  if (a.names.length !== b.names.length) return a.names.length - b.names.length;
  const x = a.alias ?? '';
  const y = b.alias ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
