// Browser test of the data-quality page against the real mops binary: the
// scores, trend, violations and completeness it shows match the API, the
// review queue works one pair at a time from the keyboard (m, n, s) or in
// pages of 25, and a merge made through the API can be undone from the page.
//
//   node --test tests/e2e/
//
// Environment (see support.mjs):
//   MOPS_BIN       the mops binary (default build/mops)
//   MOPS_E2E_OUT   folder for screenshots (default build/e2e)
//   MOPS_CHROMIUM  browser executable (default /usr/bin/chromium; never downloaded)
//
// Relative paths are taken from the current directory, or else from the repository root.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { addSession, assertErrorShape, demoServerHooks, getJson, launchBrowser, outDir, send } from './support.mjs';

describe('data-quality page against mops demo', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('quality');
  let token;
  let baseUrl;

  before(() => ({ token, baseUrl } = demo));

  test('the quality routes answer with JSON errors for bad input', async () => {
    assertErrorShape(await getJson(`${baseUrl}/api/v1/quality/check`), 401);
    const badMerge = await send('POST', `${baseUrl}/api/v1/quality/merge`, token, { entity: 'contacts', ids: [1] });
    assertErrorShape(badMerge, 400);
    const badEntity = await send('POST', `${baseUrl}/api/v1/quality/merge`, token, { entity: 'users', ids: [1, 2] });
    assertErrorShape(badEntity, 400);
    const badRules = await send('PUT', `${baseUrl}/api/v1/quality/rules`, token, {
      yaml: 'rules:\n  - name: shoe\n    entity: contacts\n    type: required\n    fields: [shoe_size]\n',
    });
    assertErrorShape(badRules, 400);
    assert.match(badRules.body.error.message, /rule 'shoe'/);
    const noUndo = await send('POST', `${baseUrl}/api/v1/quality/merges/999999/undo`, token, {});
    assertErrorShape(noUndo, 404);
  });

  test('scores, trend, violations, heatmap, merge history with undo', async () => {
    // Two checks around a standardization: the trend has two points and the score rises.
    const first = await send('POST', `${baseUrl}/api/v1/quality/check`, token, {});
    assert.equal(first.status, 200, first.text);
    const std = await send('POST', `${baseUrl}/api/v1/quality/standardize`, token, {});
    assert.equal(std.status, 200, std.text);
    assert.ok(std.body.records_changed > 0, 'the demo data has something to standardize');
    const second = await send('POST', `${baseUrl}/api/v1/quality/check`, token, {});
    assert.equal(second.status, 200, second.text);
    const overall = (r, e) => r.body.scores.find((s) => s.entity === e && s.source_system == null).score;
    assert.ok(overall(second, 'contacts') >= overall(first, 'contacts'), 'standardizing does not lower the score');

    // Two contacts merged through the API, to be undone from the page.
    const contacts = await getJson(`${baseUrl}/api/v1/contacts?limit=2`, token);
    assert.equal(contacts.status, 200, contacts.text);
    const ids = contacts.body.items.map((c) => c.id);
    const merged = await send('POST', `${baseUrl}/api/v1/quality/merge`, token, { entity: 'contacts', ids });
    assert.equal(merged.status, 200, merged.text);
    const mergeId = merged.body.merge_id;
    assert.ok(Number.isInteger(mergeId));
    const loser = merged.body.merged_ids[0];
    const mergedRecord = await getJson(`${baseUrl}/api/v1/contacts/${loser}`, token);
    assert.equal(mergedRecord.body.merged_into, merged.body.survivor_id);

    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await addSession(context, baseUrl, token);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const pageErrors = [];
      page.on('pageerror', (err) => pageErrors.push(err));

      await page.goto(`${baseUrl}/#/quality`);
      await page.waitForSelector('[data-testid=page-quality]');

      // Score cards show the last check's overall scores.
      for (const entity of ['contacts', 'accounts']) {
        const el = await page.waitForSelector(`[data-testid=score-${entity}]`);
        assert.equal(Number(await el.getAttribute('data-value')), overall(second, entity), `${entity} score`);
      }
      // The trend chart draws.
      await page.waitForSelector('[data-testid=chart-quality-trend][data-rendered=true]');
      // Top violations: the rules that failed, with the API's counts.
      const failing = second.body.rules.filter((r) => r.failed > 0).slice(0, 10);
      if (failing.length) {
        for (const r of failing) {
          const row = await page.waitForSelector(`[data-testid="violation-${r.name}"]`);
          assert.equal(Number(await row.getAttribute('data-failed')), r.failed, r.name);
        }
      } else {
        await page.waitForSelector('[data-testid=violations-empty]');
      }
      // One heatmap cell per field the check measured.
      const cells = await page.$$('[data-testid=completeness-heatmap] [data-testid^="heat-"]');
      assert.equal(cells.length, second.body.fields.length);
      const email = second.body.fields.find((f) => f.entity === 'contacts' && f.field === 'email');
      const emailCell = await page.$('[data-testid="heat-contacts-email"]');
      assert.equal(Number(await emailCell.getAttribute('data-value')), email.completeness);
      // Undo the merge from the history.
      const row = await page.waitForSelector(`[data-testid="merge-${mergeId}"][data-undone=false]`);
      assert.ok(row, 'the merge is listed');
      await page.click(`[data-testid="undo-${mergeId}"]`);
      await page.waitForSelector(`[data-testid="merge-${mergeId}"][data-undone=true]`);
      const restored = await getJson(`${baseUrl}/api/v1/contacts/${loser}`, token);
      assert.equal(restored.body.merged_into, null, 'the merged record is back on its own');
      const history = await getJson(`${baseUrl}/api/v1/quality/merges`, token);
      assert.ok(history.body.items.find((m) => m.merge_id === mergeId).undone_at);

      // After the undo (so no pair involves a merged record): the review queue
      // shows one pair at a time, and "N unresolved" is what
      // the current filter holds (the API's total, not the page).
      await page.waitForSelector('[data-testid=review-queue][data-mode=one]');
      await page.waitForSelector('[data-testid=review-empty], [data-testid^="review-item-"]');
      const queueTotal = async () =>
        (await getJson(`${baseUrl}/api/v1/quality/review?entity=contacts&limit=1`, token)).body.total;
      const unresolved = async () =>
        Number(await (await page.waitForSelector('[data-testid=review-unresolved]')).getAttribute('data-value'));
      const shownIds = async () =>
        page.$$eval('[data-testid^="review-item-"]', (els) => els.map((e) => Number(e.dataset.testid.slice(12))));
      const total0 = await queueTotal();
      assert.ok(total0 >= 3, `the demo plants duplicates for review (got ${total0})`);
      assert.equal(await unresolved(), total0);
      assert.equal((await shownIds()).length, 1, 'one pair at a time');
      const waitForPair = async (notId) => {
        await page.waitForFunction(
          (id) => {
            const el = document.querySelector('[data-testid^="review-item-"]');
            return el && Number(el.dataset.testid.slice(12)) !== id;
          },
          notId,
        );
        return (await shownIds())[0];
      };
      // s: skip leaves the pair undecided and shows the next one.
      const pairA = (await shownIds())[0];
      await page.keyboard.press('s');
      const pairB = await waitForPair(pairA);
      await page.waitForSelector('[data-testid=review-position]:has-text("Pair 2 of")');
      // n: not a match.
      await page.keyboard.press('n');
      const pairC = await waitForPair(pairB);
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid=review-unresolved]').dataset.value) === n, total0 - 1);
      const rejected = await getJson(`${baseUrl}/api/v1/quality/review?entity=contacts&status=rejected&limit=1000`, token);
      assert.ok(rejected.body.items.some((i) => i.id === pairB), 'n rejected the pair shown');
      // m: merge (the demo installs the merger, so the pair is merged).
      await page.keyboard.press('m');
      await waitForPair(pairC);
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid=review-unresolved]').dataset.value) === n, total0 - 2);
      assert.equal(await queueTotal(), total0 - 2);
      const merged = await getJson(`${baseUrl}/api/v1/quality/review?entity=contacts&status=merged&limit=1000`, token);
      assert.ok(merged.body.items.some((i) => i.id === pairC), 'm merged the pair shown');
      const skipped = await getJson(`${baseUrl}/api/v1/quality/review?entity=contacts&limit=1000`, token);
      assert.ok(skipped.body.items.some((i) => i.id === pairA), 's left the first pair in the queue');

      // Pages of 25 instead, with the same count.
      await page.click('[data-testid=review-mode]');
      await page.waitForSelector('[data-testid=review-queue][data-mode=page]');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid^="review-item-"]').length > 1);
      const pageIds = await shownIds();
      assert.ok(pageIds.length <= 25 && pageIds.length === Math.min(25, total0 - 2), `page of ${pageIds.length}`);
      assert.equal(await unresolved(), total0 - 2);
      // Keys do nothing in page mode.
      await page.keyboard.press('m');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await queueTotal(), total0 - 2);
      await page.click('[data-testid=review-mode]');
      await page.waitForSelector('[data-testid=review-queue][data-mode=one]');
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      assert.ok(height < 5000, `the page is ${height} px tall`);


      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'quality.png'), fullPage: true });
      assert.deepEqual(pageErrors.map(String), [], 'no uncaught errors in the page');
    } finally {
      await browser.close();
    }
  });
});
