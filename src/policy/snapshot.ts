/**
 * One loaded policy: the files as read, the merged data, the compiled policy
 * and the prepared domain queries. Built once per (re)load and never changed
 * afterwards; the engine swaps whole snapshots.
 */
import { createHash } from 'node:crypto';
import type { CompileOptions, EvalOptions, FieldList, ModuleSource, Policy, PreparedQuery } from '../rego/api.js';
import type { CompileCache } from '../rego/compile/incremental.js';
import type { JsonObject, Value } from '../rego/value.js';
import type { PolicyDirectory } from './directory.js';
import { fieldsOfDocument } from './domains/coerce.js';
import { DOMAIN_OUTPUT_FIELDS } from './domains/index.js';
import type { DomainName, PolicyFile, SnapshotInfo } from './types.js';

export type CompileFn = (sources: ModuleSource[], options: CompileOptions) => Policy;
/** The same compile, spread over several turns of the event loop (`compileAsync` from `src/rego/index.ts`). */
export type AsyncCompileFn = (sources: ModuleSource[], options: CompileOptions) => Promise<Policy>;

/** Built-ins that reach outside the process: a policy using one does not compile (the original's H4 hardening). */
export const REFUSED_BUILTINS: readonly string[] = Object.freeze(['http.send', 'net.lookup_ip_addr', 'opa.runtime']);

export const DOMAINS: readonly DomainName[] = Object.freeze(['admission', 'guardrail', 'firewall', 'sandbox', 'audit', 'skill_actions']);

/** How many ad-hoc Data API queries one snapshot keeps prepared. */
const QUERY_CACHE_LIMIT = 256;

/** A domain's decision query: its output fields' values (in their order), from one evaluation. Throws what evaluation throws. */
export type DomainQuery = (opts: EvalOptions) => FieldList;

export interface PolicySnapshot {
  readonly info: SnapshotInfo;
  readonly data: JsonObject;
  readonly policy: Policy;
  /** By domain name (a plain object: one property load per decision, where a Map costs a string hash lookup). */
  readonly domainQueries: Readonly<Record<DomainName, DomainQuery>>;
  /** Data API queries prepared on first use (bounded; keyed by the JSON of the path). */
  readonly pathQueries: Map<string, PreparedQuery>;
  /** Domains the policy does not define (null: none), answered with their fail-closed default. */
  readonly missingDomains: ReadonlySet<DomainName> | null;
}

/**
 * Whether the policy can define `data.defenseclaw.<domain>`: a module whose
 * package is that one, one below it, or one above it (which may define it by a
 * rule), or data there. A set without `firewall.rego` defines no firewall.
 */
export function definesDomain(policy: Policy, data: JsonObject, domain: DomainName): boolean {
  const target = ['defenseclaw', domain];
  for (const m of policy.modules) {
    const path = m.package.path;
    const n = Math.min(path.length, target.length);
    let i = 0;
    while (i < n && path[i] === target[i]) i++;
    if (i === n) return true;
  }
  const ours = data['defenseclaw'];
  return typeof ours === 'object' && ours !== null && !Array.isArray(ours) && (ours as JsonObject)[domain] !== undefined;
}

/** SHA-256 (hex) over the files sorted by name: name, NUL, content, NUL for each. */
export function computeRevision(files: readonly PolicyFile[]): string {
  const hash = createHash('sha256');
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const f of sorted) {
    hash.update(f.name);
    hash.update('\0');
    hash.update(f.content);
    hash.update('\0');
  }
  return hash.digest('hex');
}

export function shortRevision(fullRevision: string): string {
  return fullRevision.slice(0, 12);
}

/**
 * What the compiler is given for a loaded directory: its modules, with the
 * refused built-ins; and the engine's compile cache, if any (so that a reload
 * parses and compiles again only what changed).
 */
export function compileInputs(dir: PolicyDirectory, cache?: CompileCache): [ModuleSource[], CompileOptions] {
  const options: CompileOptions = { refusedBuiltins: REFUSED_BUILTINS };
  if (dir.v0Compatible) options.v0Compatible = true;
  if (cache) options.cache = cache;
  return [dir.modules.map((m) => ({ file: m.file, source: m.source })), options];
}

/** Compiles a loaded directory into a snapshot. Throws what `compile`/`prepare` throw (RegoErrors). */
export function buildSnapshot(dir: PolicyDirectory, compile: CompileFn, fullRevision: string, loadedAt: Date, cache?: CompileCache): PolicySnapshot {
  return snapshotOf(dir, compile(...compileInputs(dir, cache)), fullRevision, loadedAt);
}

/** The snapshot of a directory whose policy is compiled. Throws what `prepare` throws. */
export function snapshotOf(dir: PolicyDirectory, policy: Policy, fullRevision: string, loadedAt: Date): PolicySnapshot {
  const domainQueries = {} as Record<DomainName, DomainQuery>;
  for (const domain of DOMAINS) domainQueries[domain] = prepareDomainQuery(policy, domain);
  const missing = DOMAINS.filter((d) => !definesDomain(policy, dir.data, d));
  const files = Object.freeze(dir.files.map((f) => Object.freeze({ name: f.name, content: f.content })));
  const info: SnapshotInfo = Object.freeze({
    // A bundle's decisions carry its manifest revision (the one operators publish), else the content hash.
    revision: dir.bundle?.revision || shortRevision(fullRevision),
    fullRevision,
    loadedAt,
    policyDir: dir.policyDir,
    regoDir: dir.regoDir,
    moduleCount: dir.modules.length,
    files,
    ...(dir.bundle ? { bundle: Object.freeze({ ...dir.bundle }) } : {}),
    missingDomains: Object.freeze(missing),
  });
  return { info, data: dir.data, policy, domainQueries: Object.freeze(domainQueries), pathQueries: new Map(), missingDomains: missing.length > 0 ? new Set(missing) : null };
}

/**
 * Only the domain's output rules are evaluated when the policy can do that
 * (the decision's hot path); otherwise the whole package document is
 * evaluated and the fields read from it. Both give the same fields.
 */
function prepareDomainQuery(policy: Policy, domain: DomainName): DomainQuery {
  const fields = DOMAIN_OUTPUT_FIELDS[domain];
  const selected = policy.prepareFields?.(['defenseclaw', domain], fields);
  // Called as it is (no bound function in between): `evalFieldList` needs no `this`.
  if (selected?.evalFieldList) return selected.evalFieldList;
  if (selected) {
    return (opts) => {
      const values = selected.evalFields(opts);
      return fields.map((name) => values[name]);
    };
  }
  const whole = policy.prepare(`data.defenseclaw.${domain}`);
  return (opts) => fieldsOfDocument(firstValue(whole, opts), fields);
}

/** The query's value; the evaluator's fast path (`evalValue`, no result objects) when it offers one. */
export function firstValue(prepared: PreparedQuery, opts: EvalOptions): Value | undefined {
  if (prepared.evalValue) return prepared.evalValue(opts);
  const results = prepared.eval(opts);
  return results.length === 0 ? undefined : results[0]!.expressions[0]?.value;
}

/** The Data API query for a path: `data["a"]["b"]` (brackets, so any key is allowed). */
export function dataPathQuery(path: readonly string[]): string {
  return 'data' + path.map((segment) => `[${JSON.stringify(segment)}]`).join('');
}

/** The prepared query for `data.<path>` in this snapshot, prepared once and cached. */
export function preparePathQuery(snapshot: PolicySnapshot, path: readonly string[]): PreparedQuery {
  const key = JSON.stringify(path);
  const cached = snapshot.pathQueries.get(key);
  if (cached) return cached;
  const prepared = snapshot.policy.prepare(dataPathQuery(path));
  if (snapshot.pathQueries.size >= QUERY_CACHE_LIMIT) snapshot.pathQueries.clear();
  snapshot.pathQueries.set(key, prepared);
  return prepared;
}

/** Files added, removed and changed between two file lists (by name). */
export function diffFiles(
  before: readonly PolicyFile[],
  after: readonly PolicyFile[],
): { added: string[]; removed: string[]; changed: string[] } {
  const old = new Map(before.map((f) => [f.name, f.content]));
  const now = new Map(after.map((f) => [f.name, f.content]));
  const added = [...now.keys()].filter((n) => !old.has(n)).sort();
  const removed = [...old.keys()].filter((n) => !now.has(n)).sort();
  const changed = [...now.keys()].filter((n) => old.has(n) && old.get(n) !== now.get(n)).sort();
  return { added, removed, changed };
}
