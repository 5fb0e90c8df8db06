// Browser test of the dashboard against the real mops binary.
//
//   node --test tests/e2e/
//
// Environment: see support.mjs.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { assertErrorShape, demoServerHooks, getJson, launchBrowser, outDir, SHUTDOWN_TIMEOUT_MS } from './support.mjs';

describe('dashboard against mops demo', { timeout: 300_000 }, () => {
  const demo = demoServerHooks('overview');
  let token;
  let baseUrl;

  before(async () => {
    ({ token, baseUrl } = demo);
    assert.equal(baseUrl, `http://127.0.0.1:${demo.port}`, 'serves on the requested host and port');
  });

  test('the API refuses requests without a token with a JSON error', async () => {
    assertErrorShape(await getJson(`${baseUrl}/api/v1/overview`), 401);
    assertErrorShape(await getJson(`${baseUrl}/api/v1/overview`, 'not-a-real-token'), 401);
  });

  test('sign in, overview counts and chart, navigation, screenshot', async () => {
    const expectedMe = await getJson(`${baseUrl}/api/v1/me`, token);
    assert.equal(expectedMe.status, 200, expectedMe.text);
    const wrong = await getJson(`${baseUrl}/api/v1/me`, 'wrong-token');
    assertErrorShape(wrong, 401);

    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const pageErrors = [];
      page.on('pageerror', (err) => pageErrors.push(err));
      // The dashboard's Content-Security-Policy must not block anything it does.
      const cspViolations = [];
      page.on('console', (msg) => {
        if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
      });

      await page.goto(`${baseUrl}/`);
      await page.waitForSelector('[data-testid=signin]');
      const headers = (await page.request.get(`${baseUrl}/`)).headers();
      assert.match(headers['content-security-policy'] || '', /script-src 'self'/);
      assert.doesNotMatch(headers['content-security-policy'] || '', /unsafe-inline|unsafe-eval/);

      // A wrong token shows the server's error message and stays on sign-in.
      await page.fill('[data-testid=signin-token]', 'wrong-token');
      await page.click('[data-testid=signin-submit]');
      const errorEl = await page.waitForSelector('[data-testid=signin-error]');
      assert.equal((await errorEl.textContent()).trim(), wrong.body.error.message);
      assert.ok(await page.isVisible('[data-testid=signin]'), 'still on sign-in');
      assert.equal(await page.evaluate(() => localStorage.getItem('mops.token')), null);

      // The right token opens the overview.
      await page.fill('[data-testid=signin-token]', token);
      await page.click('[data-testid=signin-submit]');
      await page.waitForSelector('[data-testid=page-overview]');
      // The token was traded for an HttpOnly session cookie: page script
      // can read neither.
      assert.equal(await page.evaluate(() => localStorage.getItem('mops.token')), null);
      assert.equal(await page.evaluate(() => document.cookie), '');
      const [cookie] = (await context.cookies()).filter((c) => c.name === 'mops_session');
      assert.ok(cookie, 'session cookie set');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Strict');
      assert.ok(cookie.expires > Date.now() / 1000, 'the session cookie expires');
      assert.equal((await page.textContent('[data-testid=user-role]')).trim(), expectedMe.body.role);
      await page.waitForSelector('[data-testid=chart-touchpoints-weekly][data-rendered=true]');

      // Every count card matches the API, and the demo company has data in each.
      const overview = await getJson(`${baseUrl}/api/v1/overview`, token);
      assert.equal(overview.status, 200, overview.text);
      const apiCounts = overview.body.counts;
      assert.ok(apiCounts && Object.keys(apiCounts).length > 0, 'overview has counts');
      for (const [name, n] of Object.entries(apiCounts)) {
        assert.ok(Number.isInteger(n) && n > 0, `API count ${name} = ${n} should be > 0`);
      }
      await page.waitForSelector('[data-testid^="count-"][data-value]');
      const cards = await page.$$eval('[data-testid^="count-"][data-value]', (els) =>
        els.map((e) => [e.getAttribute('data-testid').slice('count-'.length), e.getAttribute('data-value')]),
      );
      const uiCounts = Object.fromEntries(cards.map(([k, v]) => [k, Number(v)]));
      assert.deepEqual(uiCounts, apiCounts, 'count cards show the API counts');
      for (const [name, n] of Object.entries(apiCounts)) {
        const text = await page.textContent(`[data-testid="count-${name}"] .stat-value`);
        assert.equal(Number(text.replace(/[^\d]/g, '')), n, `card text for ${name}`);
      }
      // The header shows the workspace (the last part of its path).
      const workspaceName = (await page.textContent('[data-testid=workspace-name]')).trim();
      assert.equal(workspaceName, path.basename(String(overview.body.workspace)));

      // Another page and back.
      await page.click('[data-testid=nav-stack]');
      await page.waitForSelector('[data-testid=page-stack]');
      assert.equal(new URL(page.url()).hash, '#/stack');
      // Every page once, under the CSP (quality and stack bundle their styles).
      for (const other of ['quality', 'attribution']) {
        await page.click(`[data-testid=nav-${other}]`);
        await page.waitForSelector(`[data-testid=page-${other}]`);
      }
      await page.click('[data-testid=nav-overview]');
      await page.waitForSelector('[data-testid=chart-touchpoints-weekly][data-rendered=true]');
      assert.equal(new URL(page.url()).hash, '#/overview');

      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'overview.png'), fullPage: true });

      // The session survives a reload; signing out ends it on the server.
      await page.reload();
      await page.waitForSelector('[data-testid=page-overview]');
      await page.click('[data-testid=signout]');
      await page.waitForSelector('[data-testid=signin]');
      assert.equal((await context.cookies()).filter((c) => c.name === 'mops_session').length, 0);
      await page.reload();
      await page.waitForSelector('[data-testid=signin]');

      assert.deepEqual(pageErrors.map(String), [], 'no uncaught errors in the page');
      assert.deepEqual(cspViolations, [], 'no Content-Security-Policy violations');
    } finally {
      await browser.close();
    }
  });

  test('SIGTERM stops the server cleanly', async () => {
    assert.equal(demo.server.exit, null, 'server still running before SIGTERM');
    demo.server.child.kill('SIGTERM');
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`mops did not exit within ${SHUTDOWN_TIMEOUT_MS / 1000} s of SIGTERM`)),
        SHUTDOWN_TIMEOUT_MS,
      );
    });
    try {
      const { code, signal } = await Promise.race([demo.server.exited, timeout]);
      assert.equal(signal, null, `exited by signal ${signal}`);
      assert.equal(code, 0, `exit code ${code}\n${demo.server.log.join('').slice(-4000)}`);
    } finally {
      clearTimeout(timer);
    }
  });
});
