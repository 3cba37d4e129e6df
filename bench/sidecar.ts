/**
 * Starts the real sidecar process for the HTTP benchmarks: a temporary
 * `DEFENSECLAW_HOME` holding a copy of the bundled policies, a known token, the
 * policy watcher off (reloads come only from the benchmark) and a quiet log
 * level, so that the benchmark measures request handling and not logging.
 *
 * It runs the compiled JavaScript (`dist/`) when it is up to date with `src/`,
 * building it first if needed; only if the build cannot produce a fresh `dist/`
 * does it fall back to running the TypeScript through tsx (slower start-up,
 * same code at run time).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this file with a package.json (this file also runs compiled, from `dist-bench/bench/`). */
export const ROOT = findRoot(fileURLToPath(new URL('.', import.meta.url)));

function findRoot(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) throw new Error(`no package.json above ${dir}`);
  }
}
const SRC_ENTRY = join(ROOT, 'src/cli/gateway.ts');
const DIST_ENTRY = join(ROOT, 'dist/src/cli/gateway.js');

/** Headers every state-changing API request needs (token, client marker, JSON). */
export function apiHeaders(token: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'x-defenseclaw-client': 'defenseclaw-bench',
    'content-type': 'application/json',
  };
}

export interface BenchSidecar {
  url: string;
  token: string;
  pid: number;
  home: string;
  /** The policy directory the sidecar serves (a copy of the bundled policies). */
  policyDir: string;
  /** How it was started: `dist` (compiled) or `tsx`. */
  runtime: 'dist' | 'tsx';
  /** Everything it wrote to stderr so far (the log), for diagnostics. */
  stderr(): string;
  /** SIGTERM, wait for exit, remove the temporary home. */
  stop(): Promise<void>;
}

export interface BenchSidecarOptions {
  /** Log level (`DEFENSECLAW_LOG_LEVEL`); `warn` by default. */
  logLevel?: string;
  /** Extra node flags for the sidecar (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** Working directory of the sidecar process (where `--cpu-prof` writes). */
  cwd?: string;
  /** Extra `config.yaml` content (a fleet sidecar's services and bundles); its policy may still be downloading at start. */
  config?: string;
}

export async function startBenchSidecar(opts: BenchSidecarOptions = {}): Promise<BenchSidecar> {
  const runtime = ensureDist() ? 'dist' : 'tsx';
  const home = mkdtempSync(join(tmpdir(), 'defenseclaw-bench-'));
  const policyDir = join(home, 'policies');
  cpSync(join(ROOT, 'policies'), policyDir, { recursive: true });
  writeFileSync(join(home, 'config.yaml'), 'watch:\n  policy: false\n' + (opts.config ?? ''));
  const token = 'bench-' + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DEFENSECLAW_HOME: home,
    DEFENSECLAW_CONFIG: join(home, 'config.yaml'),
    DEFENSECLAW_GATEWAY_TOKEN: token,
    DEFENSECLAW_LOG_LEVEL: opts.logLevel ?? 'warn',
    NODE_ENV: 'production',
  };
  const entry = runtime === 'dist' ? [DIST_ENTRY] : ['--import', 'tsx', SRC_ENTRY];
  const args = [...(opts.nodeFlags ?? []), ...entry, 'run', '--port', '0', '--bind', '127.0.0.1', '--policy-dir', policyDir];
  const proc = spawn(process.execPath, args, { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d: Buffer) => {
    // Keep the tail only: a long run must not grow the benchmark's own memory.
    err = (err + d.toString()).slice(-64 * 1024);
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const cleanup = (): void => rmSync(home, { recursive: true, force: true });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`sidecar did not start within 60 s\nstdout: ${out}\nstderr: ${err}`));
    }, 60_000);
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && out.includes('\ntoken: ')) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sidecar exited with ${code}\nstdout: ${out}\nstderr: ${err}`));
    });
  }).catch((e: unknown) => {
    cleanup();
    throw e;
  });
  if (opts.config === undefined && /NOT LOADED/.test(out)) {
    proc.kill('SIGKILL');
    cleanup();
    throw new Error(`the bundled policies did not load in the sidecar:\n${out}`);
  }

  return {
    url,
    token,
    pid: proc.pid!,
    home,
    policyDir,
    runtime,
    stderr: () => err,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      cleanup();
    },
  };
}

let distChecked: boolean | undefined;

/** True when `dist/` is (or, after a build, has become) at least as new as every source file. Checked once per run. */
function ensureDist(): boolean {
  distChecked ??= buildDistIfStale();
  return distChecked;
}

function buildDistIfStale(): boolean {
  if (distIsFresh()) return true;
  console.error('bench: dist/ is missing or older than src/, building it (npx tsc -p tsconfig.json)…');
  // tsc emits even when some file has type errors; freshness is checked again below.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  if (distIsFresh()) return true;
  console.error('bench: dist/ is still not fresh, running the sidecar through tsx');
  return false;
}

/** What `tsconfig.json` leaves out of `dist/src` (the console's browser code: esbuild bundles it into `dist/ui`). */
const NOT_IN_DIST = [join('src', 'gateway', 'ui', 'web') + sep];

function distIsFresh(): boolean {
  const src = join(ROOT, 'src');
  for (const file of walk(src)) {
    if (!file.endsWith('.ts')) continue;
    if (NOT_IN_DIST.some((dir) => relative(ROOT, file).startsWith(dir))) continue;
    const js = join(ROOT, 'dist/src', relative(src, file).replace(/\.ts$/, '.js'));
    let compiled: number;
    try {
      compiled = statSync(js).mtimeMs;
    } catch {
      return false;
    }
    if (compiled < statSync(file).mtimeMs) return false;
  }
  return true;
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}
