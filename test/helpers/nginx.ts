/**
 * A real nginx (the Debian package) serving bundles from a temporary folder on
 * a loopback port, as the test user: a generated config with its own pid,
 * log and temp paths, `daemon off`, one process. nginx computes its own ETags
 * (mtime and size); `publish` gives every new file a distinct mtime so that
 * two bundles written within one second still get different ETags.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Nginx {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The folder nginx serves. */
  root: string;
  /** Atomically (re)places a file under the root with a fresh mtime. */
  publish(path: string, content: Buffer): void;
  /** Requests nginx answered, from its access log (`METHOD PATH STATUS`). */
  accessLog(): string[];
  running(): boolean;
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops it and removes its folders. */
  dispose(): Promise<void>;
}

/** The nginx binary: on PATH, or where Debian puts it. */
export function nginxBinary(): string {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin'])) {
    const p = join(dir, 'nginx');
    if (dir !== '' && existsSync(p)) return p;
  }
  throw new Error('nginx is not installed (apt-get install nginx; .ci/run does it)');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

let mtimeCounter = 0;

export async function startNginx(opts: { root?: string } = {}): Promise<Nginx> {
  const work = mkdtempSync(join(tmpdir(), 'dc-nginx-'));
  const root = opts.root ?? join(work, 'www');
  mkdirSync(root, { recursive: true });
  for (const d of ['tmp', 'logs']) mkdirSync(join(work, d), { recursive: true });
  let port = 0;
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (samePort = false): Promise<void> => {
    let lastError = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      if (port === 0 || (attempt > 0 && !samePort)) port = await freePort();
      writeFileSync(join(work, 'nginx.conf'), config(work, root, port));
      const p = spawn(nginxBinary(), ['-p', work, '-c', join(work, 'nginx.conf'), '-e', join(work, 'logs', 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const done = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      const up = await waitForPort(port, p, 10_000);
      if (up) {
        proc = p;
        exited = done;
        return;
      }
      p.kill('SIGKILL');
      await done;
      lastError = stderr || readLog(join(work, 'logs', 'error.log'));
    }
    throw new Error(`nginx did not start: ${lastError}`);
  };
  await launch();

  const stop = async (): Promise<void> => {
    const p = proc;
    if (p === null) return;
    proc = null;
    if (p.exitCode === null) p.kill('SIGTERM');
    await exited;
  };

  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    root,
    publish(path, content) {
      const target = join(root, path);
      mkdirSync(dirname(target), { recursive: true });
      const tmp = `${target}.tmp-${process.pid}`;
      writeFileSync(tmp, content);
      // A distinct mtime per publication: nginx's ETag is "<mtime>-<size>" in hex.
      const t = Math.floor(Date.now() / 1000) + ++mtimeCounter;
      utimesSync(tmp, t, t);
      renameSync(tmp, target);
    },
    accessLog() {
      return readLog(join(work, 'logs', 'access.log'))
        .split('\n')
        .filter((l) => l !== '');
    },
    running: () => proc !== null,
    stop,
    async restart() {
      await stop();
      await launch(true);
    },
    async dispose() {
      await stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

function config(work: string, root: string, port: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${join(work, 'nginx.pid')};
error_log ${join(work, 'logs', 'error.log')} warn;
events { worker_connections 1024; }
http {
  log_format dc '$request_method $uri $status';
  access_log ${join(work, 'logs', 'access.log')} dc;
  client_body_temp_path ${join(work, 'tmp', 'body')};
  proxy_temp_path ${join(work, 'tmp', 'proxy')};
  fastcgi_temp_path ${join(work, 'tmp', 'fastcgi')};
  uwsgi_temp_path ${join(work, 'tmp', 'uwsgi')};
  scgi_temp_path ${join(work, 'tmp', 'scgi')};
  types { application/gzip gz; application/json json; }
  default_type application/octet-stream;
  keepalive_timeout 65;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    etag on;
    location / { }
  }
}
`;
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** True once `port` accepts connections; false if the process exits first or time runs out. */
async function waitForPort(port: number, p: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.exitCode !== null || p.signalCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
