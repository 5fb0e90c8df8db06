// Browser test of the enrichment panel on the data-quality page against the
// real mops binary: a vendor export loaded through the API (with a value that
// is markup), a run started from the page whose fill rates match the API and
// reconcile with the records, the provenance of one contact shown as text,
// and the run undone from the page.
//
//   node --test tests/e2e/enrich.test.mjs
//
// Environment: see support.mjs (MOPS_BIN, MOPS_E2E_OUT, MOPS_CHROMIUM).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { addSession, assertErrorShape, demoServerHooks, getJson, launchBrowser, outDir, send } from './support.mjs';

const MARKUP = '<img src=x onerror="window.__enrichXss=1">Robotics';

describe('enrichment panel against mops demo', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('enrich');
  let token;
  let baseUrl;

  before(() => ({ token, baseUrl } = demo));

  test('bad input gets clear errors and changes nothing', async () => {
    assertErrorShape(await getJson(`${baseUrl}/api/v1/quality/enrich/runs`), 401);
    const badSource = await send('POST', `${baseUrl}/api/v1/quality/enrich`, token, { source: 'dnb' });
    assertErrorShape(badSource, 400);
    assert.match(badSource.body.error.message, /unknown source 'dnb'/);
    const badConfig = await send('PUT', `${baseUrl}/api/v1/quality/enrich/config`, token, {
      yaml: 'sources:\n  employees: [zoominfo, hoovers]\n',
    });
    assertErrorShape(badConfig, 400);
    assert.match(badConfig.body.error.message, /unknown source 'hoovers'/);
    const badFile = await send('POST', `${baseUrl}/api/v1/quality/enrich/files`, token, {
      name: 'mystery.csv',
      text: 'Name,Mail\nAda,ada@example.com\n',
    });
    assertErrorShape(badFile, 400);
    assert.match(badFile.body.error.message, /unknown vendor layout/);
    const extra = await send('POST', `${baseUrl}/api/v1/quality/enrich`, token, { dry_run: true, colour: 'red' });
    assertErrorShape(extra, 400);
    assertErrorShape(await send('POST', `${baseUrl}/api/v1/quality/enrich/runs/999999/undo`, token, {}), 404);
    const runs = await getJson(`${baseUrl}/api/v1/quality/enrich/runs`, token);
    assert.equal(runs.status, 200, runs.text);
    assert.deepEqual(runs.body.items, [], 'nothing ran');
  });

  test('fill rates, conflicts, provenance and undo on the page', async () => {
    // A ZoomInfo export naming one demo contact by e-mail, its industry markup.
    const contacts = await getJson(`${baseUrl}/api/v1/contacts?limit=50`, token);
    assert.equal(contacts.status, 200, contacts.text);
    const target = contacts.body.items.find((c) => c.email && !c.industry);
    assert.ok(target, 'a demo contact with an e-mail and no industry');
    const csv =
      'ZoomInfo Contact ID,First Name,Last Name,Email Address,Company Name,Employees,Primary Industry\n' +
      `77001,${target.first_name ?? ''},${target.last_name ?? ''},${target.email},Acme,120,"${MARKUP.replaceAll('"', '""')}"\n`;
    const loaded = await send('POST', `${baseUrl}/api/v1/quality/enrich/files`, token, { name: 'zoominfo.csv', text: csv });
    assert.equal(loaded.status, 200, loaded.text);
    assert.equal(loaded.body.layout, 'zoominfo_contacts');
    assert.equal(loaded.body.matched, 1);

    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await addSession(context, baseUrl, token);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const pageErrors = [];
      page.on('pageerror', (err) => pageErrors.push(err));

      await page.goto(`${baseUrl}/#/quality`);
      await page.waitForSelector('[data-testid=enrich-panel]');
      await page.waitForSelector('[data-testid=enrich-no-runs]');
      await page.click('[data-testid=enrich-run]');
      await page.waitForSelector('[data-testid=enrich-notice]');
      await page.waitForSelector('[data-testid=enrich-fill-chart][data-rendered=true]');

      // The table shows the API's figures, and they reconcile with the records.
      const runs = await getJson(`${baseUrl}/api/v1/quality/enrich/runs`, token);
      const latest = runs.body.latest;
      assert.ok(latest.fields_changed > 0, 'the demo has gaps to fill');
      for (const f of latest.fields) {
        const row = await page.waitForSelector(`[data-testid="enrich-field-${f.field}"]`);
        assert.equal(Number(await row.getAttribute('data-after')), f.after, f.field);
      }
      const industry = latest.fields.find((f) => f.field === 'contacts.industry');
      let filled = 0;
      let cursor = null;
      do {
        const pageOf = await getJson(`${baseUrl}/api/v1/contacts?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, token);
        filled += pageOf.body.items.filter((c) => c.industry != null && c.industry !== '').length;
        cursor = pageOf.body.next_cursor;
      } while (cursor);
      assert.equal(filled, industry.after, 'contacts with an industry = the fill the panel shows');
      assert.equal(industry.by_source.zoominfo, 1);

      // Conflicts: the table or its empty state, as the API says.
      const conflicts = await getJson(`${baseUrl}/api/v1/quality/enrich/conflicts`, token);
      if (conflicts.body.items.length) {
        const rows = await page.$$('[data-testid=enrich-conflict]');
        assert.equal(rows.length, conflicts.body.items.length);
      } else {
        await page.waitForSelector('[data-testid=enrich-no-conflicts]');
      }

      // Provenance of the contact: the vendor, its record id, the value as text.
      const record = await getJson(`${baseUrl}/api/v1/contacts/${target.id}`, token);
      assert.equal(record.body.industry, MARKUP);
      assert.equal(record.body.provenance.industry.source, 'zoominfo');
      assert.equal(record.body.provenance.industry.vendor_record_id, '77001');
      await page.fill('[data-testid=enrich-prov-id]', String(target.id));
      await page.click('[data-testid=enrich-prov-show]');
      const provRow = await page.waitForSelector('[data-testid="enrich-prov-industry"]');
      const text = await provRow.textContent();
      assert.ok(text.includes(MARKUP), 'the markup is shown as text');
      assert.ok(text.includes('77001'));
      assert.equal(await page.evaluate(() => window.__enrichXss), undefined, 'no markup ran');
      assert.equal(await page.$('[data-testid=enrich-panel] img'), null, 'no element was made from data');

      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'enrich.png'), fullPage: true });

      // Undo from the page: the contact's industry is empty again.
      const runId = latest.run_id;
      await page.click(`[data-testid="enrich-undo-${runId}"]`);
      await page.waitForSelector(`[data-testid="enrich-run-${runId}"][data-undone=true]`);
      const restored = await getJson(`${baseUrl}/api/v1/contacts/${target.id}`, token);
      assert.equal(restored.body.industry, target.industry);
      assert.equal(restored.body.provenance, undefined);
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
