/** Raw-socket clients and process probes for the limit tests: what misbehaving clients do. */
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Resident set size of a process, in MiB (Linux `/proc`). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) / 1024;
}

/** Polls `read` until `done` holds or the time is up; returns the last value. */
export async function eventually<T>(read: () => T | Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  let v = await read();
  while (!done(v) && Date.now() < until) {
    await sleep(everyMs);
    v = await read();
  }
  return v;
}

/** A connected socket; errors are kept, not thrown (the server may reset it). */
export async function openSocket(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  return s;
}

/**
 * Resolves when the socket is closed (by either side), with the milliseconds it
 * took from now. It reads (and drops) what arrives meanwhile: a socket with
 * unread data never sees the server's close.
 */
export function closed(s: Socket): Promise<number> {
  const started = Date.now();
  if (s.destroyed) return Promise.resolve(0);
  if (s.listenerCount('data') === 0) s.on('data', () => {});
  s.resume();
  return new Promise((resolve) => s.once('close', () => resolve(Date.now() - started)));
}

/** Everything the server sent on the socket until it closed (the socket must still be reading). */
export function received(s: Socket): () => string {
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString('latin1')));
  return () => text;
}
