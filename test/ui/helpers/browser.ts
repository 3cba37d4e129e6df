/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser):
 * headless, no sandbox (CI runs as root), nothing that reaches the network on
 * its own, and a fresh profile per launch (playwright creates a temporary
 * user-data-dir and removes it on close). Screenshots go to `test-artifacts/`.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runGateway } from '../../gateway/helpers/process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Generous: a loaded 2-core CI machine. Every wait is for a condition, never a fixed time. */
export const WAIT_MS = 30_000;

// Functions given to page.waitForFunction run in the page: this is the DOM's.
declare const document: { querySelectorAll(selector: string): Iterable<{ textContent: string | null }> };

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

/** A suite's screenshots: `test-artifacts/<suite>/<name>.png` (emptied when the suite starts). */
export function artifacts(suite: string): (page: Page, name: string) => Promise<void> {
  const dir = join(ROOT, 'test-artifacts', suite);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return async (page, name) => {
    await page.screenshot({ path: join(dir, `${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`), fullPage: true });
  };
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

/** Waits until the text of the elements `selector` finds (joined) matches; a string must equal the first one's. */
export async function waitText(page: Page, selector: string, want: string | RegExp): Promise<string> {
  const handle = await page.waitForFunction(
    ([sel, source, flags, exact]) => {
      const found = [...document.querySelectorAll(sel as string)].map((e) => e.textContent ?? '');
      if (found.length === 0) return false;
      if (exact !== null) return found[0]!.trim() === exact ? found[0]!.trim() : false;
      const text = found.join('\n');
      return new RegExp(source as string, flags as string).test(text) ? text : false;
    },
    [selector, typeof want === 'string' ? '' : want.source, typeof want === 'string' ? '' : want.flags, typeof want === 'string' ? want : null] as const,
    { timeout: WAIT_MS },
  );
  return (await handle.jsonValue()) as string;
}

/** Selects a view by its tab and waits until it shows. */
export async function openTab(page: Page, id: string): Promise<void> {
  await page.click(`#tab-${id}`);
  await page.locator(`#view-${id}`).waitFor({ state: 'visible', timeout: WAIT_MS });
}

/** The link `defenseclaw-gateway ui` prints for the sidecar on `port` (its env: the home and the token). */
export async function consoleLink(port: number, env: NodeJS.ProcessEnv): Promise<string> {
  const r = await runGateway(['ui', '--port', String(port)], env, 60_000);
  if (r.code !== 0) throw new Error(`defenseclaw-gateway ui failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}
