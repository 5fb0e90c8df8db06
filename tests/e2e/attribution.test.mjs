// Browser test of the attribution page against `mops demo`: the charts render,
// the figures on the page are the API's, a click on a bar lists the
// opportunities behind it, and the filters run the models again.
//
// Environment: see support.mjs.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { assertErrorShape, demoServerHooks, getJson, launchBrowser, outDir, postJson, signIn } from './support.mjs';

describe('attribution page', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('attribution', '0.05');
  let token;
  let baseUrl;

  before(() => ({ token, baseUrl } = demo));

  test('the API runs the models and rejects bad requests by field', async () => {
    const run = await postJson(`${baseUrl}/api/v1/attribution/runs`, token, {
      conversion: 'created',
      models: ['linear', 'markov'],
    });
    assert.equal(run.status, 200, run.text);
    assert.ok(run.body.id > 0);
    assert.ok(run.body.conversions > 0, 'the demo has pipeline');
    let linear = 0;
    for (const r of run.body.results) {
      if (r.model === 'linear' && r.dimension === 'channel') linear += r.value;
    }
    assert.ok(Math.abs(linear - run.body.value) < 1e-6 * run.body.value, 'linear credit sums to the pipeline');

    const bad = await postJson(`${baseUrl}/api/v1/attribution/runs`, token, { conversion: 'closed' });
    assertErrorShape(bad, 400);
    assert.match(bad.body.error.message, /closed/);
    const unknown = await postJson(`${baseUrl}/api/v1/attribution/runs`, token, { lookbak: 3 });
    assert.equal(unknown.status, 400, unknown.text);
    assert.match(unknown.body.error.message, /lookbak/);
    assertErrorShape(await getJson(`${baseUrl}/api/v1/attribution/runs/99999`, token), 404);
  });

  test('charts, totals, drill-down and filters', async () => {
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const pageErrors = [];
      page.on('pageerror', (err) => pageErrors.push(err));
      await signIn(page, baseUrl, token);

      await page.click('[data-testid=nav-attribution]');
      await page.waitForSelector('[data-testid=page-attribution]');
      await page.waitForSelector('[data-testid=chart-models][data-rendered=true]');
      await page.waitForSelector('[data-testid=chart-campaigns][data-rendered=true]');
      await page.waitForSelector('[data-testid=chart-sourced][data-rendered=true]');

      // The totals on the page are those of the newest stored pipeline run.
      const runs = await getJson(`${baseUrl}/api/v1/attribution/runs`, token);
      assert.equal(runs.status, 200, runs.text);
      const latest = runs.body.items.find((r) => r.conversion === 'created');
      assert.ok(latest, 'the page stored a pipeline run');
      const shown = Number(await page.getAttribute('[data-testid=total-value]', 'data-value'));
      assert.ok(Math.abs(shown - latest.value) < 0.005, `page ${shown} vs API ${latest.value}`);
      const conversions = Number(await page.getAttribute('[data-testid=total-conversions]', 'data-value'));
      assert.equal(conversions, latest.conversions);
      // Pipeline of opportunities without a contact role touch, attributed
      // through their accounts: the stored run's figure.
      const stored = await getJson(`${baseUrl}/api/v1/attribution/runs/${latest.id}`, token);
      assert.equal(stored.status, 200, stored.text);
      const through = Number(await page.getAttribute('[data-testid=through-accounts]', 'data-value'));
      const expected = stored.body.summary.account_journeys.value;
      assert.ok(Math.abs(through - expected) < 0.005, `page ${through} vs API ${expected}`);
      const rows = await page.$$eval('[data-testid=top-paths] tbody tr', (els) => els.length);
      assert.ok(rows > 0, 'top journeys listed');

      // A cell of the credit table lists the opportunities behind it, and
      // their credit adds up to the cell.
      const cell = await getJson(
        `${baseUrl}/api/v1/attribution/runs/${latest.id}/credits?model=w_shaped&channel=email&limit=10000`,
        token,
      );
      assert.equal(cell.status, 200, cell.text);
      const emailCredit = cell.body.items.reduce((sum, c) => sum + c.value, 0);
      const emailResult = (await getJson(`${baseUrl}/api/v1/attribution/runs/${latest.id}`, token)).body.results.find(
        (r) => r.model === 'w_shaped' && r.dimension === 'channel' && r.key === 'email',
      );
      assert.ok(Math.abs(emailCredit - emailResult.value) < 1e-6 * emailResult.value, 'drill-down sums to the cell');
      await page.click('[data-testid=credit-email-w_shaped]');
      await page.waitForSelector('[data-testid=drilldown-table] tbody tr');
      const listed = await page.$$eval('[data-testid=drilldown-table] tbody tr', (els) => els.length);
      assert.equal(listed, Math.min(50, cell.body.items.length));

      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'attribution.png'), fullPage: true });

      // Revenue with a 30-day window: a new run with those parameters.
      await page.selectOption('[data-testid=filter-conversion]', 'won');
      await page.selectOption('[data-testid=filter-lookback]', '30');
      await page.click('[data-testid=run]');
      await page.waitForFunction(() => {
        const el = document.querySelector('[data-testid=total-value]');
        return el && document.querySelector('.stat-label')?.textContent !== null &&
          document.querySelector('[data-testid=total-unattributed] .stat-hint')?.textContent.includes('30-day');
      });
      const after = await getJson(`${baseUrl}/api/v1/attribution/runs`, token);
      const won = after.body.items.find((r) => r.conversion === 'won');
      assert.equal(won.lookback_days, 30);
      assert.deepEqual(pageErrors.map(String), [], 'no uncaught errors in the page');
    } finally {
      await browser.close();
    }
  });
});
