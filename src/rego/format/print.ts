/**
 * Rego text of syntax-tree nodes when there is no source to lay out (trace
 * lines, messages): one line, operators infix (nested ones parenthesised),
 * refs dotted where a name allows, strings quoted as OPA prints them.
 */
import type { Body, CallTerm, Expr, Term } from '../syntax/ast.js';
import { callName } from '../syntax/parser.js';
import { infixOf, isVarCompatible, quoteString } from './layout.js';

export function termText(t: Term): string {
  switch (t.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return t.value ? 'true' : 'false';
    case 'number':
      return t.raw;
    case 'string':
      return quoteString(t.value);
    case 'var':
      return t.wildcard ? '_' : t.name;
    case 'ref':
      return (
        (t.head.type === 'call' && infixOf(t.head) ? `(${termText(t.head)})` : termText(t.head)) +
        t.path.map((s) => (s.type === 'string' && isVarCompatible(s.value) ? `.${s.value}` : `[${termText(s)}]`)).join('')
      );
    case 'array':
      return `[${t.items.map(termText).join(', ')}]`;
    case 'set':
      return t.items.length === 0 ? 'set()' : `{${t.items.map(termText).join(', ')}}`;
    case 'object':
      return `{${t.items.map(([k, v]) => `${termText(k)}: ${termText(v)}`).join(', ')}}`;
    case 'arraycomp':
      return `[${termText(t.term)} | ${bodyText(t.body)}]`;
    case 'setcomp':
      return `{${termText(t.term)} | ${bodyText(t.body)}}`;
    case 'objectcomp':
      return `{${termText(t.key)}: ${termText(t.value)} | ${bodyText(t.body)}}`;
    case 'template':
      return `$"${t.parts.map((p) => (typeof p === 'string' ? quoteString(p).slice(1, -1).replace(/\{/g, '\\{') : `{${termText(p)}}`)).join('')}"`;
    case 'call':
      return callText(t, false);
  }
}

function callText(t: CallTerm, nested: boolean): string {
  const infix = infixOf(t);
  const name = callName(t);
  if (name === 'minus' && t.args.length === 2 && t.args[0]!.loc === t.loc && t.args[0]!.type === 'number') return `-${operand(t.args[1]!)}`;
  if (!infix || t.args.length !== infix.arity) return `${termText(t.fn)}(${t.args.map(termText).join(', ')})`;
  const text = infix.op === 'in' && t.args.length === 3 ? `${operand(t.args[0]!)}, ${operand(t.args[1]!)} in ${operand(t.args[2]!)}` : t.args.map(operand).join(` ${infix.op} `);
  return nested ? `(${text})` : text;
}

function operand(t: Term): string {
  return t.type === 'call' ? callText(t, infixOf(t) !== undefined) : termText(t);
}

export function bodyText(body: Body): string {
  return body.map(exprText).join('; ');
}

export function exprText(e: Expr): string {
  let text: string;
  switch (e.type) {
    case 'expr':
      text = termText(e.term);
      break;
    case 'some':
      text = `some ${e.vars.map(termText).join(', ')}`;
      break;
    case 'somein':
      text = `some ${e.key ? `${termText(e.key)}, ` : ''}${termText(e.value)} in ${termText(e.collection)}`;
      break;
    case 'every':
      text = `every ${e.key ? `${termText(e.key)}, ` : ''}${termText(e.value)} in ${termText(e.domain)} { ${bodyText(e.body)} }`;
      break;
  }
  for (const w of e.with) text += ` with ${termText(w.target)} as ${termText(w.value)}`;
  return e.negated ? `not ${text}` : text;
}
