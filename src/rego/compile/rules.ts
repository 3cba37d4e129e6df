/**
 * Compiles the rules at every rule-tree node into `CompiledNode`s: a frame
 * layout per rule, argument patterns for functions, the reordered body, the
 * head value (or set member), ref-head key segments and `else` chains.
 */
import type { Term } from '../syntax/ast.js';
import type { CompiledNode, CompiledRule, CompiledTerm, UnifyFn } from '../eval/types.js';
import { ClosureCompiler, Scope, shallowExprVars, shallowVars } from './closures.js';
import { collectVars } from './resolve.js';
import type { ResolvedRule } from './resolve.js';
import type { RuleNode } from './ruletree.js';
import { buildRuleIndex, ruleGuard } from './indexer.js';
import { tracedRule } from './trace.js';
import { pathText } from './checks/names.js';
import { isHeadVar, rewriteHeads, writtenOrder, type HeadParts } from './closures/head-rewrite.js';

/** `data.pkg.p`: the rule's path up to its first variable segment, as OPA's traces show it. */
function rulePath(rr: ResolvedRule): string {
  const names: string[] = ['data'];
  for (const seg of rr.path) {
    if (seg.type !== 'string') break;
    names.push(seg.value);
  }
  return pathText(names);
}

const TRUE_TERM = (loc: Term['loc']): Term => ({ type: 'boolean', value: true, loc });

function isGround(t: Term): boolean {
  const vs = new Set<string>();
  collectVars(t, vs);
  return vs.size === 0 && t.type !== 'ref' && t.type !== 'call';
}

export function compileRule(cc: ClosureCompiler, rr: ResolvedRule, rest: Term[] | undefined): CompiledRule {
  const rule = rr.rule;
  const head = rule.head;
  const valueTerm: Term = head.kind === 'multi' ? (head.key ?? head.value ?? TRUE_TERM(head.loc)) : (head.value ?? TRUE_TERM(head.loc));
  const written: HeadParts = { body: rule.body, heads: [valueTerm, ...(rest ?? [])] };
  const rewritten = rewriteHeads(rule.body, written.heads);
  const compiled = cc.retried(
    () => compileClause(cc, rr, written, rest !== undefined),
    rewritten && (() => compileClause(cc, rr, rewritten, rest !== undefined)),
  );
  if (rule.else) {
    const elseHead = { ...rule.else.head, kind: head.kind, ...(head.args ? { args: head.args } : {}) };
    if (!rule.else.head.value) delete (elseHead as { value?: Term }).value;
    compiled.else = compileRule(cc, { ...rr, rule: { ...rule.else, head: elseHead } }, rest);
  }
  const { body, value, args } = compiled;
  if (body.step !== undefined) compiled.plainStep = body.uncovered ?? body.step;
  const straightLink = !compiled.rest && body.step !== undefined && value.val !== undefined;
  if (straightLink && !args) {
    if (!compiled.else) compiled.straight = true;
    else if (compiled.else.straight === true || compiled.else.straightChain === true) compiled.straightChain = true;
  }
  if (straightLink && args && args.every((a) => a.match !== undefined) && (!compiled.else || compiled.else.straightCall === true)) compiled.straightCall = true;
  return compiled;
}

/** One rule (without its `else` chain) with the given body and heads: the value first, then the ref-head segments. */
function compileClause(cc: ClosureCompiler, rr: ResolvedRule, parts: HeadParts, hasRest: boolean): CompiledRule {
  const rule = rr.rule;
  const head = rule.head;
  const layout = { size: 0 };
  const names = new Set<string>();
  for (const a of head.args ?? []) shallowVars(a, names);
  for (const e of parts.body) shallowExprVars(e, names);
  for (const h of parts.heads) shallowVars(h, names);
  const sc = new Scope(layout, undefined, names, new Set());
  const bound = new Set<number>();

  let args: UnifyFn[] | undefined;
  if (head.kind === 'function') {
    args = [];
    for (const a of head.args ?? []) {
      const u = cc.pattern(a, sc, bound);
      if (!u) {
        cc.reportUnsafe(a, sc, bound);
        args.push(() => false);
      } else args.push(u);
    }
  }

  const compiledBody = cc.body(parts.body, sc, bound);
  if (parts.body !== rule.body) {
    const order = cc.cx.bodyOrder?.get(parts.body);
    if (order) cc.cx.bodyOrder!.set(rule.body, writtenOrder(order, rule.body));
  }
  const body = cc.cx.trace ? tracedRule(compiledBody, rulePath(rr), head.loc) : compiledBody;
  const [valueTerm, ...rest] = parts.heads as [Term, ...Term[]];
  const value = headTerm(cc, valueTerm, sc, bound);
  const restCompiled = hasRest ? rest.map((t) => headTerm(cc, t, sc, bound)) : undefined;

  const compiled: CompiledRule = {
    loc: head.loc,
    frameSize: 0,
    body,
    value,
    constantValue: isGround(valueTerm) && head.kind !== 'multi',
    ...(args ? { args } : {}),
    ...(restCompiled ? { rest: restCompiled, multi: head.kind === 'multi' } : {}),
  };
  // A traced compile enters every rule, so that the trace shows which expression failed.
  const guard = head.kind === 'function' || cc.cx.trace ? undefined : ruleGuard(rule.body);
  if (guard) compiled.guard = guard;
  compiled.frameSize = layout.size;
  return compiled;
}

function headTerm(cc: ClosureCompiler, t: Term, sc: Scope, bound: Set<number>): CompiledTerm {
  const c = cc.term(t, sc, bound);
  if (c) return c;
  // A generated head variable is unbound only when its expression was reported with the body.
  if (t.type !== 'var' || !isHeadVar(t.name)) cc.reportUnsafe(t, sc, bound);
  return { gen: () => false };
}

/**
 * What a compile may take over from an earlier one whose rule tree had the
 * same shape (`incremental.ts`): rules compiled then, by resolved rule (a rule
 * of a module that did not change is the same object), and that tree's nodes
 * by id, whose compiled form serves again when the node has the same rules.
 * Compiled closures refer to other rules by node id (`EvalState.nodes`), so
 * they are valid in any tree of that shape.
 */
export interface RuleReuse {
  compiled: WeakMap<ResolvedRule, CompiledRule>;
  previous?: readonly RuleNode[];
}

function sameRules(a: RuleNode, b: RuleNode): boolean {
  if (a.path.length !== b.path.length || a.path.some((p, i) => p !== b.path[i])) return false;
  if (a.rules.length !== b.rules.length || a.dynamic.length !== b.dynamic.length) return false;
  for (let i = 0; i < a.rules.length; i++) if (a.rules[i] !== b.rules[i]) return false;
  for (let i = 0; i < a.dynamic.length; i++) if (a.dynamic[i]!.rule !== b.dynamic[i]!.rule) return false;
  return true;
}

/**
 * Compiles every node of the tree (depth first), pausing (`yield`) after each
 * node so that a caller can spread a large compile over several turns of the
 * event loop (see `compileAsync`). With `reuse`, rules compiled before are
 * taken from it and rules compiled now are added to it.
 */
export function* compileTree(cc: ClosureCompiler, root: RuleNode, reuse?: RuleReuse): Generator<void, void, void> {
  // First give every node its (empty) compiled shape, so references between rules resolve.
  const all: RuleNode[] = [];
  const visit = (n: RuleNode): void => {
    all.push(n);
    const before = reuse?.previous?.[n.id];
    if (before !== undefined && sameRules(before, n)) {
      n.compiled = before.compiled;
    } else {
      const c: CompiledNode = { kind: n.kind, rules: [], dynamic: [], name: ['data', ...n.path].join('.') };
      if (n.kind === 'function') c.arity = n.rules[0]?.rule.head.args?.length ?? 0;
      n.compiled = c;
    }
    for (const child of n.children.values()) visit(child);
  };
  visit(root);
  const compile = (rr: ResolvedRule, rest: Term[] | undefined): CompiledRule => {
    const known = reuse?.compiled.get(rr);
    if (known !== undefined) return known;
    const compiled = compileRule(cc, rr, rest);
    reuse?.compiled.set(rr, compiled);
    return compiled;
  };
  for (const n of all) {
    const c = n.compiled as CompiledNode;
    if (reuse?.previous?.[n.id]?.compiled === c) continue;
    for (const rr of n.rules) {
      const compiled = compile(rr, undefined);
      if (rr.rule.isDefault) c.defaultRule = compiled;
      else c.rules.push(compiled);
    }
    if ((c.kind === 'complete' || c.kind === 'multi') && !cc.cx.trace) {
      const index = buildRuleIndex(c.rules, n.rules.filter((rr) => !rr.rule.isDefault).map((rr) => rr.rule.body));
      if (index) c.index = index;
    }
    for (const d of n.dynamic) c.dynamic.push(compile(d.rule, d.rest));
    yield;
  }
}
