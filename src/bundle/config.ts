/**
 * The fleet part of `config.yaml`, in OPA's own keys and defaults
 * (docs/configuration: Services, Bundles, Keys, Miscellaneous):
 *
 *   services:  { <name>: { url, headers, response_header_timeout_seconds,
 *                credentials: { bearer: { token | token_path, scheme } |
 *                               client_tls: { cert, private_key, private_key_passphrase } },
 *                tls: { ca_cert }, allow_insecure_tls } }       (or OPA's list form)
 *   bundles:   { <name>: { service, resource (default bundles/<name>), persist,
 *                polling: { min_delay_seconds: 60, max_delay_seconds: 120, long_polling_timeout_seconds },
 *                signing: { keyid, scope, exclude_files }, size_limit_bytes, trigger: periodic } }
 *   keys:      { <id>: { algorithm (RS256), key, scope } }
 *   labels:    { <k>: <v> }            (sent with decision logs, with `id` and `version`)
 *   persistence_directory              (default: the data directory; bundles under bundles/<name>/)
 *
 * Our deviations, each refused loudly rather than ignored: one bundle at a
 * time (the sidecar serves one policy), no OCI services or cloud
 * credentials, no `manual` trigger, and `size_limit_bytes` defaults to 64 MiB
 * (OPA: 1 GiB) because the whole bundle is held in memory.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { KeyReader } from '../gateway/config.js';
import { Section, type Fail } from './config-section.js';
import { checkRevision } from './manifest.js';
import { DEFAULT_SIGNING_ALGORITHM, SIGNING_ALGORITHMS, verificationKey, type KeyConfig, type VerificationConfig } from './signature.js';

export interface ServiceConfig {
  name: string;
  url: string;
  headers: Record<string, string>;
  responseHeaderTimeoutMs: number;
  bearer?: { token?: string; tokenPath?: string; scheme: string };
  clientTls?: { cert: string; key: string; passphrase?: string };
  /** PEM of `tls.ca_cert` (read at start). */
  caCert?: string;
  allowInsecureTls: boolean;
}

export interface BundleSourceConfig {
  name: string;
  service: string;
  resource: string;
  persist: boolean;
  polling: { minDelaySeconds: number; maxDelaySeconds: number; longPollingTimeoutSeconds?: number };
  /** null: the bundle must not be signed. */
  signing: VerificationConfig | null;
  sizeLimitBytes: number;
}

export interface FleetConfig {
  services: Map<string, ServiceConfig>;
  /** At most one (see above). */
  bundles: BundleSourceConfig[];
  keys: Map<string, KeyConfig>;
  labels: Record<string, string>;
  persistenceDir: string;
}

export const DEFAULT_BUNDLE_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
const MAX_SECONDS = 2_147_483; // what a timer can hold

/** Reads services, bundles, keys, labels and persistence_directory. Throws `ConfigError`. */
export function readFleetConfig(r: KeyReader, base: string, dataDir: string): FleetConfig {
  const fail: Fail = (key, what) => r.fail(key, what);
  const keys = readKeys(r.get('keys'), fail);
  const services = new Map<string, ServiceConfig>();
  for (const [name, s] of Section.named(r.get('services'), 'services', fail)) services.set(name, readService(name, s, base));
  const bundles = Section.named(r.get('bundles'), 'bundles', fail).map(([name, s]) => readBundle(name, s, services, keys));
  if (bundles.length > 1) throw fail('bundles', `configures ${bundles.length} bundles; the sidecar serves one policy, so configure one bundle`);
  const labels = new Section({ labels: r.get('labels') }, '', fail).stringMap('labels');
  return { services, bundles, keys, labels, persistenceDir: r.path('persistence_directory', base) ?? dataDir };
}

function readKeys(value: unknown, fail: Fail): Map<string, KeyConfig> {
  const keys = new Map<string, KeyConfig>();
  for (const [id, s] of Section.named(value, 'keys', fail)) {
    const algorithm = s.string('algorithm') ?? DEFAULT_SIGNING_ALGORITHM;
    if (!(SIGNING_ALGORITHMS as readonly string[]).includes(algorithm)) throw s.error('algorithm', `must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
    const key = s.string('key');
    if (key === undefined || key === '') {
      // A signing-only key (`private_key`) is fine to have; it cannot verify anything.
      if (s.string('private_key') === undefined) throw s.error('key', 'is required (PEM public key, or the HMAC secret)');
      continue;
    }
    const config: KeyConfig = { algorithm, key };
    const scope = s.string('scope');
    if (scope) config.scope = scope;
    try {
      verificationKey(config);
    } catch (err) {
      throw s.error('key', `is not a usable ${algorithm} key: ${(err as Error).message}`);
    }
    keys.set(id, config);
  }
  return keys;
}

function readService(name: string, s: Section, base: string): ServiceConfig {
  const url = s.string('url');
  if (url === undefined || url === '') throw s.error('url', 'is required');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw s.error('url', `is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw s.error('url', 'must be an http:// or https:// URL');
  if (s.string('type') !== undefined && s.string('type') !== '') throw s.error('type', 'is not supported (OCI registries are not)');
  const service: ServiceConfig = {
    name,
    url,
    headers: s.stringMap('headers'),
    responseHeaderTimeoutMs: (s.integer('response_header_timeout_seconds', MAX_SECONDS) ?? 10) * 1000,
    allowInsecureTls: s.boolean('allow_insecure_tls') ?? false,
  };
  const tls = s.section('tls');
  const caPath = tls?.string('ca_cert');
  if (caPath) service.caCert = readConfigFile(tls!, 'ca_cert', caPath, base);
  const credentials = s.section('credentials');
  if (credentials !== undefined) {
    for (const kind of Object.keys(credentials.value)) {
      if (kind !== 'bearer' && kind !== 'client_tls') throw credentials.error(kind, 'is not supported (bearer and client_tls are)');
    }
    const bearer = credentials.section('bearer');
    if (bearer !== undefined) {
      const token = bearer.string('token');
      const tokenPath = bearer.string('token_path');
      if (!token && !tokenPath) throw bearer.error('token', 'or token_path is required');
      service.bearer = { scheme: bearer.string('scheme') || 'Bearer' };
      if (token) service.bearer.token = token;
      else service.bearer.tokenPath = resolvePath(tokenPath!, base);
    }
    const clientTls = credentials.section('client_tls');
    if (clientTls !== undefined) {
      const cert = clientTls.string('cert');
      const key = clientTls.string('private_key');
      if (!cert || !key) throw clientTls.error('cert', 'and private_key are required');
      service.clientTls = { cert: readConfigFile(clientTls, 'cert', cert, base), key: readConfigFile(clientTls, 'private_key', key, base) };
      const passphrase = clientTls.string('private_key_passphrase');
      if (passphrase) service.clientTls.passphrase = passphrase;
    }
  }
  return service;
}

function readBundle(name: string, s: Section, services: Map<string, ServiceConfig>, keys: Map<string, KeyConfig>): BundleSourceConfig {
  checkName(name, s);
  const service = s.string('service') ?? '';
  if (service === '') throw s.error('service', 'is required');
  if (!services.has(service)) throw s.error('service', `names an unknown service ${JSON.stringify(service)}`);
  const trigger = s.string('trigger') ?? 'periodic';
  if (trigger !== 'periodic') throw s.error('trigger', 'must be periodic (manual triggers exist only in OPA as a Go library)');
  const polling = s.section('polling');
  const min = polling?.integer('min_delay_seconds', MAX_SECONDS);
  const max = polling?.integer('max_delay_seconds', MAX_SECONDS);
  const minDelaySeconds = min ?? (max !== undefined ? Math.min(60, max) : 60);
  const maxDelaySeconds = max ?? Math.max(120, minDelaySeconds);
  if (maxDelaySeconds < minDelaySeconds) throw polling!.error('max_delay_seconds', 'must be >= min_delay_seconds');
  const config: BundleSourceConfig = {
    name,
    service,
    resource: s.string('resource') ?? `bundles/${name}`,
    persist: s.boolean('persist') ?? false,
    polling: { minDelaySeconds, maxDelaySeconds },
    signing: null,
    sizeLimitBytes: s.integer('size_limit_bytes') ?? DEFAULT_BUNDLE_SIZE_LIMIT_BYTES,
  };
  const longPoll = polling?.integer('long_polling_timeout_seconds', MAX_SECONDS);
  if (longPoll !== undefined) {
    if (longPoll === 0) throw polling!.error('long_polling_timeout_seconds', 'must be greater than 0');
    config.polling.longPollingTimeoutSeconds = longPoll;
  }
  const signing = s.section('signing');
  if (signing !== undefined) {
    const keyId = signing.string('keyid') ?? '';
    if (keyId !== '' && !keys.has(keyId)) throw signing.error('keyid', `names an unknown key ${JSON.stringify(keyId)} (see keys)`);
    if (keyId === '' && keys.size === 0) throw signing.error('keyid', 'is required: no keys are configured');
    config.signing = { keyId, scope: signing.string('scope') ?? '', excludeFiles: signing.stringList('exclude_files') ?? [], keys };
  }
  return config;
}

/** The name is a directory name under persistence_directory and a header value: keep it printable. */
function checkName(name: string, s: Section): void {
  try {
    checkRevision(name);
  } catch {
    throw s.error('', 'bundle names must be printable ASCII, at most 256 characters');
  }
  if (name.trim() === '') throw s.error('', 'bundle names must not be empty');
}

function resolvePath(p: string, base: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

function readConfigFile(s: Section, key: string, p: string, base: string): string {
  try {
    return readFileSync(resolvePath(p, base), 'utf8');
  } catch (err) {
    throw s.error(key, `cannot be read: ${(err as Error).message}`);
  }
}
