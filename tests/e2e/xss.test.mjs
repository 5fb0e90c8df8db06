// Stored XSS and Content-Security-Policy, in the browser: a tool, an
// integration, a campaign, a contact and a touchpoint channel and source are
// imported with names that are HTML, then every dashboard page is opened and
// every chart hovered across its area (ECharts tooltips are HTML). Nothing
// may run, the names must be shown as text, and the page must report no CSP
// violation.
//
//   node --test tests/e2e/xss.test.mjs
//
// Environment: MOPS_BIN, MOPS_E2E_OUT, MOPS_CHROMIUM, as support.mjs says.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertBinaries, freePort, killServer, launchBrowser, mopsBin, outDir, signIn, startServer } from './support.mjs';

const AS_OF = '2026-06-30';
const PAYLOADS = ['<img src=x onerror="window.__pwned=1">', '"><svg onload=window.__pwned=1>'];
// Each page, and the charts it must have drawn before it is hovered.
const PAGES = [
  { id: 'overview', url: '#/overview', charts: ['chart-touchpoints-weekly'] },
  {
    id: 'stack',
    url: `#/stack?as_of=${AS_OF}&stage=growth`,
    charts: ['chart-overlap', 'chart-graph', 'chart-renewals', 'chart-cost'],
  },
  { id: 'quality', url: '#/quality', charts: [] },
  { id: 'attribution', url: '#/attribution', charts: ['chart-models', 'chart-campaigns'] },
  { id: 'campaigns', url: '#/campaigns', charts: [] },
  { id: 'leads', url: '#/leads', charts: [] },
  { id: 'analytics', url: '#/analytics', charts: [] },
  { id: 'audit', url: '#/audit', charts: ['audit-scores'] },
];

// One CSV cell, quoted the way spreadsheets quote it.
function cell(v) {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(header, rows) {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

// The hostile files, in the canonical columns of each kind.
function hostileFiles(dir) {
  const [a, b] = PAYLOADS;
  const files = {
    tools: csv(
      ['name', 'vendor', 'category', 'capabilities', 'annual_cost', 'seats', 'active_seats', 'renewal_date', 'notice_days', 'status'],
      [
        [a, b, 'Email', 'email', '12000', '10', '2', '2026-08-20', '30', 'active'],
        [b, a, 'Email', 'email;crm', '8000', '5', '5', '2026-09-10', '45', 'active'],
      ],
    ),
    integrations: csv(
      ['from_tool', 'to_tool', 'objects', 'direction', 'frequency', 'status', 'last_sync_at'],
      [
        [a, 'Salesforce Sales Cloud', b, 'one_way', 'daily', 'failing', '2026-06-01T00:00:00Z'],
        [b, a, a, 'two_way', 'hourly', 'active', '2026-06-29T00:00:00Z'],
      ],
    ),
    campaigns: csv(
      ['external_id', 'name', 'type', 'channel', 'status', 'start_date', 'end_date', 'budget', 'utm_campaign'],
      [
        ['xss-c1', a, 'Webinar', 'webinar', 'active', '2026-04-01', '2026-06-30', '5000', b],
        ['xss-c2', b, 'Email', 'email', 'active', '2026-04-01', '2026-06-30', '3000', a],
      ],
    ),
    contacts: csv(
      ['external_id', 'email', 'first_name', 'last_name', 'title', 'company_name', 'lifecycle_stage', 'created_at'],
      [
        ['xss-p1', 'ada.xss@example.com', a, b, a, b, 'lead', '2026-04-02T10:00:00Z'],
        ['xss-p2', 'ada.xss2@example.com', b, a, b, a, 'lead', '2026-04-03T10:00:00Z'],
      ],
    ),
    touchpoints: csv(
      ['external_id', 'contact_id', 'occurred_at', 'type', 'channel', 'source', 'medium', 'campaign_id', 'utm_campaign'],
      [
        ['xss-t1', 'xss-p1', '2026-05-04T09:00:00Z', 'page_view', a, b, a, 'xss-c1', b],
        ['xss-t2', 'xss-p2', '2026-05-12T09:00:00Z', 'email_click', b, a, b, 'xss-c2', a],
        ['xss-t3', 'xss-p1', '2026-05-20T09:00:00Z', 'form_submit', a, a, b, 'xss-c2', a],
      ],
    ),
  };
  for (const [kind, text] of Object.entries(files)) writeFileSync(path.join(dir, `${kind}.csv`), text);
  return Object.keys(files);
}

// Moves the mouse over every chart canvas of the page on a grid, so that every
// tooltip the chart can show is built at least once.
async function hoverCharts(page) {
  const charts = await page.$$('.chart');
  for (const chart of charts) {
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.boundingBox();
    if (!box || box.width < 10 || box.height < 10) continue;
    const cols = 16;
    const rows = 8;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        await page.mouse.move(box.x + ((c + 0.5) * box.width) / cols, box.y + ((r + 0.5) * box.height) / rows);
      }
    }
  }
  return charts.length;
}

describe('hostile names in the dashboard', { timeout: 300_000 }, () => {
  let tmp;
  let server;
  let token;
  let baseUrl;
  let workspace;

  before(async () => {
    assertBinaries();
    tmp = mkdtempSync(path.join(tmpdir(), 'mops-e2e-xss-'));
    workspace = path.join(tmp, 'ws.db');
    server = startServer(workspace, await freePort());
    ({ token, baseUrl } = await server.ready);
    const dir = path.join(tmp, 'hostile');
    mkdirSync(dir);
    for (const kind of hostileFiles(dir)) {
      const r = spawnSync(mopsBin, ['--workspace', workspace, 'import', kind, path.join(dir, `${kind}.csv`), '--source', 'xss', '--strict'], {
        encoding: 'utf8',
      });
      // --strict: every row lands, or the import fails.
      assert.equal(r.status, 0, `import ${kind}: ${r.stdout}${r.stderr}`);
    }
    // The audit page shows a stored audit of the hostile workspace.
    const audit = await fetch(`${baseUrl}/api/v1/audit/runs`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ as_of: AS_OF }),
    });
    assert.equal(audit.status, 200, await audit.text());
  });

  after(async () => {
    await killServer(server);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('no script runs, names show as text, no CSP violation', async () => {
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
      // Runs before any page script on every navigation.
      await context.addInitScript(() => {
        window.__csp = [];
        document.addEventListener('securitypolicyviolation', (e) => {
          window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
        });
        // Every tooltip text shown (escape.js builds them as .tt nodes).
        window.__tips = new Set();
        new MutationObserver(() => {
          for (const tt of document.querySelectorAll('.tt')) window.__tips.add(tt.textContent);
        }).observe(document, { childList: true, subtree: true, characterData: true });
      });
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const consoleCsp = [];
      const pageErrors = [];
      page.on('console', (m) => {
        if (/Content[- ]Security[- ]Policy/i.test(m.text())) consoleCsp.push(m.text());
      });
      page.on('pageerror', (e) => pageErrors.push(e.message));

      const first = await page.goto(`${baseUrl}/`);
      const csp = first.headers()['content-security-policy'] || '';
      assert.match(csp, /script-src 'self'/, `the dashboard sends a CSP: ${csp}`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, csp);
      await signIn(page, baseUrl, token);

      const seen = new Set();
      let hovered = 0;
      mkdirSync(outDir, { recursive: true });
      for (const p of PAGES) {
        await page.goto(`${baseUrl}/${p.url}`);
        await page.evaluate(() => window.__tips.clear());
        await page.waitForSelector(`[data-testid=page-${p.id}], [data-testid=coming-soon], main`);
        // The page's own charts first, then whatever else it drew.
        for (const id of p.charts) await page.waitForSelector(`[data-testid=${id}][data-rendered=true]`, { timeout: 120_000 });
        await page.waitForLoadState('networkidle');
        await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((c) => c.dataset.rendered === 'true'));
        hovered += await hoverCharts(page);
        const text = await page.evaluate(() => document.body.innerText);
        for (const name of PAYLOADS) if (text.includes(name)) seen.add(`${p.id}: ${name}`);
        const tips = await page.evaluate(() => [...window.__tips].join('\n'));
        for (const name of PAYLOADS) if (tips.includes(name)) seen.add(`${p.id} tooltip: ${name}`);
        // Channel names are shown humanized (underscores as spaces).
        if (tips.includes('<img src=x onerror=')) seen.add(`${p.id} tooltip: <img`);
        assert.equal(await page.evaluate(() => window.__pwned), undefined, `script ran on ${p.id}`);
        assert.deepEqual(await page.evaluate(() => window.__csp), [], `CSP violations on ${p.id}`);
        await page.screenshot({ path: path.join(outDir, `xss-${p.id}.png`), fullPage: true });
      }
      assert.ok(hovered >= 7, `hovered ${hovered} charts`);
      // The audit names the underused hostile tool in its findings, as text.
      assert.ok(seen.has(`audit: ${PAYLOADS[0]}`), `audit shows it as text: ${[...seen].join(' | ')}`);
      // The inventory table and the stack charts' tooltips show both tool
      // names as text; the overview's tooltip shows the channel.
      for (const name of PAYLOADS) {
        assert.ok(seen.has(`stack: ${name}`), `shown as text: ${[...seen].join(' | ')}`);
        assert.ok(seen.has(`stack tooltip: ${name}`), `shown in a tooltip: ${[...seen].join(' | ')}`);
      }
      assert.ok(
        seen.has('overview tooltip: <img'),
        `the hostile channel in the weekly chart's tooltip: ${[...seen].join(' | ')}`,
      );
      assert.deepEqual(consoleCsp, [], 'no CSP report in the console');
      assert.deepEqual(pageErrors, [], 'no page errors');
      assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"], svg[onload]').length), 0);
    } finally {
      await browser.close();
    }
  });
});
