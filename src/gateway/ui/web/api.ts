/**
 * Every call the console makes to the sidecar: the token in the
 * `Authorization` header (never in a URL), and on state-changing calls the
 * same CSRF headers as any other client (`X-DefenseClaw-Client`, a JSON
 * content type). A 401 signs the operator out.
 */
import { session } from './session.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  /** `X-DefenseClaw-Policy-Revision`: the revision that made a decision. */
  revision: string | null;
  ms: number;
}

/** Raised when the sidecar refuses the token: the shell shows the sign-in again. */
export const unauthorized = new EventTarget();

export function authHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** One call; `ok` answers are returned, anything else is an `ApiError` (its body kept). */
export async function call<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown, opts: { token?: string; accept?: number[] } = {}): Promise<ApiResponse<T>> {
  const token = opts.token ?? session.token();
  if (token === null) throw new ApiError(401, 'not signed in', null);
  const headers = authHeaders(token);
  if (method !== 'GET') {
    headers['x-defenseclaw-client'] = 'console';
    headers['content-type'] = 'application/json';
  }
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError(0, 'cannot reach the sidecar', null);
  }
  const text = await res.text();
  const elapsed = performance.now() - started;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (metrics): the text itself.
  }
  if (res.status === 401 && opts.token === undefined) unauthorized.dispatchEvent(new Event('unauthorized'));
  if (!res.ok && !(opts.accept ?? []).includes(res.status)) {
    const msg = typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string' ? (parsed as { error: string }).error : `HTTP ${res.status}`;
    throw new ApiError(res.status, msg, parsed);
  }
  return { status: res.status, body: parsed as T, revision: res.headers.get('x-defenseclaw-policy-revision'), ms: elapsed };
}

const inFlight = new Map<string, Promise<ApiResponse<unknown>>>();

/** A GET; the same GET already on its way is shared (the header and a view both asking for /health). */
export function get<T>(path: string, opts?: { accept?: number[] }): Promise<ApiResponse<T>> {
  const key = `${path} ${(opts?.accept ?? []).join(',')}`;
  let p = inFlight.get(key);
  if (p === undefined) {
    p = call<T>('GET', path, undefined, opts).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
  }
  return p as Promise<ApiResponse<T>>;
}
export const post = <T>(path: string, body?: unknown, opts?: { accept?: number[] }): Promise<ApiResponse<T>> => call<T>('POST', path, body, opts);

// The shapes the console reads (see the README's route table).

export interface RegoErrorJson {
  code: string;
  message: string;
  location?: { file: string; row: number; col: number };
}

export interface PolicySource {
  type: string;
  policy_dir?: string;
  name?: string;
  revision?: string | null;
  url?: string;
  [key: string]: unknown;
}

export interface Health {
  status: string;
  version: string;
  started_at: string;
  uptime_s: number;
  policy: {
    revision: string | null;
    loaded_at: string | null;
    modules: number;
    policy_dir?: string;
    error?: string;
    source?: PolicySource;
    missing_domains?: string[];
  };
  watcher?: { state: string };
  audit?: { status: string };
}

export interface ReloadAttempt {
  at: string;
  source: string;
  status: 'success' | 'failed';
  duration_ms: number;
  revision: string | null;
  previous_revision?: string | null;
  unchanged?: boolean;
  error?: string;
  errors?: RegoErrorJson[];
}

export interface Reloads {
  current_revision: string | null;
  failed_since_success: number;
  attempts: ReloadAttempt[];
}

export interface HistoryEntry {
  revision: string;
  full_revision: string;
  applied_at: string;
  source: string;
  modules: number;
  current: boolean;
  bundle?: { name: string; revision: string };
}

export interface History {
  current_revision: string | null;
  source?: PolicySource;
  limit: number;
  entries: HistoryEntry[];
}

export interface PolicyFile {
  name: string;
  content: string;
}

export interface RevisionFiles {
  revision: string;
  full_revision: string;
  files: PolicyFile[];
}

export interface ReloadFailure {
  status?: 'failed';
  error: string;
  errors?: RegoErrorJson[];
}
