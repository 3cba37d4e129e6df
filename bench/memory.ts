/**
 * Benchmark 5 — memory: the sidecar's resident memory (`/proc/<pid>/status`)
 * idle with the default policies, then its peak while autocannon (another
 * process) loads admission and guardrail for 5 s each.
 * Target: ≤ 150 MB.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { printTable, type Figures } from './lib.js';
import { loadAverage, probe, routeLoad, ROUTES, startLoad, type BenchRoute } from './load.js';
import { startBenchSidecar } from './sidecar.js';

const TARGET_MB = 150;

/** VmRSS (now) and VmHWM (peak since start) of a process, in MB; Linux only. */
export function residentMemory(pid: number): { rss_mb: number; hwm_mb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(m[1]);
  };
  const mb = (k: number): number => Math.round((k / 1024) * 10) / 10;
  return { rss_mb: mb(kb('VmRSS')), hwm_mb: mb(kb('VmHWM')) };
}

export async function run(): Promise<Figures> {
  if (process.platform !== 'linux') {
    console.log('\nMemory: skipped (needs /proc, Linux only)');
    return { skipped: 'not linux' };
  }
  const loadBefore = loadAverage();
  const sidecar = await startBenchSidecar();
  try {
    // Let start-up settle (lazy module loading, the first GC) before reading "idle".
    await probe(sidecar, 'admission');
    await probe(sidecar, 'guardrail');
    await sleep(2000);
    const idle = residentMemory(sidecar.pid);

    let peakSampled = idle.rss_mb;
    const sampler = setInterval(() => {
      peakSampled = Math.max(peakSampled, residentMemory(sidecar.pid).rss_mb);
    }, 100);
    for (const route of Object.keys(ROUTES) as BenchRoute[]) {
      await startLoad(routeLoad(sidecar, route, { durationS: 5, warmupS: 1 })).result;
    }
    clearInterval(sampler);
    const after = residentMemory(sidecar.pid);
    const peak = Math.max(peakSampled, after.hwm_mb);
    const verdict = (mb: number): string => (mb <= TARGET_MB ? 'ok' : `MISS (+${(mb - TARGET_MB).toFixed(1)} MB)`);
    printTable(
      `Memory: sidecar resident set (default policies; target ≤ ${TARGET_MB} MB)`,
      ['measure', 'MB', 'target'],
      [
        ['idle, VmRSS', idle.rss_mb, verdict(idle.rss_mb)],
        ['start-up peak, VmHWM (idle)', idle.hwm_mb, verdict(idle.hwm_mb)],
        ['under HTTP load, peak (VmHWM)', peak, verdict(peak)],
        ['after load, VmRSS', after.rss_mb, ''],
      ],
    );
    return { load_average_1m_before: loadBefore, idle_rss_mb: idle.rss_mb, startup_hwm_mb: idle.hwm_mb, load_peak_mb: peak, after_load_rss_mb: after.rss_mb, target_mb: TARGET_MB };
  } finally {
    await sidecar.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
