/**
 * The LLM-judge verdict cache. Verdicts are rendered under one policy; a policy
 * reload bumps the generation so that every older entry reads as a miss (O(1)
 * invalidation, entries are dropped lazily as they are met or evicted).
 * Bounded: TTL from insertion, least-recently-used eviction at capacity.
 */
import { createHash } from 'node:crypto';

export interface JudgeVerdict {
  action: string;
  severity: string;
  reason: string;
  findings: string[];
}

interface Entry {
  verdict: JudgeVerdict;
  expiresAt: number;
  generation: number;
}

export interface VerdictCacheOptions {
  /** Time to live from insertion, ms (default 30 000; non-positive means the default). */
  ttlMs?: number;
  /** Maximum entries (default 4 096). */
  capacity?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Called on each lookup: for the `defenseclaw.guardrail.cache.hits|misses` counters. */
  onLookup?: (hit: boolean, kind: string) => void;
}

export class VerdictCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly capacity: number;
  private readonly now: () => number;
  private readonly onLookup?: (hit: boolean, kind: string) => void;
  private gen = 0;
  hits = 0;
  misses = 0;

  constructor(opts: VerdictCacheOptions = {}) {
    this.ttlMs = opts.ttlMs && opts.ttlMs > 0 ? opts.ttlMs : 30_000;
    this.capacity = Math.max(1, opts.capacity ?? 4096);
    this.now = opts.now ?? Date.now;
    this.onLookup = opts.onLookup;
  }

  /** `<kind>:` + hex SHA-256 of `kind \0 model \0 direction \0 content`, as the original. */
  static key(kind: string, model: string, direction: string, content: string): string {
    const h = createHash('sha256').update(`${kind}\0${model}\0${direction}\0${content}`).digest('hex');
    return `${kind}:${h}`;
  }

  get generation(): number {
    return this.gen;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): JudgeVerdict | undefined {
    const e = this.entries.get(key);
    const kind = key.slice(0, key.indexOf(':'));
    if (e === undefined || e.generation !== this.gen || e.expiresAt <= this.now()) {
      if (e !== undefined) this.entries.delete(key);
      this.misses++;
      this.onLookup?.(false, kind);
      return undefined;
    }
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.entries.delete(key);
    this.entries.set(key, e);
    this.hits++;
    this.onLookup?.(true, kind);
    return cloneVerdict(e.verdict);
  }

  /**
   * Stores a verdict. `generation` is the generation the verdict was asked
   * under: a verdict whose judging straddled an invalidation (a reload landed
   * meanwhile) is dropped instead of being served under the new policy.
   */
  set(key: string, verdict: JudgeVerdict, generation: number = this.gen): void {
    if (generation !== this.gen) return;
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { verdict: cloneVerdict(verdict), expiresAt: this.now() + this.ttlMs, generation: this.gen });
  }

  /** Drops every cached verdict, in O(1): called after each successful policy reload. */
  invalidate(): void {
    this.gen++;
  }
}

function cloneVerdict(v: JudgeVerdict): JudgeVerdict {
  return { action: v.action, severity: v.severity, reason: v.reason, findings: [...v.findings] };
}
