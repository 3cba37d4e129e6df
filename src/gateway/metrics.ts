/**
 * The sidecar's metrics, through the OpenTelemetry SDK, exposed in Prometheus
 * text on `GET /metrics` (the Prometheus exporter is used as a pull reader and
 * serialised on request; it opens no port of its own). Attribute objects are
 * interned per label combination so the hot path allocates nothing per request.
 */
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { Attributes, Counter, Histogram } from '@opentelemetry/api';

export type ReloadStatus = 'success' | 'failed';
export type RollbackStatus = 'success' | 'failed' | 'unknown_revision';

export class GatewayMetrics {
  private readonly provider: MeterProvider;
  private readonly reader: PrometheusExporter;
  private readonly serializer = new PrometheusSerializer();
  private readonly reloads: Counter;
  private readonly evaluations: Counter;
  private readonly latency: Histogram;
  private readonly admissionDecisions: Counter;
  private readonly rollbacks: Counter;
  private readonly cacheHits: Counter;
  private readonly cacheMisses: Counter;
  private readonly attributeCache = new Map<string, Attributes>();

  constructor() {
    this.reader = new PrometheusExporter({ preventServerStart: true });
    this.provider = new MeterProvider({ readers: [this.reader] });
    const meter = this.provider.getMeter('defenseclaw.gateway');
    this.reloads = meter.createCounter('defenseclaw.policy.reloads', {
      description: 'Policy reload attempts by outcome',
      unit: '{reload}',
    });
    this.evaluations = meter.createCounter('defenseclaw.policy.evaluations', {
      description: 'Policy evaluations by domain and verdict',
      unit: '{evaluation}',
    });
    this.latency = meter.createHistogram('defenseclaw.policy.latency', {
      description: 'Policy evaluation latency',
      unit: 'ms',
      // Evaluations take well under a millisecond: the SDK's default buckets (0, 5, 10, ... ms) would put all in one.
      advice: { explicitBucketBoundaries: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000] },
    });
    this.admissionDecisions = meter.createCounter('defenseclaw.admission.decisions', {
      description: 'Admission decisions by decision, source and target type',
      unit: '{decision}',
    });
    this.rollbacks = meter.createCounter('defenseclaw.policy.rollbacks', {
      description: 'Policy rollback attempts by outcome',
      unit: '{rollback}',
    });
    this.cacheHits = meter.createCounter('defenseclaw.guardrail.cache.hits', {
      description: 'LLM-judge verdict cache hits by judge kind',
      unit: '{lookup}',
    });
    this.cacheMisses = meter.createCounter('defenseclaw.guardrail.cache.misses', {
      description: 'LLM-judge verdict cache misses by judge kind',
      unit: '{lookup}',
    });
  }

  recordRollback(status: RollbackStatus): void {
    this.rollbacks.add(1, this.attrs('rb', status, () => ({ status })));
  }

  /** Fed by the verdict cache's `onLookup`; `kind` is one of the judge's few kinds. */
  recordCacheLookup(hit: boolean, kind: string): void {
    (hit ? this.cacheHits : this.cacheMisses).add(1, this.attrs('c', kind, () => ({ kind })));
  }

  recordReload(status: ReloadStatus): void {
    this.reloads.add(1, this.attrs('r', status, () => ({ status })));
  }

  recordEvaluation(domain: string, verdict: string, latencyMs: number): void {
    this.evaluations.add(1, this.attrs('e', `${domain}\0${verdict}`, () => ({ domain, verdict })));
    this.latency.record(latencyMs, this.attrs('l', domain, () => ({ domain })));
  }

  recordAdmission(decision: string, source: 'api' | 'watcher', targetType: string): void {
    this.admissionDecisions.add(
      1,
      this.attrs('a', `${decision}\0${source}\0${targetType}`, () => ({ decision, source, target_type: targetType })),
    );
  }

  /** The current values in Prometheus text exposition format. */
  async render(): Promise<string> {
    const { resourceMetrics } = await this.reader.collect();
    return this.serializer.serialize(resourceMetrics);
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }

  /** Interned attribute sets; bounded so that caller-chosen label values cannot grow it without limit. */
  private attrs(kind: string, key: string, make: () => Attributes): Attributes {
    const k = `${kind}\0${key}`;
    let a = this.attributeCache.get(k);
    if (a === undefined) {
      a = make();
      if (this.attributeCache.size < 10_000) this.attributeCache.set(k, a);
    }
    return a;
  }
}
