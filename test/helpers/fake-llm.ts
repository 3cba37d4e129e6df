/**
 * A real HTTP server on loopback that speaks the chat-completions protocol,
 * answering from a script: a verdict object, a status code, garbage, or a delay.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Scripted =
  | { verdict: unknown; delayMs?: number }
  | { status: number }
  | { raw: string };

export interface FakeLlm {
  url: string;
  /** Requests received (parsed bodies). */
  requests: { model: string; messages: { role: string; content: string }[] }[];
  /** Next answers, consumed in order; when empty, `fallback` answers. */
  script: Scripted[];
  fallback: Scripted;
  close(): Promise<void>;
}

export async function startFakeLlm(fallback: Scripted = { verdict: { action: 'allow', severity: 'NONE', reason: '', findings: [] } }): Promise<FakeLlm> {
  const fake: Partial<FakeLlm> = { requests: [], script: [], fallback };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        fake.requests!.push(JSON.parse(body));
      } catch {
        /* recorded nothing */
      }
      const answer = fake.script!.shift() ?? fake.fallback!;
      const send = () => {
        if ('status' in answer) {
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end('{"error":"scripted"}');
        } else if ('raw' in answer) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(answer.raw);
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
