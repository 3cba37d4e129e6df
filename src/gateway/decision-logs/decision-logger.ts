/**
 * Decision logs in OPA's format (docs: Decision Logs; `v1/plugins/logs`).
 * Every decision becomes one event:
 *
 *   {labels: {id, version, ...}, decision_id, bundles: {<name>: {revision}} (or
 *    revision, for a policy directory), path, input, result, erased?, masked?,
 *    requested_by, timestamp, metrics: {timer_rego_query_eval_ns}}
 *
 * `log()` only encodes the event and appends it to a bounded buffer: a
 * decision never waits on the network. A periodic uploader (random delay in
 * [min, max]) POSTs the buffer to `<service url><resource>` as gzip'd JSON
 * arrays of at most `upload_size_limit_bytes` each; a failed chunk goes back
 * to the front of the buffer and the next attempt backs off exponentially
 * (OPA's 100 ms ×1.6 up to `max_delay_seconds`). On stop, what is buffered
 * gets one last upload attempt.
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { Logger } from 'pino';
import { toJSONText, type Value } from '../../rego/value.js';
import { backoffMs, jitteredDelayMs, sleep } from '../../bundle/timing.js';
import { ServiceClient } from '../../bundle/service-client.js';
import { EventBuffer } from './buffer.js';
import type { DecisionLogsConfig } from './config.js';
import { applyMask, type Maskable } from './mask.js';

const gzip = promisify(gzipCb);
const MIN_RETRY_DELAY_MS = 100;
const FINAL_FLUSH_MS = 5_000;

export interface Decision {
  /** The decision's path below `data` (`defenseclaw/admission`, a Data API path). */
  path: string;
  input: unknown;
  result: unknown;
  /** The revision the decision was made under (the one in its response header). */
  revision: string;
  /** The caller's address (`ip:port`). */
  requestedBy?: string;
  evalNs?: number;
}

export interface DecisionLoggerOptions {
  config: DecisionLogsConfig;
  /** `labels` of the configuration plus `id` and `version`. */
  labels: Record<string, string>;
  /** The bundle the policy comes from (events then carry `bundles`), or null. */
  bundleName: string | null;
  userAgent: string;
  metrics?: {
    recordDecisionLogEvent(): void;
    recordDecisionLogDropped(reason: string, events: number): void;
    recordDecisionLogUpload(status: 'success' | 'failed', events: number): void;
  };
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export class DecisionLogger {
  private readonly buffer: EventBuffer;
  private readonly client: ServiceClient | null;
  private readonly labelsJson: string;
  private readonly stopping = new AbortController();
  private loopDone: Promise<void> | null = null;
  private uploading: Promise<boolean> = Promise.resolve(true);
  /** Encoded bytes per gzip'd byte of the last chunk, to size the next one. */
  private ratio = 4;
  private readonly stats = { logged: 0, uploaded: 0, dropped: 0, lastUpload: null as string | null, lastError: null as string | null };

  constructor(private readonly opts: DecisionLoggerOptions) {
    const { config } = opts;
    this.client = config.service ? new ServiceClient(config.service, opts.userAgent) : null;
    this.labelsJson = JSON.stringify(opts.labels);
    this.buffer = new EventBuffer({ type: config.bufferType, bytes: config.bufferSizeLimitBytes, events: config.bufferSizeLimitEvents }, (reason, n) => {
      this.stats.dropped += n;
      opts.metrics?.recordDecisionLogDropped(reason, n);
    });
  }

  /** The upload URL (null: console only). */
  get url(): string | null {
    return this.client?.url(this.opts.config.resource) ?? null;
  }

  /** Records a decision; returns its `decision_id`. Never throws for an unencodable value (the event says so). */
  log(d: Decision): string {
    const id = randomUUID();
    const event: Maskable = {};
    if (d.input !== undefined) event.input = d.input;
    if (d.result !== undefined) event.result = d.result;
    if (this.opts.config.mask.length > 0) applyMask(event, this.opts.config.mask);
    let json = `{"labels":${this.labelsJson},"decision_id":"${id}"`;
    if (this.opts.bundleName !== null) json += `,"bundles":${JSON.stringify({ [this.opts.bundleName]: { revision: d.revision } })}`;
    else if (d.revision !== '') json += `,"revision":${JSON.stringify(d.revision)}`;
    json += `,"path":${JSON.stringify(d.path)}`;
    try {
      if (event.input !== undefined) json += `,"input":${toJSONText(event.input as Value)}`;
      if (event.result !== undefined) json += `,"result":${toJSONText(event.result as Value)}`;
    } catch (err) {
      json += `,"error":${JSON.stringify({ code: 'encoding_error', message: (err as Error).message })}`;
    }
    if (event.erased) json += `,"erased":${JSON.stringify(event.erased)}`;
    if (event.masked) json += `,"masked":${JSON.stringify(event.masked)}`;
    if (d.requestedBy) json += `,"requested_by":${JSON.stringify(d.requestedBy)}`;
    json += `,"timestamp":"${new Date().toISOString()}"`;
    if (d.evalNs !== undefined) json += `,"metrics":{"timer_rego_query_eval_ns":${Math.round(d.evalNs)}}`;
    json += '}';
    this.stats.logged++;
    this.opts.metrics?.recordDecisionLogEvent();
    if (this.opts.config.console) this.opts.logger?.info({ decision: JSON.parse(json) as unknown }, 'Decision Log');
    if (this.client !== null) this.buffer.push(json);
    return id;
  }

  start(): void {
    if (this.client !== null) this.loopDone ??= this.loop();
  }

  /** Stops the periodic uploads, then makes one last attempt (bounded) to upload what is buffered. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loopDone;
    if (this.client === null) return;
    const deadline = AbortSignal.timeout(FINAL_FLUSH_MS);
    await this.flush(deadline);
    this.client.close();
  }

  /** Uploads everything buffered now; resolves false if an upload failed (the events stay buffered). */
  flush(signal?: AbortSignal): Promise<boolean> {
    const run = this.uploading.then(() => this.uploadAll(signal));
    this.uploading = run.catch(() => false);
    return run;
  }

  private async loop(): Promise<void> {
    let retries = 0;
    const { minDelaySeconds: min, maxDelaySeconds: max } = this.opts.config;
    while (!this.stopping.signal.aborted) {
      const delayMs = retries > 0 ? backoffMs(MIN_RETRY_DELAY_MS, max * 1000, retries) : jitteredDelayMs(min, max);
      await sleep(delayMs, this.stopping.signal);
      if (this.stopping.signal.aborted) break;
      retries = (await this.flush(this.stopping.signal)) ? 0 : retries + 1;
    }
  }

  private async uploadAll(signal?: AbortSignal): Promise<boolean> {
    while (this.buffer.length > 0) {
      const chunk = await this.nextChunk();
      if (chunk === null) continue;
      try {
        const res = await this.client!.request({
          method: 'POST',
          path: this.opts.config.resource,
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: chunk.body,
          maxResponseBytes: 1024 * 1024,
          ...(signal ? { signal } : {}),
        });
        if (res.status < 200 || res.status > 299) throw new Error(`server replied with ${res.status}`);
      } catch (err) {
        this.buffer.unshift(chunk.events);
        this.stats.lastError = (err as Error).message;
        this.opts.metrics?.recordDecisionLogUpload('failed', chunk.events.length);
        this.opts.logger?.warn({ reason: this.stats.lastError, events: chunk.events.length }, 'decision log upload failed');
        return false;
      }
      this.stats.uploaded += chunk.events.length;
      this.stats.lastUpload = new Date().toISOString();
      this.stats.lastError = null;
      this.opts.metrics?.recordDecisionLogUpload('success', chunk.events.length);
    }
    return true;
  }

  /**
   * The next gzip'd JSON array within `upload_size_limit_bytes`: as many events
   * as the last compression ratio suggests, halved until it fits. An event
   * that cannot fit alone is dropped (and counted).
   */
  private async nextChunk(): Promise<{ events: string[]; body: Buffer } | null> {
    const limit = this.opts.config.uploadSizeLimitBytes;
    let events = this.buffer.take(Number.MAX_SAFE_INTEGER, Math.max(1, Math.floor(limit * this.ratio * 0.9)));
    for (;;) {
      const text = '[' + events.join(',') + ']';
      const body = await gzip(text);
      this.ratio = Math.min(64, Math.max(1, text.length / Math.max(1, body.length)));
      if (body.length <= limit) return { events, body };
      if (events.length === 1) {
        this.stats.dropped++;
        this.opts.metrics?.recordDecisionLogDropped('upload_size_limit_bytes_exceeded', 1);
        return null;
      }
      const half = Math.ceil(events.length / 2);
      this.buffer.unshift(events.slice(half));
      events = events.slice(0, half);
    }
  }

  /** For `/health`. */
  describe(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      url: this.url,
      buffered_events: this.buffer.length,
      buffered_bytes: this.buffer.size,
      logged: this.stats.logged,
      uploaded: this.stats.uploaded,
      dropped: this.stats.dropped,
      last_upload: this.stats.lastUpload,
    };
    if (this.stats.lastError !== null) out['error'] = this.stats.lastError;
    return out;
  }
}
