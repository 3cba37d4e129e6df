/** Runs `defenseclaw-gateway` as a real process (through tsx, no build step). */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = join(ROOT, 'src/cli/gateway.ts');

export interface SidecarProcess {
  proc: ChildProcess;
  url: string;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function gatewayCommand(args: string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', ENTRY, ...args]];
}

/**
 * Starts the sidecar and waits for its `listening on` line (rejects if it exits first).
 * `as` runs it as another user (tests of permission faults, which root does not see).
 */
export function startSidecarProcess(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000, as?: { uid: number; gid: number }): Promise<SidecarProcess> {
  const [cmd, argv] = gatewayCommand(['run', ...args]);
  const proc = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], ...(as ?? {}) });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`sidecar did not start in time\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on (http:\/\/[^\s]+:(\d+))/);
      if (m && out.includes('\ntoken: ')) {
        clearTimeout(timer);
        resolve({
          proc,
          url: m[1]!,
          port: Number(m[2]),
          stdout: () => out,
          stderr: () => err,
          stop: async (signal = 'SIGTERM') => {
            if (proc.exitCode === null) proc.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sidecar exited with ${code}\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runGateway(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<CliResult> {
  const [cmd, argv] = gatewayCommand(args);
  const proc = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}
