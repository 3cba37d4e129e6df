/**
 * `strings.render_template(template, vars)` (OPA v1/topdown/template.go): Go's
 * text/template with `missingkey=error` over the variables as OPA hands them
 * over, `ast.As` — the object's Rego text decoded as JSON with numbers kept as
 * `json.Number`. So, as in OPA:
 *   - a number from the variables is a json.Number, a *string* to text/template:
 *     it prints as written, `eq .n "3"` is true, `eq .n 3` is an "incompatible
 *     types" error, and `0` is truthy;
 *   - a number written in the template is an int (`3`) or a float64 (`3.0`);
 *   - a set, or a key that is not a string, makes the variables invalid JSON
 *     (an error, with the JSON decoder's message);
 *   - `null` prints as `<no value>`; inside a collection as `<nil>`.
 * Syntax (and what is not supported) is in `template-syntax.ts`. Errors carry
 * Go's `template:LINE:COL` and node context.
 */
import type { BuiltinTable } from './builtin.js';
import { builtinError, obj, str } from './operands.js';
import { formatNumber, isNumber, RegoSet, sortedEntries, writeValue, type Value } from '../value.js';
import { formatFloat } from './gofloat.js';
import { goQuote, goQuoteRune } from './go-quote.js';
import { GoNum, location, parseTemplate, TemplateError, type Command, type ControlNode, type Node, type Operand, type Pipeline } from './template-syntax.js';

/** A number from the variables: Go's json.Number, a string type. */
class JsonNumber {
  constructor(readonly text: string) {}
}

const NO_VALUE = Symbol('no value');
type TData = string | boolean | null | JsonNumber | TData[] | { [k: string]: TData };
type TValue = TData | GoNum | typeof NO_VALUE;

interface Ctx {
  src: string;
}

class Scope {
  private readonly vars: Map<string, TValue>[] = [];
  constructor(root: TValue) {
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
    throw undefinedVariable(name, line);
  }
  get(name: string, line: number): TValue {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const m = this.vars[i]!;
      if (m.has(name)) return m.get(name)!;
    }
    throw undefinedVariable(name, line);
  }
}

/** Go reports this while parsing: `template: template:1: undefined variable "$x"`. */
function undefinedVariable(name: string, line: number): TemplateError {
  return new TemplateError(`template: template:${line}: undefined variable "${name}"`);
}

class Signal {
  constructor(readonly kind: 'break' | 'continue') {}
}

/** Go's state.errorf at a node: `template: template:L:C: executing "template" at <node>: message`. */
function execError(ctx: Ctx, at: { pos: number; text: string }, message: string): TemplateError {
  return new TemplateError(`template: ${location(ctx.src, at.pos)}: executing "template" at <${at.text}>: ${message}`);
}

function isMap(v: TValue): v is { [k: string]: TData } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber) && !(v instanceof GoNum);
}

function goType(v: TValue): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof JsonNumber) return 'json.Number';
  if (v instanceof GoNum) return v.kind === 'int' ? 'int' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v === null || v === NO_VALUE) return 'interface {}';
  return 'map[string]interface {}';
}

function field(ctx: Ctx, at: Operand, v: TValue, path: string[]): TValue {
  for (const key of path) {
    if (v === null || v === NO_VALUE) throw execError(ctx, at, `nil pointer evaluating interface {}.${key}`);
    if (!isMap(v)) throw execError(ctx, at, `can't evaluate field ${key} in type ${goType(v)}`);
    if (!Object.prototype.hasOwnProperty.call(v, key)) throw execError(ctx, at, `map has no entry for key "${key}"`);
    v = v[key]!;
  }
  return v;
}

function truth(v: TValue): boolean {
  if (v === null || v === NO_VALUE || v === false || v === '') return false;
  if (v instanceof JsonNumber) return v.text !== '';
  if (v instanceof GoNum) return v.n !== 0;
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
  if (v instanceof JsonNumber) return v.text;
  if (v instanceof GoNum) return v.kind === 'int' ? String(v.n) : formatFloat(v.n, 'g', -1);
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  const m = v as { [k: string]: TData };
  return `map[${Object.keys(m)
    .sort()
    .map((k) => `${k}:${show(m[k]!)}`)
    .join(' ')}]`;
}

const isStringKind = (v: TValue): v is string | JsonNumber => typeof v === 'string' || v instanceof JsonNumber;
const stringOf = (v: string | JsonNumber): string => (typeof v === 'string' ? v : v.text);

/** fmt's rendering of one operand for a verb. */
function formatVerb(verb: string, a: TValue): string {
  const bad = (): string => `%!${verb}(${goType(a)}=${show(a)})`;
  switch (verb) {
    case 'v':
      return show(a);
    case 's':
      return isStringKind(a) ? stringOf(a) : typeof a === 'object' && a !== null && !(a instanceof GoNum) ? show(a) : bad();
    case 'q':
      return isStringKind(a) ? goQuote(stringOf(a)) : a instanceof GoNum && a.kind === 'int' ? `'${goQuoteRune(String.fromCodePoint(a.n), "'")}'` : bad();
    case 'd':
      return a instanceof GoNum && a.kind === 'int' ? String(a.n) : bad();
    case 't':
      return typeof a === 'boolean' ? String(a) : bad();
    case 'f':
      return a instanceof GoNum && a.kind === 'float' ? formatFloat(a.n, 'f', 6) : bad();
    default:
      return bad();
  }
}

function printf(format: TValue, args: TValue[]): string {
  if (typeof format !== 'string') throw new Error('wrong type for value; expected string; got ' + goType(format));
  let n = 0;
  const out = format.replace(/%([-+# 0]*\d*(?:\.\d+)?)?([a-zA-Z%])/g, (_all, _flags: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (n >= args.length) return `%!${verb}(MISSING)`;
    return formatVerb(verb, args[n++]!);
  });
  return n < args.length ? `${out}%!(EXTRA ${args.slice(n).map((a) => `${goType(a)}=${show(a)}`).join(', ')})` : out;
}

type Kind = 'bool' | 'int' | 'float' | 'string' | 'invalid';

function basicKind(v: TValue): Kind {
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof GoNum) return v.kind;
  if (isStringKind(v)) return 'string';
  return 'invalid';
}

/** text/template's eq for one pair; throws Go's comparison errors. */
function equal(a: TValue, b: TValue): boolean {
  const ka = basicKind(a);
  if (ka !== basicKind(b)) {
    if (a === NO_VALUE || b === NO_VALUE) return false;
    throw new Error('incompatible types for comparison');
  }
  if (ka === 'invalid') {
    if ((a === null || a === NO_VALUE) && (b === null || b === NO_VALUE)) return true;
    if (a === null || b === null) return false;
    throw new Error(`non-comparable types ${show(a)}: ${goType(a)}, ${goType(b)}: ${show(b)}`);
  }
  if (ka === 'string') return stringOf(a as string | JsonNumber) === stringOf(b as string | JsonNumber);
  if (ka === 'bool') return a === b;
  return (a as GoNum).n === (b as GoNum).n;
}

function less(a: TValue, b: TValue): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'invalid' || kb === 'invalid') throw new Error('invalid type for comparison');
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'bool') throw new Error('invalid type for comparison');
  if (ka === 'string') return Buffer.compare(Buffer.from(stringOf(a as string)), Buffer.from(stringOf(b as string))) < 0;
  return (a as GoNum).n < (b as GoNum).n;
}

function index(v: TValue, keys: TValue[]): TValue {
  for (const k of keys) {
    if (Array.isArray(v) || typeof v === 'string') {
      if (!(k instanceof GoNum) || k.kind !== 'int') throw new Error(`cannot index slice/array with type ${goType(k)}`);
      if (k.n < 0 || k.n >= v.length) throw new Error(`index out of range: ${k.n}`);
      v = Array.isArray(v) ? v[k.n]! : new GoNum('int', Buffer.from(v)[k.n]!);
    } else if (isMap(v)) {
      if (typeof k !== 'string') throw new Error(`value has type ${goType(k)}; should be string`);
      v = Object.prototype.hasOwnProperty.call(v, k) ? v[k]! : null;
    } else if (v === null || v === NO_VALUE) throw new Error('index of untyped nil');
    else throw new Error(`can't index item of type ${goType(v)}`);
  }
  return v;
}

/** fmt.Sprint: a space between operands when neither is a string (json.Number counts as one). */
function sprint(args: TValue[], line: boolean): string {
  let s = '';
  args.forEach((a, i) => {
    if (i > 0 && (line || (!isStringKind(a) && !isStringKind(args[i - 1]!)))) s += ' ';
    s += show(a);
  });
  return line ? s + '\n' : s;
}

const ARITY: Record<string, number> = { not: 1, len: 1, ne: 2, lt: 2, le: 2, gt: 2, ge: 2 };

function callFunction(ctx: Ctx, cmd: Command, ident: Operand, name: string, args: TValue[]): TValue {
  const want = ARITY[name];
  if (want !== undefined && args.length !== want) throw execError(ctx, ident, `wrong number of args for ${name}: want ${want} got ${args.length}`);
  if ((name === 'and' || name === 'or' || name === 'index' || name === 'printf') && args.length === 0) {
    throw execError(ctx, ident, `wrong number of args for ${name}: want at least 1 got 0`);
  }
  try {
    switch (name) {
      case 'and':
        return args.find((a) => !truth(a)) ?? args[args.length - 1]!;
      case 'or':
        return args.find((a) => truth(a)) ?? args[args.length - 1]!;
      case 'not':
        return !truth(args[0]!);
      case 'len': {
        const a = args[0]!;
        if (isStringKind(a)) return new GoNum('int', Buffer.byteLength(stringOf(a), 'utf8'));
        if (Array.isArray(a)) return new GoNum('int', a.length);
        if (isMap(a)) return new GoNum('int', Object.keys(a).length);
        throw new Error(`len of type ${goType(a)}`);
      }
      case 'index':
        return index(args[0]!, args.slice(1));
      case 'eq':
        if (args.length < 2) throw new Error('missing argument for comparison');
        return args.slice(1).some((b) => equal(args[0]!, b));
      case 'ne':
        return !equal(args[0]!, args[1]!);
      case 'lt':
        return less(args[0]!, args[1]!);
      case 'le':
        return less(args[0]!, args[1]!) || equal(args[0]!, args[1]!);
      case 'gt':
        return !(less(args[0]!, args[1]!) || equal(args[0]!, args[1]!));
      case 'ge':
        return !less(args[0]!, args[1]!);
      case 'print':
        return sprint(args, false);
      case 'println':
        return sprint(args, true);
      case 'printf':
        return printf(args[0]!, args.slice(1));
      case 'html':
        return sprint(args, false).replace(/[<>&'"\0]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD' })[c]!);
      case 'js':
        return sprint(args, false).replace(/[\\'"<>&=\n\r\t]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!);
      case 'urlquery':
        return encodeURIComponent(sprint(args, false)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
    }
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    throw execError(ctx, cmd, `error calling ${name}: ${(e as Error).message}`);
  }
  throw execError(ctx, ident, `"${name}" is not a defined function`);
}

function evalOperand(ctx: Ctx, op: Operand, dot: TValue, scope: Scope): TValue {
  switch (op.kind) {
    case 'field':
      return field(ctx, op, dot, op.path);
    case 'var':
      return field(ctx, op, scope.get(op.name, ctx.src.slice(0, op.pos).split('\n').length), op.path);
    case 'literal':
      return op.value;
    case 'paren':
      return evalPipeline(ctx, op.pipe, dot, scope);
    case 'ident':
      return callFunction(ctx, { ops: [op], pos: op.pos, text: op.text }, op, op.name, []);
  }
}

function evalPipeline(ctx: Ctx, pipe: Pipeline, dot: TValue, scope: Scope): TValue {
  let piped: TValue | undefined;
  for (const cmd of pipe.cmds) {
    const [head, ...rest] = cmd.ops;
    if (head!.kind === 'ident') {
      const args = rest.map((o) => evalOperand(ctx, o, dot, scope));
      if (piped !== undefined) args.push(piped);
      piped = callFunction(ctx, cmd, head!, head!.name, args);
    } else {
      if (rest.length > 0 || piped !== undefined) throw execError(ctx, cmd, `can't give argument to non-function ${head!.text}`);
      piped = evalOperand(ctx, head!, dot, scope);
    }
  }
  const v = piped!;
  if (pipe.decl.length === 1) {
    if (pipe.assign) scope.assign(pipe.decl[0]!, v, pipe.line);
    else scope.declare(pipe.decl[0]!, v);
  }
  return v;
}

function execList(ctx: Ctx, nodes: Node[], dot: TValue, scope: Scope, out: string[]): void {
  for (const n of nodes) {
    switch (n.kind) {
      case 'text':
        out.push(n.text);
        break;
      case 'action': {
        const v = evalPipeline(ctx, n.pipe, dot, scope);
        // A nil interface printed on its own is Go's invalid value.
        if (n.pipe.decl.length === 0) out.push(v === null ? '<no value>' : show(v));
        break;
      }
      case 'break':
      case 'continue':
        throw new Signal(n.kind);
      case 'if':
      case 'with': {
        scope.push();
        try {
          const v = evalPipeline(ctx, n.pipe, dot, scope);
          if (truth(v)) execList(ctx, n.body, n.kind === 'with' ? v : dot, scope, out);
          else if (n.otherwise) execList(ctx, n.otherwise, dot, scope, out);
        } finally {
          scope.pop();
        }
        break;
      }
      case 'range':
        execRange(ctx, n, dot, scope, out);
        break;
    }
  }
}

function execRange(ctx: Ctx, n: ControlNode, dot: TValue, scope: Scope, out: string[]): void {
  scope.push();
  try {
    const decl = n.pipe.decl;
    const v = evalPipeline(ctx, { ...n.pipe, decl: [] }, dot, scope);
    let items: [TValue, TValue][];
    if (Array.isArray(v)) items = v.map((x, i) => [new GoNum('int', i), x]);
    else if (isMap(v)) items = Object.keys(v).sort().map((k) => [k, v[k]!]);
    else if (v === null || v === NO_VALUE) items = [];
    else if (v instanceof GoNum && v.kind === 'int') items = Array.from({ length: Math.max(0, v.n) }, (_, i) => [new GoNum('int', i), new GoNum('int', i)]);
    else throw execError(ctx, n.pipe.cmds[0]!, `range can't iterate over ${show(v)}`);
    if (items.length === 0) {
      if (n.otherwise) execList(ctx, n.otherwise, dot, scope, out);
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
        execList(ctx, n.body, x, scope, out);
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

/** Go's JSON decoder error at the first character of a value's Rego text. */
const decodeError = (c: string, what: string): TemplateError => new TemplateError(`invalid character '${c}' ${what}`);

/** The variables as `ast.As` gives them: Rego text read back as JSON, numbers as json.Number. */
function toTemplateData(v: Value): TData {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    // strconv.Quote escapes some runes in ways JSON does not read (\x01, \a, \v, \U…).
    for (const ch of v) {
      const q = goQuoteRune(ch, '"');
      if (q.length > 1 && q[0] === '\\' && 'xavU'.includes(q[1]!)) throw new TemplateError(`invalid character '${q[1]}' in string escape code`);
    }
    return v;
  }
  if (isNumber(v)) return new JsonNumber(formatNumber(v));
  if (Array.isArray(v)) return v.map(toTemplateData);
  if (v instanceof RegoSet) {
    const first = v.sorted()[0];
    if (first === undefined) throw decodeError('s', 'looking for beginning of value');
    if (typeof first === 'string') throw decodeError(v.size === 1 ? '}' : ',', 'after object key');
    throw decodeError(writeValue(first, { quote: goQuote, json: false, separator: ', ', colon: ': ' })[0]!, 'looking for beginning of object key string');
  }
  const out: { [k: string]: TData } = Object.create(null) as { [k: string]: TData };
  for (const [k, x] of sortedEntries(v)) {
    if (typeof k !== 'string') throw decodeError(writeValue(k, { quote: goQuote, json: false, separator: ', ', colon: ': ' })[0]!, 'looking for beginning of object key string');
    out[k] = toTemplateData(x);
  }
  return out;
}

export function renderTemplate(source: string, data: Value): string {
  // OPA converts the variables before it parses the template.
  const root = toTemplateData(data);
  const nodes = parseTemplate(source);
  const out: string[] = [];
  execList({ src: source }, nodes, root, new Scope(root), out);
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
