/**
 * Benchmark 6 — a fleet: one nginx serving a signed bundle, 20 sidecar
 * processes polling it (OPA's protocol, `polling: {min 1, max 3}`, signature
 * verified), and every sidecar under load (`POST /v1/data/fleet/decision`,
 * two requests in flight per sidecar). A new revision is published; then a
 * tampered one.
 *
 * Figures: time from publication until each sidecar answers under the new
 * revision (p50, max over the 20), failed requests (target 0), decisions whose
 * `X-DefenseClaw-Policy-Revision` differs from the revision their policy data
 * says decided them (target 0), and sidecars that served the tampered bundle
 * (target 0).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readTarGz, writeTarGz } from '../src/bundle/archive.js';
import { buildBundle } from '../src/bundle/build.js';
import type { SigningOptions } from '../src/bundle/signature.js';
import { startNginx } from '../test/helpers/nginx.js';
import { printTable, type Figures } from './lib.js';
import { loadAverage } from './load.js';
import { apiHeaders, startBenchSidecar, type BenchSidecar } from './sidecar.js';

const SIDECARS = 20;
const IN_FLIGHT_PER_SIDECAR = 2;
const POLLING = { min: 1, max: 3 };
const RESOURCE = 'bundles/fleet.tar.gz';

async function fleetBundle(revision: string, signing: SigningOptions): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'dc-fleet-bench-'));
  try {
    writeFileSync(join(dir, 'fleet.rego'), 'package fleet\n\ndecision := {"revision": data.meta.revision, "allow": input.x == 1}\n');
    writeFileSync(join(dir, 'data.json'), JSON.stringify({ meta: { revision } }));
    return (await buildBundle(dir, { revision, signing })).archive;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function config(url: string, publicPem: string): string {
  return [
    'services:',
    '  central:',
    `    url: ${url}`,
    'bundles:',
    '  fleet:',
    '    service: central',
    `    resource: ${RESOURCE}`,
    '    persist: true',
    `    polling: { min_delay_seconds: ${POLLING.min}, max_delay_seconds: ${POLLING.max} }`,
    '    signing: { keyid: release }',
    'keys:',
    '  release:',
    '    algorithm: RS256',
    '    key: |',
    ...publicPem.trim().split('\n').map((l) => `      ${l}`),
    '',
  ].join('\n');
}

interface Tally {
  requests: number;
  failed: number;
  mismatched: number;
  /** Per sidecar: when it first answered under each revision. */
  firstSeen: Map<string, number>[];
}

/** One decision; counts it. */
async function decide(s: BenchSidecar, i: number, tally: Tally, headers: Record<string, string>): Promise<void> {
  tally.requests++;
  try {
    const res = await fetch(s.url + '/v1/data/fleet/decision', { method: 'POST', headers, body: '{"input":{"x":1}}' });
    const text = await res.text();
    const header = res.headers.get('x-defenseclaw-policy-revision');
    if (res.status !== 200) {
      tally.failed++;
      return;
    }
    const body = (JSON.parse(text) as { result?: { revision?: string } }).result?.revision;
    if (header !== body) tally.mismatched++;
    if (body !== undefined && !tally.firstSeen[i]!.has(body)) tally.firstSeen[i]!.set(body, Date.now());
  } catch {
    tally.failed++;
  }
}

async function serving(s: BenchSidecar): Promise<string | null> {
  try {
    const h = (await (await fetch(s.url + '/health')).json()) as { policy: { revision: string | null } };
    return h.policy.revision;
  } catch {
    return null;
  }
}

async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`fleet: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

export async function run(): Promise<Figures> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signing: SigningOptions = { algorithm: 'RS256', key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), keyId: 'release' };
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const nginx = await startNginx();
  const sidecars: BenchSidecar[] = [];
  const loadBefore = loadAverage();
  try {
    nginx.publish(RESOURCE, await fleetBundle('rev-1', signing));
    const startedAt = Date.now();
    // A few at a time: 20 node processes starting at once on two cores only slow each other down.
    for (let i = 0; i < SIDECARS; i += 4) {
      sidecars.push(...(await Promise.all(Array.from({ length: Math.min(4, SIDECARS - i) }, () => startBenchSidecar({ config: config(nginx.url, publicPem) })))));
    }
    await until('every sidecar on rev-1', async () => (await Promise.all(sidecars.map(serving))).every((r) => r === 'rev-1'), 120_000);
    const startupS = (Date.now() - startedAt) / 1000;

    const tally: Tally = { requests: 0, failed: 0, mismatched: 0, firstSeen: sidecars.map(() => new Map()) };
    let running = true;
    const loops = sidecars.flatMap((s, i) => {
      const headers = apiHeaders(s.token);
      return Array.from({ length: IN_FLIGHT_PER_SIDECAR }, async () => {
        while (running) await decide(s, i, tally, headers);
      });
    });
    await new Promise((r) => setTimeout(r, 2000));

    // A new revision under load.
    const published = Date.now();
    const requestsBefore = tally.requests;
    nginx.publish(RESOURCE, await fleetBundle('rev-2', signing));
    await until('every sidecar answering under rev-2', () => tally.firstSeen.every((m) => m.has('rev-2')), 120_000);
    const switchMs = tally.firstSeen.map((m) => m.get('rev-2')! - published).sort((a, b) => a - b);
    const loadS = (Date.now() - published) / 1000;
    const requestsDuring = tally.requests - requestsBefore;

    // A tampered one: same signature, edited data. No sidecar may serve it.
    const files = await readTarGz(await fleetBundle('rev-3', signing), { sizeLimitBytes: 1 << 20 });
    const tampered = files.map((f) => (f.path === 'data.json' ? { path: f.path, content: Buffer.from(f.content.toString().replace('rev-3', 'rev-evil')) } : f));
    nginx.publish(RESOURCE, await writeTarGz(tampered));
    await new Promise((r) => setTimeout(r, (POLLING.max + 1) * 1000));
    running = false;
    await Promise.all(loops);
    const revisions = await Promise.all(sidecars.map(serving));
    const servedTampered = tally.firstSeen.filter((m) => m.has('rev-evil') || m.has('rev-3')).length;
    const notOnRev2 = revisions.filter((r) => r !== 'rev-2').length;

    const figures: Figures = {
      sidecars: SIDECARS,
      polling_min_delay_s: POLLING.min,
      polling_max_delay_s: POLLING.max,
      startup_all_serving_s: round(startupS),
      switch_p50_ms: Math.round(percentile(switchMs, 0.5)),
      switch_max_ms: Math.round(switchMs.at(-1)!),
      switch_min_ms: Math.round(switchMs[0]!),
      requests_total: tally.requests,
      requests_per_s_during_switch: Math.round(requestsDuring / loadS),
      failed_requests: tally.failed,
      revision_mismatches: tally.mismatched,
      sidecars_serving_tampered: servedTampered,
      sidecars_not_on_last_good: notOnRev2,
      load_average_1m_before: loadBefore,
    };
    printTable(
      `Fleet: ${SIDECARS} sidecars, one nginx, polling ${POLLING.min}-${POLLING.max} s, signed bundle, ${IN_FLIGHT_PER_SIDECAR} requests in flight per sidecar`,
      ['figure', 'value', 'target'],
      [
        ['all 20 serving at start', `${figures['startup_all_serving_s']} s`, ''],
        ['new revision: p50 until served', `${figures['switch_p50_ms']} ms`, `≤ ${POLLING.max * 1000} ms + activation`],
        ['new revision: max until served', `${figures['switch_max_ms']} ms`, `≤ ${POLLING.max * 1000} ms + activation`],
        ['decisions during the switch', `${requestsDuring} (${figures['requests_per_s_during_switch']}/s)`, ''],
        ['failed requests', tally.failed, 0],
        ['header ≠ deciding revision', tally.mismatched, 0],
        ['sidecars that served the tampered bundle', servedTampered, 0],
        ['sidecars not on the last good revision', notOnRev2, 0],
      ],
    );
    return figures;
  } finally {
    await Promise.all(sidecars.map((s) => s.stop()));
    await nginx.dispose();
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
