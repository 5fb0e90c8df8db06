// Browser test of the campaigns page against the real mops binary: the demo
// company's campaign operations, a tracked link built in the page, and a
// campaign approved and launched through the page.
//
//   node --test tests/e2e/campaigns.test.mjs
//
// Environment: MOPS_BIN, MOPS_E2E_OUT, MOPS_CHROMIUM, as overview.test.mjs.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { addSession, demoServerHooks, getJson as getResponse, launchBrowser, outDir, postJson } from './support.mjs';

async function getJson(url, token) {
  const res = await getResponse(url, token);
  assert.equal(res.status, 200, `${url}: ${res.text}`);
  return res.body;
}

async function post(url, token, body) {
  const res = await postJson(url, token, body);
  assert.equal(res.status, 200, `${url}: ${res.text}`);
  return res.body;
}

const LANDING = 'https://example.com/spring?ref=nl#pricing';
const UTM_CAMPAIGN = '2026q2_em_na_spring-launch';
const BUILT =
  'https://example.com/spring?ref=nl&utm_source=newsletter&utm_medium=email&utm_campaign=2026q2_em_na_spring-launch#pricing';

describe('campaigns page against mops demo', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('campaigns');
  let token;
  let baseUrl;

  before(() => ({ token, baseUrl } = demo));

  test('the demo carries templates, approval histories and planted problems', async () => {
    const templates = await getJson(`${baseUrl}/api/v1/campaign-templates`, token);
    assert.ok(templates.templates.length >= 4, 'templates');
    assert.ok(templates.templates.every((t) => t.approval_chain.length > 0 && t.checklist.length > 0));
    const list = await getJson(`${baseUrl}/api/v1/campaign-board`, token);
    assert.ok(list.campaigns.some((c) => c.unapproved_launch), 'a campaign launched without approval');
    assert.ok(list.campaigns.some((c) => c.state === 'in_review'), 'a campaign in review');
    const stored = await getJson(`${baseUrl}/api/v1/utm/stored?limit=100`, token);
    assert.ok(stored.touchpoints_affected > 0, 'UTM violations on touchpoints');
    const sources = stored.fixes.utm_source ?? {};
    assert.ok(Object.values(sources).includes('facebook') || Object.values(sources).includes('linkedin'), JSON.stringify(sources));
    // The roll-up's top level adds up to the totals.
    const rollups = await getJson(`${baseUrl}/api/v1/campaign-hierarchy`, token);
    const roots = rollups.campaigns.filter((c) => c.parent_id === null);
    const sum = roots.reduce((s, c) => s + c.total.budget, 0);
    assert.ok(Math.abs(sum - rollups.totals.budget) < 0.01);
  });

  test('the hierarchy opens on the newest pipeline and revenue runs, and its totals are theirs', async () => {
    const runs = (await getJson(`${baseUrl}/api/v1/attribution/runs`, token)).items;
    const created = runs.find((r) => r.conversion === 'created');
    const won = runs.find((r) => r.conversion === 'won');
    assert.ok(created && won, 'the demo stores a pipeline run and a revenue run');
    const rollups = await getJson(
      `${baseUrl}/api/v1/campaign-hierarchy?run=${created.id},${won.id}&model=linear`,
      token,
    );
    assert.ok(rollups.totals.pipeline > 0 && rollups.totals.won_revenue > 0, JSON.stringify(rollups.totals));
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      await addSession(context, baseUrl, token);
      const page = await context.newPage();
      await page.goto(`${baseUrl}/#/campaigns`);
      await page.waitForFunction(() =>
        document.querySelector('[data-testid=rollup-model-shown]')?.textContent.startsWith('Attribution: run'),
      );
      const shown = await page.textContent('[data-testid=rollup-model-shown]');
      assert.ok(shown.includes(String(created.id)) && shown.includes(String(won.id)), shown);
    } finally {
      await browser.close();
    }
  });

  test('build a UTM link, approve a campaign and launch it', async () => {
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      await addSession(context, baseUrl, token);
      const page = await context.newPage();
      const pageErrors = [];
      page.on('pageerror', (e) => pageErrors.push(e));

      // The UTM-health panel: violations and a link built under the rules.
      await page.goto(`${baseUrl}/#/campaigns?tab=utm`);
      await page.waitForSelector('[data-testid=utm-summary]');
      assert.ok((await page.$$('[data-testid=utm-violations] tbody tr')).length > 0, 'violations listed');
      await page.fill('[data-testid=utm-url]', LANDING);
      await page.fill('[data-testid=utm-source]', 'Newsletter');
      await page.fill('[data-testid=utm-medium]', 'email');
      await page.fill('[data-testid=utm-campaign]', UTM_CAMPAIGN);
      await page.click('[data-testid=utm-build]');
      await page.waitForSelector('[data-testid=utm-built]');
      assert.equal(await page.textContent('[data-testid=utm-built]'), BUILT);
      // A value outside the rules is refused with the reason.
      await page.fill('[data-testid=utm-medium]', 'carrier pigeon');
      await page.click('[data-testid=utm-build]');
      await page.waitForSelector('[data-testid=error-banner]');
      assert.match(await page.textContent('[data-testid=error-banner]'), /utm_medium|medium/);
      // Preview of the fixes.
      await page.click('[data-testid=utm-preview]');
      await page.waitForSelector('[data-testid=utm-preview-result]');

      // A campaign with that link, sent for review.
      const created = await post(`${baseUrl}/api/v1/campaigns`, token, {
        name: 'Spring launch <b>e-mail</b>',
        type: 'Email',
        channel: 'email',
        owner: 'Maya Chen',
        goal: '40 MQLs',
        audience: 'NA newsletter',
        utm_campaign: UTM_CAMPAIGN,
        start_date: '2026-07-06',
        end_date: '2026-07-31',
        budget: 2500,
      });
      const id = created.campaign.id;
      const asset = await post(`${baseUrl}/api/v1/assets`, token, { name: 'Spring e-mail', type: 'email', status: 'ready', url: BUILT, body: 'Hi {{contact.first_name}}' });
      await post(`${baseUrl}/api/v1/campaigns/${id}/assets`, token, { asset_id: asset.id });
      await post(`${baseUrl}/api/v1/campaigns/${id}/transition`, token, { to: 'in_review' });

      // Approve it in the page; the launch gate names what is missing until then.
      await page.goto(`${baseUrl}/#/campaigns?tab=board&id=${id}`);
      await page.waitForSelector(`[data-testid=campaign-detail][data-id="${id}"]`);
      assert.equal(await page.textContent('[data-testid=detail-name]'), 'Spring launch <b>e-mail</b>', 'names are text');
      assert.match(await page.textContent('[data-testid=launch-blockers]'), /approval step 'Approval' \(role 'approver'\) is pending/);
      await page.click('[data-testid=decide-approved]');
      await page.waitForFunction(() => document.querySelector('[data-testid=detail-state]')?.textContent === 'Approved');
      await page.click('[data-testid=transition-scheduled]');
      await page.waitForFunction(() => document.querySelector('[data-testid=detail-state]')?.textContent === 'Scheduled');
      await page.waitForSelector('[data-testid=launch-ready]');
      await page.click('[data-testid=transition-live]');
      await page.waitForFunction(() => document.querySelector('[data-testid=detail-state]')?.textContent === 'Live');
      await page.waitForSelector('[data-testid=chart-budget][data-rendered=true]').catch(() => {});

      const detail = await getJson(`${baseUrl}/api/v1/campaigns/${id}/detail`, token);
      assert.equal(detail.campaign.state, 'live');
      assert.deepEqual(detail.approvals.map((s) => s.decision), ['approved']);

      // The board shows it live, and flags the demo's launch without approval.
      await page.waitForSelector('[data-testid=board-live] [data-testid=board-card]');
      const live = await page.$$eval('[data-testid=board-live] [data-testid=board-card]', (cards) => cards.map((c) => c.textContent));
      assert.ok(live.some((t) => t.includes('Spring launch <b>e-mail</b>')));
      assert.ok(live.some((t) => t.includes('launched without approval')));
      // A long column scrolls inside the board instead of stretching the page.
      const heights = await page.$$eval('.board-column', (cols) => cols.map((c) => c.getBoundingClientRect().height));
      assert.ok(Math.max(...heights) <= 760, `board columns ${heights.join(', ')} px tall`);

      // The hierarchy and the calendar render.
      await page.click('[data-testid=tab-hierarchy]');
      await page.waitForSelector('[data-testid=hierarchy-row]');
      await page.click('[data-testid=tab-calendar]');
      await page.waitForSelector('[data-testid=calendar-grid]');
      // The seven days are equally wide, whatever a day holds.
      const widths = await page.$$eval('[data-testid=calendar-grid] .month-head', (heads) => heads.map((h) => Math.round(h.getBoundingClientRect().width)));
      assert.equal(widths.length, 7);
      assert.ok(Math.max(...widths) - Math.min(...widths) <= 1, `day widths ${widths.join(', ')}`);

      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'campaigns.png'), fullPage: true });
      assert.deepEqual(pageErrors.map((e) => String(e.stack || e)), [], 'no uncaught errors in the page');
    } finally {
      await browser.close();
    }
  });
});
