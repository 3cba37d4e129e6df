/**
 * The node:http server under fastify, with the limits of `gateway.limits`:
 * header size, the headers / request / idle / keep-alive timeouts, and a
 * connection limit.
 *
 * Node's own `maxConnections` refuses every new connection once the limit is
 * reached, so a flood of idle sockets would lock out `/health` too. Here a
 * new connection at the limit first displaces the oldest connection that has
 * not sent a single byte (what a flood of idle sockets is made of); only when
 * every connection has sent something is the new one refused. Connections
 * that sent part of a request are ended by the headers and request timeouts.
 *
 * Node also ends connections that send nothing once the headers timeout
 * passes (its own protection against idle sockets).
 *
 * All of this is per connection: nothing here runs per request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import type { ServerLimits } from '../config.js';

/** Open connections, the oldest first; sheds silent ones at the limit. */
export class ConnectionGuard {
  private readonly open = new Set<Socket>();
  /** Connections refused because every open one was in use. */
  rejected = 0;
  /** Connections closed to make room because they had sent nothing. */
  evicted = 0;

  constructor(readonly max: number) {}

  get size(): number {
    return this.open.size;
  }

  admit(socket: Socket): void {
    if (this.open.size >= this.max && !this.evictSilent()) {
      this.rejected++;
      socket.destroy();
      return;
    }
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
  }

  /** Closes the oldest connection that has not sent a byte; false when there is none. */
  private evictSilent(): boolean {
    for (const s of this.open) {
      if (s.bytesRead === 0) {
        this.open.delete(s);
        s.destroy();
        this.evicted++;
        return true;
      }
    }
    return false;
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * How often Node looks for requests past their headers or request timeout
 * (its default, 30 s, would let a slow request outlive a 10 s timeout by 30 s).
 */
function checkingIntervalMs(limits: ServerLimits): number {
  const timeouts = [limits.headersTimeoutMs, limits.requestTimeoutMs].filter((t) => t > 0);
  if (timeouts.length === 0) return 30_000;
  return Math.max(50, Math.min(1_000, Math.floor(Math.min(...timeouts) / 4)));
}

/** The server for fastify's `serverFactory`, limits applied, connections counted by `guard`. */
export function createLimitedServer(handler: Handler, limits: ServerLimits, guard: ConnectionGuard): Server {
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(limits),
    },
    handler,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Idle sockets (nothing received or sent for this long) are destroyed by Node.
  server.setTimeout(limits.idleTimeoutMs);
  server.on('connection', (socket: Socket) => guard.admit(socket));
  return server;
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request timeout: the request did not arrive in time'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'request headers too large'],
};

/**
 * fastify's `clientErrorHandler`: what Node reports before a request exists
 * (a headers or request timeout, headers too large, unparsable HTTP) answered
 * in our `{"error": …}` shape, then the connection is closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, text, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request', 'bad request'];
  if (socket.writable) {
    const body = JSON.stringify({ error: message });
    socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  socket.destroy();
}

/**
 * For handlers that may legitimately keep a connection silent for longer than
 * the idle timeout (a judge call, a reload, an event stream): their own
 * deadlines apply. Node restores the idle timeout for the connection's next request.
 */
export function exemptFromIdleTimeout(reply: FastifyReply): void {
  reply.raw.setTimeout(0);
}
