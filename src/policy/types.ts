/**
 * The contract between the policy engine (`src/policy/`) and its users (the
 * gateway, the CLIs). The engine holds one immutable compiled snapshot at a
 * time; every decision reads the current snapshot once and reports its revision.
 */
import type { RegoError } from '../rego/errors.js';

export type DomainName = 'admission' | 'guardrail' | 'firewall' | 'sandbox' | 'audit' | 'skill_actions';

export interface PolicyFile {
  /** File name relative to the rego dir (`admission.rego`, `data.json`). */
  name: string;
  content: string;
}

/** What callers may know of a loaded snapshot (the compiled policy stays inside the engine). */
export interface SnapshotInfo {
  /** First 12 hex digits of `fullRevision`; for a bundle, its manifest revision (when it has one). */
  revision: string;
  /** SHA-256 (hex) over the sorted file names and contents. */
  fullRevision: string;
  loadedAt: Date;
  /** The configured policy directory (as given). */
  policyDir: string;
  /** The resolved directory holding the modules (`<policyDir>/rego` or `<policyDir>`). */
  regoDir: string;
  /** Number of `.rego` modules (tests included). */
  moduleCount: number;
  files: readonly PolicyFile[];
  /** The bundle it came from (name and manifest revision), when the source is a bundle. */
  bundle?: { readonly name: string; readonly revision: string };
  /**
   * Domains the policy does not define (no package `defenseclaw.<domain>`, no
   * data there): their decisions give the domain's fail-closed default.
   */
  missingDomains?: readonly DomainName[];
}

export type ReloadOutcome =
  | {
      ok: true;
      /** false when the directory was unchanged (same revision). */
      changed: boolean;
      /** true when nothing was applied because `dryRun` was asked. */
      dryRun: boolean;
      revision: string;
      previousRevision: string | null;
      modules: number;
      durationMs: number;
      snapshot: SnapshotInfo;
      /** For dry runs and reports: module files added, removed, changed vs the current snapshot. */
      diff: { added: string[]; removed: string[]; changed: string[] };
    }
  | {
      ok: false;
      /** 'compile': Rego parse/compile errors (HTTP 400); 'load': unreadable dir, bad data.json... (HTTP 500). */
      kind: 'compile' | 'load';
      message: string;
      /** The Rego errors with file/row/col (empty for load failures). */
      errors: RegoError[];
      durationMs: number;
    };

export interface ReloadOptions {
  /** Compile and report without applying. */
  dryRun?: boolean;
  /**
   * Called once the new snapshot compiled, just before it is swapped in (also when
   * the directory is unchanged; never for dry runs or failures), and awaited. If it
   * throws (or its promise rejects), nothing is swapped and the outcome is a `load`
   * failure naming its error: the caller records the change (audit row, history)
   * here so that one compile serves.
   */
  beforeSwap?: (next: SnapshotInfo) => void | Promise<void>;
}

export interface Decision<T> {
  revision: string;
  output: T;
}

/**
 * A decision now, or later when it outlasted its in-process slice and was
 * sent to the evaluation pool (`PolicyEngineOptions.offload`). Callers on the
 * hot path test `instanceof Promise` rather than always awaiting.
 */
export type DecisionResult<T> = Decision<T> | Promise<Decision<T>>;

/** Bad input from a caller: HTTP 400. */
export class PolicyInputError extends Error {
  override name = 'PolicyInputError';
}
/** No snapshot is loaded (start-up load failed and no reload succeeded yet): HTTP 503. */
export class PolicyUnavailableError extends Error {
  override name = 'PolicyUnavailableError';
}
/** Evaluation failed (conflict, built-in error, missing package...): HTTP 500. */
export class PolicyEvaluationError extends Error {
  override name = 'PolicyEvaluationError';
}

// --- Domain outputs (spec section 2) --------------------------------------

export interface AdmissionOutput {
  verdict: string;
  reason: string;
  file_action: string;
  install_action: string;
  runtime_action: string;
}

export interface GuardrailOutput {
  action: string;
  severity: string;
  reason: string;
  scanner_sources: string[];
}

export interface FirewallOutput {
  action: string;
  rule_name: string;
}

export interface SandboxOutput {
  allowed_endpoints: string[];
  denied_endpoints: string[];
  denied_from_request: string[];
  permissions: string[];
  allowed_skills: string[];
}

export interface AuditOutput {
  retain: boolean;
  retain_reason: string;
  export_to: string[];
}

export interface SkillActionsOutput {
  runtime_action: string;
  file_action: string;
  install_action: string;
  should_block: boolean;
}

export interface ListEntry {
  target_type: string;
  target_name: string;
  reason?: string;
}

export interface PolicyEngineApi {
  readonly policyDir: string;
  /** The snapshot now serving, or null if none ever loaded. */
  current(): SnapshotInfo | null;
  /** The error of the last failed load/reload, or null after a success. */
  lastLoadError(): string | null;
  /**
   * Reads and compiles the directory; swaps it in only if all succeeded (unless dryRun).
   * Coalesced, except reloads carrying a `beforeSwap` hook (each runs its own load).
   */
  reload(opts?: ReloadOptions): Promise<ReloadOutcome>;
  /** Never throws (nor rejects) except PolicyInputError; failures give the fail-closed admission output. */
  admission(input: unknown): DecisionResult<AdmissionOutput>;
  /** Never throws (nor rejects) except PolicyInputError; failures give the outage verdict. */
  guardrail(input: unknown): DecisionResult<GuardrailOutput>;
  firewall(input: unknown): DecisionResult<FirewallOutput>;
  sandbox(input: unknown): DecisionResult<SandboxOutput>;
  audit(input: unknown): DecisionResult<AuditOutput>;
  skillActions(input: unknown): DecisionResult<SkillActionsOutput>;
  /** OPA Data API: value of `data.<path>` with `input`, undefined when undefined. */
  query(path: string[], input: unknown): DecisionResult<unknown | undefined>;
}
