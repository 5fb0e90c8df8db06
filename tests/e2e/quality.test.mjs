// Browser test of the data-quality page against the real mops binary: the
// scores, trend, violations and completeness it shows match the API, and a
// merge made through the API can be undone from the page.
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


async function send(method, url, token, body) {
  const res = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // reported below
  }
  return { status: res.status, body: json, text, contentType: res.headers.get('content-type') || '' };
}

describe('data-quality page against mops demo', { timeout: 300_000 }, () => {
  let tmp;
  let server;
  let token;
  let baseUrl;

  before(async () => {
    assert.ok(existsSync(mopsBin), `mops binary not found at ${mopsBin}: build it or set MOPS_BIN`);
    assert.ok(existsSync(chromiumPath), `no browser at ${chromiumPath}: install chromium or set MOPS_CHROMIUM`);
    tmp = mkdtempSync(path.join(tmpdir(), 'mops-e2e-quality-'));
    const port = await freePort();
    server = startServer(path.join(tmp, 'ws.db'), port);
    ({ token, baseUrl } = await server.ready);
  });

  after(async () => {
    if (server && server.exit === null) {
      server.child.kill('SIGTERM');
      await Promise.race([server.exited, new Promise((r) => setTimeout(r, SHUTDOWN_TIMEOUT_MS))]);
      if (server.exit === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

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

    const browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await context.addInitScript((t) => localStorage.setItem('mops.token', t), token);
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
      // The review queue renders (empty when no duplicate matcher has run).
      await page.waitForSelector('[data-testid=review-queue]');
      await page.waitForSelector('[data-testid=review-empty], [data-testid^="review-item-"]');

      // Undo the merge from the history.
      const row = await page.waitForSelector(`[data-testid="merge-${mergeId}"][data-undone=false]`);
      assert.ok(row, 'the merge is listed');
      await page.click(`[data-testid="undo-${mergeId}"]`);
      await page.waitForSelector(`[data-testid="merge-${mergeId}"][data-undone=true]`);
      const restored = await getJson(`${baseUrl}/api/v1/contacts/${loser}`, token);
      assert.equal(restored.body.merged_into, null, 'the merged record is back on its own');
      const history = await getJson(`${baseUrl}/api/v1/quality/merges`, token);
      assert.ok(history.body.items.find((m) => m.merge_id === mergeId).undone_at);

      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'quality.png'), fullPage: true });
      assert.deepEqual(pageErrors.map(String), [], 'no uncaught errors in the page');
    } finally {
      await browser.close();
    }
  });
});
