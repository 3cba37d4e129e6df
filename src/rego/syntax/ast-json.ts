/**
 * OPA's JSON form of a module (what `rego.parse_module` returns and `opa parse
 * --format json` prints): terms as `{"type": …, "value": …}`, expressions as
 * `{"index": i, "terms": …}` where a call's terms are `[operator, operands…]`,
 * rules as `{"head": …, "body": […]}`. Locations and comments are left out, as
 * OPA does by default.
 */
import type { Body, Expr, Head, Import, Module, Rule, Term } from './ast.js';
import { makeObject, setOwn, type JsonObject, type Value } from '../value.js';

function node(type: string, value: Value): JsonObject {
  return { type, value };
}

function varTerm(name: string): JsonObject {
  // The parser names wildcards `$wN`; OPA names them `$N`.
  return node('var', name.startsWith('$w') ? '$' + name.slice(2) : name);
}

export function termJSON(t: Term): JsonObject {
  switch (t.type) {
    case 'null':
      return node('null', null);
    case 'boolean':
      return node('boolean', t.value);
    case 'number':
      return node('number', t.value);
    case 'string':
      return node('string', t.value);
    case 'var':
      return varTerm(t.name);
    case 'ref':
      return node('ref', [termJSON(t.head), ...t.path.map(termJSON)]);
    case 'array':
      return node('array', t.items.map(termJSON));
    case 'set':
      return node('set', t.items.map(termJSON));
    case 'object':
      return node('object', t.items.map(([k, v]) => [termJSON(k), termJSON(v)]));
    case 'call':
      return node('call', [termJSON(t.fn), ...t.args.map(termJSON)]);
    case 'arraycomp':
      return node('arraycomprehension', { term: termJSON(t.term), body: bodyJSON(t.body) });
    case 'setcomp':
      return node('setcomprehension', { term: termJSON(t.term), body: bodyJSON(t.body) });
    case 'objectcomp':
      return node('objectcomprehension', { key: termJSON(t.key), value: termJSON(t.value), body: bodyJSON(t.body) });
    case 'template':
      return node('templatestring', t.parts.map((p) => (typeof p === 'string' ? node('string', p) : termJSON(p))));
  }
}

const MEMBER_2 = node('ref', [node('var', 'internal'), node('string', 'member_2')]);
const MEMBER_3 = node('ref', [node('var', 'internal'), node('string', 'member_3')]);

function exprTerms(e: Expr): Value {
  switch (e.type) {
    case 'expr':
      return e.term.type === 'call' ? [termJSON(e.term.fn), ...e.term.args.map(termJSON)] : termJSON(e.term);
    case 'some':
      return { symbols: e.vars.map(termJSON) };
    case 'somein': {
      const operands = e.key ? [termJSON(e.key), termJSON(e.value), termJSON(e.collection)] : [termJSON(e.value), termJSON(e.collection)];
      return { symbols: [node('call', [e.key ? MEMBER_3 : MEMBER_2, ...operands])] };
    }
    case 'every': {
      const out: JsonObject = { value: termJSON(e.value), domain: termJSON(e.domain), body: bodyJSON(e.body) };
      if (e.key) setOwn(out, 'key', termJSON(e.key));
      return out;
    }
  }
}

function exprJSON(e: Expr, index: number): JsonObject {
  const out: JsonObject = { index, terms: exprTerms(e) };
  if (e.negated) out.negated = true;
  if (e.with.length > 0) out.with = e.with.map((w) => ({ target: termJSON(w.target), value: termJSON(w.value) }));
  return out;
}

function bodyJSON(body: Body): Value[] {
  // A rule without a body (`p := 1`) has OPA's implicit body `true`.
  if (body.length === 0) return [{ index: 0, terms: node('boolean', true) }];
  return body.map(exprJSON);
}

function headJSON(h: Head): JsonObject {
  const [first, ...rest] = h.ref;
  const out: JsonObject = { name: h.name, ref: [varTerm(first && first.type === 'string' ? first.value : h.name), ...rest.map(termJSON)] };
  if (h.args) out.args = h.args.map(termJSON);
  if (h.key) out.key = termJSON(h.key);
  out.value = h.value ? termJSON(h.value) : node('boolean', true);
  if (h.assign) out.assign = true;
  return out;
}

function ruleJSON(r: Rule): JsonObject {
  const out: JsonObject = { head: headJSON(r.head), body: bodyJSON(r.body) };
  if (r.isDefault) out.default = true;
  if (r.else) out.else = ruleJSON(r.else);
  return out;
}

function importJSON(i: Import): JsonObject {
  const out: JsonObject = { path: termJSON(i.path) };
  if (i.alias) out.alias = i.alias;
  return out;
}

/** The module as OPA's JSON AST (a Rego value: plain objects and arrays). */
export function moduleJSON(m: Module): Value {
  const pkg = { path: [node('var', 'data'), ...m.package.path.map((p) => node('string', p))] };
  return makeObject([
    ['package', pkg],
    ...(m.imports.length > 0 ? ([['imports', m.imports.map(importJSON)]] as [Value, Value][]) : []),
    ['rules', m.rules.map(ruleJSON)],
  ]);
}
