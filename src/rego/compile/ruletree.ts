/**
 * The rule tree: every rule placed at its path below `data`, by package and
 * reference head. A node holds the rules that define exactly its path (a complete
 * value, a partial set or a function) and the "dynamic" rules whose reference
 * continues below it with variables (`o[k] := v`, `a.b[c].d := v`).
 */
import type { Term } from '../syntax/ast.js';
import type { ResolvedRule } from './resolve.js';

export type RuleKind = 'complete' | 'multi' | 'function';

export class RuleNode {
  readonly children = new Map<string, RuleNode>();
  /** Rules whose full path is exactly this node's path. */
  readonly rules: ResolvedRule[] = [];
  kind: RuleKind | undefined;
  /** Rules whose path continues below this node with a non-constant segment; `rest` is that remaining path. */
  readonly dynamic: { rule: ResolvedRule; rest: Term[] }[] = [];
  /** Filled by the compiler: the evaluable form of this node's rules. */
  compiled: unknown;

  constructor(
    readonly path: string[],
    /** Index of this node in its tree (0 for the root): the slot of its memoised value in an evaluation. */
    readonly id = 0,
  ) {}

  child(name: string): RuleNode | undefined {
    return this.children.get(name);
  }

  /** True if this node or anything below it is defined by rules. */
  get hasRules(): boolean {
    return this.rules.length > 0 || this.dynamic.length > 0 || this.children.size > 0;
  }
}

export function buildRuleTree(rules: ResolvedRule[]): RuleNode {
  const root = new RuleNode([]);
  let ids = 1;
  for (const r of rules) {
    let node = root;
    let i = 0;
    const path = r.path;
    for (; i < path.length; i++) {
      const seg = path[i]!;
      if (seg.type !== 'string') break;
      let next = node.children.get(seg.value);
      if (!next) node.children.set(seg.value, (next = new RuleNode([...node.path, seg.value], ids++)));
      node = next;
    }
    if (i < path.length) {
      node.dynamic.push({ rule: r, rest: path.slice(i) });
    } else {
      node.rules.push(r);
      node.kind ??= r.rule.head.kind;
    }
  }
  return root;
}

/** Every node of a tree, at its id (ids are dense: 0 … count-1, as `buildRuleTree` gives them). */
export function nodeTable(root: RuleNode): RuleNode[] {
  const out: RuleNode[] = [];
  const visit = (n: RuleNode): void => {
    out[n.id] = n;
    for (const c of n.children.values()) visit(c);
  };
  visit(root);
  return out;
}

/** The node at a constant path, if rules define anything there. */
export function findNode(root: RuleNode, path: readonly string[]): RuleNode | undefined {
  let node: RuleNode | undefined = root;
  for (const seg of path) {
    node = node.children.get(seg);
    if (!node) return undefined;
  }
  return node;
}
