/**
 * The `data` document at evaluation time: base data merged with the values of
 * rules, memoised per evaluation (per `with` context), with `with data...`
 * overrides applied on top.
 */
import { RegoError } from '../errors.js';
import { equals, isObject, keyOf, ObjectBuilder, objectEntries, RegoSet, type Value } from '../value.js';
import type { RuleNode } from '../compile/ruletree.js';
import { indexValue, setAtPath } from './access.js';
import { indexedRules } from '../compile/indexer.js';
import { PENDING, UNDEFINED, type EvalState, type NodeMemo } from './state.js';
import type { CompiledNode, CompiledRule, Frame } from './types.js';

function compiledOf(node: RuleNode): CompiledNode {
  return node.compiled as CompiledNode;
}

/** Base data at a node's path (undefined if absent). */
export function baseAt(st: EvalState, path: readonly string[], upTo = path.length): Value | undefined {
  let v: Value | undefined = st.data;
  for (let i = 0; i < upTo && v !== undefined; i++) v = indexValue(v, path[i]!);
  return v;
}

function conflict(message: string, rule: CompiledRule): RegoError {
  return new RegoError('eval_conflict_error', message, rule.loc);
}

/** The frame of a rule without variables: nothing reads or writes a slot of it. */
const NO_FRAME: Frame = Object.freeze([]) as unknown as Frame;

/** The node's rules that can match this input: all of them, or the index's pick. */
function candidateRules(st: EvalState, c: CompiledNode): readonly CompiledRule[] {
  // `with` may replace `equal`, which the index relies on: then every rule is a candidate.
  return c.index === undefined || st.fnOverrides !== null ? c.rules : indexedRules(st, c.index);
}

/**
 * The value of a straight rule (see `CompiledRule.straight`), computed without
 * callbacks: most rules of real policies are like that, and a decision
 * evaluates dozens of them.
 */
function straightValue(st: EvalState, rule: CompiledRule): Value | undefined {
  if (rule.guard !== undefined && rule.guard(st, NO_FRAME) !== true) return undefined;
  const f: Frame = rule.frameSize === 0 ? NO_FRAME : new Array(rule.frameSize);
  st.tick();
  if (!(st.coverage === undefined ? rule.plainStep! : rule.body.step!)(st, f)) return undefined;
  const v = rule.value.val!(st, f);
  if (v !== undefined && st.coverage !== undefined) st.coverage(rule.loc);
  return v;
}

/** Runs one rule (following its else chain) and reports each head value. */
function runRule(st: EvalState, rule: CompiledRule, frame: Frame | undefined, onValue: (v: Value, rule: CompiledRule) => void): boolean {
  let r: CompiledRule | undefined = rule;
  while (r !== undefined) {
    const cur: CompiledRule = r;
    if (cur.guard !== undefined && cur.guard(st, frame ?? []) !== true) {
      r = cur.else;
      continue;
    }
    const f = frame ?? new Array(cur.frameSize);
    st.tick();
    const step = cur.body.step;
    const val = cur.value.val;
    if (step !== undefined && val !== undefined) {
      // A body that never iterates and a head with one value: no continuation closures.
      const v = step(st, f) ? val(st, f) : undefined;
      if (v !== undefined) {
        if (st.coverage !== undefined) st.coverage(cur.loc);
        onValue(v, cur);
        return true;
      }
      r = cur.else;
      continue;
    }
    let found = false;
    cur.body(st, f, () =>
      cur.value.gen(st, f, (v) => {
        // OPA marks a rule head covered when the rule produces a value.
        if (st.coverage !== undefined) st.coverage(cur.loc);
        found = true;
        onValue(v, cur);
        return cur.constantValue;
      }),
    );
    if (found) return true;
    r = cur.else;
  }
  return false;
}

/** A complete rule's value so far, and whether it came from an `else` (for OPA's conflict message). */
interface CompleteAcc {
  result: Value | undefined;
  fromElse: boolean;
}

/**
 * Adds the values of a rule that is not straight (an `else` chain, an
 * iterating body) to `acc`. Kept apart from `completeValue` so that the
 * straight rules' loop captures nothing: no closure context per node.
 */
function addRuleValues(st: EvalState, c: CompiledNode, rule: CompiledRule, acc: CompleteAcc): void {
  runRule(st, rule, undefined, (v, r) => {
    const isElse = r !== rule;
    if (acc.result === undefined) {
      acc.result = v;
      acc.fromElse = isElse;
    } else if (!equals(acc.result, v)) {
      // OPA words a conflict between `else` values of a rule the query asks for directly differently.
      const direct = st.ruleDepth === 1 && (acc.fromElse || isElse);
      throw conflict(direct ? `rule ${c.name} produced conflicting values` : 'complete rules must not produce multiple outputs', r);
    }
  });
}

function defaultValue(st: EvalState, def: CompiledRule): Value | undefined {
  if (def.straight === true) return straightValue(st, def);
  let result: Value | undefined;
  runRule(st, def, undefined, (v) => (result = v));
  return result;
}

function completeValue(st: EvalState, c: CompiledNode): Value | undefined {
  let result: Value | undefined;
  let fromElse = false;
  const rules = candidateRules(st, c);
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.straight === true || rule.straightChain === true) {
      // The first link of the chain with a value (no closure per link: see `straightValue`).
      let link: CompiledRule = rule;
      let v = straightValue(st, link);
      while (v === undefined && link.else !== undefined) v = straightValue(st, (link = link.else));
      if (v === undefined) continue;
      const isElse = link !== rule;
      if (result === undefined) {
        result = v;
        fromElse = isElse;
      } else if (!equals(result, v)) {
        // OPA words a conflict between `else` values of a rule the query asks for directly differently.
        const direct = st.ruleDepth === 1 && (fromElse || isElse);
        throw conflict(direct ? `rule ${c.name} produced conflicting values` : 'complete rules must not produce multiple outputs', link);
      }
      continue;
    }
    const acc: CompleteAcc = { result, fromElse };
    addRuleValues(st, c, rule, acc);
    result = acc.result;
    fromElse = acc.fromElse;
  }
  const def = c.defaultRule;
  if (result === undefined && def !== undefined) result = defaultValue(st, def);
  return result;
}

/** Adds a rule's members to a partial set (apart from `setValue`, whose loop then captures nothing). */
function addSetMembers(st: EvalState, rule: CompiledRule, out: RegoSet): void {
  runRule(st, rule, undefined, (v) => {
    st.grow(1);
    out.add(v);
  });
}

function setValue(st: EvalState, c: CompiledNode): RegoSet {
  const out = new RegoSet();
  const rules = candidateRules(st, c);
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.straight !== true) addSetMembers(st, rule, out);
    else {
      const v = straightValue(st, rule);
      if (v !== undefined) out.add(v);
    }
  }
  return out;
}

/** A mutable document being built from ref-head rules: nested keys to leaves. */
interface Builder {
  entries: Map<string, { key: Value; value?: Value; set?: RegoSet; child?: Builder }>;
}

function addDynamic(st: EvalState, root: Builder, rule: CompiledRule): void {
  let r: CompiledRule | undefined = rule;
  const f: Frame = new Array(rule.frameSize);
  st.tick();
  const rest = rule.rest!;
  rule.body(st, f, () => {
    const keys: Value[] = [];
    for (const seg of rest) {
      const k = seg.val ? seg.val(st, f) : firstOf(st, f, seg.gen);
      if (k === undefined) return false;
      keys.push(k);
    }
    return rule.value.gen(st, f, (v) => {
      if (st.coverage !== undefined) st.coverage(rule.loc);
      st.grow(1);
      insert(root, keys, v, rule);
      return false;
    });
  });
  void r;
}

function firstOf(st: EvalState, f: Frame, gen: CompiledRule['value']['gen']): Value | undefined {
  let out: Value | undefined;
  gen(st, f, (v) => {
    out = v;
    return true;
  });
  return out;
}

function insert(b: Builder, keys: Value[], v: Value, rule: CompiledRule): void {
  let cur = b;
  const last = rule.multi ? keys.length : keys.length - 1;
  for (let i = 0; i < last; i++) {
    const k = keys[i]!;
    const kk = keyOf(k);
    let e = cur.entries.get(kk);
    if (!e) cur.entries.set(kk, (e = { key: k }));
    if (e.value !== undefined || e.set !== undefined) throw conflict('object keys must be unique', rule);
    e.child ??= { entries: new Map() };
    cur = e.child;
  }
  if (rule.multi) {
    // The set lives at the entry of the last key; cur is its child map: store in a marker entry.
    const marker = cur.entries.get('\0set');
    if (marker) marker.set!.add(v);
    else cur.entries.set('\0set', { key: null, set: new RegoSet([v]) });
    return;
  }
  const k = keys[last]!;
  const kk = keyOf(k);
  const e = cur.entries.get(kk);
  if (!e) cur.entries.set(kk, { key: k, value: v });
  else if (e.child !== undefined || e.value === undefined || !equals(e.value, v)) throw conflict('object keys must be unique', rule);
}

function buildValue(b: Builder, base: Value | undefined): Value {
  const marker = b.entries.get('\0set');
  if (marker && b.entries.size === 1) return marker.set!;
  const out = new ObjectBuilder();
  if (base !== undefined && isObject(base)) for (const [k, x] of objectEntries(base)) out.set(k, x);
  for (const [kk, e] of b.entries) {
    if (kk === '\0set') continue;
    if (e.child) out.set(e.key, buildValue(e.child, out.get(e.key)));
    else out.set(e.key, e.value!);
  }
  return out.build();
}

/** The value of a rule-tree node: its rules' value, or the object of everything below it merged with base data. */
export function nodeValue(st: EvalState, node: RuleNode): Value | undefined {
  if (st.nodeMemo !== null) return nodeValueIn(st, st.nodeMemo, node);
  const table = st.table;
  const id = node.id;
  if (table.stamps[id] === table.stamp) {
    const memo = table.values[id];
    if (memo === PENDING) throw recursive(node);
    return memo === UNDEFINED ? undefined : memo;
  }
  table.set(id, PENDING);
  let v: Value | undefined;
  st.ruleDepth++;
  try {
    v = computeNode(st, node);
  } catch (e) {
    table.drop(id);
    throw e;
  } finally {
    st.ruleDepth--;
  }
  table.set(id, v === undefined ? UNDEFINED : v);
  return v;
}

function recursive(node: RuleNode): RegoError {
  return new RegoError('rego_recursion_error', `rule ${compiledOf(node).name} is recursive`);
}

/** `nodeValue` under a `with` context: its own memo, and the overrides applied to what is computed. */
function nodeValueIn(st: EvalState, nodes: NodeMemo, node: RuleNode): Value | undefined {
  const id = node.id;
  const memo = nodes.get(id);
  if (memo !== undefined) {
    if (memo === PENDING) throw recursive(node);
    return memo === UNDEFINED ? undefined : memo;
  }
  nodes.set(id, PENDING);
  let v: Value | undefined;
  st.ruleDepth++;
  try {
    v = computeNode(st, node);
  } catch (e) {
    nodes.delete(id);
    throw e;
  } finally {
    st.ruleDepth--;
  }
  if (st.dataOverrides !== null && v !== undefined) v = applyOverridesBelow(st, node.path, v);
  nodes.set(id, v === undefined ? UNDEFINED : v);
  return v;
}

function computeNode(st: EvalState, node: RuleNode): Value | undefined {
  const c = compiledOf(node);
  switch (c.kind) {
    case 'complete':
      return completeValue(st, c);
    case 'multi':
      return setValue(st, c);
    case 'function':
      return undefined;
    default:
      break;
  }
  const base = baseAt(st, node.path);
  const out = new ObjectBuilder();
  if (base !== undefined && isObject(base)) for (const [k, x] of objectEntries(base)) out.set(k, x);
  for (const [name, child] of node.children) {
    const cv = nodeValue(st, child);
    if (cv !== undefined) out.set(name, cv);
  }
  if (c.dynamic.length > 0) {
    const b: Builder = { entries: new Map() };
    for (const r of c.dynamic) addDynamic(st, b, r);
    const merged = buildValue(b, out.build());
    return merged;
  }
  if (node.children.size === 0 && c.dynamic.length === 0 && base === undefined) return node.path.length === 0 ? {} : undefined;
  return out.build();
}

/**
 * Applies `with data.<path> as v` overrides located strictly below `path` to a computed value.
 * Where nothing is there yet, an override creates the objects on its way, as OPA's upsert into
 * its data overlay does: `data.config` is `{"policy": {"when_ns": 1}}` under
 * `with data.config.policy.when_ns as 1` when base data has no `config`.
 */
function applyOverridesBelow(st: EvalState, path: readonly string[], v: Value | undefined): Value | undefined {
  let out = v;
  // Applied oldest first, so that an inner `with` (earlier in the list) wins where both write.
  const overrides = st.dataOverrides!;
  for (let j = overrides.length - 1; j >= 0; j--) {
    const o = overrides[j]!;
    if (o.path.length <= path.length) continue;
    let under = true;
    for (let i = 0; i < path.length; i++) if (o.path[i] !== path[i]) under = false;
    if (under) out = setAtPath(out, o.path.slice(path.length), o.value);
  }
  return out;
}

/**
 * The value at a constant data path, honouring overrides: the deepest rule-tree
 * node on the path is evaluated and the rest is read from its value (or base data).
 */
export function dataAt(st: EvalState, root: RuleNode, path: readonly string[]): Value | undefined {
  const overrides = st.dataOverrides;
  if (overrides !== null) {
    // Newest first: the first override at or above `path` decides, then newer ones below `path` go on top.
    for (let j = 0; j < overrides.length; j++) {
      const o = overrides[j]!;
      if (o.path.length <= path.length && o.path.every((p, i) => p === path[i])) {
        let v: Value | undefined = o.value;
        for (let i = o.path.length; i < path.length && v !== undefined; i++) v = indexValue(v, path[i]!);
        for (let n = j - 1; n >= 0; n--) {
          const below = overrides[n]!;
          if (below.path.length > path.length && path.every((p, i) => p === below.path[i])) v = setAtPath(v, below.path.slice(path.length), below.value);
        }
        return v;
      }
    }
  }
  let node = root;
  let i = 0;
  for (; i < path.length; i++) {
    const c = compiledOf(node);
    if (c.kind !== undefined || c.dynamic.length > 0) break;
    const next = node.children.get(path[i]!);
    if (!next) {
      // Nothing virtual below: base data.
      const v = baseAt(st, path);
      return st.dataOverrides !== null ? applyOverridesBelow(st, path, v) : v;
    }
    node = next;
  }
  let v = nodeValue(st, node);
  for (; i < path.length && v !== undefined; i++) v = indexValue(v, path[i]!);
  return v;
}
