/**
 * The syntax side of Go's text/template for `strings.render_template`
 * (`template.ts` evaluates): text, `{{pipeline}}`, comments, trim markers,
 * operands (`.`, `.a.b`, `$`, `$x.a`, strings, raw strings, runes, numbers,
 * `true`/`false`/`nil`, parenthesised pipelines), `|` pipelines, `$x :=`/`=`,
 * `if`/`else if`/`else`, `range` (`$i, $v :=`, `else`, `break`, `continue`),
 * `with`/`else`, `end`. `define`, `template` and `block` are refused.
 *
 * Every operand and command keeps its byte position so that execution errors
 * name `template:LINE:COL` and the node, as Go's ErrorContext does.
 */

export class TemplateError extends Error {}

/** A number literal: Go gives `1` the type int and `1.0`/`1e3` float64. */
export class GoNum {
  constructor(
    readonly kind: 'int' | 'float',
    readonly n: number,
  ) {}
}

export type Literal = string | boolean | null | GoNum;

interface Positioned {
  /** Offset of the node in the template source. */
  pos: number;
  /** The node as Go prints it in error contexts. */
  text: string;
}

export type Operand = Positioned &
  (
    | { kind: 'field'; path: string[] } // `.a.b` (empty path is `.`)
    | { kind: 'var'; name: string; path: string[] }
    | { kind: 'literal'; value: Literal }
    | { kind: 'ident'; name: string }
    | { kind: 'paren'; pipe: Pipeline }
  );

export interface Command extends Positioned {
  ops: Operand[];
}

export interface Pipeline {
  decl: string[];
  assign: boolean; // `=` rather than `:=`
  cmds: Command[];
  line: number;
}

export interface ControlNode {
  kind: 'if' | 'with' | 'range';
  pipe: Pipeline;
  body: Node[];
  otherwise: Node[] | null;
}

export type Node = { kind: 'text'; text: string } | { kind: 'action'; pipe: Pipeline } | ControlNode | { kind: 'break' | 'continue' };

interface Action {
  body: string;
  /** Offset of `body` in the source. */
  offset: number;
  line: number;
}

type Piece = { text: string } | Action;

const lineAt = (src: string, offset: number): number => src.slice(0, offset).split('\n').length;

/** Splits the source into text and action bodies, applying trim markers. */
function split(src: string): Piece[] {
  const out: Piece[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos <= src.length) {
    const open = src.indexOf('{{', pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      if (text) out.push({ text });
      break;
    }
    const trimLeft = /^\{\{-[ \t\r\n]/.test(src.slice(open, open + 4));
    if (trimLeft) text = text.replace(/\s+$/, '');
    if (text) out.push({ text });
    const line = lineAt(src, open);
    const start = open + (trimLeft ? 3 : 2);
    // Find the closing delimiter, skipping string literals and comments.
    let i = start;
    let close = -1;
    while (i < src.length) {
      const c = src[i]!;
      if (src.startsWith('/*', i)) {
        const end = src.indexOf('*/', i + 2);
        if (end < 0) throw new TemplateError(`template: template:${line}: unclosed comment`);
        i = end + 2;
      } else if (c === '"' || c === '`' || c === "'") {
        i++;
        while (i < src.length && src[i] !== c) i += c !== '`' && src[i] === '\\' ? 2 : 1;
        if (i >= src.length) throw new TemplateError(`template: template:${line}: unterminated quoted string`);
        i++;
      } else if (src.startsWith('}}', i)) {
        close = i;
        break;
      } else i++;
    }
    if (close < 0) throw new TemplateError(`template: template:${line}: unclosed action`);
    let body = src.slice(start, close);
    trimNext = false;
    if (/[ \t\r\n]-$/.test(body)) {
      body = body.slice(0, -1);
      trimNext = true;
    }
    const lead = body.length - body.trimStart().length;
    out.push({ body: body.trim(), offset: start + lead, line });
    pos = close + 2;
  }
  return out;
}

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|('(?:[^'\\]|\\.)')|(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|(\.(?:[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)?)|([-+]?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+))|([A-Za-z_][A-Za-z0-9_]*)|(:=|=|\||\(|\)|,))/y;

type Tok = { t: 'operand'; op: Operand } | { t: 'punct'; v: string; pos: number } | { t: 'word'; v: string; pos: number };

function numberLiteral(text: string): GoNum {
  const isFloat = !/^[-+]?0[xX]/.test(text) && /[.eE]/.test(text);
  return new GoNum(isFloat ? 'float' : 'int', Number(text));
}

function lex(body: string, offset: number, line: number): Tok[] {
  const out: Tok[] = [];
  let at = 0;
  while (at < body.length) {
    if (/^\s*$/.test(body.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(body);
    if (!m) throw new TemplateError(`template: template:${line}: unexpected "${body.slice(at).trim()[0]}" in command`);
    const raw = m[0].trimStart();
    const pos = offset + at + (m[0].length - raw.length);
    at = TOKEN.lastIndex;
    const lit = (value: Literal): Tok => ({ t: 'operand', op: { kind: 'literal', value, pos, text: raw } });
    if (m[1] !== undefined) out.push(lit(JSON.parse(m[1]) as string));
    else if (m[2] !== undefined) out.push(lit(m[2].slice(1, -1)));
    else if (m[3] !== undefined) out.push(lit(new GoNum('int', (JSON.parse(`"${m[3].slice(1, -1)}"`) as string).codePointAt(0)!)));
    else if (m[4] !== undefined) {
      const [name, ...path] = m[4].split('.');
      out.push({ t: 'operand', op: { kind: 'var', name: name!, path, pos, text: raw } });
    } else if (m[5] !== undefined) out.push({ t: 'operand', op: { kind: 'field', path: m[5] === '.' ? [] : m[5].slice(1).split('.'), pos, text: raw } });
    else if (m[6] !== undefined) out.push(lit(numberLiteral(m[6])));
    else if (m[7] !== undefined) {
      const w = m[7];
      if (w === 'true' || w === 'false') out.push(lit(w === 'true'));
      else if (w === 'nil') out.push(lit(null));
      else out.push({ t: 'word', v: w, pos });
    } else out.push({ t: 'punct', v: m[8]!, pos });
  }
  return out;
}

export const FUNCTIONS = new Set(['and', 'or', 'not', 'len', 'index', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'print', 'println', 'printf', 'html', 'js', 'urlquery']);

/** Go's node String(): operands separated by spaces, parenthesised pipelines in parens. */
function commandText(ops: Operand[]): string {
  return ops.map((o) => o.text).join(' ');
}

function pipelineText(p: Pipeline): string {
  return p.cmds.map((c) => c.text).join(' | ');
}

function parsePipeline(toks: Tok[], line: number): Pipeline {
  let i = 0;
  const pipe: Pipeline = { decl: [], assign: false, cmds: [], line };
  // Declarations: `$x :=` or `$i, $v :=`.
  const declEnd = toks.findIndex((t) => t.t === 'punct' && (t.v === ':=' || t.v === '='));
  if (declEnd > 0 && toks.slice(0, declEnd).every((t) => (t.t === 'operand' && t.op.kind === 'var' && t.op.path.length === 0) || (t.t === 'punct' && t.v === ','))) {
    pipe.decl = toks.slice(0, declEnd).flatMap((t) => (t.t === 'operand' && t.op.kind === 'var' ? [t.op.name] : []));
    pipe.assign = (toks[declEnd] as { v: string }).v === '=';
    i = declEnd + 1;
  }
  const parseCmds = (stop: string | null): Command[] => {
    const cmds: Operand[][] = [[]];
    const done = (): Command[] => cmds.map((ops) => ({ ops, pos: ops[0]?.pos ?? 0, text: commandText(ops) }));
    for (; i < toks.length; i++) {
      const t = toks[i]!;
      if (t.t === 'punct') {
        if (t.v === '|') {
          if (cmds[cmds.length - 1]!.length === 0) throw new TemplateError(`template: template:${line}: missing command`);
          cmds.push([]);
          continue;
        }
        if (t.v === '(') {
          i++;
          const inner: Pipeline = { decl: [], assign: false, cmds: parseCmds(')'), line };
          cmds[cmds.length - 1]!.push({ kind: 'paren', pipe: inner, pos: t.pos, text: `(${pipelineText(inner)})` });
          continue;
        }
        if (t.v === ')' && stop === ')') return done();
        throw new TemplateError(`template: template:${line}: unexpected "${t.v}" in operand`);
      }
      if (t.t === 'word') {
        if (!FUNCTIONS.has(t.v)) throw new TemplateError(`template: template:${line}: function "${t.v}" not defined`);
        cmds[cmds.length - 1]!.push({ kind: 'ident', name: t.v, pos: t.pos, text: t.v });
        continue;
      }
      cmds[cmds.length - 1]!.push(t.op);
    }
    if (stop) throw new TemplateError(`template: template:${line}: unclosed left paren`);
    return done();
  };
  pipe.cmds = parseCmds(null);
  if (pipe.cmds.length === 1 && pipe.cmds[0]!.ops.length === 0) throw new TemplateError(`template: template:${line}: missing value for command`);
  if (pipe.cmds.some((c) => c.ops.length === 0)) throw new TemplateError(`template: template:${line}: missing command`);
  return pipe;
}

/** Parses pieces into a tree; stops at `end`/`else` and reports which. */
function parseList(pieces: Piece[], pos: { i: number }, inRange: boolean): { nodes: Node[]; stop: Action | null } {
  const nodes: Node[] = [];
  while (pos.i < pieces.length) {
    const p = pieces[pos.i++]!;
    if ('text' in p) {
      nodes.push({ kind: 'text', text: p.text });
      continue;
    }
    const body = p.body;
    if (body.startsWith('/*')) continue; // comment
    const word = /^[a-z]+/.exec(body)?.[0] ?? '';
    if (word === 'end' || word === 'else') return { nodes, stop: p };
    if (word === 'break' || word === 'continue') {
      if (!inRange) throw new TemplateError(`template: template:${p.line}: {{${word}}} outside {{range}}`);
      nodes.push({ kind: word });
      continue;
    }
    if (word === 'if' || word === 'with' || word === 'range') {
      nodes.push(parseControl(word, p, word.length, pieces, pos, inRange));
      continue;
    }
    if (word === 'define' || word === 'template' || word === 'block') {
      throw new TemplateError(`template: template:${p.line}: {{${word}}} is not supported by this engine`);
    }
    nodes.push({ kind: 'action', pipe: parsePipeline(lex(body, p.offset, p.line), p.line) });
  }
  return { nodes, stop: null };
}

function parseControl(kind: 'if' | 'with' | 'range', action: Action, skip: number, pieces: Piece[], pos: { i: number }, inRange: boolean): Node {
  const line = action.line;
  const pipe = parsePipeline(lex(action.body.slice(skip), action.offset + skip, line), line);
  const body = parseList(pieces, pos, inRange || kind === 'range');
  if (!body.stop) throw new TemplateError(`template: template:${line}: unexpected EOF`);
  let otherwise: Node[] | null = null;
  const stop = body.stop;
  if (stop.body.startsWith('else')) {
    const elseRest = stop.body.slice(4);
    const chained = /^\s*(if|with)\b/.exec(elseRest);
    if (chained) {
      // `else if` / `else with`: a nested control sharing this one's `end`.
      otherwise = [parseControl(chained[1] as 'if' | 'with', stop, 4 + chained[0].length, pieces, pos, inRange)];
    } else {
      const other = parseList(pieces, pos, inRange);
      if (!other.stop || other.stop.body !== 'end') throw new TemplateError(`template: template:${line}: expected end; found ${other.stop ? other.stop.body : 'EOF'}`);
      otherwise = other.nodes;
    }
  } else if (stop.body !== 'end') {
    throw new TemplateError(`template: template:${stop.line}: unexpected ${stop.body}`);
  }
  return { kind, pipe, body: body.nodes, otherwise };
}

/** The parsed template. */
export function parseTemplate(src: string): Node[] {
  const pos = { i: 0 };
  const { nodes, stop } = parseList(split(src), pos, false);
  if (stop) throw new TemplateError(`template: template:${stop.line}: unexpected {{${stop.body}}}`);
  return nodes;
}

/** Go's ErrorContext location: `template:LINE:COL`, the column in bytes from 0. */
export function location(src: string, pos: number): string {
  const before = src.slice(0, pos);
  const nl = before.lastIndexOf('\n');
  const col = Buffer.byteLength(nl < 0 ? before : before.slice(nl + 1), 'utf8');
  return `template:${lineAt(src, pos)}:${col}`;
}
