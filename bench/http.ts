/**
 * Benchmark 2 — HTTP: the real sidecar process (bundled policies, quiet log)
 * against autocannon in another process, 50 keep-alive connections, 10 s per
 * route after a 2 s warm-up: `POST /policy/evaluate` (admission) and
 * `POST /v1/guardrail/evaluate`.
 * Target: ≥ 10,000 requests/s with p99 ≤ 10 ms and zero errors, per route.
 */
import { pathToFileURL } from 'node:url';
import { printTable, type Figures } from './lib.js';
import { probe, routeLoad, ROUTES, startLoad, type BenchRoute, type LoadResult } from './load.js';
import { startBenchSidecar } from './sidecar.js';

export const HTTP_TARGET = { requests_per_s: 10_000, p99_ms: 10 };

/** Whether a load result meets the HTTP target (and by how much it misses). */
export function httpVerdict(r: LoadResult): string {
  const misses: string[] = [];
  if (r.requests_per_s < HTTP_TARGET.requests_per_s) misses.push(`${((1 - r.requests_per_s / HTTP_TARGET.requests_per_s) * 100).toFixed(0)}% short on req/s`);
  if (r.latency_p99_ms > HTTP_TARGET.p99_ms) misses.push(`p99 ${(r.latency_p99_ms / HTTP_TARGET.p99_ms).toFixed(1)}× target`);
  if (r.errors + r.timeouts + r.non_2xx > 0) misses.push('errors');
  return misses.length === 0 ? 'ok' : 'MISS: ' + misses.join(', ');
}

export function failures(r: LoadResult): number {
  return r.errors + r.timeouts + r.non_2xx;
}

export async function run(): Promise<Figures> {
  const sidecar = await startBenchSidecar();
  try {
    const figures: Record<string, unknown> = {};
    const rows: (string | number)[][] = [];
    for (const route of Object.keys(ROUTES) as BenchRoute[]) {
      await probe(sidecar, route);
      const r = await startLoad(routeLoad(sidecar, route)).result;
      figures[route] = r;
      rows.push([
        `POST ${ROUTES[route].path}`,
        r.requests_per_s.toLocaleString('en-US'),
        `${r.latency_p50_ms} ms`,
        `${r.latency_p99_ms} ms`,
        `${r.latency_max_ms} ms`,
        r.requests.toLocaleString('en-US'),
        failures(r),
        httpVerdict(r),
      ]);
    }
    printTable(
      `HTTP: real sidecar (${sidecar.runtime}) vs autocannon in another process, 50 connections, 10 s (target: ≥ 10,000 req/s, p99 ≤ 10 ms, 0 errors)`,
      ['route', 'req/s', 'p50', 'p99', 'max', 'requests', 'errors+non2xx', 'target'],
      rows,
    );
    return figures;
  } finally {
    await sidecar.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
