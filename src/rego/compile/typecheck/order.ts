/**
 * The order rules are type-checked in: every rule after the rules it refers
 * to (OPA sorts its dependency graph the same way), worked out without
 * recursion so that a long chain of rules cannot exhaust the stack. A ref
 * `data.a.b[x]` depends on the rules on its constant prefix and on every rule
 * below it.
 */
import type { Rule, Term } from '../../syntax/ast.js';
import { walkRule } from '../../syntax/walk.js';
import type { ResolvedRule } from '../resolve.js';
import type { RuleNode } from '../ruletree.js';

export function checkOrder(rules: readonly ResolvedRule[], tree: RuleNode): ResolvedRule[] {
  const subtrees = new Map<RuleNode, ResolvedRule[]>();
  const at = new Map<RuleNode, ResolvedRule[]>();
  const rulesAt = (node: RuleNode): ResolvedRule[] => {
    let out = at.get(node);
    if (!out) at.set(node, (out = node.dynamic.length === 0 ? node.rules : [...node.rules, ...node.dynamic.map((d) => d.rule)]));
    return out;
  };
  const subtree = (node: RuleNode): ResolvedRule[] => {
    let out = subtrees.get(node);
    if (!out) {
      out = [];
      const stack = [node];
      while (stack.length > 0) {
        const n = stack.pop()!;
        out.push(...rulesAt(n));
        stack.push(...n.children.values());
      }
      subtrees.set(node, out);
    }
    return out;
  };
  const depsOf = (rr: ResolvedRule): ResolvedRule[] => {
    const deps = new Set<ResolvedRule>();
    const below = new Set<RuleNode>();
    const visit = (t: Term): void => {
      const ref = t.type === 'call' ? t.fn : t.type === 'ref' ? t : undefined;
      if (!ref || ref.head.type !== 'var' || ref.head.name !== 'data') return;
      let node: RuleNode | undefined = tree;
      for (const seg of ref.path) {
        for (const r of rulesAt(node)) deps.add(r);
        if (seg.type !== 'string') break;
        const next: RuleNode | undefined = node.child(seg.value);
        if (!next) {
          node = undefined;
          break;
        }
        node = next;
      }
      if (node && !below.has(node)) {
        below.add(node);
        for (const r of subtree(node)) deps.add(r);
      }
    };
    // The walker visits `with` targets too: replacing data.x reads data.x's rules.
    for (let r: Rule | undefined = rr.rule; r; r = r.else) walkRule(r, visit);
    deps.delete(rr);
    return [...deps];
  };

  const order: ResolvedRule[] = [];
  const state = new Map<ResolvedRule, 'open' | 'done'>();
  for (const root of rules) {
    if (state.has(root)) continue;
    state.set(root, 'open');
    const stack: { rr: ResolvedRule; deps: ResolvedRule[]; i: number }[] = [{ rr: root, deps: depsOf(root), i: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i < top.deps.length) {
        const d = top.deps[top.i++]!;
        if (state.has(d)) continue;
        state.set(d, 'open');
        stack.push({ rr: d, deps: depsOf(d), i: 0 });
        continue;
      }
      stack.pop();
      state.set(top.rr, 'done');
      order.push(top.rr);
    }
  }
  return order;
}
