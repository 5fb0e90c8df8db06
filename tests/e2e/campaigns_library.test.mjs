// Browser test of the campaigns page's library views against the real mops
// binary: the asset library (names and URLs from data shown as text, links
// only for http(s), a status changed in place, an asset added through the
// form) and templates (one saved from a campaign, one created in the form,
// and a campaign started from a template with its checklist, assets, member
// statuses, UTM pattern and approval chain).
//
//   node --test tests/e2e/campaigns_library.test.mjs
//
// Environment: MOPS_BIN, MOPS_E2E_OUT, MOPS_CHROMIUM, as overview.test.mjs.

import { describe, test, before, after } from 'node:test';
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

// Polls `check` until it holds (10 s at most).
async function until(check, what) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out: ${what}`);
}

const HOSTILE = '<img src=x onerror="window.__pwned=1">Deck';

describe('campaigns page: templates and the asset library', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('campaigns-library');
  let token;
  let baseUrl;
  let browser;

  before(async () => {
    ({ token, baseUrl } = demo);
    browser = await launchBrowser();
  });
  after(async () => {
    if (browser) await browser.close();
  });

  async function openPage(hash) {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1100 } });
    await addSession(context, baseUrl, token);
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(String(e.stack || e)));
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) problems.push(m.text());
    });
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      d.dismiss();
    });
    await page.goto(`${baseUrl}/#/campaigns?tab=${hash}`);
    return { page, problems };
  }

  test('the asset library shows data as text, links only http(s), and edits status', async () => {
    // Two hostile assets: markup in the name, a script URL.
    const hostile = await post(`${baseUrl}/api/v1/assets`, token, { name: HOSTILE, type: 'document', url: 'javascript:window.__pwned=2', owner: '<b>Eve</b>', status: 'draft' });
    const demo = (await getJson(`${baseUrl}/api/v1/assets`, token)).assets;
    const used = demo.find((a) => a.campaigns.length > 0);
    assert.ok(used, 'the demo links assets to campaigns');
    const board = (await getJson(`${baseUrl}/api/v1/campaign-board`, token)).campaigns;
    const usedBy = board.find((c) => c.id === used.campaigns[0]);

    const { page, problems } = await openPage('assets');
    await page.waitForSelector('[data-testid=asset-row]');
    const rows = await page.$$('[data-testid=asset-row]');
    assert.equal(rows.length, demo.length, 'every asset listed');

    const row = page.locator(`[data-testid=asset-row][data-id="${hostile.id}"]`);
    assert.equal(await row.locator('[data-testid=asset-row-name]').textContent(), HOSTILE, 'the name is text');
    assert.equal(await row.locator('[data-testid=asset-url-link]').count(), 0, 'a javascript: URL is no link');
    assert.equal(await row.locator('[data-testid=asset-url-text]').textContent(), 'javascript:window.__pwned=2');
    assert.equal(await page.locator('img[src=x]').count(), 0, 'no markup from data');
    assert.ok((await row.textContent()).includes('<b>Eve</b>'));

    // An http(s) URL is a link that opens elsewhere without the opener.
    const usedRow = page.locator(`[data-testid=asset-row][data-id="${used.id}"]`);
    if (used.url) {
      const link = usedRow.locator('[data-testid=asset-url-link]');
      assert.equal(await link.getAttribute('href'), new URL(used.url).href);
      assert.match(await link.getAttribute('rel'), /noopener/);
    }
    // The campaigns using it, by name (a long list folds); one opens the campaign.
    assert.ok((await usedRow.locator('[data-testid=asset-campaigns]').textContent()).includes(usedBy.name));
    if (used.campaigns.length > 4) {
      assert.equal(await usedRow.locator('button.used-by').count(), 4);
      await usedRow.locator('[data-testid=asset-campaigns-more]').click();
      assert.equal(await usedRow.locator('button.used-by').count(), used.campaigns.length);
    }

    // Status changed in place, through the API.
    await row.locator('[data-testid=asset-status]').selectOption('ready');
    await until(async () => (await getJson(`${baseUrl}/api/v1/assets`, token)).assets.find((a) => a.id === hostile.id).status === 'ready', 'the status is stored');

    // A new asset through the form.
    await page.fill('[data-testid=asset-name]', 'Spring teaser video');
    await page.selectOption('[data-testid=asset-type]', 'video');
    await page.fill('[data-testid=asset-url]', 'https://video.example.com/spring?utm_source=youtube');
    await page.fill('[data-testid=asset-owner]', 'Sam Patel');
    await page.click('[data-testid=asset-save]');
    await page.waitForSelector('[data-testid=asset-row] >> text=Spring teaser video');
    const after = (await getJson(`${baseUrl}/api/v1/assets`, token)).assets;
    const added = after.find((a) => a.name === 'Spring teaser video');
    assert.equal(added.type, 'video');
    assert.equal(added.owner, 'Sam Patel');
    assert.equal(added.status, 'draft');

    // A bad edit is refused with the reason, and the asset keeps its values.
    await page.locator(`[data-testid=asset-row][data-id="${added.id}"] [data-testid=asset-edit]`).click();
    await page.fill('[data-testid=asset-name]', '   ');
    await page.click('[data-testid=asset-save]');
    await page.waitForSelector('[data-testid=asset-form] [data-testid=error-banner]');
    assert.match(await page.textContent('[data-testid=asset-form] [data-testid=error-message]'), /name/);
    assert.equal((await getJson(`${baseUrl}/api/v1/assets`, token)).assets.find((a) => a.id === added.id).name, 'Spring teaser video');

    // Opening a campaign from the library.
    await usedRow.locator('[data-testid=asset-campaigns] button').first().click();
    await page.waitForSelector(`[data-testid=campaign-detail][data-id="${used.campaigns[0]}"]`);

    assert.equal(await page.evaluate(() => window.__pwned ?? null), null, 'no script from data ran');
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: path.join(outDir, 'campaigns-assets.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  test('templates: save one from a campaign, create one in the form, start a campaign from it', async () => {
    const before = (await getJson(`${baseUrl}/api/v1/campaign-templates`, token)).templates;
    assert.ok(before.length >= 4);
    // The source campaign: one of the demo's campaigns made from a template.
    const board = (await getJson(`${baseUrl}/api/v1/campaign-board`, token)).campaigns;
    const source = board.find((c) => c.template_id !== null);
    assert.ok(source, 'the demo has campaigns made from templates');
    const sourceDetail = await getJson(`${baseUrl}/api/v1/campaigns/${source.id}/detail`, token);

    const { page, problems } = await openPage('templates');
    await page.waitForSelector('[data-testid=template-row]');
    assert.equal((await page.$$('[data-testid=template-row]')).length, before.length);

    // Saved from a campaign.
    await page.selectOption('[data-testid=tpl-campaign]', String(source.id));
    await page.fill('[data-testid=tpl-campaign-name]', 'Saved <i>kit</i>');
    await page.click('[data-testid=tpl-campaign-save]');
    await page.waitForSelector('[data-testid=template-name] >> text=Saved <i>kit</i>');
    const saved = (await getJson(`${baseUrl}/api/v1/campaign-templates`, token)).templates.find((t) => t.name === 'Saved <i>kit</i>');
    assert.deepEqual(saved.approval_chain, sourceDetail.approval_chain);
    assert.deepEqual(
      saved.assets,
      sourceDetail.assets.map((a) => a.id),
    );
    assert.deepEqual(
      saved.checklist,
      sourceDetail.qa.filter((q) => !q.automatic).map((q) => q.label),
    );
    assert.equal(saved.type, source.type);

    // A bad chain line is refused in the page, naming the line; nothing is stored.
    await page.fill('[data-testid=tpl-name]', 'Partner webinar');
    await page.fill('[data-testid=tpl-type]', 'Webinar');
    await page.fill('[data-testid=tpl-channel]', 'webinar');
    await page.fill('[data-testid=tpl-pattern]', '{yyyy}{q}_web_{region}_{name}');
    await page.fill('[data-testid=tpl-checklist]', 'Partner logo approved\nCo-host briefed');
    await page.fill('[data-testid=tpl-statuses]', 'Invited\nRegistered*\nAttended*');
    await page.fill('[data-testid=tpl-chain]', '1, Brand review, approver, 2\nsoon, Partner, @pat');
    await page.click('[data-testid=tpl-save]');
    await page.waitForSelector('[data-testid=template-form] [data-testid=error-banner]');
    assert.match(await page.textContent('[data-testid=template-form] [data-testid=error-message]'), /line 2/);
    // Fixed; with one asset picked.
    await page.fill('[data-testid=tpl-chain]', '1, Brand review, approver, 2\n1, Partner sign-off, @pat, 3\n2, Director, approver, 1');
    const invite = (await getJson(`${baseUrl}/api/v1/assets`, token)).assets.find((a) => a.name === 'Webinar invitation e-mail');
    await page.selectOption('[data-testid=tpl-assets]', [String(invite.id)]);
    await page.click('[data-testid=tpl-save]');
    await page.waitForSelector('[data-testid=template-name] >> text=Partner webinar');
    const made = (await getJson(`${baseUrl}/api/v1/campaign-templates`, token)).templates.find((t) => t.name === 'Partner webinar');
    assert.deepEqual(made.checklist, ['Partner logo approved', 'Co-host briefed']);
    assert.deepEqual(made.assets, [invite.id]);
    assert.deepEqual(
      made.statuses.map((s) => [s.name, s.responded, s.is_default]),
      [
        ['Invited', false, true],
        ['Registered', true, false],
        ['Attended', true, false],
      ],
    );
    assert.deepEqual(
      made.approval_chain.map((s) => [s.stage, s.name, s.role ?? `@${s.user}`, s.due_days]),
      [
        [1, 'Brand review', 'approver', 2],
        [1, 'Partner sign-off', '@pat', 3],
        [2, 'Director', 'approver', 1],
      ],
    );

    // A campaign from it, through the page: the detail opens with what it carried.
    await page.locator(`[data-testid=template-row][data-id="${made.id}"] [data-testid=template-use]`).click();
    await page.fill('[data-testid=clone-name]', 'Partner webinar with Acme');
    await page.fill('[data-testid=clone-start]', '2026-09-08');
    await page.fill('[data-testid=clone-end]', '2026-09-30');
    await page.fill('[data-testid=clone-budget]', '4000');
    await page.click('[data-testid=clone-save]');
    await page.waitForSelector('[data-testid=campaign-detail] [data-testid=detail-name] >> text=Partner webinar with Acme');
    const id = await page.getAttribute('[data-testid=campaign-detail]', 'data-id');
    const chain = await page.textContent('[data-testid=approval-chain]');
    assert.ok(chain.includes('Partner sign-off (user pat, due in 3 day(s))'), chain);
    const qa = await page.textContent('[data-testid=qa-list]');
    assert.ok(qa.includes('Partner logo approved') && qa.includes('Co-host briefed'), qa);
    assert.ok((await page.textContent('[data-testid=assets]')).includes('Webinar invitation e-mail'));
    const detail = await getJson(`${baseUrl}/api/v1/campaigns/${id}/detail`, token);
    assert.equal(detail.campaign.template_id, made.id);
    assert.equal(detail.campaign.utm_pattern, '{yyyy}{q}_web_{region}_{name}');
    assert.equal(detail.campaign.budget, 4000);
    assert.deepEqual(detail.approval_chain, made.approval_chain);
    assert.deepEqual(
      detail.members.by_status.map((m) => m.status),
      ['Invited', 'Registered', 'Attended'],
    );

    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: path.join(outDir, 'campaigns-templates.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});
