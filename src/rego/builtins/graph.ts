/**
 * `graph.reachable` and `graph.reachable_paths`, as OPA's topdown/reachable.go.
 * A graph is an object from node to its neighbours (array or set). Collections
 * are walked in insertion order, as Go's ast.Set and arrays are.
 */
import type { BuiltinTable } from './builtin.js';
import { obj } from './operands.js';
import { objectGet, RegoSet, type JsonObject, type RegoObject, type Value } from '../value.js';

type Graph = JsonObject | RegoObject;

/** Members of an array or set; anything else has none (OPA ignores other types here). */
function vertices(v: Value | undefined): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return Array.from(v.values());
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
 * Depth-first path building. Like OPA, `visited` is shared by the whole walk
 * from one start node, so a node already expanded through another branch ends
 * the path that reaches it again (this is also what stops cycles).
 */
function buildPaths(graph: Graph, root: Value, path: Value[], out: RegoSet, visited: RegoSet): void {
  const edges = objectGet(graph, root);
  if (edges === undefined) {
    out.add(path);
    return;
  }
  const next = vertices(edges);
  if (next.length === 0) {
    out.add([...path, root]);
    return;
  }
  for (const neighbour of next) {
    if (visited.has(neighbour)) out.add([...path, root]);
    else {
      visited.add(root);
      buildPaths(graph, neighbour, [...path, root], out, visited);
    }
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

export const builtins: BuiltinTable = {
  'graph.reachable': (args) => reachable(obj('graph.reachable', args, 1), args[1]!),
  'graph.reachable_paths': (args) => reachablePaths(obj('graph.reachable_paths', args, 1), args[1]!),
};
