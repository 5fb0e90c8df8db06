// What every browser test needs: the mops binary, a free port, a `mops demo`
// server, JSON requests, the browser, and signing in.
//
// Environment:
//   MOPS_BIN       the mops binary (default build/mops)
//   MOPS_E2E_OUT   folder for screenshots (default build/e2e)
//   MOPS_CHROMIUM  browser executable (default /usr/bin/chromium; never downloaded)
//
// Relative paths are taken from the current directory, or else from the repository root.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function resolveFromRepo(p) {
  if (path.isAbsolute(p)) return p;
  const fromCwd = path.resolve(p);
  return existsSync(fromCwd) ? fromCwd : path.resolve(repoRoot, p);
}

export const mopsBin = resolveFromRepo(process.env.MOPS_BIN || 'build/mops');
export const outDir = process.env.MOPS_E2E_OUT
  ? path.resolve(process.env.MOPS_E2E_OUT)
  : path.resolve(repoRoot, 'build', 'e2e');
export const chromiumPath = process.env.MOPS_CHROMIUM || '/usr/bin/chromium';

export const STARTUP_TIMEOUT_MS = 120_000;
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export function freePort() {
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

// The demo company's "today" in browser tests: fixed, so that dates the
// tests assert do not move with the calendar (`mops demo` defaults to today).
export const DEMO_AS_OF = '2026-06-30';

// Starts `mops demo` and resolves once it printed the admin token and the serving line.
export function startServer(workspace, port, scale = '0.02', asOf = DEMO_AS_OF) {
  const child = spawn(
    mopsBin,
    ['--workspace', workspace, 'demo', '--scale', String(scale), '--as-of', asOf, '--port', String(port), '--host', '127.0.0.1'],
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

export async function getJson(url, token) {
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

export function assertErrorShape(res, status) {
  assert.equal(res.status, status, `expected HTTP ${status}, got ${res.status}: ${res.text}`);
  assert.match(res.contentType, /application\/json/, 'error responses are JSON');
  assert.ok(res.body && typeof res.body.error === 'object', `error body shape: ${res.text}`);
  assert.equal(typeof res.body.error.code, 'string');
  assert.ok(res.body.error.code.length > 0, 'error.code is set');
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0, 'error.message is set');
}

// Any method with a JSON body (or none); the response as getJson gives it.
export async function send(method, url, token, body) {
  const res = await fetch(url, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // leave null; callers report the raw text
  }
  return { status: res.status, contentType: res.headers.get('content-type') || '', body: parsed, text };
}

export const postJson = (url, token, body) => send('POST', url, token, body);

export function launchBrowser() {
  return chromium.launch({
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
}

// Trades `token` for a dashboard session (POST /api/v1/session) and puts the
// session cookie into the browser context, as signing in through the page
// would; the page never sees the token.
export async function addSession(context, baseUrl, token) {
  const res = await fetch(`${baseUrl}/api/v1/session`, {
    method: 'POST',
    headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200, `POST /api/v1/session: ${await res.text()}`);
  const cookie = /^mops_session=([^;]*)/.exec(res.headers.get('set-cookie') || '');
  assert.ok(cookie, 'the session comes as a mops_session cookie');
  await context.addCookies([
    { name: 'mops_session', value: cookie[1], url: baseUrl, httpOnly: true, sameSite: 'Strict' },
  ]);
}

// Opens the dashboard and signs in with `token`; resolves on the overview page.
export async function signIn(page, baseUrl, token) {
  await page.goto(`${baseUrl}/`);
  await page.waitForSelector('[data-testid=signin]');
  await page.fill('[data-testid=signin-token]', token);
  await page.click('[data-testid=signin-submit]');
  await page.waitForSelector('[data-testid=page-overview]');
}

// Stops the server with SIGKILL if it still runs (after a failed test).
export async function killServer(server) {
  if (server && server.exit === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

// Stops the server: SIGTERM, then SIGKILL if it has not exited within
// SHUTDOWN_TIMEOUT_MS.
export async function stopServer(server) {
  if (!server || server.exit !== null) return;
  server.child.kill('SIGTERM');
  await Promise.race([server.exited, new Promise((r) => setTimeout(r, SHUTDOWN_TIMEOUT_MS))]);
  await killServer(server);
}

// One `mops demo` server in a temporary folder for the enclosing describe():
// registers its before() and after() hooks and returns an object whose tmp,
// port, server, token and baseUrl are set once the server answers (the
// describe's own before() hooks run after this one).
export function demoServerHooks(name, scale = undefined) {
  const demo = { tmp: null, port: null, server: null, token: null, baseUrl: null };
  before(async () => {
    assertBinaries();
    demo.tmp = mkdtempSync(path.join(tmpdir(), `mops-e2e-${name}-`));
    demo.port = await freePort();
    demo.server = startServer(path.join(demo.tmp, 'ws.db'), demo.port, scale);
    ({ token: demo.token, baseUrl: demo.baseUrl } = await demo.server.ready);
  });
  after(async () => {
    await stopServer(demo.server);
    if (demo.tmp) rmSync(demo.tmp, { recursive: true, force: true });
  });
  return demo;
}

export function assertBinaries() {
  assert.ok(existsSync(mopsBin), `mops binary not found at ${mopsBin}: build it or set MOPS_BIN`);
  assert.ok(existsSync(chromiumPath), `no browser at ${chromiumPath}: install chromium or set MOPS_CHROMIUM`);
}
