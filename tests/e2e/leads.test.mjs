// Browser test of the leads page against the real mops binary: the demo
// company scored as of its newest touch. The grade matrix adds up to the
// scored contacts, a cell lists exactly its leads, a lead's explanation adds
// up to its score, and every chart renders.
//
//   node --test tests/e2e/leads.test.mjs
//
// Environment: MOPS_BIN, MOPS_E2E_OUT, MOPS_CHROMIUM, as overview.test.mjs.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { addSession, demoServerHooks, getJson as getResponse, launchBrowser, outDir, postJson, send } from './support.mjs';

async function getJson(url, token) {
  const res = await getResponse(url, token);
  assert.equal(res.status, 200, `${url}: ${res.text}`);
  return res.body;
}

describe('leads page against mops demo', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('leads');
  let token;
  let baseUrl;

  before(() => ({ token, baseUrl } = demo));

  test('the API reconciles and refuses bad configs', async () => {
    const summary = await getJson(`${baseUrl}/api/v1/leads/summary`, token);
    assert.ok(summary.scored > 0, 'the demo opens scored');
    const matrixTotal = Object.values(summary.grades).reduce((a, b) => a + b, 0);
    assert.equal(matrixTotal, summary.scored);
    const list = await getJson(`${baseUrl}/api/v1/leads/scores?limit=1`, token);
    assert.equal(list.total, summary.scored);
    const distributed = summary.distribution.reduce((a, b) => a + b.contacts, 0);
    assert.equal(distributed, summary.scored);

    const before = await getJson(`${baseUrl}/api/v1/leads/config/scoring`, token);
    const bad = await send('PUT', `${baseUrl}/api/v1/leads/config/scoring`, token, {
      yaml: 'groups:\n  - name: g\n    kind: fit\n    rules:\n      - {name: r, field: shoe_size, equals: 9, points: 1}\n',
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /rule 'r' \(group g\): unknown field 'shoe_size'/);
    assert.equal(bad.body.error.details.line, 5);
    const after = await getJson(`${baseUrl}/api/v1/leads/config/scoring`, token);
    assert.equal(after.yaml, before.yaml, 'a bad config changes nothing');

    const dry = await postJson(`${baseUrl}/api/v1/leads/route`, token, { dry_run: true });
    assert.equal(dry.status, 200, dry.text);
    assert.equal(dry.body.dry_run, true);
  });

  test('the page shows the matrix, its leads, an explanation and every chart', async () => {
    const summary = await getJson(`${baseUrl}/api/v1/leads/summary`, token);
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await addSession(context, baseUrl, token);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const pageErrors = [];
      page.on('pageerror', (err) => pageErrors.push(err));

      await page.goto(`${baseUrl}/#/leads`);
      await page.waitForSelector('[data-testid=page-leads]');
      for (const chart of ['chart-distribution', 'chart-mqls', 'chart-funnel', 'chart-sla', 'chart-lift']) {
        await page.waitForSelector(`[data-testid=${chart}][data-rendered=true]`);
      }

      // The matrix carries the API's counts; a cell lists exactly its leads.
      const cells = await page.$$eval('[data-testid=grade-matrix] button', (els) =>
        els.map((e) => [e.getAttribute('data-testid').slice(6), Number(e.getAttribute('data-value'))]),
      );
      assert.equal(cells.length, 16);
      for (const [grade, n] of cells) assert.equal(n, summary.grades[grade] ?? 0, grade);
      const [grade, count] = cells.filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])[0];
      await page.click(`[data-testid=grade-${grade}]`);
      await page.waitForSelector(`[data-testid=lead-list-total][data-value="${count}"]`);

      // A lead's explanation adds up to its score, with its lifecycle.
      await page.click('[data-testid=open-lead] >> nth=0');
      await page.waitForSelector('[data-testid=lead-detail]');
      const total = await page.textContent('[data-testid=lead-total]');
      const sum = await page.textContent('[data-testid=lead-lines-sum]');
      assert.equal(sum, total);
      await page.waitForSelector('[data-testid=lifecycle-timeline]');
      // The list's total is the explained one, and the last stored score.
      const listed = await page.textContent('[data-testid=lead-list] tbody tr >> nth=0 >> td.num >> nth=2');
      assert.equal(total, listed.trim());
      const stored = await page.$$eval('[data-testid=score-history] tbody tr', (rows) =>
        rows.map((r) => Number(r.getAttribute('data-total'))),
      );
      assert.ok(stored.length >= 1, 'a stored score');
      assert.equal(stored.at(-1).toFixed(1), listed.trim());

      // SLA times read as durations, the exact minutes in the tooltip.
      const touch = await page.$$eval('[data-testid=sla-table] tbody tr td:last-child', (tds) =>
        tds.map((td) => [td.textContent.trim(), td.getAttribute('title')]),
      );
      assert.ok(touch.length > 0);
      for (const [text, title] of touch) {
        if (text === '–') continue;
        assert.match(text, /^\d+(\.\d)? (min|h|d)$/);
        assert.match(title, /^\d+(\.\d+)? minutes$/);
      }

      const auc = Number(await page.getAttribute('[data-testid=backtest-auc]', 'data-value'));
      assert.ok(auc > 0 && auc < 1, `AUC ${auc}`);

      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'leads.png'), fullPage: true });

      // Rescoring from the page stores the run and every panel reads it.
      await page.click('[data-testid=rescore]');
      const result = await page.textContent('[data-testid=rescore-result]');
      assert.match(result, /^Rescored [\d,]+ contacts as of \d{4}-\d{2}-\d{2}: [\d,]+ scores changed, [\d,]+ new MQLs?\.$/);
      const after = await getJson(`${baseUrl}/api/v1/leads/summary`, token);
      assert.equal(after.last_as_of.slice(0, 10), result.match(/as of (\S+):/)[1]);
      // The list (still filtered by the grade clicked above) is read again.
      await page.waitForSelector(`[data-testid=lead-list-total][data-value="${after.grades[grade] ?? 0}"]`);
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
