/**
 * `GET /events` subscribers (server-sent events) with back-pressure. Each
 * event is framed once and written to every subscriber; what a subscriber has
 * not read yet stays queued in its response (`writableLength`). A subscriber
 * whose queue would pass `maxQueuedBytes` is dropped (its connection closed)
 * rather than buffered without bound, and counted; a reader that keeps up is
 * never dropped. The number of subscribers is bounded too.
 */
import type { ServerResponse } from 'node:http';

const HEARTBEAT_MS = 15_000;

export class EventStreams {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | null = null;
  /** Subscribers dropped because they fell behind. */
  dropped = 0;

  constructor(
    private readonly maxClients: number,
    private readonly maxQueuedBytes: number,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= this.maxClients;
  }

  /** Starts the stream on `res` (already hijacked from fastify). */
  add(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    this.write(res, ': connected\n\n');
    this.heartbeat ??= setInterval(() => this.broadcast(': keep-alive\n\n'), HEARTBEAT_MS).unref();
  }

  /** One lifecycle event (its JSON text) to every subscriber. */
  publish(json: string): void {
    if (this.clients.size > 0) this.broadcast(`event: lifecycle\ndata: ${json}\n\n`);
  }

  /** Ends every stream (the server is stopping). */
  closeAll(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private broadcast(frame: string): void {
    const bytes = Buffer.byteLength(frame);
    for (const res of this.clients) this.write(res, frame, bytes);
  }

  private write(res: ServerResponse, frame: string, bytes = Buffer.byteLength(frame)): void {
    if (res.writableLength + bytes > this.maxQueuedBytes) {
      this.clients.delete(res);
      this.dropped++;
      res.destroy();
      return;
    }
    res.write(frame);
  }
}
