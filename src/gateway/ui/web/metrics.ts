/**
 * What the live view charts, from `GET /metrics` (Prometheus text): reload
 * attempts by status, decisions by domain and the latency histogram by
 * domain. Samples are taken every few seconds and kept for ten minutes; rates
 * and percentiles come from the difference between two samples, the way
 * Prometheus' `rate()` and `histogram_quantile()` compute them.
 */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** A cumulative histogram: bucket upper bounds (the last is +Inf) and counts. */
export interface Buckets {
  le: number[];
  counts: number[];
}

export interface Snapshot {
  /** Seconds since the epoch. */
  t: number;
  reloads: Record<string, number>;
  decisions: Record<string, number>;
  latency: Record<string, Buckets>;
}

export function snapshotOf(samples: MetricSample[], t: number): Snapshot {
  const snap: Snapshot = { t, reloads: {}, decisions: {}, latency: {} };
  const buckets: Record<string, Map<number, number>> = {};
  for (const s of samples) {
    if (s.name === 'defenseclaw_policy_reloads_total') {
      const status = s.labels['status'] ?? '';
      snap.reloads[status] = (snap.reloads[status] ?? 0) + s.value;
    } else if (s.name === 'defenseclaw_policy_evaluations_total') {
      const d = s.labels['domain'] ?? '';
      snap.decisions[d] = (snap.decisions[d] ?? 0) + s.value;
    } else if (s.name === 'defenseclaw_policy_latency_bucket') {
      const d = s.labels['domain'] ?? '';
      const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
      const m = (buckets[d] ??= new Map());
      m.set(le, (m.get(le) ?? 0) + s.value);
    }
  }
  for (const [d, m] of Object.entries(buckets)) {
    const le = [...m.keys()].sort((a, b) => a - b);
    snap.latency[d] = { le, counts: le.map((b) => m.get(b)!) };
  }
  return snap;
}

/** Bucket counts of `now` less those of `before` (same bounds), or null when nothing was observed between them. */
export function bucketDelta(now: Buckets | undefined, before: Buckets | undefined): Buckets | null {
  if (now === undefined) return null;
  const counts = now.counts.map((c, i) => {
    const j = before === undefined ? -1 : before.le.indexOf(now.le[i]!);
    return c - (j === -1 ? 0 : before!.counts[j]!);
  });
  return counts[counts.length - 1]! > 0 ? { le: now.le, counts } : null;
}

/** Sums histograms with the same bounds (all domains together). */
export function sumBuckets(list: Buckets[]): Buckets | null {
  if (list.length === 0) return null;
  const le = list[0]!.le;
  return { le, counts: le.map((_b, i) => list.reduce((sum, x) => sum + (x.counts[i] ?? 0), 0)) };
}

/** The q-quantile of a cumulative histogram, interpolated within its bucket (Prometheus' `histogram_quantile`). */
export function quantile(q: number, h: Buckets | null): number | null {
  if (h === null) return null;
  const total = h.counts[h.counts.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (let i = 0; i < h.le.length; i++) {
    const le = h.le[i]!;
    const count = h.counts[i]!;
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      const inBucket = count - prevCount;
      return inBucket <= 0 ? le : prevLe + ((le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

export const KEEP_SAMPLES = 300;

/** Polls `/metrics` while signed in and the page is visible; keeps the last `KEEP_SAMPLES` snapshots. */
export class MetricsSampler {
  readonly snapshots: Snapshot[] = [];
  private timer: number | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly fetchText: () => Promise<string>,
    private readonly intervalMs = 2000,
  ) {}

  start(): void {
    if (this.timer !== null) return;
    const tick = async (): Promise<void> => {
      if (document.visibilityState === 'visible') {
        try {
          this.add(snapshotOf(parsePrometheus(await this.fetchText()), Date.now() / 1000));
        } catch {
          // A missed sample leaves a gap in the charts.
        }
      }
      if (this.timer !== null) this.timer = window.setTimeout(() => void tick(), this.intervalMs);
    };
    this.timer = window.setTimeout(() => void tick(), 0);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.snapshots.length = 0;
  }

  onSample(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private add(s: Snapshot): void {
    this.snapshots.push(s);
    if (this.snapshots.length > KEEP_SAMPLES) this.snapshots.shift();
    for (const fn of this.listeners) fn();
  }
}
