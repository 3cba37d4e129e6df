/**
 * `strings.render_template(template, vars)`: OPA renders Go's text/template with
 * `missingkey=error`. This is a small interpreter for the commonly used subset:
 *
 *   - text, `{{pipeline}}`, comments `{{/* ... *\/}}`, trim markers `{{- -}}`
 *   - operands: `.`, `.a.b`, `$`, `$x`, `$x.a`, string ("..." or `raw`),
 *     number, `true`/`false`/`nil` literals, parenthesised pipelines
 *   - pipelines with `|`, variable declaration `$x := ...` and assignment `$x = ...`
 *   - `if` / `else if` / `else`, `range` (with `$i, $v :=`, `else`, `break`,
 *     `continue`), `with` / `else`, `end`
 *   - functions: and, or, not, len, index, eq, ne, lt, le, gt, ge, print,
 *     println, printf (verbs %v %s %d %t %q %f %%)
 *
 * Not supported (parse error): `define`, `template`, `block`, and other functions.
 * Values print as Go's fmt `%v` does (`[a b]`, `map[k:v]`, `<no value>` for nil).
 */
import type { BuiltinTable } from './builtin.js';
import { builtinError, obj, str } from './operands.js';
import { compare, formatNumber, isNumber, RegoObject, RegoSet, sortedEntries, toJSONText, type Value } from '../value.js';

class TemplateError extends Error {}

// ---------------------------------------------------------------------------
// Syntax

type Operand =
  | { kind: 'field'; path: string[] } // `.a.b` (empty path is `.`)
  | { kind: 'var'; name: string; path: string[] }
  | { kind: 'literal'; value: Value }
  | { kind: 'ident'; name: string }
  | { kind: 'paren'; pipe: Pipeline; path: string[] };

interface Pipeline {
  decl: string[];
  assign: boolean; // `=` rather than `:=`
  cmds: Operand[][];
  text: string;
  line: number;
}

interface ControlNode {
  kind: 'if' | 'with' | 'range';
  pipe: Pipeline;
  body: Node[];
  otherwise: Node[] | null;
}

type Node = { kind: 'text'; text: string } | { kind: 'action'; pipe: Pipeline } | ControlNode | { kind: 'break' | 'continue' };

interface Action {
  body: string;
  line: number;
}

type Piece = { text: string } | Action;

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
    const trimLeft = /^\{\{- /.test(src.slice(open, open + 4)) || src.slice(open, open + 4) === '{{-\t' || src.slice(open, open + 4) === '{{-\n';
    if (trimLeft) text = text.replace(/\s+$/, '');
    if (text) out.push({ text });
    const line = src.slice(0, open).split('\n').length;
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
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      trimNext = true;
    }
    out.push({ body: body.trim(), line });
    pos = close + 2;
  }
  return out;
}

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|('(?:[^'\\]|\\.)')|(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|(\.(?:[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)?)|([-+]?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+))|([A-Za-z_][A-Za-z0-9_]*)|(:=|=|\||\(|\)|,))/y;

type Tok = { t: 'operand'; op: Operand } | { t: 'punct'; v: string } | { t: 'word'; v: string };

function lex(body: string, line: number): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < body.length) {
    if (/^\s*$/.test(body.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(body);
    if (!m) throw new TemplateError(`template: template:${line}: unexpected "${body.slice(at).trim()[0]}" in command`);
    at = TOKEN.lastIndex;
    if (m[1] !== undefined) out.push({ t: 'operand', op: { kind: 'literal', value: JSON.parse(m[1]) as string } });
    else if (m[2] !== undefined) out.push({ t: 'operand', op: { kind: 'literal', value: m[2].slice(1, -1) } });
    else if (m[3] !== undefined) out.push({ t: 'operand', op: { kind: 'literal', value: (JSON.parse(`"${m[3].slice(1, -1)}"`) as string).codePointAt(0)! } });
    else if (m[4] !== undefined) {
      const [name, ...path] = m[4].split('.');
      out.push({ t: 'operand', op: { kind: 'var', name: name!, path } });
    } else if (m[5] !== undefined) out.push({ t: 'operand', op: { kind: 'field', path: m[5] === '.' ? [] : m[5].slice(1).split('.') } });
    else if (m[6] !== undefined) out.push({ t: 'operand', op: { kind: 'literal', value: Number(m[6]) } });
    else if (m[7] !== undefined) {
      const w = m[7];
      if (w === 'true' || w === 'false') out.push({ t: 'operand', op: { kind: 'literal', value: w === 'true' } });
      else if (w === 'nil') out.push({ t: 'operand', op: { kind: 'literal', value: null } });
      else out.push({ t: 'word', v: w });
    } else out.push({ t: 'punct', v: m[8]! });
  }
  return out;
}

const FUNCTIONS = new Set(['and', 'or', 'not', 'len', 'index', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'print', 'println', 'printf']);

function parsePipeline(toks: Tok[], text: string, line: number): Pipeline {
  let i = 0;
  const pipe: Pipeline = { decl: [], assign: false, cmds: [], text, line };
  // Declarations: `$x :=` or `$i, $v :=`.
  const declEnd = toks.findIndex((t) => t.t === 'punct' && (t.v === ':=' || t.v === '='));
  if (declEnd > 0 && toks.slice(0, declEnd).every((t) => (t.t === 'operand' && t.op.kind === 'var' && t.op.path.length === 0) || (t.t === 'punct' && t.v === ','))) {
    pipe.decl = toks.slice(0, declEnd).flatMap((t) => (t.t === 'operand' && t.op.kind === 'var' ? [t.op.name] : []));
    pipe.assign = (toks[declEnd] as { v: string }).v === '=';
    i = declEnd + 1;
  }
  const parseCmds = (stop: string | null): Operand[][] => {
    const cmds: Operand[][] = [[]];
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
          const inner: Pipeline = { decl: [], assign: false, cmds: parseCmds(')'), text, line };
          cmds[cmds.length - 1]!.push({ kind: 'paren', pipe: inner, path: [] });
          continue;
        }
        if (t.v === ')' && stop === ')') return cmds;
        throw new TemplateError(`template: template:${line}: unexpected "${t.v}" in operand`);
      }
      if (t.t === 'word') {
        if (!FUNCTIONS.has(t.v)) throw new TemplateError(`template: template:${line}: function "${t.v}" not defined`);
        cmds[cmds.length - 1]!.push({ kind: 'ident', name: t.v });
        continue;
      }
      cmds[cmds.length - 1]!.push(t.op);
    }
    if (stop) throw new TemplateError(`template: template:${line}: unclosed left paren`);
    return cmds;
  };
  pipe.cmds = parseCmds(null);
  if (pipe.cmds.length === 1 && pipe.cmds[0]!.length === 0) throw new TemplateError(`template: template:${line}: missing value for command`);
  if (pipe.cmds.some((c) => c.length === 0)) throw new TemplateError(`template: template:${line}: missing command`);
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
      nodes.push(parseControl(word, body.slice(word.length), p.line, pieces, pos, inRange));
      continue;
    }
    if (word === 'define' || word === 'template' || word === 'block') {
      throw new TemplateError(`template: template:${p.line}: {{${word}}} is not supported by this engine`);
    }
    nodes.push({ kind: 'action', pipe: parsePipeline(lex(body, p.line), body, p.line) });
  }
  return { nodes, stop: null };
}

function parseControl(kind: 'if' | 'with' | 'range', rest: string, line: number, pieces: Piece[], pos: { i: number }, inRange: boolean): Node {
  const pipe = parsePipeline(lex(rest, line), rest.trim(), line);
  const bodyInRange = inRange || kind === 'range';
  const body = parseList(pieces, pos, bodyInRange);
  if (!body.stop) throw new TemplateError(`template: template:${line}: unexpected EOF`);
  let otherwise: Node[] | null = null;
  if (body.stop.body.startsWith('else')) {
    const elseRest = body.stop.body.slice(4).trim();
    const chained = /^(if|with)\b/.exec(elseRest);
    if (chained) {
      // `else if` / `else with`: a nested control sharing this one's `end`.
      otherwise = [parseControl(chained[1] as 'if' | 'with', elseRest.slice(chained[1]!.length), body.stop.line, pieces, pos, inRange)];
    } else {
      const other = parseList(pieces, pos, inRange);
      if (!other.stop || other.stop.body !== 'end') throw new TemplateError(`template: template:${line}: expected end; found ${other.stop ? other.stop.body : 'EOF'}`);
      otherwise = other.nodes;
    }
  } else if (body.stop.body !== 'end') {
    throw new TemplateError(`template: template:${body.stop.line}: unexpected ${body.stop.body}`);
  }
  return { kind, pipe, body: body.nodes, otherwise };
}

// ---------------------------------------------------------------------------
// Evaluation

const NO_VALUE = Symbol('no value');
type TValue = Value | typeof NO_VALUE;

class Scope {
  private readonly vars: Map<string, TValue>[] = [];
  constructor(root: Value) {
    this.vars.push(new Map([['$', root]]));
  }
  push(): void {
    this.vars.push(new Map());
  }
  pop(): void {
    this.vars.pop();
  }
  declare(name: string, v: TValue): void {
    this.vars[this.vars.length - 1]!.set(name, v);
  }
  assign(name: string, v: TValue, line: number): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.has(name)) {
        this.vars[i]!.set(name, v);
        return;
      }
    }
    throw new TemplateError(`template: template:${line}: undefined variable: ${name}`);
  }
  get(name: string, line: number): TValue {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const m = this.vars[i]!;
      if (m.has(name)) return m.get(name)!;
    }
    throw new TemplateError(`template: template:${line}: undefined variable: ${name}`);
  }
}

class Signal {
  constructor(readonly kind: 'break' | 'continue') {}
}

function execError(pipe: Pipeline, message: string): TemplateError {
  return new TemplateError(`template: template:${pipe.line}: executing "template" at <${pipe.text}>: ${message}`);
}

function isMap(v: TValue): v is Record<string, Value> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function field(pipe: Pipeline, v: TValue, path: string[]): TValue {
  for (const key of path) {
    if (v === null || v === NO_VALUE) throw execError(pipe, `nil pointer evaluating interface {}.${key}`);
    if (!isMap(v)) throw execError(pipe, `can't evaluate field ${key} in type ${goType(v)}`);
    if (!Object.prototype.hasOwnProperty.call(v, key)) throw execError(pipe, `map has no entry for key "${key}"`);
    v = v[key]!;
  }
  return v;
}

function goType(v: TValue): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (isNumber(v as Value)) return 'json.Number';
  if (Array.isArray(v)) return '[]interface {}';
  if (v === null || v === NO_VALUE) return 'interface {}';
  return 'map[string]interface {}';
}

function truth(v: TValue): boolean {
  if (v === null || v === NO_VALUE || v === false || v === '' || v === 0 || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** Go's fmt `%v`. */
function show(v: TValue): string {
  if (v === NO_VALUE) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number' || typeof v === 'bigint') return formatNumber(v);
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  const m = v as Record<string, Value>;
  return `map[${Object.keys(m)
    .sort()
    .map((k) => `${k}:${show(m[k]!)}`)
    .join(' ')}]`;
}

function printf(pipe: Pipeline, format: TValue, args: TValue[]): string {
  if (typeof format !== 'string') throw execError(pipe, 'wrong type for value; expected string');
  let n = 0;
  const out = format.replace(/%([-+# 0]*\d*(?:\.\d+)?)?([a-zA-Z%])/g, (all, _flags: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (n >= args.length) return `%!${verb}(MISSING)`;
    const a = args[n++]!;
    switch (verb) {
      case 'v':
      case 's':
        return show(a);
      case 'd':
        return isNumber(a as Value) ? formatNumber(a as number | bigint) : `%!d(${goType(a)}=${show(a)})`;
      case 't':
        return typeof a === 'boolean' ? String(a) : `%!t(${goType(a)}=${show(a)})`;
      case 'q':
        return JSON.stringify(show(a));
      case 'f':
        return isNumber(a as Value) ? Number(a).toFixed(6) : `%!f(${goType(a)}=${show(a)})`;
      default:
        return all;
    }
  });
  return n < args.length ? `${out}%!(EXTRA ${args.slice(n).map((a) => `${goType(a)}=${show(a)}`).join(', ')})` : out;
}

function basicCompare(pipe: Pipeline, a: TValue, b: TValue): number {
  const kind = (v: TValue) => (isNumber(v as Value) ? 'number' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : 'other');
  if (kind(a) !== kind(b) || kind(a) === 'other') throw execError(pipe, 'error calling compare: incompatible types for comparison');
  return compare(a as Value, b as Value);
}

function callFunction(pipe: Pipeline, name: string, args: TValue[]): TValue {
  const arity = (n: number) => {
    if (args.length !== n) throw execError(pipe, `wrong number of args for ${name}: want ${n} got ${args.length}`);
  };
  switch (name) {
    case 'and':
      return args.find((a) => !truth(a)) ?? args[args.length - 1]!;
    case 'or':
      return args.find((a) => truth(a)) ?? args[args.length - 1]!;
    case 'not':
      arity(1);
      return !truth(args[0]!);
    case 'len': {
      arity(1);
      const a = args[0]!;
      if (typeof a === 'string') return Buffer.byteLength(a, 'utf8');
      if (Array.isArray(a)) return a.length;
      if (isMap(a)) return Object.keys(a).length;
      throw execError(pipe, `error calling len: len of type ${goType(a)}`);
    }
    case 'index': {
      let v = args[0]!;
      for (const k of args.slice(1)) {
        if (Array.isArray(v) && isNumber(k as Value)) {
          const i = Number(k);
          if (!Number.isInteger(i) || i < 0 || i >= v.length) throw execError(pipe, `error calling index: index out of range: ${show(k)}`);
          v = v[i]!;
        } else if (isMap(v) && typeof k === 'string') v = Object.prototype.hasOwnProperty.call(v, k) ? v[k]! : NO_VALUE;
        else throw execError(pipe, `error calling index: cannot index ${goType(v)} with ${goType(k)}`);
      }
      return v;
    }
    case 'eq': {
      if (args.length < 2) throw execError(pipe, 'error calling eq: missing argument for comparison');
      return args.slice(1).some((b) => basicCompare(pipe, args[0]!, b) === 0);
    }
    case 'ne':
      arity(2);
      return basicCompare(pipe, args[0]!, args[1]!) !== 0;
    case 'lt':
      arity(2);
      return basicCompare(pipe, args[0]!, args[1]!) < 0;
    case 'le':
      arity(2);
      return basicCompare(pipe, args[0]!, args[1]!) <= 0;
    case 'gt':
      arity(2);
      return basicCompare(pipe, args[0]!, args[1]!) > 0;
    case 'ge':
      arity(2);
      return basicCompare(pipe, args[0]!, args[1]!) >= 0;
    case 'print':
    case 'println': {
      // fmt.Sprint puts spaces between operands when neither is a string; Sprintln always.
      let s = '';
      args.forEach((a, i) => {
        if (i > 0 && (name === 'println' || (typeof a !== 'string' && typeof args[i - 1] !== 'string'))) s += ' ';
        s += show(a);
      });
      return name === 'println' ? s + '\n' : s;
    }
    case 'printf':
      if (args.length === 0) throw execError(pipe, 'wrong number of args for printf: want at least 1 got 0');
      return printf(pipe, args[0]!, args.slice(1));
  }
  throw execError(pipe, `function "${name}" not defined`);
}

function evalOperand(pipe: Pipeline, op: Operand, dot: TValue, scope: Scope): TValue {
  switch (op.kind) {
    case 'field':
      return field(pipe, dot, op.path);
    case 'var':
      return field(pipe, scope.get(op.name, pipe.line), op.path);
    case 'literal':
      return op.value;
    case 'paren':
      return field(pipe, evalPipeline(op.pipe, dot, scope), op.path);
    case 'ident':
      return callFunction(pipe, op.name, []);
  }
}

function evalPipeline(pipe: Pipeline, dot: TValue, scope: Scope): TValue {
  let piped: TValue | undefined;
  for (const cmd of pipe.cmds) {
    const [head, ...rest] = cmd;
    if (head!.kind === 'ident') {
      const args = rest.map((o) => evalOperand(pipe, o, dot, scope));
      if (piped !== undefined) args.push(piped);
      piped = callFunction(pipe, head!.name, args);
    } else {
      if (rest.length > 0 || piped !== undefined) throw execError(pipe, `can't give argument to non-function ${pipe.text}`);
      piped = evalOperand(pipe, head!, dot, scope);
    }
  }
  const v = piped!;
  if (pipe.decl.length === 1) {
    if (pipe.assign) scope.assign(pipe.decl[0]!, v, pipe.line);
    else scope.declare(pipe.decl[0]!, v);
  }
  return v;
}

function execList(nodes: Node[], dot: TValue, scope: Scope, out: string[]): void {
  for (const n of nodes) {
    switch (n.kind) {
      case 'text':
        out.push(n.text);
        break;
      case 'action': {
        const v = evalPipeline(n.pipe, dot, scope);
        if (n.pipe.decl.length === 0) out.push(show(v));
        break;
      }
      case 'break':
      case 'continue':
        throw new Signal(n.kind);
      case 'if':
      case 'with': {
        scope.push();
        try {
          const v = evalPipeline(n.pipe, dot, scope);
          if (truth(v)) execList(n.body, n.kind === 'with' ? v : dot, scope, out);
          else if (n.otherwise) execList(n.otherwise, dot, scope, out);
        } finally {
          scope.pop();
        }
        break;
      }
      case 'range':
        execRange(n, dot, scope, out);
        break;
    }
  }
}

function execRange(n: ControlNode, dot: TValue, scope: Scope, out: string[]): void {
  scope.push();
  try {
    const decl = n.pipe.decl;
    const v = evalPipeline({ ...n.pipe, decl: [] }, dot, scope);
    let items: [Value, Value][];
    if (Array.isArray(v)) items = v.map((x, i) => [i, x]);
    else if (isMap(v)) items = Object.keys(v).sort().map((k) => [k, v[k]!]);
    else if (v === null || v === NO_VALUE) items = [];
    else throw execError(n.pipe, `range can't iterate over ${show(v)}`);
    if (items.length === 0) {
      if (n.otherwise) execList(n.otherwise, dot, scope, out);
      return;
    }
    for (const [k, x] of items) {
      scope.push();
      try {
        if (decl.length === 1) scope.declare(decl[0]!, x);
        else if (decl.length === 2) {
          scope.declare(decl[0]!, k);
          scope.declare(decl[1]!, x);
        }
        execList(n.body, x, scope, out);
      } catch (e) {
        if (!(e instanceof Signal)) throw e;
        if (e.kind === 'break') break;
      } finally {
        scope.pop();
      }
    }
  } finally {
    scope.pop();
  }
}

/** Template data as Go sees it after OPA's ast.As: sets become arrays, non-string keys their JSON text. */
function toTemplateData(v: Value): Value {
  if (Array.isArray(v)) return v.map(toTemplateData);
  if (v instanceof RegoSet) return v.sorted().map(toTemplateData);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, Value> = Object.create(null) as Record<string, Value>;
    for (const [k, x] of sortedEntries(v as RegoObject)) out[typeof k === 'string' ? k : toJSONText(k)] = toTemplateData(x);
    return out;
  }
  return v;
}

export function renderTemplate(source: string, data: Value): string {
  const pieces = split(source);
  const pos = { i: 0 };
  const { nodes, stop } = parseList(pieces, pos, false);
  if (stop) throw new TemplateError(`template: template:${stop.line}: unexpected {{${stop.body}}}`);
  const out: string[] = [];
  const root = toTemplateData(data);
  execList(nodes, root, new Scope(root), out);
  return out.join('');
}

export const builtins: BuiltinTable = {
  'strings.render_template': (args) => {
    const name = 'strings.render_template';
    const source = str(name, args, 1);
    const data = obj(name, args, 2);
    try {
      return renderTemplate(source, data);
    } catch (e) {
      if (e instanceof TemplateError) throw builtinError(name, e.message);
      throw e;
    }
  },
};
