// Browser test of the tech stack page against the real mops binary: the demo
// company's stack, audited as of the demo's reference date (2026-06-30), so
// that its planted renewal falls inside the 30-day window.
//
//   node --test tests/e2e/stack.test.mjs
//
// Environment: MOPS_BIN, MOPS_E2E_OUT, MOPS_CHROMIUM, as overview.test.mjs.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { addSession, demoServerHooks, getJson as getResponse, launchBrowser, outDir } from './support.mjs';

const AS_OF = '2026-06-30';

// The body of a 200 response (anything else fails the test).
async function getJson(url, token) {
  const res = await getResponse(url, token);
  assert.equal(res.status, 200, `${url}: ${res.text}`);
  return res.body;
}

describe('stack page against mops demo', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('stack');
  let token;
  let baseUrl;

  before(() => ({ token, baseUrl } = demo));

  test('the audit API finds what the demo plants', async () => {
    const audit = await getJson(`${baseUrl}/api/v1/stack/audit?as_of=${AS_OF}`, token);
    const kinds = new Set(audit.findings.map((f) => f.kind));
    for (const kind of ['overlap', 'underused', 'island', 'renewal']) assert.ok(kinds.has(kind), `a ${kind} finding`);
    assert.ok(audit.findings.filter((f) => f.kind === 'overlap').length >= 2, 'at least two overlaps');
    const island = audit.findings.find((f) => f.kind === 'island');
    assert.deepEqual(island.tools, ['Hotjar']);
    const renewal = audit.findings.find((f) => f.kind === 'renewal' && f.severity === 'high');
    assert.ok(renewal, 'a renewal whose notice deadline is within 30 days');
    const renewals = await getJson(`${baseUrl}/api/v1/stack/renewals?as_of=${AS_OF}&within=30`, token);
    assert.deepEqual(renewals.renewals.map((r) => r.tool), renewal.tools);
  });

  test('opened as of today, the page offers the data\'s own date', async () => {
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await addSession(context, baseUrl, token);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      await page.goto(`${baseUrl}/#/stack?as_of=2027-01-31`);
      await page.click('[data-testid=use-data-date]');
      await page.waitForFunction(() => window.location.hash.includes('as_of=2026-06-30'));
      assert.equal(await page.inputValue('[data-testid=as-of]'), AS_OF);
      await page.waitForSelector('[data-testid=data-date-hint]', { state: 'detached' });
    } finally {
      await browser.close();
    }
  });

  test('the page renders every chart and shows the API figures', async () => {
    const q = `as_of=${AS_OF}&stage=growth`;
    const audit = await getJson(`${baseUrl}/api/v1/stack/audit?${q}`, token);
    const tools = await getJson(`${baseUrl}/api/v1/stack/tools?${q}`, token);
    const graph = await getJson(`${baseUrl}/api/v1/stack/graph?${q}`, token);

    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await addSession(context, baseUrl, token);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const pageErrors = [];
      page.on('pageerror', (err) => pageErrors.push(err));

      await page.goto(`${baseUrl}/#/stack?${q}`);
      await page.waitForSelector('[data-testid=page-stack]');
      for (const chart of ['chart-overlap', 'chart-graph', 'chart-renewals', 'chart-cost']) {
        await page.waitForSelector(`[data-testid=${chart}][data-rendered=true]`);
      }
      assert.equal(await page.inputValue('[data-testid=as-of]'), AS_OF);

      // Summary cards carry the API's numbers.
      const value = (id) => page.getAttribute(`[data-testid=${id}]`, 'data-value');
      assert.equal(Number(await value('summary-cost')), audit.cost.total);
      assert.equal(Number(await value('summary-saving')), audit.summary.total_saving);
      assert.equal(Number(await value('summary-findings')), audit.findings.length);
      assert.equal(
        Number(await value('summary-tools')),
        tools.tools.filter((t) => t.status === 'active').length,
      );

      // Every finding is listed with its impact; the filter narrows to one kind.
      const impacts = await page.$$eval('[data-testid=finding-row]', (rows) =>
        rows.map((r) => [r.getAttribute('data-kind'), Number(r.getAttribute('data-impact'))]),
      );
      assert.deepEqual(impacts, audit.findings.map((f) => [f.kind, f.annual_impact]));
      await page.click('[data-testid=filter-island]');
      const islandRows = await page.$$eval('[data-testid=finding-row]', (rows) => rows.map((r) => r.textContent));
      assert.equal(islandRows.length, 1);
      assert.match(islandRows[0], /Hotjar/);
      await page.click('[data-testid=filter-all]');

      // The inventory: one row per tool, sortable by cost both ways.
      const costs = () =>
        page.$$eval('[data-testid=inventory-row]', (rows) => rows.map((r) => Number(r.getAttribute('data-cost'))));
      const initial = await costs();
      assert.equal(initial.length, tools.tools.length);
      assert.deepEqual(initial, [...initial].sort((x, y) => y - x), 'sorted by cost, largest first');
      await page.click('[data-testid=sort-annual_cost]');
      const ascending = await costs();
      assert.deepEqual(ascending, [...ascending].sort((x, y) => x - y), 'then smallest first');
      await page.click('[data-testid=sort-name]');
      const names = await page.$$eval('[data-testid=inventory-row]', (rows) => rows.map((r) => r.getAttribute('data-tool')));
      assert.deepEqual(names, [...names].sort((x, y) => x.localeCompare(y)));

      // Islands are highlighted beside the graph.
      const islands = await page.$$eval('[data-testid=islands] li', (lis) => lis.map((li) => li.textContent));
      assert.deepEqual(islands, graph.islands);

      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'stack.png'), fullPage: true });

      // Another stage reloads every panel with the new reference stack.
      await page.selectOption('[data-testid=stage]', 'scale');
      await page.waitForFunction(() => window.location.hash.includes('stage=scale'));
      const scale = await getJson(`${baseUrl}/api/v1/stack/audit?as_of=${AS_OF}&stage=scale`, token);
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid=summary-findings]')?.getAttribute('data-value') === String(n),
        scale.findings.length,
      );

      // A marketing budget shows the stack's share of it.
      await page.fill('[data-testid=budget]', '2000000');
      await page.press('[data-testid=budget]', 'Tab');
      const cost = await getJson(`${baseUrl}/api/v1/stack/cost?as_of=${AS_OF}&stage=scale&budget=2000000`, token);
      const share = `${(cost.budget_share * 100).toFixed(1)}% of budget`;
      await page.waitForFunction(
        (text) => document.querySelector('[data-testid=summary-cost] .stat-hint')?.textContent === text,
        share,
      );

      assert.deepEqual(pageErrors.map((e) => String(e.stack || e)), [], 'no uncaught errors in the page');
    } finally {
      await browser.close();
    }
  });
});
