// Browser test of the stack page's discovery panel against the real mops
// binary: the demo company's card and sign-in exports (loaded by `mops demo`)
// with their planted shadow tools, unpaid tool and unused seats, the panel's
// charts and tables carrying the API's figures, and a hostile merchant name
// shown as text.
//
//   node --test tests/e2e/discovery.test.mjs
//
// Environment: MOPS_BIN, MOPS_E2E_OUT, MOPS_CHROMIUM, as overview.test.mjs.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { addSession, demoServerHooks, getJson as getResponse, launchBrowser, outDir } from './support.mjs';

const AS_OF = '2026-06-30';

async function getJson(url, token) {
  const res = await getResponse(url, token);
  assert.equal(res.status, 200, `${url}: ${res.text}`);
  return res.body;
}

describe('discovery panel against mops demo', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('discovery');
  let token;
  let baseUrl;

  before(() => ({ token, baseUrl } = demo));

  test('the API finds what the demo plants', async () => {
    const r = await getJson(`${baseUrl}/api/v1/stack/discovery/reconcile?as_of=${AS_OF}`, token);
    const status = Object.fromEntries(r.lines.map((l) => [l.tool, l.status]));
    for (const tool of ['LinkedIn Sales Navigator', 'Semrush', 'Calendly']) assert.equal(status[tool], 'shadow', tool);
    assert.equal(status.ON24, 'unpaid');
    const marketo = r.lines.find((l) => l.tool === 'Marketo Engage');
    assert.equal(marketo.seats, 25);
    assert.equal(marketo.active, 3);
    const spend = await getJson(`${baseUrl}/api/v1/stack/discovery/spend?as_of=${AS_OF}`, token);
    const unmatched = spend.unmatched.filter((u) => u.recurring).map((u) => u.merchant);
    assert.ok(unmatched.includes('LOOM.COM SUBSCRIPTION'), unmatched.join(', '));
    assert.ok(unmatched.includes('NOTION LABS'), unmatched.join(', '));
    const zoom = spend.tools.find((t) => t.tool === 'Zoom Webinars');
    assert.ok(zoom.duplicate, 'Zoom is paid by two departments');
    // The figures reconcile: tools + unmatched = total, and a tool's records add up.
    const sum = spend.tools.reduce((s, t) => s + t.net, 0);
    assert.ok(Math.abs(sum - spend.matched) < 0.005);
    assert.ok(Math.abs(spend.matched + spend.unmatched_total - spend.total) < 0.005);
    const hub = spend.tools.find((t) => t.tool === 'HubSpot Marketing Hub');
    const rows = await getJson(
      `${baseUrl}/api/v1/stack/discovery/spend/transactions?tool=${encodeURIComponent(hub.tool)}`,
      token,
    );
    assert.ok(Math.abs(rows.total - hub.net) < 0.005);
  });

  test('the panel draws its charts and shows the API figures, data as text', async () => {
    // A hostile merchant billed monthly: listed as an unmatched recurring merchant.
    const hostile = '<img src=x onerror="window.__xss=1">';
    const csv = ['date,merchant,amount', ...['2026-04-02', '2026-05-02', '2026-06-02'].map((d) => `${d},"${hostile.replace(/"/g, '""')}",42.00`)].join('\n');
    const res = await fetch(`${baseUrl}/api/v1/stack/discovery/spend?file_name=hostile.csv`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' },
      body: csv,
    });
    assert.equal(res.status, 200, await res.text());

    const reconcile = await getJson(`${baseUrl}/api/v1/stack/discovery/reconcile?as_of=${AS_OF}`, token);
    const preview = await getJson(`${baseUrl}/api/v1/stack/discovery/apply?as_of=${AS_OF}`, token);
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await addSession(context, baseUrl, token);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const pageErrors = [];
      page.on('pageerror', (err) => pageErrors.push(err));
      page.on('dialog', (d) => {
        pageErrors.push(new Error(`dialog: ${d.message()}`));
        d.dismiss();
      });
      await page.goto(`${baseUrl}/#/stack?as_of=${AS_OF}`);
      await page.waitForSelector('[data-testid=panel-discovery]');
      for (const chart of ['chart-discovery-spend', 'chart-discovery-seats']) {
        await page.waitForSelector(`[data-testid=${chart}][data-rendered=true]`);
      }
      const value = (id) => page.getAttribute(`[data-testid=${id}]`, 'data-value');
      assert.equal(Number(await value('discovery-shadow')), reconcile.summary.shadow);
      assert.equal(Number(await value('discovery-unpaid')), reconcile.summary.unpaid);
      assert.equal(Number(await value('discovery-seats')), reconcile.summary.seats_used);
      const shadow = await page.$$eval('[data-testid=shadow-row] td:first-child', (tds) => tds.map((t) => t.firstChild.textContent));
      assert.deepEqual(shadow, reconcile.lines.filter((l) => l.status === 'shadow').map((l) => l.tool));
      const applyRows = await page.$$eval('[data-testid=apply-row]', (rows) => rows.length);
      assert.equal(applyRows, preview.changes.length);

      // The hostile name is text: no element made of it, no script run.
      const unmatched = await page.textContent('[data-testid=discovery-unmatched]');
      assert.ok(unmatched.includes('<IMG SRC=X ONERROR='), unmatched);
      assert.equal(await page.$$eval('[data-testid=panel-discovery] img', (imgs) => imgs.length), 0);
      assert.equal(await page.evaluate(() => window.__xss), undefined);

      // A tooltip of the spend chart is DOM text.
      const chart = page.locator('[data-testid=chart-discovery-spend]');
      await chart.scrollIntoViewIfNeeded();
      const box = await chart.boundingBox();
      for (let i = 1; i < 12; i++) {
        await page.mouse.move(box.x + (box.width * i) / 12, box.y + box.height * 0.7);
      }
      await page.waitForSelector('.tt', { timeout: 10_000 });
      const tip = await page.textContent('.tt');
      assert.match(tip, /\d{4}-\d{2}/, tip);

      mkdirSync(outDir, { recursive: true });
      await page.locator('[data-testid=panel-discovery]').screenshot({ path: path.join(outDir, 'discovery.png') });
      assert.deepEqual(pageErrors.map((e) => String(e.stack || e)), [], 'no uncaught errors in the page');
    } finally {
      await browser.close();
    }
  });
});
