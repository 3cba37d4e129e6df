/**
 * The load generator, run as its own process (`node --import tsx
 * bench/load-worker.ts '<LoadSpec JSON>'`) so that it never shares an event loop
 * with the sidecar or the benchmark driver. It drives autocannon (keep-alive
 * connections), optionally checks every admission response against the policy
 * revision in its header, and prints one JSON line: the `LoadResult`.
 *
 * With `durationS: 0` it runs until the parent sends `"stop"` over IPC. With
 * `phases`, the parent sends `{phase: name}` and each response's latency is
 * kept under the phase current when it arrives.
 */
import { createRequire } from 'node:module';
import type { LoadResult, LoadSpec, PhaseLatency } from './load.js';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
  latency: { p50: number; p99: number; max: number };
}
interface AutocannonInstance {
  stop(): void;
  /** `response`: (client, status, bytes, latency in ms with a fraction). */
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (opts: Record<string, unknown>, cb: (err: unknown, result: AutocannonResult) => void) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Checker {
  checked: number;
  mismatches: number;
  samples: string[];
  onResponse(status: number, body: string, context: unknown, headers: Record<string, string | string[]>): void;
}

const REVISION_HEADER = 'x-defenseclaw-policy-revision';

function makeChecker(expect: Record<string, string>): Checker {
  const c: Checker = {
    checked: 0,
    mismatches: 0,
    samples: [],
    onResponse(status, body, _context, headers) {
      if (status < 200 || status >= 300) return; // counted as non-2xx by autocannon
      c.checked++;
      const rev = headerValue(headers, REVISION_HEADER);
      let verdict: unknown;
      try {
        verdict = (JSON.parse(body) as { data?: { verdict?: unknown } }).data?.verdict;
      } catch {
        verdict = '<unparsable body>';
      }
      const want = rev === undefined ? undefined : expect[rev];
      if (want === undefined || verdict !== want) {
        c.mismatches++;
        if (c.samples.length < 5) c.samples.push(`revision ${rev ?? '<none>'}: verdict ${String(verdict)}, expected ${want ?? '<unknown revision>'}`);
      }
    },
  };
  return c;
}

function headerValue(headers: Record<string, string | string[]>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

function cannon(spec: LoadSpec, durationS: number, checker?: Checker, onLatency?: (ms: number) => void): { done: Promise<AutocannonResult>; stop(): void } {
  let instance: AutocannonInstance | undefined;
  const done = new Promise<AutocannonResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        pipelining: 1,
        // 0 would mean "forever" to us but not to autocannon: an hour is the stop-me-yourself run.
        duration: durationS > 0 ? durationS : 3600,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: spec.path,
            headers: spec.headers,
            body: spec.body,
            ...(checker ? { onResponse: checker.onResponse } : {}),
          },
        ],
      },
      (err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)),
    );
    if (onLatency) instance.on('response', (_client, _status, _bytes, ms) => onLatency(ms));
  });
  return { done, stop: () => instance?.stop() };
}

function latencyOf(ms: number[]): PhaseLatency {
  const s = Float64Array.from(ms).sort();
  const at = (p: number): number => (s.length === 0 ? NaN : Math.round(s[Math.min(s.length - 1, Math.floor(s.length * p))]! * 100) / 100);
  return { requests: s.length, p50_ms: at(0.5), p99_ms: at(0.99), max_ms: at(1) };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  if (spec.warmupS > 0) await cannon(spec, spec.warmupS).done;
  const checker = spec.expectVerdictByRevision ? makeChecker(spec.expectVerdictByRevision) : undefined;
  const byPhase = new Map<string, number[]>();
  let current: number[] | null = null;
  const run = cannon(spec, spec.durationS, checker, spec.phases ? (ms) => current?.push(ms) : undefined);
  // The parent learns that the measured run has begun (the reload benchmark starts reloading then).
  process.send?.('started');
  process.on('message', (m: unknown) => {
    if (m === 'stop') run.stop();
    else if (typeof m === 'object' && m !== null && 'phase' in m) {
      const name = (m as { phase: string | null }).phase;
      if (name === null) current = null;
      else {
        if (!byPhase.has(name)) byPhase.set(name, []);
        current = byPhase.get(name)!;
      }
    }
  });
  const r = await run.done;
  const result: LoadResult = {
    requests: r.requests.total,
    requests_per_s: Math.round(r.requests.total / r.duration),
    latency_p50_ms: r.latency.p50,
    latency_p99_ms: r.latency.p99,
    latency_max_ms: r.latency.max,
    errors: r.errors,
    timeouts: r.timeouts,
    non_2xx: r.non2xx,
    checked: checker?.checked ?? 0,
    mismatches: checker?.mismatches ?? 0,
    mismatch_samples: checker?.samples ?? [],
    duration_s: r.duration,
    ...(spec.phases ? { phase_latency: Object.fromEntries([...byPhase].map(([name, ms]) => [name, latencyOf(ms)])) } : {}),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.disconnect?.();
}

await main();
