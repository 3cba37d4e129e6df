/**
 * HTTP load from another process: `startLoad` spawns `bench/load-worker.ts`
 * (autocannon, keep-alive) and hands back its result. Shared by the HTTP,
 * reload and memory benchmarks.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DOMAIN_INPUTS } from './inputs.js';
import { ROOT, apiHeaders, type BenchSidecar } from './sidecar.js';

export interface LoadSpec {
  url: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  /** Measured run length in seconds; 0 = until `stop()`. */
  durationS: number;
  /** Un-measured run first, so the sidecar's JIT is warm. */
  warmupS: number;
  /**
   * Check each response: its `data.verdict` must be the one expected for the
   * revision in `X-DefenseClaw-Policy-Revision` (revision → verdict).
   */
  expectVerdictByRevision?: Record<string, string>;
  /**
   * Record every response's latency (autocannon's, sub-millisecond) under the
   * phase the parent names (`RunningLoad.phase`): two conditions measured in
   * alternating windows of one run see the same background load.
   */
  phases?: boolean;
}

/** Latency of the responses received during one named phase (`LoadSpec.phases`). */
export interface PhaseLatency {
  requests: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface LoadResult {
  requests: number;
  requests_per_s: number;
  /** autocannon's histogram has 1 ms resolution. */
  latency_p50_ms: number;
  latency_p99_ms: number;
  latency_max_ms: number;
  errors: number;
  timeouts: number;
  non_2xx: number;
  /** Responses checked against their revision (only with `expectVerdictByRevision`). */
  checked: number;
  mismatches: number;
  /** A few mismatching responses, for the report. */
  mismatch_samples: string[];
  duration_s: number;
  /** With `phases`: by phase name. */
  phase_latency?: Record<string, PhaseLatency>;
}

export interface RunningLoad {
  /** Resolves when the measured run (after the warm-up) has begun. */
  started: Promise<void>;
  result: Promise<LoadResult>;
  /** Ends an open-ended run (`durationS: 0`) early; the result still arrives. */
  stop(): void;
  /** With `phases`: responses from now on count for `name` (null: for none). */
  phase(name: string | null): void;
}

export function startLoad(spec: LoadSpec): RunningLoad {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/load-worker.ts'), JSON.stringify(spec)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const started = new Promise<void>((resolve, reject) => {
    proc.on('message', (m) => m === 'started' && resolve());
    // A worker that dies during its warm-up must not leave the caller waiting for ever.
    proc.on('close', (code) => reject(new Error(`load generator exited with ${code} before its measured run\nstderr: ${err}`)));
  });
  // Once started, a later close is the normal end: only `result` reports it.
  started.catch(() => undefined);
  const result = new Promise<LoadResult>((resolve, reject) => {
    proc.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as LoadResult);
      } catch {
        reject(new Error(`load generator exited with ${code} without a result\nstdout: ${out}\nstderr: ${err}`));
      }
    });
  });
  return {
    started,
    result,
    stop: () => {
      if (proc.connected) proc.send('stop');
    },
    phase: (name) => {
      if (proc.connected) proc.send({ phase: name });
    },
  };
}

/** The two routes under load: admission and guardrail, with the bodies the API expects. */
export const ROUTES = {
  admission: { path: '/policy/evaluate', body: JSON.stringify({ input: DOMAIN_INPUTS.admission }) },
  guardrail: {
    path: '/v1/guardrail/evaluate',
    body: JSON.stringify({ evaluation_id: 'bench-eval-0001', ...DOMAIN_INPUTS.guardrail }),
  },
} as const;
export type BenchRoute = keyof typeof ROUTES;

/** A load spec for one route of a running sidecar. */
export function routeLoad(sidecar: BenchSidecar, route: BenchRoute, opts: Partial<LoadSpec> = {}): LoadSpec {
  return {
    url: sidecar.url,
    path: ROUTES[route].path,
    headers: apiHeaders(sidecar.token),
    body: ROUTES[route].body,
    connections: 50,
    durationS: 10,
    warmupS: 2,
    ...opts,
  };
}

/** Sends one request to the sidecar and checks it succeeds (so a misconfigured load fails loudly, not as 100% non-2xx). */
export async function probe(sidecar: BenchSidecar, route: BenchRoute): Promise<unknown> {
  const res = await fetch(sidecar.url + ROUTES[route].path, { method: 'POST', headers: apiHeaders(sidecar.token), body: ROUTES[route].body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${ROUTES[route].path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

/**
 * The 1-minute load average: the benchmarks share the machine's cores with
 * whatever else runs, and a busy machine explains low figures.
 */
export function loadAverage(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}
