/**
 * The load generator, run as its own process (`node --import tsx
 * bench/load-worker.ts '<LoadSpec JSON>'`) so that it never shares an event loop
 * with the sidecar or the benchmark driver. It drives autocannon (keep-alive
 * connections), optionally checks every admission response against the policy
 * revision in its header, and prints one JSON line: the `LoadResult`.
 *
 * With `durationS: 0` it runs until the parent sends `"stop"` over IPC.
 */
import { createRequire } from 'node:module';
import type { LoadResult, LoadSpec } from './load.js';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
  latency: { p50: number; p99: number; max: number };
}
type Autocannon = (opts: Record<string, unknown>, cb: (err: unknown, result: AutocannonResult) => void) => { stop(): void };
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

function cannon(spec: LoadSpec, durationS: number, checker?: Checker): { done: Promise<AutocannonResult>; stop(): void } {
  let instance: { stop(): void } | undefined;
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
  });
  return { done, stop: () => instance?.stop() };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  if (spec.warmupS > 0) await cannon(spec, spec.warmupS).done;
  const checker = spec.expectVerdictByRevision ? makeChecker(spec.expectVerdictByRevision) : undefined;
  const run = cannon(spec, spec.durationS, checker);
  // The parent learns that the measured run has begun (the reload benchmark starts reloading then).
  process.send?.('started');
  process.on('message', (m) => {
    if (m === 'stop') run.stop();
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
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.disconnect?.();
}

await main();
