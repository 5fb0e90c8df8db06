// Browser test of the marketing operations audit against the real mops
// binary and the demo company: the API runs and stores audits whose JSON
// validates against the committed schema (ajv) and whose pipeline at risk
// adds up to the opportunities it lists; the downloaded HTML report opens in
// Chromium with its SVG charts drawn; the page runs the audit, filters the
// findings by area and severity (kept in the URL) and shows the diff against
// the previous run.
//
//   node --test tests/e2e/audit.test.mjs
//
// Environment: MOPS_BIN, MOPS_E2E_OUT, MOPS_CHROMIUM, as overview.test.mjs.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import { addSession, DEMO_AS_OF, demoServerHooks, getJson as getResponse, launchBrowser, outDir, postJson, repoRoot } from './support.mjs';

async function getJson(url, token) {
  const res = await getResponse(url, token);
  assert.equal(res.status, 200, `${url}: ${res.text}`);
  return res.body;
}

const schema = JSON.parse(readFileSync(path.join(repoRoot, 'src/report/audit.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('audit against mops demo', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('audit');
  let token;
  let baseUrl;
  let firstRun;

  before(() => ({ token, baseUrl } = demo));

  test('the API runs, stores, validates and reconciles', async () => {
    const bad = await postJson(`${baseUrl}/api/v1/audit/runs`, token, { as_of: 'June' });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.error.details.field, 'as_of');
    const unknown = await postJson(`${baseUrl}/api/v1/audit/runs`, token, { scope: 'all' });
    assert.equal(unknown.status, 400, unknown.text);
    assert.deepEqual((await getJson(`${baseUrl}/api/v1/audit/runs`, token)).items, [], 'a refused run stores nothing');

    const created = await postJson(`${baseUrl}/api/v1/audit/runs`, token, {});
    assert.equal(created.status, 200, created.text);
    firstRun = created.body.id;
    const run = await getJson(`${baseUrl}/api/v1/audit/runs/${firstRun}`, token);
    const ok = validate(run.audit);
    assert.ok(ok, JSON.stringify(validate.errors, null, 2));
    assert.equal(run.audit.summary.areas.length, 6);
    assert.ok(run.audit.findings.length > 0, 'the demo company has problems');
    assert.equal(run.audit.sections.length, 6);

    // The pipeline at risk is the sum of the open opportunities it lists.
    let sum = 0;
    for (const id of run.audit.summary.at_risk_opportunities) {
      const opp = await getJson(`${baseUrl}/api/v1/opportunities/${id}`, token);
      assert.equal(opp.is_closed, 0, `opportunity ${id} is open`);
      sum += opp.amount;
    }
    assert.ok(Math.abs(sum - run.audit.summary.pipeline_at_risk) < 0.01, `${sum} vs ${run.audit.summary.pipeline_at_risk}`);

    // Downloads: attachments in each format.
    for (const [format, type] of [
      ['html', 'text/html'],
      ['md', 'text/markdown'],
      ['json', 'application/json'],
    ]) {
      const res = await fetch(`${baseUrl}/api/v1/audit/runs/${firstRun}/report?format=${format}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200, format);
      assert.ok(res.headers.get('content-type').startsWith(type), res.headers.get('content-type'));
      assert.match(res.headers.get('content-disposition'), new RegExp(`^attachment; filename="mops-audit-${firstRun}-.*\\.${format}"$`));
      const body = await res.text();
      if (format === 'json') assert.ok(validate(JSON.parse(body)), JSON.stringify(validate.errors));
    }
    const wrong = await fetch(`${baseUrl}/api/v1/audit/runs/${firstRun}/report?format=docx`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(wrong.status, 400);
  });

  test('the HTML report opens in Chromium with its charts drawn', async () => {
    const res = await fetch(`${baseUrl}/api/v1/audit/runs/${firstRun}/report?format=html`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const html = await res.text();
    assert.ok(!/<script/i.test(html), 'no script in the report');
    assert.ok(!/(src|href)="https?:/i.test(html), 'no external asset');
    const file = path.join(demo.tmp, 'audit.html');
    writeFileSync(file, html);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(pathToFileURL(file).href);
      const charts = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((s) => ({
          bars: s.querySelectorAll('rect').length,
          width: s.getBoundingClientRect().width,
          height: s.getBoundingClientRect().height,
        })),
      );
      assert.ok(charts.length >= 4, `charts: ${JSON.stringify(charts)}`);
      for (const c of charts) {
        assert.ok(c.bars > 0 && c.width > 100 && c.height > 30, JSON.stringify(c));
      }
      assert.equal(await page.locator('section#summary').count(), 1);
      assert.equal(await page.locator('section h2').count() >= 7, true);
      assert.deepEqual(requests, [], 'the report loads nothing');
      mkdirSync(outDir, { recursive: true });
      const shot = await page.screenshot({ path: path.join(outDir, 'audit-report.png'), fullPage: true });
      assert.ok(shot.length > 20_000, 'the screenshot shows a rendered report');
    } finally {
      await browser.close();
    }
  });

  test('the page runs the audit, filters in the URL and shows the diff', async () => {
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await addSession(context, baseUrl, token);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const pageErrors = [];
      page.on('pageerror', (err) => pageErrors.push(err));

      await page.goto(`${baseUrl}/#/audit`);
      await page.waitForSelector('[data-testid=page-audit]');
      await page.waitForSelector('[data-testid=audit-scores][data-rendered=true]');
      await page.fill('[data-testid=audit-as-of]', DEMO_AS_OF);
      await page.click('[data-testid=audit-run]');
      await page.waitForFunction(() => /run=\d+/.test(window.location.hash));
      const runId = Number(/run=(\d+)/.exec(await page.evaluate(() => window.location.hash))[1]);
      assert.ok(runId > firstRun, 'a new run was stored');
      await page.waitForSelector('[data-testid=audit-diff]');
      await page.waitForSelector('[data-testid=audit-scores][data-rendered=true]');

      const run = await getJson(`${baseUrl}/api/v1/audit/runs/${runId}`, token);
      const all = await page.locator('[data-testid=audit-finding]').count();
      assert.equal(all, run.audit.findings.length);
      assert.ok(run.diff, 'the run carries its diff with the one before');
      assert.equal(run.as_of, DEMO_AS_OF);

      await page.selectOption('[data-testid=audit-filter-severity]', 'high');
      const high = run.audit.findings.filter((f) => f.severity === 'high');
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=audit-finding]').length === n, high.length);
      for (const rule of await page.$$eval('[data-testid=audit-finding]', (els) => els.map((e) => e.getAttribute('data-rule')))) {
        assert.ok(high.some((f) => f.rule === rule), rule);
      }
      const area = run.audit.findings[0].area;
      await page.selectOption('[data-testid=audit-filter-area]', area);
      const expected = run.audit.findings.filter((f) => f.severity === 'high' && f.area === area).length;
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=audit-finding]').length === n, expected);
      const hash = await page.evaluate(() => window.location.hash);
      assert.match(hash, /severity=high/);
      assert.match(hash, new RegExp(`area=${area}`));

      // The filters survive a reload from the URL.
      await page.reload();
      await page.waitForSelector('[data-testid=page-audit]');
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=audit-finding]').length === n, expected);
      for (const fmt of ['html', 'pdf', 'md', 'json']) {
        const href = await page.getAttribute(`[data-testid=audit-download-${fmt}]`, 'href');
        assert.equal(href, `/api/v1/audit/runs/${runId}/report?format=${fmt}`);
      }
      // The PDF link downloads a PDF printed by headless Chromium.
      const pdf = await page.evaluate(async (href) => {
        const res = await fetch(href);
        const bytes = new Uint8Array(await res.arrayBuffer());
        return { status: res.status, type: res.headers.get('content-type'), head: String.fromCharCode(...bytes.slice(0, 5)) };
      }, `/api/v1/audit/runs/${runId}/report?format=pdf`);
      assert.deepEqual(pdf, { status: 200, type: 'application/pdf', head: '%PDF-' });
      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'audit.png'), fullPage: true });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
