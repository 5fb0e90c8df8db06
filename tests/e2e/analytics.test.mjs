// Browser test of the analytics page against the real mops binary: the demo
// company with the attribution run of won deals `mops demo` stores (the
// channel panel shows it by default), monthly targets, and an ad platform
// export whose campaign name is markup. The page's figures are the
// API's, a click on a figure lists its records (count and sum equal to the
// figure), the filters live in the URL, charts export as PNG and CSV, and data
// never runs as HTML.
//
//   node --test tests/e2e/analytics.test.mjs
//
// Environment: MOPS_BIN, MOPS_E2E_OUT, MOPS_CHROMIUM, as overview.test.mjs.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { addSession, demoServerHooks, getJson as getResponse, launchBrowser, outDir, send } from './support.mjs';

async function getJson(url, token) {
  const res = await getResponse(url, token);
  assert.equal(res.status, 200, `${url}: ${res.text}`);
  return res.body;
}

const XSS_CAMPAIGN = '<img src=x onerror="window.__xss=1">';

describe('analytics page against mops demo', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('analytics');
  let token;
  let baseUrl;
  let demoRun;

  before(async () => {
    ({ token, baseUrl } = demo);
    // The demo stores a run of won deals; nothing else is run here.
    const runs = await getJson(`${baseUrl}/api/v1/attribution/runs`, token);
    demoRun = runs.items.find((r) => r.conversion === 'won');
    assert.ok(demoRun, 'mops demo stores an attribution run of won deals');
    const config = await send('PUT', `${baseUrl}/api/v1/analytics/config`, token, {
      yaml: 'targets:\n  2026-05: {leads: 300, mqls: 80, pipeline: 400000, revenue: 150000}\n',
    });
    assert.equal(config.status, 200, config.text);
    // A Microsoft Ads export whose campaign name is markup.
    const csv =
      '"Report Name: Campaign Performance Report"\r\n\r\n' +
      '"TimePeriod","CampaignName","CampaignId","CampaignType","CurrencyCode","Spend","Impressions","Clicks"\r\n' +
      `"2026-05-04","${XSS_CAMPAIGN.replace(/"/g, '""')}","9001","Search & content","USD","1,234.50","10,000","321"\r\n` +
      '"Total","","","","","1,234.50","10,000","321"\r\n';
    const res = await fetch(`${baseUrl}/api/v1/analytics/spend?name=msads.csv`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' },
      body: csv,
    });
    const imported = await res.json();
    assert.equal(res.status, 200, JSON.stringify(imported));
    assert.equal(imported.imported, 1);
    assert.equal(imported.summary_rows_skipped, 1);
    assert.equal(imported.unmatched_campaigns[0].campaign, XSS_CAMPAIGN);
  });

  test('every report answers and its cells are their records', async () => {
    const funnel = await getJson(`${baseUrl}/api/v1/analytics/funnel?steps=stage:lead,stage:mql,stage:sql`, token);
    assert.ok(funnel.total.steps[0].count > 0);
    const records = await getJson(
      `${baseUrl}/api/v1/analytics/funnel/records?steps=stage:lead,stage:mql,stage:sql&step=2&limit=5`,
      token,
    );
    assert.equal(records.count, funnel.total.steps[1].count);
    assert.ok(records.records.length <= 5);
    // By default the channel report reads the demo's run of won deals.
    const channels = await getJson(`${baseUrl}/api/v1/analytics/channels`, token);
    assert.equal(channels.run, demoRun.id);
    assert.equal(channels.model, 'linear');
    assert.equal(channels.credit_per_touch, true);
    const revenue = channels.rows.reduce((s, r) => s + r.revenue, 0);
    assert.ok(revenue > 0);
    assert.ok(Math.abs(revenue + channels.unattributed_revenue - channels.won_revenue) < 0.01);
    // By source and by campaign the same revenue, split by the credited touches.
    for (const by of ['source', 'campaign']) {
      const doc = await getJson(`${baseUrl}/api/v1/analytics/channels?by=${by}`, token);
      assert.equal(doc.by, by);
      assert.equal(doc.revenue_available, true);
      const sum = doc.rows.reduce((s, r) => s + r.revenue, 0);
      assert.ok(Math.abs(sum - revenue) < 0.01, `${by}: ${sum} vs ${revenue}`);
    }
    for (const name of ['velocity', 'cac', 'cohorts', 'targets']) {
      await getJson(`${baseUrl}/api/v1/analytics/${name}`, token);
    }
    const bad = await getResponse(`${baseUrl}/api/v1/analytics/funnel?order=sideways`, token);
    assert.equal(bad.status, 400);
    assert.match(bad.text, /order/);
  });

  test('the page renders every chart, drills into cells, keeps filters in the URL and exports', async () => {
    const steps = 'stage:lead,stage:mql,stage:sql';
    const funnel = await getJson(`${baseUrl}/api/v1/analytics/funnel?steps=${steps}&breakdown=segment`, token);
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
      await addSession(context, baseUrl, token);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const pageErrors = [];
      page.on('pageerror', (err) => pageErrors.push(err));

      await page.goto(`${baseUrl}/#/analytics?steps=${encodeURIComponent(steps)}&breakdown=segment`);
      await page.waitForSelector('[data-testid=page-analytics]');
      for (const chart of ['chart-funnel', 'chart-velocity', 'chart-channels', 'chart-cac', 'chart-cohorts', 'chart-targets']) {
        await page.waitForSelector(`[data-testid=${chart}][data-rendered=true]`);
      }
      // The funnel table carries the API's counts.
      const count1 = await page.getAttribute('[data-testid=funnel-count-1]', 'data-value');
      assert.equal(Number(count1), funnel.total.steps[0].count);

      // A click on a count lists exactly its records.
      await page.click('[data-testid=funnel-count-2]');
      await page.waitForSelector('[data-testid=drill-summary]');
      assert.equal(Number(await page.getAttribute('[data-testid=drill-summary]', 'data-count')), funnel.total.steps[1].count);
      await page.click('[data-testid=drill-close]');

      // Channel revenue: the drill-down's sum is the cell.
      await page.waitForSelector('[data-testid=channel-revenue]');
      const cell = await page.$('[data-testid=channel-revenue]');
      const cellValue = Number(await cell.getAttribute('data-value'));
      await cell.click();
      await page.waitForSelector('[data-testid=drill-summary]');
      const sum = Number(await page.getAttribute('[data-testid=drill-summary]', 'data-sum'));
      assert.ok(Math.abs(sum - cellValue) < 0.01, `drill sum ${sum} vs cell ${cellValue}`);
      await page.click('[data-testid=drill-close]');

      // The model switch goes into the URL; the view reloads from it.
      await page.selectOption('[data-testid=model]', 'first_touch');
      await page.waitForFunction(() => window.location.hash.includes('model=first_touch'));
      assert.ok(page.url().includes('breakdown=segment'));
      await page.reload();
      await page.waitForSelector('[data-testid=chart-funnel][data-rendered=true]');
      await page.waitForFunction(() => document.querySelector('[data-testid=model]')?.value === 'first_touch');

      // Velocity by segment, also in the URL.
      await page.selectOption('[data-testid=velocity-segment]', 'smb');
      await page.waitForFunction(() => window.location.hash.includes('segment=smb'));
      await page.waitForSelector('[data-testid=chart-velocity][data-rendered=true]');

      // Exports: the funnel as CSV (the API's rows) and as PNG.
      const [csv] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=chart-funnel-csv]')]);
      assert.equal(csv.suggestedFilename(), 'chart-funnel.csv');
      const text = readFileSync(await csv.path(), 'utf8');
      assert.match(text, /^group,step,count/);
      assert.ok(text.includes(`all,stage:lead,${funnel.total.steps[0].count},`));
      const [png] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=chart-cac-png]')]);
      assert.equal(png.suggestedFilename(), 'chart-cac.png');
      assert.ok(readFileSync(await png.path()).subarray(1, 4).toString() === 'PNG');

      // A funnel nobody enters says why rather than drawing zeros alone.
      assert.equal(await page.$('[data-testid=funnel-empty]'), null);
      await page.goto(`${baseUrl}/#/analytics?steps=${encodeURIComponent('event:No such event,stage:mql')}`);
      await page.waitForSelector('[data-testid=funnel-empty]');
      // Skipped stages counted: the page shows the API's counts, and its
      // drill-down lists them.
      const skipped = await getJson(`${baseUrl}/api/v1/analytics/funnel?steps=${steps}&skipped=count`, token);
      assert.equal(skipped.skipped, 'count');
      await page.goto(`${baseUrl}/#/analytics?steps=${encodeURIComponent(steps)}&skipped=count`);
      await page.waitForFunction(() => document.querySelector('[data-testid=filter-skipped]')?.value === 'count');
      const last = skipped.total.steps.length;
      await page.waitForSelector(`[data-testid=funnel-count-${last}][data-value="${skipped.total.steps[last - 1].count}"]`);
      await page.click(`[data-testid=funnel-count-${last}]`);
      await page.waitForSelector(`[data-testid=drill-summary][data-count="${skipped.total.steps[last - 1].count}"]`);
      await page.click('[data-testid=drill-close]');
      await page.goto(`${baseUrl}/#/analytics?steps=${encodeURIComponent(steps)}&breakdown=segment`);
      await page.waitForSelector('[data-testid=chart-funnel][data-rendered=true]');

      // By campaign: the switch goes into the URL, and a campaign's won
      // revenue lists the deals and the touches credited, summing to the cell.
      await page.selectOption('[data-testid=channels-by]', 'campaign');
      await page.waitForFunction(() => window.location.hash.includes('by=campaign'));
      await page.waitForSelector('[data-testid=channels-table][data-by=campaign]');
      const campaignCell = await page.$('[data-testid=channels-table][data-by=campaign] [data-testid=channel-revenue]');
      assert.ok(campaignCell, 'some campaign has won revenue');
      const campaignValue = Number(await campaignCell.getAttribute('data-value'));
      await campaignCell.click();
      await page.waitForSelector('[data-testid=drill-touch]');
      const campaignSum = Number(await page.getAttribute('[data-testid=drill-summary]', 'data-sum'));
      assert.ok(Math.abs(campaignSum - campaignValue) < 0.01, `drill sum ${campaignSum} vs cell ${campaignValue}`);
      assert.ok(Number(await page.getAttribute('[data-testid=drill-touch]', 'data-touchpoint')) > 0);
      const [records] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=drill-csv]')]);
      assert.match(readFileSync(await records.path(), 'utf8'), /^kind,id,label,at,touchpoint_id,touch_at,touch,value\n/);
      await page.click('[data-testid=drill-close]');
      // The unattributed rest is its deals.
      const unattributed = Number(await page.getAttribute('[data-testid=channels-unattributed]', 'data-value'));
      if (unattributed > 0) {
        await page.click('[data-testid=channels-unattributed]');
        await page.waitForSelector('[data-testid=drill-summary]');
        const rest = Number(await page.getAttribute('[data-testid=drill-summary]', 'data-sum'));
        assert.ok(Math.abs(rest - unattributed) < 0.01, `unattributed ${rest} vs ${unattributed}`);
        await page.click('[data-testid=drill-close]');
      }

      // Data is text, never markup: the markup campaign shows as written.
      await page.waitForSelector('[data-testid=channel-row][data-key^="<img"]');
      const shown = await page.$eval('[data-testid=channel-row][data-key^="<img"] td', (td) => td.textContent);
      assert.equal(shown, XSS_CAMPAIGN);
      assert.equal(await page.evaluate(() => window.__xss), undefined);

      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'analytics.png'), fullPage: true });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
