/**
 * `defenseclaw-gateway ui`: the console's URL with the token in its fragment
 * (`#token=…`). A fragment is never sent to a server, so the token does not
 * reach any request line, proxy or access log; the page reads it, keeps it in
 * the tab's `sessionStorage` and removes it from the address bar.
 */
import { spawn } from 'node:child_process';
import { ClientError, type SidecarTarget } from '../client.js';
import { CONSOLE_PATH } from './routes.js';

export function consoleUrl(baseUrl: string, token: string): string {
  return `${baseUrl}${CONSOLE_PATH}#token=${encodeURIComponent(token)}`;
}

export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The URL for a running sidecar, after checking that it answers and accepts
 * the configured token (a stale token would only show the sign-in page).
 */
export async function checkedConsoleUrl(target: SidecarTarget, timeoutMs: number): Promise<string> {
  if (target.token === null) {
    throw new ClientError('ui: no gateway token configured (set DEFENSECLAW_GATEWAY_TOKEN or run the sidecar once to generate one)');
  }
  let status: number;
  try {
    const res = await fetch(`${target.baseUrl}/policy/reloads`, { headers: { authorization: `Bearer ${target.token}` }, signal: AbortSignal.timeout(timeoutMs) });
    status = res.status;
    await res.arrayBuffer();
  } catch {
    throw new ClientError(`cannot reach sidecar at ${target.baseUrl} — is it running?`);
  }
  if (status === 401) throw new ClientError(`the sidecar at ${target.baseUrl} does not accept the configured gateway token`);
  if (status === 404) throw new ClientError(`the sidecar at ${target.baseUrl} has no console (an older version?)`);
  return consoleUrl(target.baseUrl, target.token);
}

/** Opens a URL with the platform's opener; resolves false when none could be started. */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const [cmd, args] = platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]] : ['xdg-open', [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
