/**
 * Recursion between rules and functions is a compile error in Rego:
 * `rule data.x.p is recursive: data.x.p -> data.x.q -> data.x.p`, reported for
 * every rule on a cycle, at its first definition.
 */
import { RegoError } from '../../errors.js';
import type { Module, RefTerm, Term } from '../../syntax/ast.js';
import { declaredLocals, packageRuleNames, resolveNames, type RuleIndex, type RuleInfo } from './names.js';
import { walkBody, walkRule, walkTerm } from '../../syntax/walk.js';
import { declaredVars } from '../resolve.js';

/**
 * Each module's share of the dependency graph (its rules' paths → the rule
 * paths they refer to). It depends on the module and on the rule paths of all
 * modules (where a reference can land), so a caller that knows the paths
 * unchanged may keep these between compiles and pass them back
 * (`compile/incremental.ts`): only new modules are walked again.
 */
export type ModuleEdges = Map<Module, Map<string, Set<string>>>;

export function checkRecursion(modules: Module[], index: RuleIndex, edges: ModuleEdges = new Map()): RegoError[] {
  const graph = dependencyGraph(modules, index, edges);
  const cyclic = rulesOnCycles(graph);
  const errors: RegoError[] = [];
  for (const [path, rules] of index.byPath) {
    // Most policies have no cycle: only rules found on one pay for the search of their shortest cycle.
    if (!cyclic.has(path)) continue;
    const cycle = shortestCycle(graph, path);
    if (cycle) errors.push(new RegoError('rego_recursion_error', `rule ${path} is recursive: ${cycle.join(' -> ')}`, rules[0]!.rule.loc));
  }
  return errors;
}

/** Rule path → rule paths its rules refer to (in order of first reference). */
function dependencyGraph(modules: Module[], index: RuleIndex, edges: ModuleEdges): Map<string, string[]> {
  let trie: RuleTrie | undefined;
  const fresh = new Map<Module, { own: Map<string, Set<string>>; pkgRules: ReadonlySet<string> }>();
  for (const info of index.all) {
    if (edges.has(info.module)) continue;
    if (trie === undefined) {
      trie = new RuleTrie();
      for (const rules of index.byPath.values()) trie.add(rules[0]!.segments, rules[0]!.path);
    }
    let f = fresh.get(info.module);
    if (f === undefined) fresh.set(info.module, (f = { own: new Map(), pkgRules: packageRuleNames(modules, info.module) }));
    addRuleEdges(info, f.pkgRules, trie, f.own);
  }
  for (const [m, f] of fresh) edges.set(m, f.own);
  // Merged in module order, as one walk over every rule would have found them.
  const graph = new Map<string, Set<string>>();
  for (const m of modules) {
    for (const [path, deps] of edges.get(m) ?? []) {
      const all = graph.get(path);
      if (all === undefined) graph.set(path, new Set(deps));
      else for (const d of deps) all.add(d);
    }
  }
  return new Map([...graph].map(([k, v]) => [k, [...v]]));
}

/** Adds the paths one rule refers to (through `trie`, the rule paths of all modules) to its path's entry of `graph`. */
function addRuleEdges(info: RuleInfo, pkgRules: ReadonlySet<string>, trie: RuleTrie, graph: Map<string, Set<string>>): void {
  const deps = graph.get(info.path) ?? new Set<string>();
  graph.set(info.path, deps);
  const addRef = (ref: RefTerm, declared: ReadonlySet<string>): void => {
    if (ref.head.type !== 'var' || ref.head.wildcard || declared.has(ref.head.name)) return;
    const root = resolveNames(info.module, [ref.head.name], pkgRules);
    if (!root || root[0] !== 'data') return;
    const target = [...root, ...ref.path.map(segmentPattern)];
    trie.collect(target, deps);
  };
  // A ref whose head is a name is matched whole; its keys may hold further references.
  // A comprehension's `some`/`:=` variables are local to it, even when a rule has their name.
  const visitorIn = (declared: ReadonlySet<string>) => {
    const visit = (t: Term): boolean | void => {
      if (t.type === 'call') addRef(t.fn, declared); // a call depends on the function it calls; its operands are walked next
      else if (t.type === 'var') addRef({ type: 'ref', head: t, path: [], loc: t.loc }, declared);
      else if (t.type === 'ref' && t.head.type === 'var') {
        addRef(t, declared);
        for (const seg of t.path) walkTerm(seg, visit);
        return false;
      } else if (t.type === 'arraycomp' || t.type === 'setcomp' || t.type === 'objectcomp') {
        const inner = visitorIn(declaredVars(t.body, new Set(declared)));
        for (const part of t.type === 'objectcomp' ? [t.key, t.value] : [t.term]) walkTerm(part, inner);
        walkBody(t.body, inner);
        return false;
      }
    };
    return visit;
  };
  const visitor = visitorIn(declaredLocals(info.rule));
  walkRule(info.rule, visitor);
}

/** A ref segment as a pattern over rule path segments: a name, any (null) for non-constant keys, or nothing for other constants. */
function segmentPattern(seg: Term): string | null {
  if (seg.type === 'string') return seg.value;
  if (seg.type === 'var' || seg.type === 'ref' || seg.type === 'call') return null;
  return '\u0000'; // numbers, booleans...: rule paths are names, never matched
}

/**
 * Rule paths by their segments, so that finding the rules a ref reaches costs
 * the ref's length (plus the rules it reaches), not a scan of every rule.
 */
class RuleTrie {
  private readonly children = new Map<string, RuleTrie>();
  private readonly paths: string[] = [];

  add(segments: readonly string[], path: string): void {
    let node: RuleTrie = this;
    for (const seg of segments) {
      let child = node.children.get(seg);
      if (child === undefined) node.children.set(seg, (child = new RuleTrie()));
      node = child;
    }
    node.paths.push(path);
  }

  /**
   * Adds to `into` every rule the ref pattern reaches: rules whose path is a
   * prefix of the ref, and all rules below the ref's end. `null` segments
   * (non-constant keys) match any name.
   */
  collect(target: readonly (string | null)[], into: Set<string>, from = 0): void {
    for (const p of this.paths) into.add(p);
    if (from === target.length) {
      for (const child of this.children.values()) child.collect(target, into, from);
      return;
    }
    const seg = target[from];
    if (seg === null) {
      for (const child of this.children.values()) child.collect(target, into, from + 1);
    } else {
      this.children.get(seg!)?.collect(target, into, from + 1);
    }
  }
}

/**
 * The rules that lie on some cycle: members of a strongly connected component
 * with more than one rule, or with an edge to itself (Tarjan's algorithm,
 * iterative so that long dependency chains cannot exhaust the stack). Linear in
 * rules and dependencies.
 */
function rulesOnCycles(graph: Map<string, string[]>): Set<string> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cyclic = new Set<string>();
  let next = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: [string, number][] = [[root, 0]];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [node, i] = frame;
      const deps = graph.get(node) ?? [];
      if (i < deps.length) {
        frame[1]++;
        const d = deps[i]!;
        if (!index.has(d)) {
          index.set(d, next);
          low.set(d, next++);
          stack.push(d);
          onStack.add(d);
          work.push([d, 0]);
        } else if (onStack.has(d)) low.set(node, Math.min(low.get(node)!, index.get(d)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low.set(parent, Math.min(low.get(parent)!, low.get(node)!));
      }
      if (low.get(node) === index.get(node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1 || deps.includes(node)) for (const m of component) cyclic.add(m);
      }
    }
  }
  return cyclic;
}

/** The shortest path from `start` back to itself, as a list of paths (start first and last). */
function shortestCycle(graph: Map<string, string[]>, start: string): string[] | undefined {
  const prev = new Map<string, string>();
  const queue: string[] = [];
  for (const d of graph.get(start) ?? []) {
    if (d === start) return [start, start];
    if (!prev.has(d)) {
      prev.set(d, start);
      queue.push(d);
    }
  }
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const d of graph.get(node) ?? []) {
      if (d === start) {
        const path = [start];
        for (let n: string | undefined = node; n !== undefined && n !== start; n = prev.get(n)) path.unshift(n);
        path.unshift(start);
        return path;
      }
      if (!prev.has(d)) {
        prev.set(d, node);
        queue.push(d);
      }
    }
  }
  return undefined;
}
