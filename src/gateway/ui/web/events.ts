/**
 * `GET /events` (server-sent events) read with `fetch()` streaming, because
 * `EventSource` cannot send the token in a header and the token must never be
 * in a URL. Frames are parsed as the SSE format says (fields up to a blank
 * line; `:` lines are comments), and the stream reconnects with a growing
 * delay when it drops.
 */
import { authHeaders } from './api.js';

export interface LifecycleEvent {
  event_type: string;
  timestamp: string;
  lifecycle: { subsystem: string; transition: string; details: Record<string, unknown> };
}

export type StreamState = 'connecting' | 'open' | 'retrying' | 'closed';

/** Splits SSE text into events; keeps an unfinished frame for the next chunk. */
export class SseParser {
  private buffer = '';

  constructor(private readonly onEvent: (type: string, data: string) => void) {}

  push(chunk: string): void {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.frame(frame);
    }
  }

  private frame(frame: string): void {
    let type = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'event') type = value;
      else if (name === 'data') data.push(value);
    }
    if (data.length > 0) this.onEvent(type, data.join('\n'));
  }
}

export class EventStream {
  private controller: AbortController | null = null;
  private retryMs = 1000;
  private timer: number | null = null;

  constructor(
    private readonly token: () => string | null,
    private readonly onEvent: (event: LifecycleEvent) => void,
    private readonly onState: (state: StreamState) => void,
    private readonly onUnauthorized: () => void,
  ) {}

  start(): void {
    this.stop();
    void this.connect();
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.onState('closed');
  }

  private async connect(): Promise<void> {
    const token = this.token();
    if (token === null) return;
    const controller = new AbortController();
    this.controller = controller;
    this.onState('connecting');
    try {
      const res = await fetch('/events', { headers: { ...authHeaders(token), accept: 'text/event-stream' }, signal: controller.signal, cache: 'no-store', credentials: 'omit' });
      if (res.status === 401) {
        this.onUnauthorized();
        return;
      }
      if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
      this.onState('open');
      this.retryMs = 1000;
      const parser = new SseParser((type, data) => {
        if (type !== 'lifecycle') return;
        try {
          this.onEvent(JSON.parse(data) as LifecycleEvent);
        } catch {
          // A frame we cannot read is skipped, not fatal.
        }
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch {
      if (controller.signal.aborted) return;
    }
    if (this.controller !== controller) return;
    this.onState('retrying');
    this.timer = window.setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
  }
}
