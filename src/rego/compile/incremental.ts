/**
 * Incremental compiles: what a compile can take over from the last successful
 * one, so that a reload after an edit of one module re-does the work of that
 * module only. OPA recompiles everything; we may not, but must give exactly
 * the policy (and the errors) a full compile would.
 *
 * A `CompileCache` (one per policy engine, passed as `CompileOptions.cache`)
 * keeps:
 *  - parsed modules by file and text (with metadata calls inlined): a file
 *    whose text did not change is not parsed again. Syntax trees are never
 *    mutated after parsing (every stage copies), so one tree serves any number
 *    of compiles.
 *  - the record of the last successful compile: its modules, their resolved
 *    rules, their share of the recursion graph, its rule tree and policy.
 *  - compiled rules, type-check effects and body orders, by the (immutable)
 *    resolved rule or body they belong to.
 *
 * What may be reused hangs on the rule tree's shape. Each module has an
 * "interface": its package and, for every rule, the head's reference (names,
 * and which segments are constants or variables), kind, arity and `default`.
 * When every module's interface is the one at the same position in the last
 * compile (and the options are the same), then
 *  - the rule tree has the same nodes, with the same ids, kinds and arities;
 *  - names resolve as before (a package's rule names are unchanged), so an
 *    unchanged module's resolved rules are still right;
 *  - the checks of unchanged modules (imports, calls and arities, stage
 *    checks) and the conflict check (heads and packages only) found nothing
 *    before and find nothing now; only the changed modules are checked, and
 *    the recursion graph is rebuilt from each module's kept share;
 *  - an unchanged rule compiles to the same closures: every decision the
 *    closure compiler takes about other rules reads only the tree's shape,
 *    and compiled closures reach other rules through node ids
 *    (`EvalState.nodes`), never through nodes of the tree they were compiled
 *    against. Nodes whose rules are all unchanged keep their compiled form
 *    (index included);
 *  - the type checker re-checks the rules of changed modules and replays the
 *    recorded effects of the others. That is exact when the changed modules'
 *    rules have the same effects (types at the same paths) as before: then,
 *    by induction over the (acyclic) dependencies, every other rule sees the
 *    types it saw. When they differ, every rule is checked again.
 * Anything else (a rule added, renamed or changed in kind, a package moved,
 * other options) is a full compile, still without re-parsing unchanged files.
 * An incremental compile that finds any error is done again in full, so
 * errors are always those (and in the order) of a full compile.
 */
import type { Body, Expr, Module, Term } from '../syntax/ast.js';
import type { CompileOptions, Policy } from '../api.js';
import type { CompiledRule } from '../eval/types.js';
import { parseModule } from '../syntax/parser.js';
import { inlineMetadataCalls } from './metadata.js';
import type { ModuleEdges } from './checks/recursion.js';
import type { ResolvedRule } from './resolve.js';
import type { RuleNode } from './ruletree.js';
import { compare as compareTypes, type Type } from './typecheck/types.js';
import type { TypeEffect } from './typecheck/index.js';
import { equals } from '../value.js';

/** The last successful compile, as far as the next one may build on it. */
export interface CompileRecord {
  readonly optionsKey: string;
  /** Each module's interface (see above), by position. */
  readonly interfaces: readonly string[];
  readonly modules: readonly Module[];
  readonly resolved: ReadonlyMap<Module, readonly ResolvedRule[]>;
  readonly edges: ModuleEdges;
  /** The rule tree's nodes by id. */
  readonly nodes: readonly RuleNode[];
  readonly policy: Policy;
}

/** How a compile relates to the last one: which modules changed (by position); none means the same policy. */
export interface IncrementalPlan {
  readonly record: CompileRecord;
  readonly changed: readonly Module[];
  /** Positions of the changed modules. */
  readonly changedAt: readonly number[];
}

interface ParsedEntry {
  source: string;
  module: Module;
}

/** What the last compile through a cache did (for tests, logs and benchmarks). */
export interface CompileReport {
  /** `same`: the policy of the last compile served again; `incremental`: only changed modules compiled; `full`: everything. */
  kind: 'same' | 'incremental' | 'full';
  /** Files parsed (the others were taken from the cache). */
  parsed: number;
  /** Modules compiled (checked, resolved, compiled and type-checked) anew. */
  compiled: number;
}

export class CompileCache {
  private parsed = new Map<string, ParsedEntry>();
  private usedNow = new Map<string, ParsedEntry>();
  private parsedNow = 0;
  private readonly interfaces = new WeakMap<Module, string>();
  /** The last successful compile. */
  last: CompileRecord | undefined;
  /** What the last compile (successful or not) did. */
  report: CompileReport | undefined;
  /** Rules compiled in earlier compiles (see `compileTree`). */
  readonly compiledRules = new WeakMap<ResolvedRule, CompiledRule>();
  /** What checking each rule did to the types of `data`, from the last successful compile that checked it. */
  readonly typeEffects = new WeakMap<ResolvedRule, readonly TypeEffect[]>();
  /** Bodies in the order the safety check chose (read by the type checker). */
  readonly bodyOrder = new WeakMap<Body, Expr[]>();

  /**
   * A module parsed from `source`, with its metadata calls inlined: the one
   * parsed before when the file's text is the same. Throws what `parseModule`
   * throws. A file given twice in one compile gets a tree of its own the second time.
   */
  module(file: string, source: string, v0: boolean): Module {
    const key = `${v0 ? 0 : 1}${file}`;
    if (this.usedNow.has(key)) {
      this.parsedNow++;
      return inlineMetadataCalls(parseModule(file, source, { v0 }));
    }
    const known = this.parsed.get(key);
    if (known !== undefined && known.source === source) {
      this.usedNow.set(key, known);
      return known.module;
    }
    this.parsedNow++;
    const entry = { source, module: inlineMetadataCalls(parseModule(file, source, { v0 })) };
    this.usedNow.set(key, entry);
    return entry.module;
  }

  /** Called when a compile's parsing is over: only the files of that compile stay cached. Returns how many files were parsed. */
  endParse(): number {
    // Entries of files that failed to parse in this compile are dropped with the others not used.
    this.parsed = this.usedNow;
    this.usedNow = new Map();
    const n = this.parsedNow;
    this.parsedNow = 0;
    return n;
  }

  /** A module's interface: its package, and each rule's head path, kind, arity and `default`. */
  interfaceOf(m: Module): string {
    let known = this.interfaces.get(m);
    if (known === undefined) this.interfaces.set(m, (known = moduleInterface(m)));
    return known;
  }

  /** How a compile of `modules` with these options may build on the last one; undefined: a full compile. */
  plan(modules: readonly Module[], optionsKey: string): IncrementalPlan | undefined {
    const record = this.last;
    if (record === undefined || record.optionsKey !== optionsKey || record.modules.length !== modules.length) return undefined;
    const changed: Module[] = [];
    const changedAt: number[] = [];
    for (let i = 0; i < modules.length; i++) {
      const m = modules[i]!;
      if (m === record.modules[i]) continue;
      if (this.interfaceOf(m) !== record.interfaces[i]) return undefined;
      changed.push(m);
      changedAt.push(i);
    }
    return { record, changed, changedAt };
  }
}

/** What, in the options, a compile's result depends on. */
export function optionsKey(opts: CompileOptions): string {
  return JSON.stringify([opts.v0Compatible === true, opts.strict === true, opts.trace === true, [...(opts.refusedBuiltins ?? [])].sort()]);
}

function segmentShape(t: Term): string {
  switch (t.type) {
    case 'string':
      return 's' + t.value;
    case 'var':
      return 'v';
    case 'number':
      return 'n' + t.raw;
    case 'boolean':
      return 'b' + String(t.value);
    case 'null':
      return 'z';
    default:
      return 'o';
  }
}

function moduleInterface(m: Module): string {
  const parts: string[] = [m.package.path.join('\u0001')];
  for (const r of m.rules) {
    const h = r.head;
    parts.push(`${h.kind}/${h.args === undefined ? -1 : h.args.length}/${r.isDefault ? 'd' : ''}/${h.ref.map(segmentShape).join('\u0001')}`);
  }
  return parts.join('\u0002');
}

function sameType(a: Type | undefined, b: Type | undefined): boolean {
  return a === undefined || b === undefined ? a === b : compareTypes(a, b) === 0;
}

function sameEffect(a: TypeEffect, b: TypeEffect): boolean {
  if (a.path.length !== b.path.length) return false;
  for (let i = 0; i < a.path.length; i++) if (!equals(a.path[i]!, b.path[i]!)) return false;
  return sameType(a.put, b.put) && sameType(a.insert, b.insert);
}

/**
 * Whether the rules of the changed modules had, in this compile, the effects
 * on the types of `data` that the rules of the modules they replace had.
 */
export function sameTypeEffects(
  plan: IncrementalPlan,
  resolvedNow: ReadonlyMap<Module, readonly ResolvedRule[]>,
  now: ReadonlyMap<ResolvedRule, readonly TypeEffect[]>,
  before: WeakMap<ResolvedRule, readonly TypeEffect[]>,
): boolean {
  for (let k = 0; k < plan.changed.length; k++) {
    const oldRules = plan.record.resolved.get(plan.record.modules[plan.changedAt[k]!]!) ?? [];
    const newRules = resolvedNow.get(plan.changed[k]!) ?? [];
    if (oldRules.length !== newRules.length) return false;
    for (let i = 0; i < newRules.length; i++) {
      const a = before.get(oldRules[i]!);
      const b = now.get(newRules[i]!);
      if (a === undefined || b === undefined || a.length !== b.length) return false;
      for (let j = 0; j < a.length; j++) if (!sameEffect(a[j]!, b[j]!)) return false;
    }
  }
  return true;
}
