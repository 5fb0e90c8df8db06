// Browser test of the "Channel rules" panel on the attribution page against
// `mops demo`: the rules the API serves are the rows on the page, a rule name
// that carries HTML is shown as text, explain answers from the page, and the
// reclassify preview's counts are the API's and sum to its total; after the
// reclassify the preview is empty.
//
// Environment: see support.mjs.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { assertErrorShape, demoServerHooks, getJson, launchBrowser, outDir, postJson, send, signIn } from './support.mjs';

const HOSTILE = '<img src=x onerror="window.__xss=1">';
const RULES = `rules:
  - name: '${HOSTILE}'
    channel: partner
    source: [partnerstack, impact]
  - {name: google_any, channel: organic_search, source: [google], medium: [organic, cpc]}
  - {name: ads, channel: paid_search, click_id: [gclid, msclkid]}
  - {name: search, channel: organic_search, referrer: ["@search_engines"]}
default: direct
`;

describe('channel rules panel', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('channels', '0.02');
  let token;
  let baseUrl;

  before(() => ({ token, baseUrl } = demo));

  test('the API refuses a bad document by rule and line, and changes nothing', async () => {
    const bad = await send('PUT', `${baseUrl}/api/v1/channels/rules`, token, {
      yaml: 'rules:\n  - {name: ok, channel: email, medium: [email]}\n  - {name: typo, channel: emial}\n',
    });
    assertErrorShape(bad, 400);
    assert.match(bad.body.error.message, /rule 2 'typo'/);
    assert.match(bad.body.error.message, /emial/);
    assert.equal(bad.body.error.details.line, 3);
    const rules = await getJson(`${baseUrl}/api/v1/channels/rules`, token);
    assert.equal(rules.status, 200, rules.text);
    assert.equal(rules.body.stored, false, 'still the defaults');
    const unknown = await postJson(`${baseUrl}/api/v1/channels/reclassify`, token, { dryrun: true });
    assertErrorShape(unknown, 400);
  });

  test('rules, explain and the reclassify preview on the page', async () => {
    const put = await send('PUT', `${baseUrl}/api/v1/channels/rules`, token, { yaml: RULES });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.rules.length, 4);
    const preview = await getJson(`${baseUrl}/api/v1/channels/preview`, token);
    assert.equal(preview.status, 200, preview.text);
    assert.ok(preview.body.touchpoints > 0, 'the demo has touchpoints');
    assert.ok(preview.body.changed > 0, 'these rules change the demo');
    assert.equal(
      preview.body.changes.reduce((s, c) => s + c.touchpoints, 0),
      preview.body.changed,
      'the rows sum to the total',
    );

    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const pageErrors = [];
      const dialogs = [];
      page.on('pageerror', (err) => pageErrors.push(err));
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        d.dismiss();
      });
      await signIn(page, baseUrl, token);
      await page.click('[data-testid=nav-attribution]');
      await page.waitForSelector('[data-testid=channel-rules-panel] [data-testid=channel-rules-table]');

      // The rules are the API's, in order; the hostile name is text.
      const names = await page.$$eval('[data-testid=channel-rule] td:nth-child(2)', (tds) =>
        tds.map((td) => td.textContent),
      );
      assert.deepEqual(names, put.body.rules.map((r) => r.name));
      assert.equal(names[0], HOSTILE);
      assert.equal(await page.$$eval('[data-testid=channel-rules-panel] img', (n) => n.length), 0);

      // Explain from the page.
      await page.fill('[data-testid=explain-url]', 'https://acme.example/?gclid=abc');
      await page.click('[data-testid=explain-submit]');
      const explained = await page.waitForSelector('[data-testid=explain-result]');
      assert.equal(await explained.getAttribute('data-channel'), 'paid_search');
      assert.match(await explained.textContent(), /ads/);

      // The preview: the API's figures, rows that sum to the total.
      await page.click('[data-testid=channel-preview-button]');
      const total = await page.waitForSelector('[data-testid=channel-preview-total]');
      assert.equal(Number(await total.getAttribute('data-changed')), preview.body.changed);
      assert.equal(Number(await total.getAttribute('data-touchpoints')), preview.body.touchpoints);
      const counts = await page.$$eval('[data-testid=channel-preview-row]', (rows) =>
        rows.map((r) => Number(r.dataset.count)),
      );
      assert.deepEqual(counts, preview.body.changes.map((c) => c.touchpoints));

      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'channels.png'), fullPage: true });

      // Apply, then the preview has nothing left to change.
      const applied = await postJson(`${baseUrl}/api/v1/channels/reclassify`, token, { dry_run: false });
      assert.equal(applied.status, 200, applied.text);
      assert.equal(applied.body.changed, preview.body.changed);
      await page.click('[data-testid=channel-preview-button]');
      await page.waitForSelector('[data-testid=channel-preview-total][data-changed="0"]');

      // The overview's weekly series (kept by triggers) holds every
      // touchpoint, now only under the channels these rules give.
      const weekly = await getJson(`${baseUrl}/api/v1/touchpoints/weekly`, token);
      assert.equal(weekly.status, 200, weekly.text);
      let sum = 0;
      for (const s of weekly.body.series) {
        const n = s.counts.reduce((a, b) => a + b, 0);
        sum += n;
        if (n > 0) assert.ok(['partner', 'organic_search', 'paid_search', 'direct'].includes(s.channel), s.channel);
      }
      assert.equal(sum, preview.body.touchpoints);

      assert.deepEqual(dialogs, []);
      assert.equal(await page.evaluate(() => window.__xss), undefined);
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
