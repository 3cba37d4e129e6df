/**
 * `rego.metadata.rule()` and `rego.metadata.chain()` return the `# METADATA`
 * annotations of the rule they are called in — known when the module is
 * compiled. So the compiler replaces each such call by the constant it
 * returns, and evaluation never looks for annotations.
 *
 * `rule()`: the rule's annotations (its `scope: rule` block), `{}` when it has none.
 * `chain()`: `[{path, annotations?}, …]` from the rule up: the rule (always),
 * then its package when annotated; paths without the leading `data`, as OPA.
 */
import YAML from 'yaml';
import type { Annotation, Body, Expr, Module, Rule, Term } from '../syntax/ast.js';
import type { Location } from '../errors.js';
import { walkRule } from '../syntax/walk.js';
import { isObject, makeObject, RegoNumber, type JsonObject, type Value } from '../value.js';

const RULE_FN = 'rego.metadata.rule';
const CHAIN_FN = 'rego.metadata.chain';

/** The module with metadata calls replaced by constants; the same object when it has none. */
export function inlineMetadataCalls(module: Module): Module {
  // Nearly no module calls these: look first (no allocation), rewrite only if one does.
  if (!module.rules.some(callsMetadata)) return module;
  let changed = false;
  const rules = module.rules.map((rule) => {
    const out = inlineInRule(module, rule, rule);
    if (out !== rule) changed = true;
    return out;
  });
  return changed ? { ...module, rules } : module;
}

function callName(t: Term): string {
  if (t.type !== 'call' || t.fn.head.type !== 'var') return '';
  return [t.fn.head.name, ...t.fn.path.map((p) => (p.type === 'string' ? p.value : ''))].join('.');
}

function callsMetadata(rule: Rule): boolean {
  let found = false;
  walkRule(rule, (t) => {
    if (found) return false;
    if (t.type === 'call') {
      const name = callName(t);
      if (name === RULE_FN || name === CHAIN_FN) found = true;
    }
  });
  return found;
}

function annotationObject(a: Annotation, defaultScope: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = YAML.parse(a.text);
  } catch {
    parsed = undefined; // a malformed block carries no metadata (OPA reports it at parse time)
  }
  const fields = (isObject(parsed as Value) ? parsed : {}) as JsonObject;
  return { ...fields, scope: typeof fields.scope === 'string' ? fields.scope : defaultScope } as JsonObject;
}

function ruleAnnotations(rule: Rule): JsonObject | undefined {
  const a = rule.annotations?.find((x) => x.scope === undefined || x.scope === 'rule');
  return a ? annotationObject(a, 'rule') : undefined;
}

function chainValue(module: Module, rule: Rule): Value[] {
  const rulePath = [...module.package.path, ...rule.head.ref.map((t) => (t.type === 'string' ? t.value : t.type === 'var' ? t.name : '?'))];
  const entries: Value[] = [];
  const own = ruleAnnotations(rule);
  entries.push(own ? { path: rulePath, annotations: own } : { path: rulePath });
  const pkg = module.package.annotations?.[0];
  if (pkg) entries.push({ path: [...module.package.path], annotations: annotationObject(pkg, 'package') });
  return entries;
}

/** A constant value as a term (the calls' replacement). */
function valueTerm(v: Value, loc: Location): Term {
  if (v === null) return { type: 'null', loc };
  if (typeof v === 'boolean') return { type: 'boolean', value: v, loc };
  if (typeof v === 'number' || typeof v === 'bigint') return { type: 'number', raw: String(v), value: v, loc };
  if (v instanceof RegoNumber) return { type: 'number', raw: v.text, value: v, loc };
  if (typeof v === 'string') return { type: 'string', value: v, loc };
  if (Array.isArray(v)) return { type: 'array', items: v.map((x) => valueTerm(x, loc)), loc };
  if (isObject(v)) {
    const items: [Term, Term][] = Object.entries(v as JsonObject).map(([k, x]) => [valueTerm(k, loc), valueTerm(x, loc)]);
    return { type: 'object', items, loc };
  }
  return { type: 'array', items: [...v.values()].map((x) => valueTerm(x, loc)), loc };
}

function inlineInRule(module: Module, owner: Rule, rule: Rule): Rule {
  const mapTerm = (t: Term): Term => {
    switch (t.type) {
      case 'call': {
        const name = callName(t);
        if (t.args.length === 0 && name === RULE_FN) return valueTerm(makeObject(Object.entries(ruleAnnotations(owner) ?? {})), t.loc);
        if (t.args.length === 0 && name === CHAIN_FN) return valueTerm(chainValue(module, owner), t.loc);
        const args = t.args.map(mapTerm);
        return args.every((a, i) => a === t.args[i]) ? t : { ...t, args };
      }
      case 'ref': {
        const head = mapTerm(t.head);
        const path = t.path.map(mapTerm);
        return head === t.head && path.every((p, i) => p === t.path[i]) ? t : { ...t, head, path };
      }
      case 'array':
      case 'set': {
        const items = t.items.map(mapTerm);
        return items.every((x, i) => x === t.items[i]) ? t : { ...t, items };
      }
      case 'object': {
        const items = t.items.map(([k, v]) => [mapTerm(k), mapTerm(v)] as [Term, Term]);
        return items.every(([k, v], i) => k === t.items[i]![0] && v === t.items[i]![1]) ? t : { ...t, items };
      }
      case 'arraycomp':
      case 'setcomp': {
        const term = mapTerm(t.term);
        const body = mapBody(t.body);
        return term === t.term && body === t.body ? t : { ...t, term, body };
      }
      case 'objectcomp': {
        const key = mapTerm(t.key);
        const value = mapTerm(t.value);
        const body = mapBody(t.body);
        return key === t.key && value === t.value && body === t.body ? t : { ...t, key, value, body };
      }
      case 'template': {
        const parts = t.parts.map((p) => (typeof p === 'string' ? p : mapTerm(p)));
        return parts.every((p, i) => p === t.parts[i]) ? t : { ...t, parts };
      }
      default:
        return t;
    }
  };
  const mapWith = (e: Expr): Expr => {
    const w = e.with.map((m) => {
      const value = mapTerm(m.value);
      return value === m.value ? m : { ...m, value };
    });
    return w.every((m, i) => m === e.with[i]) ? e : { ...e, with: w };
  };
  const mapExpr = (e: Expr): Expr => {
    switch (e.type) {
      case 'expr': {
        const term = mapTerm(e.term);
        return mapWith(term === e.term ? e : { ...e, term });
      }
      case 'somein': {
        const key = e.key ? mapTerm(e.key) : undefined;
        const value = mapTerm(e.value);
        const collection = mapTerm(e.collection);
        return mapWith(key === e.key && value === e.value && collection === e.collection ? e : { ...e, key, value, collection });
      }
      case 'every': {
        const domain = mapTerm(e.domain);
        const body = mapBody(e.body);
        return mapWith(domain === e.domain && body === e.body ? e : { ...e, domain, body });
      }
      default:
        return e;
    }
  };
  function mapBody(body: Body): Body {
    const out = body.map(mapExpr);
    return out.every((e, i) => e === body[i]) ? body : out;
  }
  const body = mapBody(rule.body);
  // The head too: `deny contains f(rego.metadata.chain())` calls it in the key of a multi-value rule.
  const h = rule.head;
  const value = h.value ? mapTerm(h.value) : undefined;
  const key = h.key ? mapTerm(h.key) : undefined;
  const ref = h.ref.map(mapTerm);
  const sameRef = ref.every((t, i) => t === h.ref[i]);
  const head = value === h.value && key === h.key && sameRef ? h : { ...h, value, key, ref: sameRef ? h.ref : ref };
  const elseRule = rule.else ? inlineInRule(module, owner, rule.else) : undefined;
  if (body === rule.body && head === h && elseRule === rule.else) return rule;
  return { ...rule, body, head, ...(elseRule ? { else: elseRule } : {}) };
}
