/**
 * The bundle downloader (OPA's `v1/download`): polls `<service>/<resource>`
 * with `If-None-Match: <ETag of the last activated bundle>`. A 304 changes
 * nothing. A 200 hands the archive over for activation; only an activated
 * bundle's ETag is kept, so a rejected one is fetched (and rejected) again on
 * the next poll rather than silently skipped.
 *
 * Timing: after a success, a random delay between `min_delay_seconds` and
 * `max_delay_seconds`; after a failure (download or activation), OPA's
 * exponential back-off from 100 ms up to `max_delay_seconds`. With
 * `long_polling_timeout_seconds`, each request says `Prefer: wait=N`; when the
 * server answers with `Content-Type: application/vnd.openpolicyagent.bundles`
 * it holds requests until a new bundle exists, and the next request is sent at
 * once. A server that answers otherwise gets periodic polling.
 */
import { ServiceError, statusText, type ServiceClient } from './service-client.js';
import { backoffMs, jitteredDelayMs, sleep } from './timing.js';

export const LONG_POLL_CONTENT_TYPE = 'application/vnd.openpolicyagent.bundles';
const MIN_RETRY_DELAY_MS = 100;

export interface PollingConfig {
  minDelaySeconds: number;
  maxDelaySeconds: number;
  longPollingTimeoutSeconds?: number;
}

export type PollOutcome =
  | { kind: 'activated' | 'rejected'; etag: string; sizeBytes: number; longPoll: boolean }
  | { kind: 'not_modified'; etag: string; longPoll: boolean }
  | { kind: 'failed'; error: string; status?: number; aborted?: boolean };

export interface DownloaderOptions {
  client: ServiceClient;
  resource: string;
  polling: PollingConfig;
  sizeLimitBytes: number;
  /** The ETag of the bundle already active (a persisted one), sent on the first request. */
  etag?: string;
  /** Activates a downloaded archive; resolves true when it is now serving. */
  activate(raw: Buffer, etag: string): Promise<boolean>;
  /** Every poll's outcome (status, metrics, logs). */
  onOutcome?(outcome: PollOutcome): void;
}

export class BundleDownloader {
  /** ETag of the last activated bundle. */
  etag: string;
  private longPoll: boolean;
  private serial: Promise<unknown> = Promise.resolve();
  private inFlight: AbortController | null = null;
  private readonly stopping = new AbortController();
  private loopDone: Promise<void> | null = null;

  constructor(private readonly opts: DownloaderOptions) {
    this.etag = opts.etag ?? '';
    this.longPoll = opts.polling.longPollingTimeoutSeconds !== undefined;
  }

  get longPolling(): boolean {
    return this.longPoll;
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  /** Stops polling and cancels a request in flight; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.inFlight?.abort();
    await this.loopDone;
    await this.serial.catch(() => undefined);
  }

  /**
   * Downloads now (a plain request, not a long poll), after any poll in
   * progress is cancelled; the periodic loop carries on afterwards.
   */
  trigger(): Promise<PollOutcome> {
    this.inFlight?.abort();
    return this.exclusive(() => this.poll(false));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async loop(): Promise<void> {
    let retries = 0;
    while (!this.stopping.signal.aborted) {
      const outcome = await this.exclusive(() => this.poll(this.longPoll));
      if (this.stopping.signal.aborted) break;
      let delayMs: number;
      if (outcome.kind === 'failed' && outcome.aborted) delayMs = this.longPoll ? 0 : this.periodicDelayMs();
      else if (outcome.kind === 'failed' || outcome.kind === 'rejected') delayMs = backoffMs(MIN_RETRY_DELAY_MS, this.opts.polling.maxDelaySeconds * 1000, ++retries);
      else {
        retries = 0;
        delayMs = this.longPoll ? 0 : this.periodicDelayMs();
      }
      await sleep(delayMs, this.stopping.signal);
    }
  }

  private periodicDelayMs(): number {
    return jitteredDelayMs(this.opts.polling.minDelaySeconds, this.opts.polling.maxDelaySeconds);
  }

  private async poll(longPoll: boolean): Promise<PollOutcome> {
    const outcome = await this.request(longPoll);
    // A poll cancelled to make way for a trigger or a stop is not an outcome.
    if (outcome.kind !== 'failed' || !outcome.aborted) this.opts.onOutcome?.(outcome);
    return outcome;
  }

  private async request(longPoll: boolean): Promise<PollOutcome> {
    if (this.stopping.signal.aborted) return { kind: 'failed', error: 'stopped', aborted: true };
    const { client, polling } = this.opts;
    const wait = longPoll ? polling.longPollingTimeoutSeconds : undefined;
    const headers: Record<string, string> = { prefer: wait !== undefined ? `modes=snapshot;wait=${wait}` : 'modes=snapshot' };
    if (this.etag !== '') headers['if-none-match'] = this.etag;
    const ctrl = new AbortController();
    this.inFlight = ctrl;
    let res;
    try {
      res = await client.request({
        method: 'GET',
        path: this.opts.resource,
        headers,
        // A long poll may legitimately take `wait` seconds before the headers come.
        headerTimeoutMs: (wait ?? 0) * 1000 + client.config.responseHeaderTimeoutMs,
        maxResponseBytes: this.opts.sizeLimitBytes,
        signal: ctrl.signal,
      });
    } catch (err) {
      const aborted = err instanceof ServiceError && err.aborted;
      return { kind: 'failed', error: (err as Error).message, ...(aborted ? { aborted } : {}) };
    } finally {
      if (this.inFlight === ctrl) this.inFlight = null;
    }
    if (res.status === 304) {
      const etag = header(res.headers['etag']) || this.etag;
      return { kind: 'not_modified', etag, longPoll: this.longPoll };
    }
    if (res.status !== 200) return { kind: 'failed', error: `server replied with ${statusText(res.status)}`, status: res.status };
    if (res.body.length === 0) return { kind: 'failed', error: 'server replied with an empty body', status: 200 };
    if (polling.longPollingTimeoutSeconds !== undefined) this.longPoll = header(res.headers['content-type']) === LONG_POLL_CONTENT_TYPE;
    const etag = header(res.headers['etag']);
    const activated = await this.opts.activate(res.body, etag);
    if (activated) this.etag = etag;
    return { kind: activated ? 'activated' : 'rejected', etag, sizeBytes: res.body.length, longPoll: this.longPoll };
  }
}

function header(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? '';
}
