/**
 * The decision latency histogram is counted in plain buckets (`metrics.ts`
 * `LabeledHistogram`) and handed to the Prometheus serialiser at scrape time:
 * its exposition must be the one the OpenTelemetry SDK's own histogram gives
 * for the same values (name, unit, labels, buckets, sum, count).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { GatewayMetrics } from '../../src/gateway/metrics.js';

const BOUNDARIES = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000];

async function sdkExposition(values: [string, number][]): Promise<string> {
  const reader = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [reader] });
  const h = provider.getMeter('defenseclaw.gateway').createHistogram('defenseclaw.policy.latency', {
    description: 'Policy evaluation latency',
    unit: 'ms',
    advice: { explicitBucketBoundaries: BOUNDARIES },
  });
  for (const [domain, v] of values) h.record(v, { domain });
  const { resourceMetrics } = await reader.collect();
  const text = new PrometheusSerializer().serialize(resourceMetrics);
  await provider.shutdown();
  return text;
}

const latencyLines = (text: string): string[] => text.split('\n').filter((l) => l.includes('defenseclaw_policy_latency'));

test('the latency histogram exposes what the SDK histogram would', async () => {
  const values: [string, number][] = [];
  for (const v of [0, 0.05, 0.050001, 0.07, 0.1, 0.3, 1, 2.5, 7, 30, 999, 1000, 5000]) values.push(['admission', v]);
  values.push(['guardrail', 0.2], ['firewall', 12.5]);
  const m = new GatewayMetrics();
  try {
    for (const [domain, v] of values) m.recordEvaluation(domain, 'allow', v);
    const ours = latencyLines(await m.render());
    assert.ok(ours.length > 40, ours.join('\n'));
    assert.deepEqual(ours, latencyLines(await sdkExposition(values)));
  } finally {
    await m.shutdown();
  }
});
