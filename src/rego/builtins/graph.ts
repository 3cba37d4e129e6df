/**
 * `graph.reachable` and `graph.reachable_paths`, as OPA's topdown/reachable.go.
 * A graph is an object from node to its neighbours (array or set). Collections
 * are walked in insertion order, as Go's ast.Set and arrays are.
 */
import type { BuiltinTable } from './builtin.js';
import { obj, typeError } from './operands.js';
import { objectGet, RegoSet, type JsonObject, type RegoObject, type Value } from '../value.js';

type Graph = JsonObject | RegoObject;

/** Members of an array or set; anything else has none (OPA ignores other types here). */
function vertices(v: Value | undefined): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.sorted();
  return [];
}

/** Breadth-first search; a node counts as reached only if it is a key of the graph. */
function reachable(graph: Graph, initial: Value): RegoSet {
  const reached = new RegoSet();
  const queue = vertices(initial).slice();
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    const edges = objectGet(graph, node);
    if (edges === undefined) continue;
    for (const n of vertices(edges)) if (!reached.has(n)) queue.push(n);
    reached.add(node);
  }
  return reached;
}

/**
 * Depth-first path building, as reachable.go's pathBuilder since OPA fixed #5871
 * (PR 8510): each branch has its own copy of the nodes on its path, so a node
 * reached by two routes gives both paths; meeting a node already on the path
 * (a cycle) ends it there.
 */
function buildPaths(graph: Graph, root: Value, path: Value[], out: RegoSet, onPath: RegoSet): void {
  const edges = objectGet(graph, root);
  if (edges === undefined) {
    out.add(path);
    return;
  }
  const here = [...path, root];
  const next = vertices(edges);
  if (next.length === 0) {
    out.add(here);
    return;
  }
  const reached = new RegoSet(onPath.values());
  reached.add(root);
  for (const neighbour of next) {
    if (reached.has(neighbour)) out.add(here);
    else buildPaths(graph, neighbour, here, out, reached);
  }
}

function reachablePaths(graph: Graph, initial: Value): RegoSet {
  const out = new RegoSet();
  for (const node of vertices(initial)) {
    const edges = objectGet(graph, node);
    if (edges === undefined) continue;
    const next = vertices(edges);
    if (next.length === 0) {
      out.add([node]);
      continue;
    }
    for (const neighbour of next) buildPaths(graph, neighbour, [node], out, new RegoSet([node]));
  }
  return out;
}

/** The start nodes: an array or a set (reachable.go: "{array, set}"). */
function initialNodes(name: string, args: Value[]): Value {
  const v = args[1]!;
  if (!Array.isArray(v) && !(v instanceof RegoSet)) throw typeError(name, 2, '{array, set}', v);
  return v;
}

export const builtins: BuiltinTable = {
  'graph.reachable': (args) => reachable(obj('graph.reachable', args, 1), initialNodes('graph.reachable', args)),
  'graph.reachable_paths': (args) => reachablePaths(obj('graph.reachable_paths', args, 1), initialNodes('graph.reachable_paths', args)),
};
