/**
 * A real HTTP server on loopback that speaks the chat-completions protocol,
 * answering from a script: a verdict object, a status code, garbage, a delay,
 * or what a hostile judge does (an endless answer, a body that stalls halfway,
 * a redirect elsewhere).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Scripted =
  | { verdict: unknown; delayMs?: number }
  | { status: number }
  | { raw: string }
  /** `bytes` of answer streamed in 64 KiB chunks (back-pressure respected); with `declared`, a Content-Length says so first. */
  | { bytes: number; declared?: boolean }
  /** Headers and the start of a body, then nothing. */
  | { stallBody: true }
  | { redirect: string; status: 301 | 302 | 303 | 307 | 308 };

export interface FakeLlm {
  url: string;
  /** Requests received (parsed bodies), with the path they were sent to. */
  requests: { model: string; messages: { role: string; content: string }[]; path?: string }[];
  /** Next answers, consumed in order; when empty, `fallback` answers. */
  script: Scripted[];
  fallback: Scripted;
  /** Bytes of body written for the last streamed (`bytes`) answer when its connection ended. */
  lastStreamed: Promise<number>;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x20);

/** Writes `total` bytes, waiting for `drain`; resolves with what was written when the connection ends. */
function stream(res: ServerResponse, total: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve(sent);
      }
    };
    res.on('close', finish);
    const pump = () => {
      while (sent < total && !res.destroyed) {
        const n = Math.min(CHUNK.length, total - sent);
        sent += n;
        if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return void res.once('drain', pump);
      }
      if (sent >= total) res.end(finish);
    };
    pump();
  });
}

export async function startFakeLlm(fallback: Scripted = { verdict: { action: 'allow', severity: 'NONE', reason: '', findings: [] } }): Promise<FakeLlm> {
  const fake: Partial<FakeLlm> = { requests: [], script: [], fallback, lastStreamed: Promise.resolve(0) };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        fake.requests!.push({ ...JSON.parse(body), path: req.url });
      } catch {
        /* recorded nothing */
      }
      const answer = fake.script!.shift() ?? fake.fallback!;
      const send = () => {
        if ('redirect' in answer) {
          res.writeHead(answer.status, { location: answer.redirect }).end();
        } else if ('status' in answer) {
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end('{"error":"scripted"}');
        } else if ('raw' in answer) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(answer.raw);
        } else if ('bytes' in answer) {
          res.writeHead(200, { 'content-type': 'application/json', ...(answer.declared ? { 'content-length': String(answer.bytes) } : {}) });
          fake.lastStreamed = stream(res, answer.bytes);
        } else if ('stallBody' in answer) {
          res.writeHead(200, { 'content-type': 'application/json' }).write('{"id":"x","choices":[');
        } else {
          const content = JSON.stringify(answer.verdict);
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] }));
        }
      };
      const delay = 'verdict' in answer ? answer.delayMs ?? 0 : 0;
      if (delay) setTimeout(send, delay);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}/v1`;
  fake.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return fake as FakeLlm;
}
