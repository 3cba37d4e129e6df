/**
 * A small stand-in for the policy engine (same `PolicyEngineApi` contract):
 * the "policy" is `<dir>/policy.json` `{"verdict": "...", "compile_error"?: "...", "load_error"?: "..."}`.
 * Revision = first 12 hex digits of its SHA-256; reload swaps only on success.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegoError } from '../../../src/rego/errors.js';
import {
  PolicyInputError,
  PolicyUnavailableError,
  type Decision,
  type PolicyEngineApi,
  type ReloadOptions,
  type ReloadOutcome,
  type SnapshotInfo,
} from '../../../src/policy/types.js';

interface FakeSnapshot {
  info: SnapshotInfo;
  verdict: string;
}

export class FakeEngine implements PolicyEngineApi {
  private snap: FakeSnapshot | null = null;
  private error: string | null = null;
  reloadCalls = 0;

  private constructor(readonly policyDir: string) {}

  static async open(policyDir: string): Promise<FakeEngine> {
    const e = new FakeEngine(policyDir);
    await e.reload();
    return e;
  }

  current(): SnapshotInfo | null {
    return this.snap?.info ?? null;
  }

  lastLoadError(): string | null {
    return this.error;
  }

  async reload(opts: ReloadOptions = {}): Promise<ReloadOutcome> {
    this.reloadCalls++;
    const started = performance.now();
    let text: string;
    let doc: { verdict?: string; compile_error?: string; load_error?: string };
    try {
      text = readFileSync(join(this.policyDir, 'policy.json'), 'utf8');
      doc = JSON.parse(text);
    } catch (err) {
      return this.fail({ ok: false, kind: 'load', message: (err as Error).message, errors: [], durationMs: 0 });
    }
    if (doc.load_error) return this.fail({ ok: false, kind: 'load', message: doc.load_error, errors: [], durationMs: 0 });
    if (doc.compile_error) {
      const errors = [new RegoError('rego_parse_error', doc.compile_error, { file: 'policy.rego', row: 3, col: 7 })];
      return this.fail({ ok: false, kind: 'compile', message: '1 error occurred', errors, durationMs: 0 });
    }
    const full = createHash('sha256').update(text).digest('hex');
    const info: SnapshotInfo = {
      revision: full.slice(0, 12),
      fullRevision: full,
      loadedAt: new Date(),
      policyDir: this.policyDir,
      regoDir: this.policyDir,
      moduleCount: 1,
      files: [{ name: 'policy.json', content: text }],
    };
    const previous = this.snap?.info.revision ?? null;
    const changed = previous !== info.revision;
    if (!opts.dryRun) {
      try {
        await opts.beforeSwap?.(changed || !this.snap ? info : this.snap.info);
      } catch (err) {
        return this.fail({ ok: false, kind: 'load', message: `policy not applied: ${(err as Error).message}`, errors: [], durationMs: 0 });
      }
      if (changed) this.snap = { info, verdict: doc.verdict ?? 'allowed' };
      this.error = null;
    }
    return {
      ok: true,
      changed,
      dryRun: !!opts.dryRun,
      revision: info.revision,
      previousRevision: previous,
      modules: 1,
      durationMs: performance.now() - started,
      snapshot: changed || !this.snap ? info : this.snap.info,
      diff: { added: [], removed: [], changed: changed ? ['policy.json'] : [] },
    };
  }

  private fail(outcome: Extract<ReloadOutcome, { ok: false }>): ReloadOutcome {
    this.error = outcome.message;
    return outcome;
  }

  private decide<T>(make: (verdict: string) => T): Decision<T> {
    const s = this.snap;
    if (s === null) throw new PolicyUnavailableError('no policy loaded');
    return { revision: s.info.revision, output: make(s.verdict) };
  }

  admission(input: unknown): Decision<{ verdict: string; reason: string; file_action: string; install_action: string; runtime_action: string }> {
    const i = input as { target_type: string; target_name: string; block_list: { target_type: string; target_name: string }[] };
    if (this.snap === null) {
      return { revision: '', output: { verdict: 'rejected', reason: 'policy evaluation failed — denied by default', file_action: 'quarantine', install_action: 'block', runtime_action: 'block' } };
    }
    return this.decide((verdict) => {
      const blocked = i.block_list.some((e) => e.target_type === i.target_type && e.target_name === i.target_name);
      return {
        verdict: blocked ? 'blocked' : verdict,
        reason: blocked ? `${i.target_type} '${i.target_name}' is on the block list` : `fake ${verdict}`,
        file_action: 'none',
        install_action: 'none',
        runtime_action: 'allow',
      };
    });
  }

  guardrail(input: unknown): Decision<{ action: string; severity: string; reason: string; scanner_sources: string[] }> {
    const i = input as { mode: string; hilt?: unknown };
    if (this.snap === null) {
      return { revision: '', output: { action: i.mode === 'action' ? 'block' : 'alert', severity: 'HIGH', reason: 'guardrail failing closed: no policy', scanner_sources: ['policy-outage'] } };
    }
    return this.decide((verdict) => ({ action: verdict === 'invalid' ? 'explode' : 'allow', severity: 'NONE', reason: JSON.stringify(i.hilt), scanner_sources: [] }));
  }

  firewall(input: unknown): Decision<{ action: string; rule_name: string }> {
    const i = input as { destination: string };
    return this.decide((verdict) => ({ action: i.destination === 'evil.example' ? 'deny' : 'allow', rule_name: `fake-${verdict}` }));
  }

  sandbox(): Decision<{ allowed_endpoints: string[]; denied_endpoints: string[]; denied_from_request: string[]; permissions: string[]; allowed_skills: string[] }> {
    return this.decide(() => ({ allowed_endpoints: [], denied_endpoints: [], denied_from_request: [], permissions: [], allowed_skills: [] }));
  }

  audit(input: unknown): Decision<{ retain: boolean; retain_reason: string; export_to: string[] }> {
    const i = input as { age_days?: unknown };
    if (i.age_days !== undefined && typeof i.age_days !== 'number') throw new PolicyInputError('age_days must be a number');
    return this.decide(() => ({ retain: true, retain_reason: 'within retention period', export_to: [] }));
  }

  skillActions(input: unknown): Decision<{ runtime_action: string; file_action: string; install_action: string; should_block: boolean }> {
    const i = input as { severity: string };
    return this.decide(() => {
      const block = i.severity.toUpperCase() === 'CRITICAL';
      return { runtime_action: block ? 'block' : 'allow', file_action: 'none', install_action: 'none', should_block: block };
    });
  }

  query(path: string[], input: unknown): Decision<unknown> {
    return this.decide((verdict) => {
      if (path.join('/') === 'defenseclaw/verdict') return verdict;
      if (path.join('/') === 'echo') return input;
      return undefined;
    });
  }
}
