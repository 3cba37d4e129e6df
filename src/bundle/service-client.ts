/**
 * HTTP client for a configured service (OPA's `plugins/rest`): the bundle
 * downloader and the decision-log uploader talk to their servers through it.
 * `<url>/<path>` with the service's headers and credentials (bearer token,
 * re-read from `token_path` on every request; client TLS), its CA, a response
 * header timeout, a ceiling on the response body, and cancellation. Built on
 * node:http(s) (fetch cannot take a CA or a client certificate per request).
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { ServiceConfig } from './config.js';

export interface ServiceRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Time allowed until the response headers arrive (default: the service's `response_header_timeout_seconds`). */
  headerTimeoutMs?: number;
  /** Bodies larger than this fail the request. */
  maxResponseBytes: number;
  signal?: AbortSignal;
}

export interface ServiceResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request that did not get a complete answer (network, timeout, size, abort). */
export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    message: string,
    readonly aborted = false,
  ) {
    super(message);
  }
}

export class ServiceClient {
  private readonly agent: http.Agent;
  private readonly secure: boolean;

  constructor(
    readonly config: ServiceConfig,
    private readonly userAgent: string,
  ) {
    this.secure = config.url.startsWith('https:');
    const options: https.AgentOptions = { keepAlive: true, maxSockets: 4 };
    if (this.secure) {
      if (config.caCert !== undefined) options.ca = config.caCert;
      if (config.allowInsecureTls) options.rejectUnauthorized = false;
      if (config.clientTls) {
        options.cert = config.clientTls.cert;
        options.key = config.clientTls.key;
        if (config.clientTls.passphrase !== undefined) options.passphrase = config.clientTls.passphrase;
      }
    }
    this.agent = this.secure ? new https.Agent(options) : new http.Agent(options);
  }

  /** OPA's join: the service URL without trailing `/`, `/`, the path without leading `/`. */
  url(path: string): string {
    return this.config.url.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
  }

  request(req: ServiceRequest): Promise<ServiceResponse> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...this.config.headers, ...(req.headers ?? {}) };
    let auth: string | undefined;
    try {
      auth = this.authorization();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (auth !== undefined) headers['authorization'] = auth;
    if (req.body !== undefined) headers['content-length'] = String(req.body.length);
    const headerTimeoutMs = req.headerTimeoutMs ?? this.config.responseHeaderTimeoutMs;
    const target = this.url(req.path);
    return new Promise<ServiceResponse>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | null, res?: ServiceResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(res!);
      };
      const request = (this.secure ? https : http).request(target, { method: req.method, headers, agent: this.agent });
      const onAbort = (): void => {
        request.destroy();
        finish(new ServiceError('request aborted', true));
      };
      const timer = setTimeout(() => {
        request.destroy();
        finish(new ServiceError(`no response from ${target} within ${headerTimeoutMs} ms`));
      }, headerTimeoutMs);
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (err) => finish(new ServiceError(`request to ${target} failed: ${err.message}`)));
      request.on('response', (res) => {
        clearTimeout(timer);
        const chunks: Buffer[] = [];
        let size = 0;
        // A body that stalls as long as headers may take is given up.
        res.setTimeout(headerTimeoutMs, () => {
          res.destroy();
          finish(new ServiceError(`response body from ${target} stalled`));
        });
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > req.maxResponseBytes) {
            res.destroy();
            finish(new ServiceError(`response from ${target} is larger than ${req.maxResponseBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => finish(new ServiceError(`reading the response from ${target} failed: ${err.message}`)));
        res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      request.end(req.body);
    });
  }

  /** `<scheme> <token>`; a token file is read on every request (rotated tokens take effect at once). */
  private authorization(): string | undefined {
    const bearer = this.config.bearer;
    if (bearer === undefined) return undefined;
    let token = bearer.token ?? '';
    if (bearer.tokenPath !== undefined) {
      try {
        token = readFileSync(bearer.tokenPath, 'utf8').trim();
      } catch (err) {
        throw new ServiceError(`cannot read the bearer token ${bearer.tokenPath}: ${(err as Error).message}`);
      }
    }
    return `${bearer.scheme} ${token}`;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Go's `http.StatusText` wording for the statuses a server answers most. */
export function statusText(status: number): string {
  return http.STATUS_CODES[status] ?? `status ${status}`;
}
