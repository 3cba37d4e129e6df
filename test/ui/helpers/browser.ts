/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser):
 * headless, no sandbox (CI runs as root), nothing that reaches the network on
 * its own, and a fresh profile per launch (playwright creates a temporary
 * user-data-dir and removes it on close). Screenshots go to `test-artifacts/`.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
}

/**
 * The console is served from `dist/ui/` as `npm install` / `npm run build`
 * built it; the tests check it against the sources rather than rebuild it
 * under other tests' feet.
 */
export function requireBuiltConsole(): void {
  const built = join(ROOT, 'dist/ui/assets/main.js');
  if (!existsSync(built)) throw new Error('the console is not built: run `npm run build`');
  const newest = newestMtime(join(ROOT, 'src/gateway/ui/web'));
  if (newest > statSync(built).mtimeMs) throw new Error('the console build is older than its sources: run `npm run build`');
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/** Saves the page as it is now under test-artifacts/console/<name>.png. */
export async function artifact(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Console errors (CSP violations are console errors), uncaught exceptions and
 * failed loads of the console's own files. API answers of 4xx are expected
 * (a refused token, a policy that does not compile): the browser reports those
 * as failed resource loads, which are not counted.
 */
export function watchProblems(page: Page, isConsoleFile: (path: string) => boolean): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    const path = new URL(res.url()).pathname;
    if (isConsoleFile(path) && res.status() >= 400) problems.push(`${path}: HTTP ${res.status()}`);
  });
  return problems;
}
