/**
 * References: `x[k].y` paths (index when a key is known, iterate and bind
 * when not), and `data` references, whose constant prefix is resolved against
 * the rule tree once, at compile time, so only the rules a reference reaches
 * are evaluated.
 */
import type { RefTerm, Term } from '../../syntax/ast.js';
import { isObject, objectEntries, type Value } from '../../value.js';
import { indexValue, iterateValue } from '../../eval/access.js';
import { baseAt, dataAt, nodeValue } from '../../eval/documents.js';
import type { EvalState } from '../../eval/state.js';
import type { CompiledTerm, Frame, UnifyFn } from '../../eval/types.js';
import type { RuleNode } from '../ruletree.js';
import { CallCompiler } from './calls.js';
import { fromVal, indexData, indexPlain, ROOTS, type Index, type Scope } from './kit.js';

export abstract class RefCompiler extends CallCompiler {
  protected ref(t: RefTerm, sc: Scope, bound: Set<number>): CompiledTerm | null {
    if (t.head.type === 'var' && t.head.name === 'data') {
      const prefix: string[] = [];
      let i = 0;
      for (; i < t.path.length; i++) {
        const p = t.path[i]!;
        if (p.type !== 'string') break;
        prefix.push(p.value);
      }
      return this.dataRef(prefix, t.path.slice(i), sc, bound);
    }
    const head = this.term(t.head, sc, bound);
    if (!head) return null;
    return this.path(head, t.path, sc, bound);
  }

  /** Applies path segments to a head term: ground segments index, others iterate and bind. */
  protected path(head: CompiledTerm, segs: Term[], sc: Scope, bound: Set<number>, indexValue: Index = indexPlain): CompiledTerm | null {
    if (segs.length === 0) return head;
    type Step = { key?: CompiledTerm; pat?: UnifyFn; slot?: number };
    const steps: Step[] = [];
    for (const seg of segs) {
      const trial = new Set(bound);
      const key = this.term(seg, sc, trial);
      if (key) {
        for (const s of trial) bound.add(s);
        steps.push({ key });
        continue;
      }
      if (seg.type === 'var' && !ROOTS.has(seg.name)) {
        const s = sc.slot(seg.name);
        bound.add(s);
        steps.push({ slot: s });
        continue;
      }
      const pat = this.pattern(seg, sc, bound);
      if (!pat) return null;
      steps.push({ pat });
    }
    const keyVals = steps.every((s) => s.key?.val) ? steps.map((s) => s.key!.val!) : undefined;
    if (keyVals && head.val) {
      const hv = head.val;
      if (keyVals.length === 1) {
        const k0 = keyVals[0]!;
        return fromVal((st, f) => {
          const v = hv(st, f);
          if (v === undefined) return undefined;
          const key = k0(st, f);
          return key === undefined ? undefined : indexValue(v, key);
        });
      }
      return fromVal((st, f) => {
        let v = hv(st, f);
        for (let i = 0; i < keyVals.length && v !== undefined; i++) {
          const key = keyVals[i]!(st, f);
          if (key === undefined) return undefined;
          v = indexValue(v, key);
        }
        return v;
      });
    }
    type PathFn = (st: EvalState, f: Frame, v: Value, k: (v: Value) => boolean) => boolean;
    let next: PathFn = (_st, _f, v, k) => k(v);
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i]!;
      const nx = next;
      if (step.key) {
        const key = step.key;
        if (key.val) {
          const kv = key.val;
          next = (st, f, v, k) => {
            const kk = kv(st, f);
            if (kk === undefined) return false;
            const x = indexValue(v, kk);
            return x === undefined ? false : nx(st, f, x, k);
          };
        } else {
          next = (st, f, v, k) =>
            key.gen(st, f, (kk) => {
              const x = indexValue(v, kk);
              return x === undefined ? false : nx(st, f, x, k);
            });
        }
      } else if (step.slot !== undefined) {
        const s = step.slot;
        next = (st, f, v, k) => {
          return iterateValue(v, (kk, x) => {
            st.tick();
            f[s] = kk;
            const r = nx(st, f, x, k);
            f[s] = undefined;
            return r;
          });
        };
      } else {
        const pat = step.pat!;
        next = (st, f, v, k) => iterateValue(v, (kk, x) => pat(st, f, kk, () => nx(st, f, x, k)));
      }
    }
    const walk = next;
    const hg = head.gen;
    return { gen: (st, f, k) => hg(st, f, (v) => walk(st, f, v, k)) };
  }

  /** `data.<prefix><rest>`: the constant prefix is resolved against the rule tree once, here. */
  protected dataRef(prefix: string[], rest: Term[], sc: Scope, bound: Set<number>): CompiledTerm | null {
    const tree = this.cx.tree;
    // Walk the tree as dataAt does, to find what the prefix reads at evaluation time.
    let node = tree;
    let i = 0;
    let below = true;
    for (; i < prefix.length; i++) {
      if (node.kind !== undefined || node.dynamic.length > 0) break;
      const next = node.children.get(prefix[i]!);
      if (!next) {
        below = false;
        break;
      }
      node = next;
    }
    let head: CompiledTerm;
    if (!below) {
      head = fromVal((st) => (st.dataOverrides !== null ? dataAt(st, tree, prefix) : baseAt(st, prefix)));
    } else {
      const target = node;
      const tail = prefix.slice(i);
      if (tail.length === 0) {
        if (rest.length > 0 && target.kind === undefined && target.dynamic.length === 0) return this.dataWalk(target, prefix, rest, sc, bound);
        head = fromVal((st) => (st.dataOverrides !== null ? dataAt(st, tree, prefix) : nodeValue(st, target)));
      } else
        head = fromVal((st) => {
          if (st.dataOverrides !== null) return dataAt(st, tree, prefix);
          let v = nodeValue(st, target);
          for (let j = 0; j < tail.length && v !== undefined; j++) v = indexValue(v, tail[j]!);
          return v;
        });
    }
    return this.path(head, rest, sc, bound, indexData);
  }

  /**
   * `data.pkg[k]...` at a rule-tree node without rules of its own: a key picks
   * one child, so only that subtree is evaluated (not the whole document,
   * which may include the rule asking). Keys are looked up as strings, as OPA
   * does for data (`data[2]` reads key "2").
   */
  protected dataWalk(node: RuleNode, prefix: string[], rest: Term[], sc: Scope, bound: Set<number>): CompiledTerm | null {
    const tree = this.cx.tree;
    const seg = rest[0]!;
    const trial = new Set(bound);
    const key = this.term(seg, sc, trial);
    let pat: UnifyFn | null = null;
    if (key) for (const s of trial) bound.add(s);
    else {
      pat = this.pattern(seg, sc, bound);
      if (!pat) return null;
    }
    // The remainder, applied to the child's value (a fresh path compiled over a placeholder head).
    let current: Value | undefined;
    const placeholder = fromVal(() => current);
    const tail = this.path(placeholder, rest.slice(1), sc, bound);
    if (!tail) return null;
    const whole = fromVal((st) => (st.dataOverrides !== null ? dataAt(st, tree, prefix) : nodeValue(st, node)));
    const wholePath = this.path(whole, rest, sc, new Set(bound));
    const childValue = (st: EvalState, k: Value): Value | undefined => {
      const name = typeof k === 'string' ? k : typeof k === 'number' ? String(k) : undefined;
      if (name === undefined) return undefined;
      const child = node.children.get(name);
      if (child) return nodeValue(st, child);
      return baseAt(st, [...prefix, name]);
    };
    const continueWith = (st: EvalState, f: Frame, v: Value, k: (v: Value) => boolean): boolean => {
      const saved = current;
      current = v;
      try {
        return tail.gen(st, f, k);
      } finally {
        current = saved;
      }
    };
    if (key) {
      return {
        gen: (st, f, k) => {
          if (st.dataOverrides !== null) return wholePath!.gen(st, f, k);
          return key.gen(st, f, (kk) => {
            const v = childValue(st, kk);
            return v === undefined ? false : continueWith(st, f, v, k);
          });
        },
      };
    }
    const p = pat!;
    return {
      gen: (st, f, k) => {
        if (st.dataOverrides !== null) return wholePath!.gen(st, f, k);
        const names = new Set<string>(node.children.keys());
        const base = baseAt(st, prefix);
        if (base !== undefined && isObject(base)) for (const [bk] of objectEntries(base)) if (typeof bk === 'string') names.add(bk);
        for (const name of names) {
          const v = childValue(st, name);
          if (v === undefined) continue;
          if (p(st, f, name, () => continueWith(st, f, v, k))) return true;
        }
        return false;
      },
    };
  }
}
