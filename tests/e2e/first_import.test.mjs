// The dashboard right after a new user's first import: a fresh workspace
// holding only a small HubSpot export (no campaigns, no spend, no events, no
// stage history, no scores). Every page must explain what is missing instead
// of drawing an empty chart, and its panels must be laid out as cards (with
// room around their content), not run into each other.
//
//   node --test tests/e2e/first_import.test.mjs
//
// Environment: see support.mjs.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { addSession, freePort, launchBrowser, mopsBin, outDir, repoRoot } from './support.mjs';
import { newWorkspace, serve, stop } from './tracking_support.mjs';

const FIXTURES = path.join(repoRoot, 'tests', 'fixtures');

describe('dashboard after a first HubSpot import', { timeout: 300_000 }, () => {
  let ws;
  let server;
  let browser;

  before(async () => {
    ws = newWorkspace();
    for (const file of ['hubspot_companies_export.csv', 'hubspot_contacts_export.csv', 'hubspot_deals_export.csv']) {
      execFileSync(mopsBin, ['--workspace', ws.workspace, 'import', path.join(FIXTURES, file)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    }
    server = await serve(ws.workspace, await freePort());
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await stop(server);
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
  });

  // Opens a page of the dashboard signed in, runs `check` on it, saves a
  // screenshot, and fails on any error the page threw.
  async function onPage(route, check) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      await addSession(context, server.baseUrl, ws.token);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${server.baseUrl}/#/${route}`);
      await check(page);
      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, `first-import-${route}.png`), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  }

  // The left padding of each element matching `selector`, in pixels.
  const paddings = (page, selector) =>
    page.$$eval(selector, (els) => els.map((el) => parseFloat(getComputedStyle(el).paddingLeft)));

  test('analytics: empty velocity and channel charts are explained; panels are padded cards', async () => {
    await onPage('analytics', async (page) => {
      await page.waitForSelector('[data-testid=velocity-empty]');
      await page.waitForSelector('[data-testid=channels-empty]');
      assert.equal(await page.$('[data-testid=chart-velocity]'), null, 'no empty velocity chart');
      assert.equal(await page.$('[data-testid=chart-channels]'), null, 'no empty channels chart');
      for (const p of await paddings(page, 'section.card')) assert.ok(p >= 12, `panel padding ${p}px`);
      // A wide table scrolls inside its panel instead of widening the page.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    });
  });

  test('events: no empty per-minute charts without events; cards padded', async () => {
    await onPage('events', async (page) => {
      await page.waitForSelector('[data-testid=no-recent-events]');
      assert.equal(await page.$('[data-testid=chart-by-type]'), null);
      for (const p of await paddings(page, '.card.chart-card')) assert.ok(p >= 12, `card padding ${p}px`);
    });
  });

  test('leads: panels are padded cards; no empty distribution chart', async () => {
    await onPage('leads', async (page) => {
      await page.waitForSelector('[data-testid=panel-distribution]');
      await page.waitForFunction(() => document.querySelector('[data-testid=panel-distribution]')?.textContent.includes('No scores yet'));
      assert.equal(await page.$('[data-testid=chart-distribution]'), null);
      for (const p of await paddings(page, '.card.panel')) assert.ok(p >= 12, `panel padding ${p}px`);
    });
  });

  test('attribution: no campaign credit is said, not drawn; the channel rules are a padded card', async () => {
    await onPage('attribution', async (page) => {
      await page.waitForSelector('[data-testid=campaigns-empty]');
      assert.equal(await page.$('[data-testid=chart-campaigns]'), null);
      const [rules] = await paddings(page, '[data-testid=channel-rules-panel]');
      assert.ok(rules >= 12, `channel rules padding ${rules}px`);
    });
  });

  test('stack: the HubSpot hubs inferred from the data are one platform, not islands; no empty cost chart', async () => {
    await onPage('stack', async (page) => {
      await page.waitForSelector('[data-testid=findings-table]');
      const kinds = await page.$$eval('[data-testid=finding-row]', (rows) => rows.map((r) => r.dataset.kind));
      assert.ok(kinds.includes('inferred'), `findings: ${kinds.join(', ')}`);
      assert.ok(!kinds.includes('island') && !kinds.includes('missing_flow'), `findings: ${kinds.join(', ')}`);
      await page.waitForSelector('[data-testid=cost-empty]');
      assert.equal(await page.$('[data-testid=chart-cost]'), null);
    });
  });

  test('campaigns: an empty hierarchy says how to get campaigns', async () => {
    await onPage('campaigns', async (page) => {
      const empty = await page.waitForSelector('[data-testid=hierarchy-empty]');
      assert.match(await empty.textContent(), /No campaigns yet/);
    });
  });
});
