/**
 * The console when the policy comes from a bundle (served by a real nginx):
 * the overview names the bundle and its revision, the actions offer what a
 * bundle allows (download now; no dry run, no rollback into a directory), and
 * the history lists the bundle's revisions.
 */
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import type { SidecarProcess } from '../gateway/helpers/process.js';
import { api, bundleConfig, fleetHome, policyBundle, servingRevision, startFleetSidecar, waitFor, type Home } from '../fleet/helpers.js';
import { isConsolePath } from '../../src/gateway/ui/routes.js';
import { artifacts, consoleLink, launchChromium, openTab, requireBuiltConsole, WAIT_MS, waitText, watchProblems } from './helpers/browser.js';

const RESOURCE = 'bundles/dc.tar.gz';

describe('the console with a bundle as the policy source', { timeout: 300_000 }, () => {
  let nginx: Nginx;
  let home: Home;
  let sidecar: SidecarProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  let artifact: (page: Page, name: string) => Promise<void> = async () => {};

  before(async () => {
    requireBuiltConsole();
    artifact = artifacts('console-bundle');
    nginx = await startNginx();
    nginx.publish(RESOURCE, await policyBundle('r1'));
    // Slow polling: in these tests only the console's reload downloads a new bundle.
    home = fleetHome(bundleConfig({ url: nginx.url, min: 600, max: 1200 }));
    sidecar = await startFleetSidecar(home);
    await waitFor('revision r1', async () => (await servingRevision(sidecar.url)) === 'r1');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    problems = watchProblems(page, isConsolePath);
  });

  afterEach(async (tc) => {
    if (page && !page.isClosed()) await artifact(page, tc.name);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await sidecar?.stop();
    await nginx?.dispose();
    home?.cleanup();
  });

  test('the overview names the bundle and its revision', async () => {
    await page.goto(await consoleLink(sidecar.port, home.env));
    await waitText(page, '[data-testid=serving-revision]', 'r1');
    await waitText(page, '#view-overview dl.facts', /Source\s*bundle\s*dc\s*revision r1/);
    assert.deepEqual(problems, []);
  });

  test('a reload downloads the new bundle now; no dry run or rollback is offered', async () => {
    await openTab(page, 'actions');
    await waitText(page, '#view-actions h3', /Download bundle dc now/);
    assert.equal(await page.getByRole('button', { name: 'Dry run' }).count(), 0);
    assert.equal(await page.locator('[data-testid=rollback-card]').isVisible(), false);

    nginx.publish(RESOURCE, await policyBundle('r2'));
    await page.getByRole('button', { name: 'Reload', exact: true }).click();
    await waitText(page, '[data-testid=reloaded-revision]', 'r2');
    assert.equal(await servingRevision(sidecar.url), 'r2');
    await waitText(page, '[data-testid=header-revision]', /r2/);
    assert.deepEqual(problems, []);
  });

  test('the overview shows the download as the last reload attempt and the new revision as the source', async () => {
    await openTab(page, 'overview');
    await waitText(page, '[data-testid=serving-revision]', 'r2');
    await waitText(page, '[data-testid=last-reload]', /succeeded via bundle.*now serving r2/s);
    await waitText(page, '#view-overview dl.facts', /Source\s*bundle\s*dc\s*revision r2/);
    assert.deepEqual(problems, []);
  });

  test('the history lists both bundle revisions, their files kept by the server', async () => {
    await openTab(page, 'history');
    await waitText(page, 'tr[data-revision="r2"]', /bundle\s*dc r2/);
    await waitText(page, 'tr[data-revision="r1"]', /bundle\s*dc r1/);
    await waitText(page, '#view-history', /kept on the bundle server|keep their files on the bundle server/);
    assert.equal(await page.locator('input[aria-label="compare from r1"]').isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Compare' }).isDisabled(), true);
    assert.equal(await page.locator('#view-history tbody button').count(), 0, 'no rollback into a bundle');
    const r1 = (await api(sidecar.url, 'GET', '/policy/history')).json.entries.find((e: { revision: string }) => e.revision === 'r1');
    const files = await api(sidecar.url, 'GET', `/policy/history/${r1.full_revision}`);
    assert.equal(files.status, 409);
    assert.match(files.json.error, /came from bundle "dc": its files are kept by the bundle server/);
    assert.equal((await api(sidecar.url, 'GET', '/policy/files')).status, 409);
    assert.deepEqual(problems, []);
  });
});
