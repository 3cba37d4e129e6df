/**
 * The sidecar's configuration: `~/.defenseclaw/config.yaml` (or `$DEFENSECLAW_CONFIG`),
 * with the original's keys and defaults, validated key by key so that a bad file
 * gives one error naming the key instead of a crash later.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { defaultDataDir } from '../policy/paths.js';
import { readFleetConfig, type FleetConfig } from '../bundle/config.js';
import { readDecisionLogsConfig, type DecisionLogsConfig } from './decision-logs/config.js';
import { readEvaluationConfig, type EvaluationConfig } from './evaluation-config.js';

export const DEFAULT_API_BIND = '127.0.0.1';
export const DEFAULT_API_PORT = 18970;

export interface GatewayConfig {
  /** Path of the config file that was read (it may not exist). */
  configPath: string;
  configFileFound: boolean;
  dataDir: string;
  /** Empty string: no policy directory configured (reload answers 503). */
  policyDir: string;
  auditDb: string;
  gateway: {
    apiBind: string;
    apiPort: number;
    token: string;
    tokenEnv: string;
    /** `gateway.limits.*`: what one client (or many) may hold of the server. */
    limits: ServerLimits;
  };
  watch: { policy: boolean; debounceMs: number };
  /** How many applied snapshots `<data_dir>/policy-history/` keeps. */
  policyHistory: { limit: number };
  guardrail: {
    /** The mode `/v1/guardrail/inspect` uses when the request gives none. */
    mode: 'observe' | 'action';
    hilt: { enabled: boolean; minSeverity: string };
    judge: { baseUrl: string; model: string; apiKeyEnv: string; timeoutMs: number; maxResponseBytes: number };
  };
  /** OPA's `services`, `bundles`, `keys`, `labels`, `persistence_directory`: with a bundle, it is the policy source. */
  fleet: FleetConfig;
  /** OPA's `decision_logs` (null: no decision logging). */
  decisionLogs: DecisionLogsConfig | null;
  /** `evaluation.*`: budgets of one decision and the pool for slow ones. */
  evaluation: EvaluationConfig;
}

/** HTTP server limits (`gateway.limits.*`); a timeout of 0 turns that timeout off. */
export interface ServerLimits {
  /** Open connections at most; at the limit the oldest connections that sent nothing are closed first. */
  maxConnections: number;
  /** The request line and headers must arrive within this time (Node's `headersTimeout`). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this time (Node's `requestTimeout`). */
  requestTimeoutMs: number;
  /** A connection on which nothing moves for this long is closed (Node's socket timeout). */
  idleTimeoutMs: number;
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeoutMs: number;
  /** Request line plus headers, bytes (Node's `maxHeaderSize`). */
  maxHeaderBytes: number;
  /** Request body, bytes. */
  maxBodyBytes: number;
  /** `GET /events` subscribers at most. */
  eventsMaxClients: number;
  /** Bytes queued for one `GET /events` subscriber that does not read; beyond it the subscriber is dropped. */
  eventsMaxQueuedBytes: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxConnections: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 1024 * 1024,
  eventsMaxClients: 64,
  eventsMaxQueuedBytes: 1024 * 1024,
});

/** Largest judge answer read by default (a verdict is a few hundred bytes). */
export const DEFAULT_JUDGE_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Command-line overrides (`--bind`, `--port`, `--policy-dir`). */
export interface ConfigOverrides {
  bind?: string;
  port?: number;
  policyDir?: string;
}

/** A configuration problem: `key` names the offending key (or the file). */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'config_error';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const p = env['DEFENSECLAW_CONFIG'];
  return p && p.trim() !== '' ? p : join(defaultDataDir(env), 'config.yaml');
}

/** Reads, validates and resolves the configuration. Throws `ConfigError` only. */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const path = configPath(env);
  const { doc, found } = readConfigDocument(path);
  const base = dirname(path);
  const r = new KeyReader(doc, path);

  const dataDir = r.path('data_dir', base) ?? defaultDataDir(env);
  const configuredPolicyDir = r.path('policy_dir', base, true);
  const policyDir = overrides.policyDir !== undefined ? resolve(expandHome(overrides.policyDir)) : configuredPolicyDir ?? join(dataDir, 'policies');
  const fleet = readFleetConfig(r, base, dataDir);
  const cfg: GatewayConfig = {
    configPath: path,
    configFileFound: found,
    dataDir,
    policyDir,
    auditDb: r.path('audit_db', base) ?? join(dataDir, 'audit.db'),
    gateway: {
      apiBind: overrides.bind ?? (r.string('gateway.api_bind') || DEFAULT_API_BIND),
      apiPort: overrides.port ?? r.port('gateway.api_port') ?? DEFAULT_API_PORT,
      token: r.string('gateway.token') ?? '',
      tokenEnv: r.string('gateway.token_env') ?? '',
      limits: readLimits(r),
    },
    watch: {
      policy: r.boolean('watch.policy') ?? true,
      debounceMs: r.durationMs('watch.debounce_ms') ?? 500,
    },
    policyHistory: { limit: r.positiveInteger('policy_history.limit') ?? 50 },
    guardrail: {
      mode: r.guardrailMode('guardrail.mode') ?? 'observe',
      hilt: {
        enabled: r.boolean('guardrail.hilt.enabled') ?? false,
        minSeverity: (r.string('guardrail.hilt.min_severity') || 'HIGH').toUpperCase(),
      },
      judge: {
        baseUrl: r.string('guardrail.judge.base_url') ?? '',
        model: r.string('guardrail.judge.model') ?? '',
        apiKeyEnv: r.string('guardrail.judge.api_key_env') ?? '',
        timeoutMs: r.durationMs('guardrail.judge.timeout_ms') ?? 30_000,
        maxResponseBytes: r.positiveInteger('guardrail.judge.max_response_bytes') ?? DEFAULT_JUDGE_MAX_RESPONSE_BYTES,
      },
    },
    fleet,
    decisionLogs: readDecisionLogsConfig(r, fleet.services),
    evaluation: readEvaluationConfig(r),
  };
  if (overrides.port !== undefined && !isPort(overrides.port)) {
    throw new ConfigError('--port', `--port must be an integer between 0 and 65535`);
  }
  return cfg;
}

/**
 * `gateway.limits.*`. The connection limit defaults to 1,024 but never more
 * than half the process's file-descriptor limit: the policy directory, the
 * audit database and reloads need descriptors too.
 */
function readLimits(r: KeyReader): ServerLimits {
  const d = DEFAULT_LIMITS;
  const limits: ServerLimits = {
    maxConnections: r.positiveInteger('gateway.limits.max_connections') ?? defaultMaxConnections(),
    headersTimeoutMs: r.durationMs('gateway.limits.headers_timeout_ms') ?? d.headersTimeoutMs,
    requestTimeoutMs: r.durationMs('gateway.limits.request_timeout_ms') ?? d.requestTimeoutMs,
    idleTimeoutMs: r.durationMs('gateway.limits.idle_timeout_ms') ?? d.idleTimeoutMs,
    keepAliveTimeoutMs: r.durationMs('gateway.limits.keep_alive_timeout_ms') ?? d.keepAliveTimeoutMs,
    maxHeaderBytes: r.positiveInteger('gateway.limits.max_header_bytes') ?? d.maxHeaderBytes,
    maxBodyBytes: r.positiveInteger('gateway.limits.max_body_bytes') ?? d.maxBodyBytes,
    eventsMaxClients: r.positiveInteger('gateway.limits.events_max_clients') ?? d.eventsMaxClients,
    eventsMaxQueuedBytes: r.positiveInteger('gateway.limits.events_max_queued_bytes') ?? d.eventsMaxQueuedBytes,
  };
  // Node refuses a headers timeout longer than the request timeout.
  if (limits.requestTimeoutMs > 0 && limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError('gateway.limits.headers_timeout_ms', `config ${r.file}: gateway.limits.headers_timeout_ms must not exceed gateway.limits.request_timeout_ms`);
  }
  return limits;
}

function defaultMaxConnections(): number {
  const fds = openFileLimit();
  return fds === null ? DEFAULT_LIMITS.maxConnections : Math.max(1, Math.min(DEFAULT_LIMITS.maxConnections, Math.floor(fds / 2)));
}

/** The soft limit on open files (Linux `/proc/self/limits`), or null where it cannot be read. */
function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The longest delay `setTimeout` honours. */
const MAX_TIMER_MS = 2_147_483_647;

function readConfigDocument(path: string): { doc: unknown; found: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { doc: {}, found: false };
    throw new ConfigError(path, `cannot read config ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(path, `config ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return { doc: {}, found: true };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(path, `config ${path} must be a YAML mapping`);
  }
  return { doc, found: true };
}

export function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return p;
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}

/** Typed access to dotted keys; a present value of the wrong type is a `ConfigError` naming the key. */
export class KeyReader {
  constructor(
    private readonly doc: unknown,
    readonly file: string,
  ) {}

  get(key: string): unknown {
    let cur: unknown = this.doc;
    const parts = key.split('.');
    for (let i = 0; i < parts.length; i++) {
      if (cur === null || cur === undefined) return undefined;
      if (typeof cur !== 'object' || Array.isArray(cur)) {
        throw this.fail(parts.slice(0, i).join('.'), 'must be a mapping');
      }
      cur = (cur as Record<string, unknown>)[parts[i]!];
    }
    return cur === null ? undefined : cur;
  }

  fail(key: string, what: string): ConfigError {
    return new ConfigError(key, `config ${this.file}: ${key} ${what}`);
  }

  string(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw this.fail(key, 'must be a string');
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw this.fail(key, 'must be true or false');
    return v;
  }

  nonNegativeInteger(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw this.fail(key, 'must be a non-negative integer');
    return v;
  }

  /** A duration in ms that a timer can hold (Node's timers fire at once past 2^31−1 ms). */
  durationMs(key: string): number | undefined {
    const v = this.nonNegativeInteger(key);
    if (v !== undefined && v > MAX_TIMER_MS) throw this.fail(key, `must be at most ${MAX_TIMER_MS} ms`);
    return v;
  }

  positiveInteger(key: string): number | undefined {
    const v = this.nonNegativeInteger(key);
    if (v === 0) throw this.fail(key, 'must be a positive integer');
    return v;
  }

  guardrailMode(key: string): 'observe' | 'action' | undefined {
    const v = this.string(key)?.trim().toLowerCase();
    if (v === undefined || v === '') return undefined;
    if (v !== 'observe' && v !== 'action') throw this.fail(key, 'must be observe or action');
    return v;
  }

  port(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !isPort(v)) throw this.fail(key, 'must be an integer between 0 and 65535');
    return v;
  }

  /** A path, `~` expanded and resolved against the config file's directory; `allowEmpty` keeps `""` as "not configured". */
  path(key: string, base: string, allowEmpty = false): string | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (v.trim() === '') return allowEmpty ? '' : undefined;
    const p = expandHome(v);
    return isAbsolute(p) ? p : resolve(base, p);
  }
}
