/** End-to-end fleet tests: a real sidecar process whose policy comes from nginx, and its decisions. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle } from '../../src/bundle/build.js';
import type { SigningOptions } from '../../src/bundle/signature.js';
import { startSidecarProcess, type SidecarProcess } from '../gateway/helpers/process.js';
import { fleetPolicy } from '../bundle/helpers.js';

export const TOKEN = 'fleet-test-token-0123456789';

export interface Home {
  home: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

export function fleetHome(configYaml: string): Home {
  const home = mkdtempSync(join(tmpdir(), 'dc-fleet-'));
  writeFileSync(join(home, 'config.yaml'), configYaml);
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: home, DEFENSECLAW_HOME: home, DEFENSECLAW_LOG_LEVEL: 'warn', DEFENSECLAW_GATEWAY_TOKEN: TOKEN };
  return { home, env, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export function startFleetSidecar(h: Home): Promise<SidecarProcess> {
  return startSidecarProcess(['--port', '0'], h.env, 60_000);
}

/** The test policy's bundle for `revision` (its decisions name the revision their data came from). */
export async function policyBundle(revision: string, signing?: SigningOptions): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'dc-fleet-src-'));
  try {
    for (const [name, content] of Object.entries(fleetPolicy(revision))) writeFileSync(join(dir, name), content);
    return (await buildBundle(dir, { revision, ...(signing ? { signing } : {}) })).archive;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DecisionSample {
  status: number;
  /** X-DefenseClaw-Policy-Revision */
  header: string | null;
  /** The revision the policy's data says it was made under. */
  body: string | null;
  decisionId: string | null;
  at: number;
}

export async function decide(url: string, input: Record<string, unknown> = { x: 1 }): Promise<DecisionSample> {
  const res = await fetch(url + '/v1/data/fleet/decision', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'x-defenseclaw-client': 'fleet-test', 'content-type': 'application/json' },
    body: JSON.stringify({ input }),
  });
  const text = await res.text();
  let body: string | null = null;
  try {
    body = (JSON.parse(text) as { result?: { revision?: string } }).result?.revision ?? null;
  } catch {
    body = null;
  }
  return { status: res.status, header: res.headers.get('x-defenseclaw-policy-revision'), body, decisionId: res.headers.get('x-defenseclaw-decision-id'), at: Date.now() };
}

export async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (method !== 'GET') Object.assign(headers, { 'x-defenseclaw-client': 'fleet-test', 'content-type': 'application/json' });
  const res = await fetch(url + path, { method, headers, ...(method !== 'GET' ? { body: JSON.stringify(body ?? {}) } : {}) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function servingRevision(url: string): Promise<string | null> {
  const res = await fetch(url + '/health');
  return ((await res.json()) as { policy: { revision: string | null } }).policy.revision;
}

export function bundleConfig(o: { url: string; persist?: boolean; min?: number; max?: number; publicPem?: string; extra?: string }): string {
  const lines = [
    'services:',
    '  central:',
    `    url: ${o.url}`,
    'bundles:',
    '  dc:',
    '    service: central',
    '    resource: bundles/dc.tar.gz',
    `    persist: ${o.persist ?? true}`,
    `    polling: { min_delay_seconds: ${o.min ?? 1}, max_delay_seconds: ${o.max ?? 2} }`,
  ];
  if (o.publicPem) {
    lines.push('    signing: { keyid: release }', 'keys:', '  release:', '    algorithm: RS256', '    key: |', ...o.publicPem.trim().split('\n').map((l) => `      ${l}`));
  }
  return lines.join('\n') + '\n' + (o.extra ?? '');
}
