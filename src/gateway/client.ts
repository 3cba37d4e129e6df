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

export async function postReload(target: SidecarTarget, timeoutMs: number): Promise<JsonResponse> {
  if (target.token === null) {
    throw new ClientError(
      'policy reload: no gateway token configured (set DEFENSECLAW_GATEWAY_TOKEN or run the sidecar once to generate one)',
    );
  }
  const r = await request(
    `${target.baseUrl}/policy/reload`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${target.token}`,
        'x-defenseclaw-token': target.token,
        'x-defenseclaw-client': 'cli',
        'content-type': 'application/json',
      },
    },
    timeoutMs,
  );
  if (r.status !== 200) throw new ClientError(`reload failed (HTTP ${r.status}): ${errorText(r)}`);
  return r;
}

export async function getHealth(target: SidecarTarget, timeoutMs: number): Promise<JsonResponse> {
  const r = await request(`${target.baseUrl}/health`, { method: 'GET' }, timeoutMs);
  if (r.status !== 200) throw new ClientError(`status failed (HTTP ${r.status}): ${errorText(r)}`);
  return r;
}
