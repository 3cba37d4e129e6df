/**
 * The operator console in a real browser (Debian's Chromium through
 * playwright-core) against the real sidecar process and policy engine, over
 * a temporary DEFENSECLAW_HOME seeded with the bundled policies. The tests run
 * in order on one sidecar: each leaves the state the next starts from, and
 * saves a screenshot of its final state under test-artifacts/console/.
 */
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { call, NO_WATCH_CONFIG, tempHome, TOKEN, type TempHome } from '../gateway/helpers/harness.js';
import { startSidecarProcess, type SidecarProcess } from '../gateway/helpers/process.js';
import { isConsolePath } from '../../src/gateway/ui/routes.js';
import { artifacts, consoleLink, launchChromium, openTab, requireBuiltConsole, WAIT_MS, waitText, watchProblems } from './helpers/browser.js';

// The functions given to page.evaluate / waitForFunction run in the page: these are the DOM's.
declare const document: { documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number };
declare const sessionStorage: { getItem(key: string): string | null };
type PagePerformance = { getEntriesByType(type: string): { domContentLoadedEventEnd: number; loadEventEnd: number }[]; getEntriesByName(name: string): { startTime: number }[] };

const DESKTOP = { width: 1280, height: 800 };
const MARKER = '# allowed by the console test';

async function servingRevision(s: SidecarProcess): Promise<string> {
  return (await call(s.url, 'GET', '/health')).json.policy.revision;
}

describe('the console in Chromium, against the real sidecar', { timeout: 600_000 }, () => {
  let t: TempHome;
  let s: SidecarProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  let original = '';
  let startRevision = '';
  let fixedRevision = '';
  const firewallFile = (): string => join(t.policyDir, 'rego', 'firewall.rego');

  before(async () => {
    requireBuiltConsole();
    artifact = artifacts('console');
    t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
    writeFileSync(join(t.home, 'config.yaml'), NO_WATCH_CONFIG);
    s = await startSidecarProcess(['--port', '0'], t.env, 60_000);
    browser = await launchChromium();
    original = readFileSync(firewallFile(), 'utf8');
    startRevision = await servingRevision(s);
  });

  // Every test leaves a screenshot of its final state (failed ones too).
  let shown: Page | null = null;
  let artifact: (page: Page, name: string) => Promise<void> = async () => {};
  let shot = 0;
  afterEach(async (tc) => {
    shot++;
    if (shown !== null && !shown.isClosed()) await artifact(shown, `${shot}-${tc.name}`);
    problems.length = 0;
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.stop();
    t?.cleanup();
  });

  test('a page without the token shows only the sign-in and reaches no API', async () => {
    const ctx = await browser.newContext({ viewport: DESKTOP });
    try {
      const p = await ctx.newPage();
      shown = p;
      const own = watchProblems(p, isConsolePath);
      const api: string[] = [];
      p.on('request', (r) => {
        const path = new URL(r.url()).pathname;
        if (!isConsolePath(path)) api.push(path);
      });
      await p.goto(`${s.url}/ui`);
      await p.locator('form.signin').waitFor({ timeout: WAIT_MS });
      await p.waitForLoadState('networkidle');
      assert.deepEqual(api, [], 'no API call before a token is given');
      assert.equal(await p.locator('nav.tabs').count(), 0);

      // A wrong token: one sign-in check, refused, and still nothing else.
      await p.fill('#token', 'not-the-token');
      await p.click('form.signin button[type=submit]');
      await waitText(p, '[data-testid=signin-error]', /did not accept/);
      await p.waitForLoadState('networkidle');
      assert.deepEqual(api, ['/policy/reloads']);
      assert.equal(await p.locator('nav.tabs').count(), 0);
      await artifact(p, 'sign-in-refused');

      // The right one opens the console.
      await p.fill('#token', TOKEN);
      await p.click('form.signin button[type=submit]');
      await waitText(p, '[data-testid=serving-revision]', startRevision);
      assert.deepEqual(own, []);
    } finally {
            await ctx.close();
    }
  });

  test('signs in with the link `defenseclaw-gateway ui` prints and shows the serving revision', async (tc) => {
    const url = await consoleLink(s.port, t.env);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/ui#token=/);
    assert.ok(!url.includes('?'), 'the token is never in a query string');

    context = await browser.newContext({ viewport: DESKTOP });
    page = await context.newPage();
    shown = page;
    page.setDefaultTimeout(WAIT_MS);
    problems = watchProblems(page, isConsolePath);
    const urls: string[] = [];
    page.on('request', (req) => urls.push(req.url()));
    await page.goto(url);
    await waitText(page, '[data-testid=serving-revision]', startRevision);
    await waitText(page, '[data-testid=header-revision]', new RegExp(startRevision));
    assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
    assert.ok(urls.every((u) => !u.includes(TOKEN)), 'no request URL carries the token');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('defenseclaw.console.token')), TOKEN);

    const timing = await page.evaluate(() => {
      const perf = performance as unknown as PagePerformance;
      const nav = perf.getEntriesByType('navigation')[0]!;
      return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, ready: perf.getEntriesByName('console-ready')[0]?.startTime ?? -1 };
    });
    tc.diagnostic(`console load: DOMContentLoaded ${timing.dcl.toFixed(0)} ms, load ${timing.load.toFixed(0)} ms, serving revision shown at ${timing.ready.toFixed(0)} ms`);
    // A sanity bound, far above the < 300 ms seen on an idle machine: a loaded CI machine must not fail it.
    assert.ok(timing.load > 0 && timing.load < 5000, `load took ${timing.load} ms`);
    assert.ok(timing.ready > 0);
    assert.deepEqual(problems, []);
  });

  test('a broken module: the reload error with its location, while decisions keep the old revision', async () => {
    const broken = `${original}\nbroken_rule if {\n\tinput.port == \n}\n`;
    const row = broken.split('\n').lastIndexOf('}') + 1;
    writeFileSync(firewallFile(), broken);

    await openTab(page, 'actions');
    await page.getByRole('button', { name: 'Reload', exact: true }).click();
    const where = new RegExp(`firewall\\.rego:${row}:\\d+: rego_parse_error: `);
    await waitText(page, '[data-testid=action-result] ul.errors li', where);
    await page.locator('#view-actions ul.errors a').first().click();
    await page.locator('#view-actions ol.source li.marked').waitFor();
    assert.equal(await page.locator('#view-actions ol.source li.marked').getAttribute('data-line'), String(row));
    assert.equal((await page.locator('#view-actions ol.source li.marked').textContent())?.trim(), '}');

    // The previous policy keeps serving: in the page, and to any other client.
    await openTab(page, 'try');
    await page.selectOption('#try-domain', 'firewall');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await waitText(page, '[data-testid=decision-revision]', startRevision);
    const direct = await call(s.url, 'POST', '/policy/evaluate/firewall', { body: { destination: 'api.github.com', port: 443 } });
    assert.equal(direct.headers.get('x-defenseclaw-policy-revision'), startRevision);

    await openTab(page, 'overview');
    await waitText(page, '[data-testid=last-reload]', /failed via api/);
    await waitText(page, '[data-testid=failed-since] h3', /\(1\)/);
    await page.locator('[data-testid=last-reload] ul.errors a').click();
    await page.locator('#view-overview ol.source li.marked').waitFor();
    assert.equal(await page.locator('#view-overview ol.source li.marked').getAttribute('data-line'), String(row));
    await waitText(page, '[data-testid=serving-revision]', startRevision);
    assert.deepEqual(problems, []);
  });

  test('fixed: the dry run shows the change, the reload applies it', async () => {
    writeFileSync(firewallFile(), `${original.replace(/\n*$/, '\n')}${MARKER}\n`);
    await openTab(page, 'actions');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await waitText(page, '[data-testid=action-result]', /would change.*changed firewall\.rego/s);
    await waitText(page, '[data-testid=action-result] details[data-file="firewall.rego"] td.add', new RegExp(MARKER));
    assert.equal(await servingRevision(s), startRevision, 'a dry run applies nothing');

    await page.getByRole('button', { name: 'Reload', exact: true }).click();
    fixedRevision = await waitText(page, '[data-testid=reloaded-revision]', /^[0-9a-f]{12}$/);
    assert.notEqual(fixedRevision, startRevision);
    assert.equal(await servingRevision(s), fixedRevision);

    await openTab(page, 'overview');
    await waitText(page, '[data-testid=serving-revision]', fixedRevision);
    await waitText(page, '[data-testid=last-reload]', /succeeded via api/);
    await waitText(page, '[data-testid=failed-since] h3', /\(0\)/);
    await waitText(page, '[data-testid=header-revision]', new RegExp(fixedRevision));
    assert.deepEqual(problems, []);
  });

  test('diffs two revisions side by side, file by file', async () => {
    await openTab(page, 'history');
    await page.locator(`tr[data-revision="${startRevision}"]`).waitFor();
    await page.check(`input[name=from][aria-label="compare from ${startRevision}"]`);
    await page.check(`input[name=to][aria-label="compare to ${fixedRevision}"]`);
    await page.getByRole('button', { name: 'Compare' }).click();
    const file = '#view-history details[data-file="firewall.rego"]';
    await waitText(page, `${file} td.add`, new RegExp(MARKER));
    await waitText(page, `${file} summary`, /changed \+1 −0/);
    await waitText(page, '#view-history .diff-result', /Unchanged: .*data\.json/);
    assert.equal(await page.locator('#view-history details.file').count(), 1, 'only the changed file is shown');
    assert.deepEqual(problems, []);
  });

  test('rolls back behind a confirmation that names both revisions', async () => {
    await page.locator(`tr[data-revision="${startRevision}"]`).getByRole('button', { name: 'Roll back…' }).click();
    await page.locator('#view-actions').waitFor({ state: 'visible' });
    await waitText(page, '#rollback-target option:checked', new RegExp(`^${startRevision}`));
    await page.locator('#view-actions').getByRole('button', { name: 'Roll back…' }).click();
    await page.locator('dialog[open]').waitFor();
    assert.equal(await page.locator('[data-testid=confirm-from]').textContent(), fixedRevision);
    assert.equal(await page.locator('[data-testid=confirm-to]').textContent(), startRevision);
    await artifact(page, 'rollback-confirmation');

    // Cancel first: nothing happens.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
    assert.equal(await servingRevision(s), fixedRevision);

    await page.locator('#view-actions').getByRole('button', { name: 'Roll back…' }).click();
    await page.getByRole('button', { name: `Roll back to ${startRevision}` }).click();
    await waitText(page, '[data-testid=rolled-back-revision]', startRevision);
    assert.equal(await servingRevision(s), startRevision);
    assert.equal(readFileSync(firewallFile(), 'utf8'), original, 'the files on disk are the revision served');

    await openTab(page, 'live');
    await waitText(page, '[data-testid=event-log]', /policy completed.*source: rollback/s);
    await waitText(page, '[data-testid=header-revision]', new RegExp(startRevision));
    assert.deepEqual(problems, []);
  });

  test('tries a decision and sees the revision that made it', async () => {
    await openTab(page, 'try');
    await page.selectOption('#try-domain', 'admission');
    const body = { input: { target_type: 'skill', target_name: 'console-demo', path: '/skills/console-demo' } };
    await page.fill('#try-input', JSON.stringify(body, null, 2));
    await page.focus('#try-input');
    await page.keyboard.press('Control+Enter');
    await waitText(page, '[data-testid=decision-output]', /console-demo|"verdict"/);
    await waitText(page, '[data-testid=decision-revision]', startRevision);
    const shown = JSON.parse((await page.locator('[data-testid=decision-output]').textContent()) ?? '');
    const direct = await call(s.url, 'POST', '/policy/evaluate', { body });
    assert.deepEqual(shown, direct.json);
    assert.equal(typeof shown.data.verdict, 'string');

    // Input that is not JSON is refused in the page, before any request.
    await page.fill('#try-input', '{"input": ');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await waitText(page, '[data-testid=try-result]', /not valid JSON/);
    await page.getByRole('button', { name: 'Reset example' }).click();
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await waitText(page, '[data-testid=decision-output]', /"verdict"/);
    assert.deepEqual(problems, []);
  });

  test('live charts, keyboard navigation and a phone-sized screen', async () => {
    await openTab(page, 'live');
    for (const chart of ['chart-reloads', 'chart-rates', 'chart-latency']) await page.locator(`[data-testid=${chart}] canvas`).waitFor();
    await waitText(page, '#view-live table.domains', /admission/);

    await page.focus('#tab-live');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute('#tab-try', 'aria-selected'), 'true');
    await page.keyboard.press('Home');
    assert.equal(await page.getAttribute('#tab-overview', 'aria-selected'), 'true');
    await waitText(page, '[data-testid=serving-revision]', startRevision);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth + 1, undefined, { timeout: WAIT_MS });
    assert.deepEqual(problems, []);
  });
});
