// Helpers for the tracking API's end-to-end tests: a fresh workspace with an
// admin token and a write key, and `mops serve` on a loopback port.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mopsBin, STARTUP_TIMEOUT_MS } from './support.mjs';

// A new workspace: {dir, workspace, token}.
export function newWorkspace() {
  const dir = mkdtempSync(path.join(tmpdir(), 'mops-tracking-e2e-'));
  const workspace = path.join(dir, 'ws.db');
  const out = execFileSync(mopsBin, ['--workspace', workspace, 'init'], { encoding: 'utf8' });
  const token = /admin token:\s*(\S+)/.exec(out)[1];
  return { dir, workspace, token };
}

// Creates a write key and returns its secret.
export function createWriteKey(workspace, name, origins = [], rateLimit = 0) {
  const args = ['--workspace', workspace, 'writekey', 'create', '--name', name];
  for (const o of origins) args.push('--origin', o);
  if (rateLimit) args.push('--rate-limit', String(rateLimit));
  return execFileSync(mopsBin, args, { encoding: 'utf8' }).trim();
}

// Starts `mops serve`; resolves {child, baseUrl, exited, log} once it listens.
export function serve(workspace, port, extra = []) {
  const child = spawn(
    mopsBin,
    ['--workspace', workspace, 'serve', '--port', String(port), '--host', '127.0.0.1', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = [];
  const state = { child, log, exit: null };
  state.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      state.exit = { code, signal };
      resolve(state.exit);
    });
  });
  state.ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mops serve did not start\n${log.join('')}`)), STARTUP_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      log.push(chunk);
      const m = /serving\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(log.join(''));
      if (m) {
        clearTimeout(timer);
        state.baseUrl = m[1];
        resolve(state);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => log.push(chunk));
    state.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`mops serve exited early (code ${code}, signal ${signal})\n${log.join('')}`));
    });
  });
  return state;
}

export async function stop(server, signal = 'SIGTERM') {
  if (server && server.exit === null) {
    server.child.kill(signal);
    await server.exited;
  }
}

export async function api(baseUrl, token, pathAndQuery) {
  const res = await fetch(`${baseUrl}${pathAndQuery}`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${pathAndQuery}: ${text}`);
  return JSON.parse(text);
}

// Every accepted event, oldest first (follows the API's pages).
export async function allEvents(baseUrl, token) {
  const out = [];
  let before = '';
  for (;;) {
    const page = await api(baseUrl, token, `/api/v1/tracking/events?limit=1000${before}`);
    out.push(...page.items);
    if (!page.next_before) break;
    before = `&before=${page.next_before}`;
  }
  return out.reverse();
}

// Waits until `check()` returns a truthy value (polling), or fails.
export async function eventually(check, what, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}
