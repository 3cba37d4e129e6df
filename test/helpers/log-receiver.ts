/**
 * A loopback decision-log service (OPA's Decision Log Service API): accepts
 * `POST <path>` with a gzip'd JSON array, decodes it and keeps the events.
 * It can be told to fail (answer 500) to exercise retries.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface LogReceiver {
  url: string;
  events: Record<string, any>[];
  batches: { headers: IncomingHttpHeaders; path: string; compressedBytes: number; events: number }[];
  /** Answer 500 to every upload while true. */
  failing: boolean;
  close(): Promise<void>;
}

export async function startLogReceiver(): Promise<LogReceiver> {
  const r: LogReceiver = {
    url: '',
    events: [],
    batches: [],
    failing: false,
    close: async () => {},
  };
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (r.failing) return res.writeHead(500).end('{"error":"failing on purpose"}');
      const body = Buffer.concat(chunks);
      let events: Record<string, any>[];
      try {
        const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString('utf8') : body.toString('utf8');
        events = JSON.parse(text) as Record<string, any>[];
        if (!Array.isArray(events)) throw new Error('not an array');
      } catch (err) {
        return res.writeHead(400).end(JSON.stringify({ error: (err as Error).message }));
      }
      r.batches.push({ headers: req.headers, path: req.url ?? '', compressedBytes: body.length, events: events.length });
      r.events.push(...events);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  r.close = () =>
    new Promise((resolve) => {
      srv.closeAllConnections();
      srv.close(() => resolve());
    });
  return r;
}
