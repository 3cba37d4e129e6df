/**
 * Reading selected rules of one package in a single evaluation.
 *
 * A decision needs a handful of a package's rules (`verdict`, `reason`, ...),
 * not its whole document: evaluating `data.pkg` computes every helper rule and
 * writes it into an object. Here each selected field is read from its own
 * rule-tree node with the evaluation's shared memo, so helpers are computed
 * only as far as the selected rules need them. The values are the ones the
 * package document would hold for those keys.
 */
import { isObject, type Value } from '../value.js';
import type { RuleNode } from '../compile/ruletree.js';
import { indexValue } from './access.js';
import { baseAt, nodeValue } from './documents.js';
import type { EvalState } from './state.js';

/** Selected fields' values, in the order of the fields asked for: `undefined` where the document has no such key. */
export type FieldList = (Value | undefined)[];

export type FieldReader = (st: EvalState) => FieldList;

/** True when a node's value is the object of its children (and base data), not a rule's own value. */
function isPlainPackage(node: RuleNode): boolean {
  return node.kind === undefined && node.dynamic.length === 0;
}

/**
 * A reader for `fields` of the package at `packagePath`, or undefined when the
 * package's document is not simply the object of its rules (no rules there, a
 * rule defining the package path itself or an ancestor, ref-head rules whose
 * keys are computed): callers then evaluate the whole document instead.
 */
export function compileFieldReader(root: RuleNode, packagePath: readonly string[], fields: readonly string[]): FieldReader | undefined {
  let node = root;
  for (const seg of packagePath) {
    if (!isPlainPackage(node)) return undefined;
    const next = node.children.get(seg);
    if (!next) return undefined;
    node = next;
  }
  if (!isPlainPackage(node) || node.children.size === 0) return undefined;
  const path = node.path;
  const names = fields.slice();
  const children = fields.map((name) => node.children.get(name));
  return (st) => {
    const out: FieldList = new Array(names.length);
    // The fields are what the package node would compute one level down: OPA's
    // conflict messages depend on that depth (see `completeValue`).
    st.ruleDepth++;
    try {
      let base: Value | undefined | null = null;
      for (let i = 0; i < names.length; i++) {
        const child = children[i];
        let v = child !== undefined ? nodeValue(st, child) : undefined;
        if (v === undefined) {
          // As in the package document, base data fills keys that rules leave undefined.
          if (base === null) base = baseAt(st, path);
          v = base !== undefined && isObject(base) ? indexValue(base, names[i]!) : undefined;
        }
        out[i] = v;
      }
    } finally {
      st.ruleDepth--;
    }
    return out;
  };
}
