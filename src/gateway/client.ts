/**
 * Talking to a running sidecar from the CLI (`defenseclaw-gateway policy
 * reload`, `status`): the address and token are resolved the way the sidecar
 * resolves them, but the CLI never generates a token or opens the audit store.
 */
import { loadConfig, type ConfigOverrides } from './config.js';
import { resolveToken } from './token.js';

export interface SidecarTarget {
  baseUrl: string;
  token: string | null;
}

/** Errors the CLI prints as one line and exits 1 on. */
export class ClientError extends Error {
  override name = 'ClientError';
  readonly code = 'client_error';
}

export function resolveTarget(overrides: Pick<ConfigOverrides, 'bind' | 'port'> = {}, env: NodeJS.ProcessEnv = process.env): SidecarTarget {
  const cfg = loadConfig(overrides, env);
  // A wildcard bind is reachable on loopback.
  const bind = cfg.gateway.apiBind === '0.0.0.0' || cfg.gateway.apiBind === '::' ? '127.0.0.1' : cfg.gateway.apiBind;
  const host = bind.includes(':') ? `[${bind}]` : bind;
  return { baseUrl: `http://${host}:${cfg.gateway.apiPort}`, token: resolveToken(cfg, env)?.token ?? null };
}

export interface JsonResponse {
  status: number;
  body: unknown;
  text: string;
}

async function request(url: string, init: RequestInit, timeoutMs: number): Promise<JsonResponse> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw new ClientError(`cannot reach sidecar at ${url} — is it running?`);
  }
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: callers fall back to the text.
  }
  return { status: res.status, body, text };
}

/** The `error` of a JSON error body, else the raw text. */
export function errorText(r: JsonResponse): string {
  const b = r.body as { error?: unknown } | undefined;
  return typeof b?.error === 'string' ? b.error : r.text.trim();
}

/** The token or a `ClientError` telling the operator where to get one. */
function requireToken(target: SidecarTarget, what: string): string {
  if (target.token === null) {
    throw new ClientError(`${what}: no gateway token configured (set DEFENSECLAW_GATEWAY_TOKEN or run the sidecar once to generate one)`);
  }
  return target.token;
}

function authHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'x-defenseclaw-token': token, 'x-defenseclaw-client': 'cli', 'content-type': 'application/json' };
}

/** `POST /policy/reload` (or its dry run); anything but 200 is a `ClientError` with the sidecar's message. */
export async function postReload(target: SidecarTarget, timeoutMs: number, opts: { dryRun?: boolean } = {}): Promise<JsonResponse> {
  const token = requireToken(target, 'policy reload');
  const r = await request(`${target.baseUrl}/policy/reload${opts.dryRun ? '?dry_run=true' : ''}`, { method: 'POST', headers: authHeaders(token) }, timeoutMs);
  if (r.status !== 200) throw new ClientError(`${opts.dryRun ? 'dry run' : 'reload'} failed (HTTP ${r.status}): ${errorText(r)}`);
  return r;
}

export async function getPolicyHistory(target: SidecarTarget, timeoutMs: number): Promise<JsonResponse> {
  const token = requireToken(target, 'policy history');
  const r = await request(`${target.baseUrl}/policy/history`, { method: 'GET', headers: { authorization: `Bearer ${token}` } }, timeoutMs);
  if (r.status !== 200) throw new ClientError(`policy history failed (HTTP ${r.status}): ${errorText(r)}`);
  return r;
}

export async function postRollback(target: SidecarTarget, revision: string, timeoutMs: number): Promise<JsonResponse> {
  const token = requireToken(target, 'policy rollback');
  const r = await request(
    `${target.baseUrl}/policy/rollback`,
    { method: 'POST', headers: authHeaders(token), body: JSON.stringify({ revision }) },
    timeoutMs,
  );
  if (r.status !== 200) {
    const known = (r.body as { known?: unknown } | undefined)?.known;
    const suffix = Array.isArray(known) ? ` (known revisions: ${known.length > 0 ? known.join(', ') : 'none'})` : '';
    throw new ClientError(`rollback failed (HTTP ${r.status}): ${errorText(r)}${suffix}`);
  }
  return r;
}

/** `GET /health`, with the token when there is one (the sidecar then includes paths and error texts). */
export async function getHealth(target: SidecarTarget, timeoutMs: number): Promise<JsonResponse> {
  const headers: Record<string, string> = target.token !== null ? { authorization: `Bearer ${target.token}` } : {};
  const r = await request(`${target.baseUrl}/health`, { method: 'GET', headers }, timeoutMs);
  if (r.status !== 200) throw new ClientError(`status failed (HTTP ${r.status}): ${errorText(r)}`);
  return r;
}
