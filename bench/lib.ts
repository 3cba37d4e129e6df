/**
 * Shared measuring and printing for the benchmarks. Each benchmark script is a
 * module exporting `run(): Promise<Figures>` and printing its own table; run
 * alone (`tsx bench/<name>.ts`) it prints, through `bench/run.ts` it also
 * contributes its figures to the `--json` file.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export type Figures = Record<string, unknown>;

export interface Timing {
  median_ns: number;
  p99_ns: number;
  per_s: number;
  samples: number;
}

/**
 * Times `fn` one call at a time after a warm-up, for at least `minMs` and
 * `minSamples` calls. Per-call timing with `performance.now()` has ~100 ns of
 * overhead, so very cheap calls are timed in batches of `batch` instead.
 */
export function measure(fn: () => unknown, opts: { minMs?: number; minSamples?: number; warmup?: number; batch?: number } = {}): Timing {
  const { minMs = 1000, minSamples = 2000, warmup = 2000, batch = 1 } = opts;
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minSamples || performance.now() - start < minMs) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push(((performance.now() - t0) * 1e6) / batch);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)]!;
  const p99 = samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))]!;
  return { median_ns: Math.round(median), p99_ns: Math.round(p99), per_s: Math.round(1e9 / median), samples: samples.length };
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}`);
  for (const [n, r] of cells.entries()) {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

export function fmtNs(ns: number): string {
  if (ns < 1000) return `${ns} ns`;
  if (ns < 1e6) return `${(ns / 1000).toFixed(1)} µs`;
  return `${(ns / 1e6).toFixed(2)} ms`;
}

/** True when this module is the script node was started with (run alone). */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && metaUrl.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
}

/**
 * CPU time (user + system, all threads) a process has used so far, in
 * milliseconds, from Linux's `/proc/<pid>/stat` (in clock ticks of 10 ms,
 * USER_HZ); null elsewhere. On a shared machine, a server's CPU time per
 * request is a steadier figure than its requests/s.
 */
export function processCpuMs(pid: number): number | null {
  if (process.platform !== 'linux') return null;
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14 and stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}
