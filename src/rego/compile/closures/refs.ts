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
import { atKeys, fromVal, indexData, indexPlain, INPUT_TERM, ROOTS, type Index, type Scope } from './kit.js';

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
      // Constant keys (`input.a.b`, `x.y`): no closure call per key, and `input` read where it is.
      const keys = steps.every((s) => s.key!.constant !== undefined) ? steps.map((s) => s.key!.constant!) : undefined;
      if (keys !== undefined && keys.length === 1) {
        const k = keys[0]!;
        if (head === INPUT_TERM) {
          return fromVal((st) => {
            const v = st.input;
            return v === undefined ? undefined : indexValue(v, k);
          });
        }
        return fromVal((st, f) => {
          const v = hv(st, f);
          return v === undefined ? undefined : indexValue(v, k);
        });
      }
      if (keys !== undefined) {
        if (head === INPUT_TERM) return fromVal((st) => atKeys(st.input, keys, indexValue));
        return fromVal((st, f) => atKeys(hv(st, f), keys, indexValue));
      }
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

  /**
   * `data.<prefix><rest>`: the constant prefix is resolved against the rule tree once, here.
   * The closures capture node ids, never nodes: at evaluation they read the
   * evaluating policy's own nodes (`st.nodes`), so that a later compile whose
   * tree has the same shape can reuse them (see `compile/incremental.ts`).
   */
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
      // Base data only, and base data never changes (values are immutable): the value at the path is
      // looked up again only when an evaluation brings another data document (another snapshot).
      let seen: Value | undefined;
      let found: Value | undefined;
      head = fromVal((st) => {
        if (st.dataOverrides !== null) return dataAt(st, st.nodes[0]!, prefix);
        if (st.data !== seen) {
          found = baseAt(st, prefix);
          seen = st.data;
        }
        return found;
      });
    } else {
      const target = node.id;
      const tail = prefix.slice(i);
      if (tail.length === 0) {
        if (rest.length > 0 && node.kind === undefined && node.dynamic.length === 0) return this.dataWalk(node, prefix, rest, sc, bound);
        head = fromVal((st) => (st.dataOverrides !== null ? dataAt(st, st.nodes[0]!, prefix) : nodeValue(st, st.nodes[target]!)));
      } else
        head = fromVal((st) => {
          if (st.dataOverrides !== null) return dataAt(st, st.nodes[0]!, prefix);
          let v = nodeValue(st, st.nodes[target]!);
          for (let j = 0; j < tail.length && v !== undefined; j++) v = indexValue(v, tail[j]!);
          return v;
        });
    }
    return this.path(head, rest, sc, bound, indexData);
  }

  /**
   * `data.pkg[k]...` at a rule-tree node without rules of its own: a key picks
   * one child, and the walk goes on down the tree while it meets namespaces
   * (packages and prefixes of rule paths), so only the rules the reference
   * reaches are evaluated, as OPA's evaluation of data references does (not
   * the whole document, which may include the rule asking). Keys are looked up
   * as strings, as OPA does for data (`data[2]` reads key "2").
   */
  protected dataWalk(node: RuleNode, prefix: string[], rest: Term[], sc: Scope, bound: Set<number>): CompiledTerm | null {
    const id = node.id;
    const n = rest.length;
    // The whole document's path, used under `with data...` (overrides apply to whole values).
    const whole = fromVal((st) => (st.dataOverrides !== null ? dataAt(st, st.nodes[0]!, prefix) : nodeValue(st, st.nodes[id]!)));
    const wholePath = this.path(whole, rest, sc, new Set(bound));
    // Per segment: a key to look up, or a pattern to match each name against (binding its variables).
    const steps: { key?: CompiledTerm; pat?: UnifyFn }[] = [];
    // tails[i]: segments i.. applied to a value (a path compiled over a placeholder head), for where the walk leaves the namespaces.
    const tails: (CompiledTerm | undefined)[] = [];
    let current: Value | undefined;
    const placeholder = fromVal(() => current);
    for (let i = 0; i < n; i++) {
      if (i > 0) {
        const tail = this.path(placeholder, rest.slice(i), sc, new Set(bound));
        if (!tail) return null;
        tails.push(tail);
      } else tails.push(undefined);
      const trial = new Set(bound);
      const key = this.term(rest[i]!, sc, trial);
      if (key) {
        for (const s of trial) bound.add(s);
        steps.push({ key });
        continue;
      }
      const pat = this.pattern(rest[i]!, sc, bound);
      if (!pat) return null;
      steps.push({ pat });
    }
    if (!wholePath) return null;
    const continueWith = (st: EvalState, f: Frame, i: number, v: Value, k: (v: Value) => boolean): boolean => {
      if (i === n) return k(v);
      const saved = current;
      current = v;
      try {
        return tails[i]!.gen(st, f, k);
      } finally {
        current = saved;
      }
    };
    // At segment i, below `path` (a namespace node, or below the rules: base data only).
    const walk = (st: EvalState, f: Frame, at: RuleNode | undefined, path: string[], i: number, k: (v: Value) => boolean): boolean => {
      if (at === undefined || i === n || at.kind !== undefined || at.dynamic.length > 0) {
        const v = at === undefined ? baseAt(st, path) : nodeValue(st, at);
        return v === undefined ? false : continueWith(st, f, i, v, k);
      }
      const step = steps[i]!;
      const down = (name: string): boolean => walk(st, f, at.children.get(name), [...path, name], i + 1, k);
      if (step.key) {
        return step.key.gen(st, f, (kk) => {
          const name = typeof kk === 'string' ? kk : typeof kk === 'number' ? String(kk) : undefined;
          return name === undefined ? false : down(name);
        });
      }
      const p = step.pat!;
      const names = new Set<string>(at.children.keys());
      const base = baseAt(st, path);
      if (base !== undefined && isObject(base)) for (const [bk] of objectEntries(base)) if (typeof bk === 'string') names.add(bk);
      for (const name of names) if (p(st, f, name, () => down(name))) return true;
      return false;
    };
    return {
      gen: (st, f, k) => (st.dataOverrides !== null ? wholePath.gen(st, f, k) : walk(st, f, st.nodes[id]!, prefix, 0, k)),
    };
  }

}
