/**
 * Benchmark 2 — HTTP: the real sidecar process (bundled policies, quiet log)
 * against autocannon in another process, 50 keep-alive connections, 10 s per
 * route after a 2 s warm-up: `POST /policy/evaluate` (admission) and
 * `POST /v1/guardrail/evaluate`.
 * Target: ≥ 10,000 requests/s with p99 ≤ 10 ms and zero errors, per route.
 *
 * For scale it also measures the machine's ceiling: a bare `node:http` server
 * answering the same request with a constant JSON body, under the same load
 * (what no Node.js sidecar on this machine can beat).
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { printTable, type Figures } from './lib.js';
import { loadAverage, probe, routeLoad, ROUTES, startLoad, type BenchRoute, type LoadResult } from './load.js';
import { apiHeaders, startBenchSidecar } from './sidecar.js';

export const HTTP_TARGET = { requests_per_s: 10_000, p99_ms: 10 };

/** Whether a load result meets the HTTP target (and by how much it misses). */
export function httpVerdict(r: LoadResult): string {
  const misses: string[] = [];
  if (r.requests_per_s < HTTP_TARGET.requests_per_s) misses.push(`${((1 - r.requests_per_s / HTTP_TARGET.requests_per_s) * 100).toFixed(0)}% short on req/s`);
  if (r.latency_p99_ms > HTTP_TARGET.p99_ms) misses.push(`p99 ${(r.latency_p99_ms / HTTP_TARGET.p99_ms).toFixed(1)}× target`);
  if (failures(r) > 0) misses.push('errors');
  return misses.length === 0 ? 'ok' : 'MISS: ' + misses.join(', ');
}

export function failures(r: LoadResult): number {
  return r.errors + r.timeouts + r.non_2xx;
}

/** A bare node:http server: reads the body, parses it, answers a constant decision-sized JSON. */
const CEILING_SERVER = `
const http = require('node:http');
const answer = JSON.stringify({ ok: true, data: { verdict: 'rejected', reason: 'max severity HIGH triggers block per policy', file_action: 'quarantine', install_action: 'block', runtime_action: 'block' } });
http.createServer((req, res) => {
  let b = '';
  req.on('data', (d) => (b += d));
  req.on('end', () => { JSON.parse(b); res.writeHead(200, { 'content-type': 'application/json' }); res.end(answer); });
}).listen(0, '127.0.0.1', function () { process.stdout.write('listening ' + this.address().port + '\\n'); });
`;

async function ceiling(): Promise<LoadResult> {
  const proc = spawn(process.execPath, ['-e', CEILING_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      proc.on('exit', (code) => reject(new Error(`ceiling server exited with ${code}`)));
    });
    return await startLoad({
      url: `http://127.0.0.1:${port}`,
      path: ROUTES.admission.path,
      headers: apiHeaders('unused'),
      body: ROUTES.admission.body,
      connections: 50,
      durationS: 5,
      warmupS: 1,
    }).result;
  } finally {
    proc.kill('SIGTERM');
  }
}

export async function run(): Promise<Figures> {
  const figures: Record<string, unknown> = { load_average_1m_before: loadAverage() };
  const rows: (string | number)[][] = [];
  const row = (name: string, r: LoadResult, target: string): void => {
    rows.push([name, r.requests_per_s.toLocaleString('en-US'), `${r.latency_p50_ms} ms`, `${r.latency_p99_ms} ms`, `${r.latency_max_ms} ms`, r.requests.toLocaleString('en-US'), failures(r), target]);
  };
  const sidecar = await startBenchSidecar();
  try {
    for (const route of Object.keys(ROUTES) as BenchRoute[]) {
      await probe(sidecar, route);
      const r = await startLoad(routeLoad(sidecar, route)).result;
      figures[route] = r;
      row(`POST ${ROUTES[route].path}`, r, httpVerdict(r));
    }
  } finally {
    await sidecar.stop();
  }
  const bare = await ceiling();
  figures['bare_node_http_ceiling'] = bare;
  row('(ceiling: bare node:http, constant answer)', bare, '');
  figures['load_average_1m_after'] = loadAverage();
  printTable(
    `HTTP: real sidecar (${sidecar.runtime}) vs autocannon in another process, 50 connections, 10 s; load average ${String(figures['load_average_1m_before'])} (target: ≥ 10,000 req/s, p99 ≤ 10 ms, 0 errors)`,
    ['route', 'req/s', 'p50', 'p99', 'max', 'requests', 'errors+non2xx', 'target'],
    rows,
  );
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
