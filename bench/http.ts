/**
 * Benchmark 2 — HTTP: the real sidecar process (bundled policies, quiet log)
 * against autocannon in another process, 50 keep-alive connections:
 * `POST /policy/evaluate` (admission) and `POST /v1/guardrail/evaluate`.
 *
 * Each is compared with the machine's ceiling, measured in the same run: a
 * bare `node:http` server doing the same HTTP work without a framework or a
 * policy (it reads the same POST body, `JSON.parse`s it and answers a JSON
 * object of the same size, with a Content-Length), which no Node.js sidecar on
 * this machine can beat. The machine is shared, so the three are measured
 * interleaved (ceiling, admission, guardrail), `ROUNDS` times, and each
 * figure is the median over the rounds; each run records the load average.
 *
 * Target, per route: requests/s ≥ 75 % of the ceiling's, p99 ≤ 2× the
 * ceiling's, zero errors (the ratios are the medians of the per-round ratios).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { printTable, processCpuMs, type Figures } from './lib.js';
import { loadAverage, probe, routeLoad, ROUTES, startLoad, type BenchRoute, type LoadResult, type LoadSpec } from './load.js';
import { apiHeaders, startBenchSidecar } from './sidecar.js';

export const HTTP_TARGET = { min_ratio_to_ceiling: 0.75, max_p99_ratio_to_ceiling: 2 };

const ROUNDS = 3;
const MEASURED_S = 5;
const WARMUP_S = 1;

export function failures(r: LoadResult): number {
  return r.errors + r.timeouts + r.non_2xx;
}

/**
 * The ceiling: node:http alone. It reads the body as the sidecar does (as a
 * string), parses it, and serialises an answer the size of admission's
 * decision per request, sent with Content-Type and Content-Length.
 */
const CEILING_SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (d) => (text += d));
  req.on('end', () => {
    const body = JSON.parse(text);
    const answer = JSON.stringify({ ok: true, data: { verdict: body.input ? 'rejected' : 'allowed', reason: 'max severity HIGH triggers block per policy', file_action: 'quarantine', install_action: 'block', runtime_action: 'block' } });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
}).listen(0, '127.0.0.1', function () { process.stdout.write('listening ' + this.address().port + '\\n'); });
`;

async function startCeiling(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['-e', CEILING_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (code) => reject(new Error(`ceiling server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, proc };
}

type Target = 'bare_node_http_ceiling' | BenchRoute;
interface Run extends LoadResult {
  load_average_1m: number;
  /** The server process's CPU time per request during the measured run (null off Linux). */
  server_cpu_us_per_request: number | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The medians of a target's runs (failures summed), and the runs themselves. */
function summary(runs: Run[]): Figures {
  return {
    requests_per_s: median(runs.map((r) => r.requests_per_s)),
    latency_p50_ms: median(runs.map((r) => r.latency_p50_ms)),
    latency_p99_ms: median(runs.map((r) => r.latency_p99_ms)),
    latency_max_ms: Math.max(...runs.map((r) => r.latency_max_ms)),
    requests: runs.reduce((n, r) => n + r.requests, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    timeouts: runs.reduce((n, r) => n + r.timeouts, 0),
    non_2xx: runs.reduce((n, r) => n + r.non_2xx, 0),
    server_cpu_us_per_request: runs.some((r) => r.server_cpu_us_per_request === null) ? null : median(runs.map((r) => r.server_cpu_us_per_request!)),
    runs,
  };
}

export async function run(): Promise<Figures> {
  const figures: Record<string, unknown> = { load_average_1m_before: loadAverage(), rounds: ROUNDS, measured_s: MEASURED_S, connections: 50 };
  const sidecar = await startBenchSidecar();
  const ceiling = await startCeiling().catch(async (e: unknown) => {
    await sidecar.stop();
    throw e;
  });
  const runs: Record<Target, Run[]> = { bare_node_http_ceiling: [], admission: [], guardrail: [] };
  try {
    const routes = Object.keys(ROUTES) as BenchRoute[];
    for (const route of routes) await probe(sidecar, route);
    const specs: Record<Target, LoadSpec> = {
      bare_node_http_ceiling: { ...routeLoad(sidecar, 'admission'), url: ceiling.url, headers: apiHeaders('unused') },
      admission: routeLoad(sidecar, 'admission'),
      guardrail: routeLoad(sidecar, 'guardrail'),
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of Object.keys(specs) as Target[]) {
        const load_average_1m = loadAverage();
        // The first round warms the JIT longer.
        const load = startLoad({ ...specs[target], durationS: MEASURED_S, warmupS: round === 0 ? 2 * WARMUP_S : WARMUP_S });
        const pid = target === 'bare_node_http_ceiling' ? ceiling.proc.pid! : sidecar.pid;
        await load.started;
        const cpuBefore = processCpuMs(pid);
        const r = await load.result;
        const cpuAfter = processCpuMs(pid);
        const server_cpu_us_per_request = cpuBefore === null || cpuAfter === null || r.requests === 0 ? null : round2(((cpuAfter - cpuBefore) * 1000) / r.requests);
        runs[target].push({ ...r, load_average_1m, server_cpu_us_per_request });
      }
    }
  } finally {
    ceiling.proc.kill('SIGTERM');
    await sidecar.stop();
  }

  const rows: (string | number)[][] = [];
  const row = (name: string, s: Figures, extra: string[]): void => {
    const runsOf = s['runs'] as Run[];
    rows.push([
      name,
      (s['requests_per_s'] as number).toLocaleString('en-US'),
      runsOf.map((r) => r.requests_per_s.toLocaleString('en-US')).join(' / '),
      `${String(s['latency_p50_ms'])} ms`,
      `${String(s['latency_p99_ms'])} ms`,
      `${String(s['latency_max_ms'])} ms`,
      (s['errors'] as number) + (s['timeouts'] as number) + (s['non_2xx'] as number),
      s['server_cpu_us_per_request'] === null ? '' : `${String(s['server_cpu_us_per_request'])} µs`,
      runsOf.map((r) => r.load_average_1m.toFixed(1)).join(' / '),
      ...extra,
    ]);
  };
  const ceilingSummary = summary(runs.bare_node_http_ceiling);
  figures['bare_node_http_ceiling'] = ceilingSummary;
  row('ceiling: bare node:http', ceilingSummary, ['', '', '']);
  for (const route of Object.keys(ROUTES) as BenchRoute[]) {
    const s = summary(runs[route]);
    const perRound = runs[route].map((r, i) => r.requests_per_s / runs.bare_node_http_ceiling[i]!.requests_per_s);
    const p99PerRound = runs[route].map((r, i) => r.latency_p99_ms / Math.max(1, runs.bare_node_http_ceiling[i]!.latency_p99_ms));
    s['ratio_to_ceiling'] = round2(median(perRound));
    s['p99_ratio_to_ceiling'] = round2(median(p99PerRound));
    figures[route] = s;
    const misses: string[] = [];
    if ((s['ratio_to_ceiling'] as number) < HTTP_TARGET.min_ratio_to_ceiling) misses.push('req/s');
    if ((s['p99_ratio_to_ceiling'] as number) > HTTP_TARGET.max_p99_ratio_to_ceiling) misses.push('p99');
    if ((s['errors'] as number) + (s['timeouts'] as number) + (s['non_2xx'] as number) > 0) misses.push('errors');
    row(`POST ${ROUTES[route].path}`, s, [`${((s['ratio_to_ceiling'] as number) * 100).toFixed(0)} %`, `${String(s['p99_ratio_to_ceiling'])}×`, misses.length === 0 ? 'ok' : 'MISS: ' + misses.join(', ')]);
  }
  figures['load_average_1m_after'] = loadAverage();
  printTable(
    `HTTP: real sidecar (${sidecar.runtime}) and a bare node:http ceiling, autocannon in another process, 50 connections, ` +
      `${ROUNDS} interleaved rounds of ${MEASURED_S} s, medians (target: req/s ≥ ${HTTP_TARGET.min_ratio_to_ceiling * 100} % of the ceiling's, p99 ≤ ${HTTP_TARGET.max_p99_ratio_to_ceiling}× its, 0 errors)`,
    ['server', 'req/s', 'per round', 'p50', 'p99', 'max', 'errors+non2xx', 'server CPU/req', 'load avg', 'of ceiling', 'p99 ×', 'target'],
    rows,
  );
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
