/**
 * The sidecar's metrics, through the OpenTelemetry SDK, exposed in Prometheus
 * text on `GET /metrics` (the Prometheus exporter is used as a pull reader and
 * serialised on request; it opens no port of its own). Counters are counted in
 * plain numbers and observed at collection; the latency histogram is counted
 * in plain buckets and added to the collected metrics as the SDK's own
 * histogram data, so the hot path allocates nothing per request.
 */
import { AggregationTemporality, DataPointType, MeterProvider, type HistogramMetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { ValueType, type Attributes, type HrTime, type Meter } from '@opentelemetry/api';

/**
 * A counter kept in plain numbers per label set and handed to the SDK only
 * when metrics are collected (an observable counter). The SDK's synchronous
 * `Counter.add` sorts and serialises the attributes on every call; on the
 * decision path that was ~5% of the sidecar's CPU.
 */
class LabeledCounter {
  private readonly series = new Map<string, { attrs: Attributes; value: number }>();

  constructor(meter: Meter, name: string, description: string, unit: string) {
    meter.createObservableCounter(name, { description, unit }).addCallback((result) => {
      for (const s of this.series.values()) result.observe(s.value, s.attrs);
    });
  }

  /** Adds one to the series `key`; bounded so that caller-chosen label values cannot grow it without limit. */
  inc(key: string, make: () => Attributes): void {
    this.add(key, 1, make);
  }

  add(key: string, n: number, make: () => Attributes): void {
    const s = this.series.get(key);
    if (s !== undefined) s.value += n;
    else if (this.series.size < 10_000) this.series.set(key, { attrs: make(), value: n });
  }
}

/**
 * A histogram kept in plain bucket counts per label set, handed to the
 * serializer as the SDK's cumulative histogram data when metrics are
 * collected. The SDK's `Histogram.record` reads the active context, the clock
 * and sorts and serialises the attributes on every call (~0.4 µs per decision).
 * Buckets as the SDK counts them: a value goes to the first boundary it does
 * not exceed, else to the last (+Inf) bucket.
 */
class LabeledHistogram {
  private readonly series = new Map<string, { attrs: Attributes; start: HrTime; counts: number[]; sum: number; count: number; min: number; max: number }>();

  constructor(
    private readonly name: string,
    private readonly description: string,
    private readonly unit: string,
    private readonly boundaries: number[],
  ) {}

  record(key: string, value: number, make: () => Attributes): void {
    if (Number.isNaN(value)) return;
    let s = this.series.get(key);
    if (s === undefined) {
      if (this.series.size >= 10_000) return;
      s = { attrs: make(), start: hrNow(), counts: new Array<number>(this.boundaries.length + 1).fill(0), sum: 0, count: 0, min: Infinity, max: -Infinity };
      this.series.set(key, s);
    }
    s.count++;
    s.sum += value;
    if (value < s.min) s.min = value;
    if (value > s.max) s.max = value;
    const b = this.boundaries;
    let i = 0;
    while (i < b.length && b[i]! < value) i++;
    s.counts[i]!++;
  }

  /** The SDK's metric data for the series recorded so far (null before the first). */
  metricData(): HistogramMetricData | null {
    if (this.series.size === 0) return null;
    const end = hrNow();
    return {
      descriptor: { name: this.name, description: this.description, unit: this.unit, valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: [...this.series.values()].map((s) => ({
        startTime: s.start,
        endTime: end,
        attributes: s.attrs,
        value: { buckets: { boundaries: this.boundaries, counts: [...s.counts] }, sum: s.sum, count: s.count, min: s.min, max: s.max },
      })),
    };
  }
}

function hrNow(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}

const METER_NAME = 'defenseclaw.gateway';

export type ReloadStatus = 'success' | 'failed';
export type RollbackStatus = 'success' | 'failed' | 'unknown_revision';

export class GatewayMetrics {
  private readonly provider: MeterProvider;
  private readonly reader: PrometheusExporter;
  private readonly serializer = new PrometheusSerializer();
  private readonly reloads: LabeledCounter;
  private readonly evaluations: LabeledCounter;
  private readonly latency: LabeledHistogram;
  private readonly admissionDecisions: LabeledCounter;
  private readonly rollbacks: LabeledCounter;
  private readonly cacheHits: LabeledCounter;
  private readonly cacheMisses: LabeledCounter;
  private readonly bundleDownloads: LabeledCounter;
  private readonly decisionLogUploads: LabeledCounter;
  private readonly decisionLogEvents: LabeledCounter;
  private readonly decisionLogDropped: LabeledCounter;
  private readonly unchangedReloads: LabeledCounter;
  private readonly auditErrors: LabeledCounter;
  private readonly budgetExceeded: LabeledCounter;
  private readonly offloaded: LabeledCounter;
  private readonly evalWorkerRestarts: LabeledCounter;
  private readonly meter: Meter;

  constructor() {
    this.reader = new PrometheusExporter({ preventServerStart: true });
    this.provider = new MeterProvider({ readers: [this.reader] });
    const meter = this.provider.getMeter(METER_NAME);
    this.meter = meter;
    this.reloads = new LabeledCounter(meter, 'defenseclaw.policy.reloads', 'Policy reload attempts by outcome', '{reload}');
    this.evaluations = new LabeledCounter(meter, 'defenseclaw.policy.evaluations', 'Policy evaluations by domain and verdict', '{evaluation}');
    // Evaluations take well under a millisecond: the SDK's default buckets (0, 5, 10, ... ms) would put all in one.
    this.latency = new LabeledHistogram('defenseclaw.policy.latency', 'Policy evaluation latency', 'ms', [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000]);
    this.admissionDecisions = new LabeledCounter(meter, 'defenseclaw.admission.decisions', 'Admission decisions by decision, source and target type', '{decision}');
    this.rollbacks = new LabeledCounter(meter, 'defenseclaw.policy.rollbacks', 'Policy rollback attempts by outcome', '{rollback}');
    this.cacheHits = new LabeledCounter(meter, 'defenseclaw.guardrail.cache.hits', 'LLM-judge verdict cache hits by judge kind', '{lookup}');
    this.cacheMisses = new LabeledCounter(meter, 'defenseclaw.guardrail.cache.misses', 'LLM-judge verdict cache misses by judge kind', '{lookup}');
    this.bundleDownloads = new LabeledCounter(meter, 'defenseclaw.bundle.downloads', 'Bundle polls by bundle and outcome (activated, rejected, not_modified, failed)', '{download}');
    this.decisionLogUploads = new LabeledCounter(meter, 'defenseclaw.decision_logs.uploads', 'Decision-log uploads by status', '{upload}');
    this.decisionLogEvents = new LabeledCounter(meter, 'defenseclaw.decision_logs.events', 'Decision-log events by status (logged, uploaded)', '{event}');
    this.decisionLogDropped = new LabeledCounter(meter, 'defenseclaw.decision_logs.dropped', 'Decision-log events dropped, oldest first, by reason (OPA: decision_logs_dropped_*)', '{event}');
    this.unchangedReloads = new LabeledCounter(
      meter,
      'defenseclaw.policy.reloads.unchanged',
      'Reloads that found the serving revision unchanged and were not audited again (the first one is)',
      '{reload}',
    );
    this.auditErrors = new LabeledCounter(meter, 'defenseclaw.audit.errors', 'Audit store failures by kind (write, damaged)', '{error}');
    this.budgetExceeded = new LabeledCounter(meter, 'defenseclaw.policy.budget_exceeded', 'Decisions stopped by an evaluation budget (time, elements, string), by domain (data: the Data API)', '{evaluation}');
    this.offloaded = new LabeledCounter(meter, 'defenseclaw.policy.offloaded', 'Decisions that outlasted their in-process slice and finished in an evaluation worker, by domain', '{evaluation}');
    this.evalWorkerRestarts = new LabeledCounter(meter, 'defenseclaw.policy.eval_worker.restarts', 'Evaluation workers stopped past a deadline (timeout) or dead (crash)', '{restart}');
  }

  recordBudgetExceeded(domain: string, budget: string): void {
    this.budgetExceeded.inc(`${domain}\0${budget}`, () => ({ domain, budget }));
  }

  recordOffloaded(domain: string): void {
    this.offloaded.inc(domain, () => ({ domain }));
  }

  recordEvalWorkerRestart(reason: 'timeout' | 'crash'): void {
    this.evalWorkerRestarts.inc(reason, () => ({ reason }));
  }

  recordBundleDownload(bundle: string, outcome: string): void {
    this.bundleDownloads.inc(`${bundle}\0${outcome}`, () => ({ bundle, outcome }));
  }

  recordDecisionLogUpload(status: 'success' | 'failed', events: number): void {
    this.decisionLogUploads.inc(status, () => ({ status }));
    if (status === 'success') this.decisionLogEvents.add('uploaded', events, () => ({ status: 'uploaded' }));
  }

  recordDecisionLogEvent(): void {
    this.decisionLogEvents.inc('logged', () => ({ status: 'logged' }));
  }

  recordDecisionLogDropped(reason: string, events: number): void {
    this.decisionLogDropped.add(reason, events, () => ({ reason }));
  }

  /** A value read when metrics are collected (open connections, a component's state). */
  observeGauge(name: string, description: string, unit: string, read: () => number): void {
    this.meter.createObservableGauge(name, { description, unit }).addCallback((result) => result.observe(read()));
  }

  /** A monotonic count kept elsewhere (a component's own counter), read when metrics are collected. */
  observeCounter(name: string, description: string, unit: string, read: () => number): void {
    this.meter.createObservableCounter(name, { description, unit }).addCallback((result) => result.observe(read()));
  }

  recordUnchangedReload(): void {
    this.unchangedReloads.inc('', () => ({}));
  }

  recordAuditError(kind: 'write' | 'damaged'): void {
    this.auditErrors.inc(kind, () => ({ kind }));
  }

  recordRollback(status: RollbackStatus): void {
    this.rollbacks.inc(status, () => ({ status }));
  }

  /** Fed by the verdict cache's `onLookup`; `kind` is one of the judge's few kinds. */
  recordCacheLookup(hit: boolean, kind: string): void {
    (hit ? this.cacheHits : this.cacheMisses).inc(kind, () => ({ kind }));
  }

  recordReload(status: ReloadStatus): void {
    this.reloads.inc(status, () => ({ status }));
  }

  recordEvaluation(domain: string, verdict: string, latencyMs: number): void {
    this.evaluations.inc(`${domain}\0${verdict}`, () => ({ domain, verdict }));
    this.latency.record(domain, latencyMs, () => ({ domain }));
  }

  recordAdmission(decision: string, source: 'api' | 'watcher', targetType: string): void {
    this.admissionDecisions.inc(`${decision}\0${source}\0${targetType}`, () => ({ decision, source, target_type: targetType }));
  }

  /** The current values in Prometheus text exposition format. */
  async render(): Promise<string> {
    const { resourceMetrics } = await this.reader.collect();
    this.addPlainMetrics(resourceMetrics);
    return this.serializer.serialize(resourceMetrics);
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }

  /** The metrics kept outside the SDK, added to its collection under our meter's scope. */
  private addPlainMetrics(resourceMetrics: ResourceMetrics): void {
    const latency = this.latency.metricData();
    if (latency === null) return;
    const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === METER_NAME);
    if (scope) scope.metrics.push(latency);
    else resourceMetrics.scopeMetrics.push({ scope: { name: METER_NAME }, metrics: [latency] });
  }
}
