/**
 * The bundle as the sidecar's policy source (OPA's bundle plugin): it starts
 * from the persisted copy, polls the server, and activates every new bundle
 * through the one reload path (`PolicyReloader`, source `bundle`): one
 * compile, the `policy-reload` audit row, the metric, the lifecycle event, the
 * history entry, the judge cache cleared, then the atomic swap.
 *
 * The engine reads its "directory" through `loader`: during an activation it
 * is the candidate archive, read and verified there and then (so a corrupt,
 * unsigned or tampered bundle fails the reload like a broken directory, and
 * the previous policy keeps serving); otherwise it is the active bundle.
 * Activations run inside the reloader's queue, so nothing else can reload
 * between staging the candidate and swapping it in.
 */
import type { Logger } from 'pino';
import type { PolicyDirectory } from '../policy/directory.js';
import type { PolicyEngineApi } from '../policy/types.js';
import type { PolicyReloader, ReloadResult } from '../gateway/reload.js';
import { bundlePolicyDirectory, readBundle, type LoadedBundle } from './bundle.js';
import type { BundleSourceConfig, ServiceConfig } from './config.js';
import { BundleDownloader, type PollOutcome } from './downloader.js';
import { BundleError } from './errors.js';
import { BundlePersistence } from './persist.js';
import { ServiceClient } from './service-client.js';

export interface BundleManagerOptions {
  config: BundleSourceConfig;
  service: ServiceConfig;
  persistenceDir: string;
  userAgent: string;
  metrics?: { recordBundleDownload(bundle: string, outcome: string): void };
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
}

interface Staged {
  raw: Buffer;
  etag: string;
  loaded?: { bundle: LoadedBundle; dir: PolicyDirectory };
}

/** What `POST /policy/reload` answers when the source is a bundle. */
export type TriggerResult =
  | { ok: true; httpStatus: 200; body: Record<string, unknown> }
  | { ok: false; httpStatus: 400 | 500 | 502 | 503; body: { error: string; errors?: unknown[] } };

export class BundleManager {
  readonly name: string;
  readonly url: string;
  private readonly client: ServiceClient;
  private readonly persistence: BundlePersistence | null;
  private readonly downloader: BundleDownloader;
  private candidate: Staged | null = null;
  private active: { bundle: LoadedBundle; dir: PolicyDirectory; etag: string; persisted: boolean } | null = null;
  private attached: { reloader: PolicyReloader; engine: PolicyEngineApi } | null = null;
  private lastActivation: ReloadResult | null = null;
  private readonly status = {
    lastRequest: null as string | null,
    lastSuccessfulRequest: null as string | null,
    lastSuccessfulDownload: null as string | null,
    lastSuccessfulActivation: null as string | null,
    error: null as string | null,
  };

  constructor(private readonly opts: BundleManagerOptions) {
    this.name = opts.config.name;
    this.client = new ServiceClient(opts.service, opts.userAgent);
    this.url = this.client.url(opts.config.resource);
    this.persistence = opts.config.persist ? new BundlePersistence(opts.persistenceDir) : null;
    this.downloader = new BundleDownloader({
      client: this.client,
      resource: opts.config.resource,
      polling: opts.config.polling,
      sizeLimitBytes: opts.config.sizeLimitBytes,
      activate: (raw, etag) => this.activate(raw, etag),
      onOutcome: (o) => this.record(o),
    });
  }

  /** The engine's loader (`PolicyEngineOptions.loadDirectory`). */
  readonly loader = async (): Promise<PolicyDirectory> => {
    const staged = this.candidate;
    if (staged !== null) {
      const bundle = await readBundle(staged.raw, { name: this.name, verification: this.opts.config.signing, sizeLimitBytes: this.opts.config.sizeLimitBytes });
      staged.loaded = { bundle, dir: bundlePolicyDirectory(bundle) };
      return staged.loaded.dir;
    }
    if (this.active !== null) return this.active.dir;
    throw new BundleError(`bundle ${JSON.stringify(this.name)} has not been activated yet (no persisted copy; waiting for ${this.url})`);
  };

  /** Before the engine opens: the persisted copy becomes the candidate of its first load. Returns its revision. */
  stagePersisted(): string | null {
    if (this.persistence === null) return null;
    const saved = this.persistence.load(this.name);
    if (saved === null) return null;
    this.candidate = { raw: saved.raw, etag: saved.meta.etag };
    return saved.meta.revision;
  }

  /** After the engine opened: keeps the persisted bundle if it is serving, and connects the reload path. */
  attach(reloader: PolicyReloader, engine: PolicyEngineApi): void {
    this.attached = { reloader, engine };
    const staged = this.candidate;
    this.candidate = null;
    if (staged === null) return;
    if (staged.loaded !== undefined && engine.current() !== null) {
      this.active = { ...staged.loaded, etag: staged.etag, persisted: true };
      this.downloader.etag = staged.etag;
      this.status.lastSuccessfulActivation = new Date().toISOString();
      this.opts.logger?.info({ bundle: this.name, revision: staged.loaded.bundle.manifest.revision }, 'bundle loaded from disk and activated');
    } else {
      this.status.error = `persisted bundle not activated: ${engine.lastLoadError() ?? 'unknown error'}`;
      this.opts.logger?.error({ bundle: this.name, reason: this.status.error }, 'persisted bundle could not be activated');
    }
  }

  start(): void {
    this.downloader.start();
  }

  async stop(): Promise<void> {
    await this.downloader.stop();
    this.client.close();
  }

  /** `POST /policy/reload`: download now and activate what changed. */
  async trigger(): Promise<TriggerResult> {
    this.lastActivation = null;
    const started = performance.now();
    const outcome = await this.downloader.trigger();
    if (outcome.kind === 'failed') return { ok: false, httpStatus: 502, body: { error: `bundle download failed: ${outcome.error}` } };
    if (outcome.kind === 'not_modified') {
      const snap = this.attached?.engine.current() ?? null;
      const body = {
        status: 'reloaded',
        policy_dir: `bundle:${this.name}`,
        revision: snap?.revision ?? null,
        previous_revision: snap?.revision ?? null,
        modules: snap?.moduleCount ?? 0,
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        unchanged: true,
        source: 'bundle',
        bundle: this.name,
      };
      return { ok: true, httpStatus: 200, body };
    }
    const result = this.lastActivation as ReloadResult | null;
    if (result === null) return { ok: false, httpStatus: 500, body: { error: 'bundle activation did not run' } };
    if (!result.ok) return { ok: false, httpStatus: result.httpStatus, body: result.body };
    return { ok: true, httpStatus: 200, body: { ...result.body, source: 'bundle', bundle: this.name } };
  }

  /** Runs one candidate through the reload path; resolves true when it serves (or was already serving). */
  private activate(raw: Buffer, etag: string): Promise<boolean> {
    const attached = this.attached;
    if (attached === null) return Promise.resolve(false);
    return attached.reloader.exclusive(async (reloadNow) => {
      const staged: Staged = { raw, etag };
      this.candidate = staged;
      let result: ReloadResult;
      try {
        result = await reloadNow('bundle');
      } finally {
        this.candidate = null;
      }
      this.lastActivation = result;
      if (!result.ok || staged.loaded === undefined) {
        this.status.error = result.ok ? 'bundle was not read' : result.body.error;
        return false;
      }
      this.active = { ...staged.loaded, etag, persisted: false };
      this.status.lastSuccessfulActivation = new Date().toISOString();
      this.status.error = null;
      this.persist(raw, etag, staged.loaded.bundle.manifest.revision);
      return true;
    });
  }

  /** Best effort, as OPA: a bundle that cannot be saved still serves; the next start downloads again. */
  private persist(raw: Buffer, etag: string, revision: string): void {
    if (this.persistence === null || this.active === null) return;
    try {
      this.persistence.save(this.name, raw, { etag, revision, saved_at: new Date().toISOString() });
      this.active.persisted = true;
    } catch (err) {
      this.opts.logger?.error({ err, bundle: this.name }, 'bundle could not be persisted');
    }
  }

  private record(o: PollOutcome): void {
    const now = new Date().toISOString();
    this.status.lastRequest = now;
    this.opts.metrics?.recordBundleDownload(this.name, o.kind);
    if (o.kind === 'failed') {
      this.status.error = o.error;
      this.opts.logger?.warn({ bundle: this.name, reason: o.error }, 'bundle download failed');
      return;
    }
    this.status.lastSuccessfulRequest = now;
    if (o.kind === 'not_modified') {
      // The server confirms what is serving: a past activation error no longer describes the state.
      if (this.active !== null) this.status.error = null;
      return;
    }
    this.status.lastSuccessfulDownload = now;
    if (o.kind === 'activated') this.opts.logger?.info({ bundle: this.name, revision: this.active?.bundle.manifest.revision, etag: o.etag }, 'bundle loaded and activated');
  }

  /** For `/health` and `/policy/history`. */
  describe(): Record<string, unknown> {
    const a = this.active;
    const out: Record<string, unknown> = {
      type: 'bundle',
      name: this.name,
      url: this.url,
      revision: a?.bundle.manifest.revision ?? null,
      etag: a?.etag || null,
      signed: a ? a.bundle.signature !== null : null,
      persisted: a?.persisted ?? false,
      long_polling: this.downloader.longPolling,
      last_request: this.status.lastRequest,
      last_successful_request: this.status.lastSuccessfulRequest,
      last_successful_download: this.status.lastSuccessfulDownload,
      last_successful_activation: this.status.lastSuccessfulActivation,
    };
    if (this.status.error !== null) out['error'] = this.status.error;
    return out;
  }
}
