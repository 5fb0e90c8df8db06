// Browser test of the dashboard against the real mops binary.
//
//   node --test tests/e2e/
//
// Environment:
//   MOPS_BIN       the mops binary (default build/mops)
//   MOPS_E2E_OUT   folder for screenshots (default build/e2e)
//   MOPS_CHROMIUM  browser executable (default /usr/bin/chromium; never downloaded)
//
// Relative paths are taken from the current directory, or else from the repository root.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function resolveFromRepo(p) {
  if (path.isAbsolute(p)) return p;
  const fromCwd = path.resolve(p);
  return existsSync(fromCwd) ? fromCwd : path.resolve(repoRoot, p);
}

const mopsBin = resolveFromRepo(process.env.MOPS_BIN || 'build/mops');
const outDir = process.env.MOPS_E2E_OUT
  ? path.resolve(process.env.MOPS_E2E_OUT)
  : path.resolve(repoRoot, 'build', 'e2e');
const chromiumPath = process.env.MOPS_CHROMIUM || '/usr/bin/chromium';

const STARTUP_TIMEOUT_MS = 120_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Starts `mops demo` and resolves once it printed the admin token and the serving line.
function startServer(workspace, port) {
  const child = spawn(
    mopsBin,
    ['--workspace', workspace, 'demo', '--scale', '0.02', '--port', String(port), '--host', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = [];
  const state = { child, log, exit: null };
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      state.exit = { code, signal };
      resolve(state.exit);
    });
  });
  state.exited = exited;

  const ready = new Promise((resolve, reject) => {
    let token = null;
    let baseUrl = null;
    let buffer = '';
    const timer = setTimeout(() => {
      reject(new Error(`mops demo did not start within ${STARTUP_TIMEOUT_MS / 1000} s\n${log.join('')}`));
    }, STARTUP_TIMEOUT_MS);

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      log.push(chunk);
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        const t = /admin token:\s*(\S+)/.exec(line);
        if (t) token = t[1];
        const s = /serving\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (s) baseUrl = s[1];
        if (token && baseUrl) {
          clearTimeout(timer);
          resolve({ token, baseUrl });
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => log.push(chunk));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${mopsBin}: ${err.message}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`mops demo exited early (code ${code}, signal ${signal})\n${log.join('')}`));
    });
  });
  state.ready = ready;
  return state;
}

async function getJson(url, token) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // leave body null; the assertions below report the raw text
  }
  return { status: res.status, contentType: res.headers.get('content-type') || '', body, text };
}

function assertErrorShape(res, status) {
  assert.equal(res.status, status, `expected HTTP ${status}, got ${res.status}: ${res.text}`);
  assert.match(res.contentType, /application\/json/, 'error responses are JSON');
  assert.ok(res.body && typeof res.body.error === 'object', `error body shape: ${res.text}`);
  assert.equal(typeof res.body.error.code, 'string');
  assert.ok(res.body.error.code.length > 0, 'error.code is set');
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0, 'error.message is set');
}

describe('dashboard against mops demo', { timeout: 300_000 }, () => {
  let tmp;
  let server;
  let token;
  let baseUrl;

  before(async () => {
    assert.ok(existsSync(mopsBin), `mops binary not found at ${mopsBin}: build it or set MOPS_BIN`);
    assert.ok(existsSync(chromiumPath), `no browser at ${chromiumPath}: install chromium or set MOPS_CHROMIUM`);
    tmp = mkdtempSync(path.join(tmpdir(), 'mops-e2e-'));
    const port = await freePort();
    server = startServer(path.join(tmp, 'ws.db'), port);
    ({ token, baseUrl } = await server.ready);
    assert.equal(baseUrl, `http://127.0.0.1:${port}`, 'serves on the requested host and port');
  });

  after(async () => {
    if (server && server.exit === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
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

    const browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      const pageErrors = [];
      page.on('pageerror', (err) => pageErrors.push(err));

      await page.goto(`${baseUrl}/`);
      await page.waitForSelector('[data-testid=signin]');

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
      assert.equal(await page.evaluate(() => localStorage.getItem('mops.token')), token);
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
      await page.click('[data-testid=nav-overview]');
      await page.waitForSelector('[data-testid=chart-touchpoints-weekly][data-rendered=true]');
      assert.equal(new URL(page.url()).hash, '#/overview');

      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'overview.png'), fullPage: true });

      // The token survives a reload; signing out forgets it.
      await page.reload();
      await page.waitForSelector('[data-testid=page-overview]');
      await page.click('[data-testid=signout]');
      await page.waitForSelector('[data-testid=signin]');
      assert.equal(await page.evaluate(() => localStorage.getItem('mops.token')), null);

      assert.deepEqual(pageErrors.map(String), [], 'no uncaught errors in the page');
    } finally {
      await browser.close();
    }
  });

  test('SIGTERM stops the server cleanly', async () => {
    assert.equal(server.exit, null, 'server still running before SIGTERM');
    server.child.kill('SIGTERM');
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`mops did not exit within ${SHUTDOWN_TIMEOUT_MS / 1000} s of SIGTERM`)),
        SHUTDOWN_TIMEOUT_MS,
      );
    });
    try {
      const { code, signal } = await Promise.race([server.exited, timeout]);
      assert.equal(signal, null, `exited by signal ${signal}`);
      assert.equal(code, 0, `exit code ${code}\n${server.log.join('').slice(-4000)}`);
    } finally {
      clearTimeout(timer);
    }
  });
});
