/** Test helpers: temporary DEFENSECLAW_HOME, an in-process sidecar on a free port, and HTTP calls. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startSidecar, type RunningSidecar } from '../../../src/gateway/sidecar.js';
import { FakeEngine } from './fake-engine.js';
import type { PolicyEngineApi } from '../../../src/policy/types.js';

export const TOKEN = 'test-token-0123456789abcdef';

export interface TempHome {
  home: string;
  policyDir: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

export function tempHome(extraEnv: NodeJS.ProcessEnv = {}): TempHome {
  const home = mkdtempSync(join(tmpdir(), 'dc-gw-'));
  const policyDir = join(home, 'policies');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: home,
    DEFENSECLAW_HOME: home,
    DEFENSECLAW_LOG_LEVEL: 'silent',
    ...extraEnv,
  };
  return { home, policyDir, env, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export function writeFakePolicy(dir: string, doc: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(doc));
}

export interface InProcess extends TempHome {
  sidecar: RunningSidecar;
  engine: FakeEngine | null;
  call(method: string, path: string, opts?: CallOptions): Promise<CallResult>;
  stop(): Promise<void>;
}

export interface CallOptions {
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** false: send no token. */
  token?: string | false;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function call(baseUrl: string, method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (opts.token !== false) headers['authorization'] = `Bearer ${opts.token ?? TOKEN}`;
  if (method !== 'GET' && method !== 'HEAD') {
    headers['x-defenseclaw-client'] = 'test';
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, opts.headers ?? {});
  for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const res = await fetch(baseUrl + path, { method, headers, body });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Tests that reload explicitly turn the watcher off so that it cannot add reloads of its own. */
export const NO_WATCH_CONFIG = 'watch:\n  policy: false\n';

/**
 * A sidecar in this process with the fake engine over `<home>/policies/policy.json`.
 * The policy watcher is off unless `watch` is set (then `config` must not set `watch`).
 */
export async function inProcessSidecar(
  opts: {
    policy?: Record<string, unknown> | null;
    config?: string;
    env?: NodeJS.ProcessEnv;
    watch?: boolean;
    /** Wraps the fake engine (a test changes how it answers). */
    engine?: (e: FakeEngine) => PolicyEngineApi;
    /** false: no lean decision path (every request through fastify). */
    leanPath?: boolean;
  } = {},
): Promise<InProcess> {
  const t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN, ...opts.env });
  if (opts.policy !== null) writeFakePolicy(t.policyDir, opts.policy ?? { verdict: 'allowed' });
  else mkdirSync(t.policyDir, { recursive: true });
  writeFileSync(join(t.home, 'config.yaml'), (opts.watch ? '' : NO_WATCH_CONFIG) + (opts.config ?? ''));
  let engine: FakeEngine | null = null;
  const sidecar = await startSidecar({
    env: t.env,
    port: 0,
    logger: pino({ level: 'silent' }),
    print: () => {},
    openEngine: async (dir) => {
      engine = await FakeEngine.open(dir);
      return opts.engine ? opts.engine(engine) : engine;
    },
    leanPath: opts.leanPath,
  });
  return {
    ...t,
    sidecar,
    engine,
    call: (method, path, o) => call(sidecar.url, method, path, o),
    stop: async () => {
      await sidecar.stop();
      t.cleanup();
    },
  };
}
