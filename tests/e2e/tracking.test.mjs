// The tracking API with the real clients: @segment/analytics-node and
// @rudderstack/rudder-sdk-node against `mops serve` on loopback, and
// @segment/analytics-next bundled by this test (esbuild, nothing fetched from
// outside) and run in Chromium on a page of another origin, with mops as its
// CDN (settings) and its API host. Then the workspace is checked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Analytics as SegmentNode } from '@segment/analytics-node';
import RudderNode from '@rudderstack/rudder-sdk-node';
import { assertBinaries, freePort, launchBrowser, addSession } from './support.mjs';
import { allEvents, api, createWriteKey, eventually, newWorkspace, serve, stop } from './tracking_support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
let ws;
let server;
let pagePort;
let writeKey;

before(async () => {
  assertBinaries();
  ws = newWorkspace();
  pagePort = await freePort();
  writeKey = createWriteKey(ws.workspace, 'site', [`http://127.0.0.1:${pagePort}`]);
  server = await serve(ws.workspace, await freePort()).ready;
});

after(async () => {
  await stop(server);
  if (ws) rmSync(ws.dir, { recursive: true, force: true });
});

test('@segment/analytics-node: identify, track, page, group, alias and batch land in the workspace', async () => {
  const analytics = new SegmentNode({ writeKey, host: server.baseUrl, maxEventsInBatch: 5, flushInterval: 50 });
  const errors = [];
  analytics.on('error', (e) => errors.push(e));
  analytics.page({ anonymousId: 'seg-anon', name: 'Pricing', properties: { url: 'https://acme.example/pricing?utm_source=google&utm_medium=cpc&gclid=x1' } });
  analytics.identify({ anonymousId: 'seg-anon', userId: 'seg-user', traits: { email: 'Sam.Seg@Acme.Example', firstName: 'Sam' } });
  analytics.track({ userId: 'seg-user', event: 'Demo Requested', properties: { revenue: 12.5 } });
  analytics.group({ userId: 'seg-user', groupId: 'acct-seg', traits: { name: 'Acme Seg', employees: 120 } });
  analytics.alias({ previousId: 'seg-old-id', userId: 'seg-user' });
  for (let i = 0; i < 12; i++) analytics.track({ anonymousId: `seg-bulk-${i}`, event: 'Form Submitted' });
  await analytics.closeAndFlush({ timeout: 20000 });
  assert.deepEqual(errors, []);

  const events = (await allEvents(server.baseUrl, ws.token)).filter(
    (e) => (e.user_id || '').startsWith('seg-') || (e.anonymous_id || '').startsWith('seg-'),
  );
  assert.equal(events.length, 17);
  const byType = {};
  for (const e of events) (byType[e.type] ??= []).push(e);
  assert.equal(byType.page.length, 1);
  assert.equal(byType.identify.length, 1);
  assert.equal(byType.group.length, 1);
  assert.equal(byType.alias.length, 1);
  assert.equal(byType.track.length, 13);
  const contact = byType.identify[0].contact_id;
  assert.ok(contact, 'identify made a contact');
  // The anonymous page view was stitched to the contact, and is paid search.
  assert.equal(byType.page[0].contact_id, contact);
  assert.equal(byType.page[0].channel, 'paid_search');
  const demo = byType.track.find((e) => e.event === 'Demo Requested');
  assert.equal(demo.contact_id, contact);

  const summary = await api(server.baseUrl, ws.token, '/api/v1/tracking/summary');
  assert.ok(summary.identity.known_visitors >= 1);
  // The contact and its account, through the records API.
  const c = await api(server.baseUrl, ws.token, `/api/v1/contacts/${contact}`);
  assert.equal(c.email, 'sam.seg@acme.example');
  assert.ok(c.account_id, 'group linked the contact to its account');
});

test('@rudderstack/rudder-sdk-node (gzip, skew-corrected times) lands in the workspace', async () => {
  const client = new RudderNode(writeKey, { dataPlaneUrl: server.baseUrl, flushAt: 5, flushInterval: 100, logLevel: 'error' });
  const failures = [];
  const cb = (err) => err && failures.push(err);
  client.page({ anonymousId: 'rs-anon', name: 'Home', properties: { url: 'https://acme.example/?utm_source=linkedin&utm_medium=paid_social' } }, cb);
  client.identify({ anonymousId: 'rs-anon', userId: 'rs-user', traits: { email: 'rudy@acme.example' } }, cb);
  client.track({ userId: 'rs-user', event: 'Signed Up' }, cb);
  client.group({ userId: 'rs-user', groupId: 'acct-rs', traits: { name: 'Rudder Co' } }, cb);
  client.alias({ previousId: 'rs-prev', userId: 'rs-user' }, cb);
  for (let i = 0; i < 7; i++) client.track({ anonymousId: `rs-bulk-${i}`, event: 'Webinar Registered' }, cb);
  await client.flush();
  assert.deepEqual(failures, []);

  const events = await eventually(async () => {
    const all = (await allEvents(server.baseUrl, ws.token)).filter(
      (e) => (e.user_id || '').startsWith('rs-') || (e.anonymous_id || '').startsWith('rs-'),
    );
    return all.length === 12 ? all : null;
  }, '12 RudderStack events');
  const identify = events.find((e) => e.type === 'identify');
  const page = events.find((e) => e.type === 'page');
  assert.ok(identify.contact_id);
  assert.equal(page.contact_id, identify.contact_id);
  assert.equal(page.channel, 'paid_social');
  // No timestamp sent: the time is skew corrected, within seconds of receipt.
  for (const e of events) assert.ok(Math.abs(e.occurred_at * 1000 - e.received_at) < 5000);
});

test('@segment/analytics-next in Chromium: the anonymous page view is stitched to the contact', async () => {
  const bundle = await build({
    stdin: {
      contents: "import { AnalyticsBrowser } from '@segment/analytics-next'; window.AnalyticsBrowser = AnalyticsBrowser;",
      resolveDir: here,
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  const js = bundle.outputFiles[0].text;
  const html = '<!doctype html><title>site</title><script src="/analytics.js"></script><p>hello</p>';
  const site = createServer((req, res) => {
    if (req.url === '/analytics.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end(js);
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(html);
    }
  });
  await new Promise((r) => site.listen(pagePort, '127.0.0.1', r));
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const outside = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.hostname !== '127.0.0.1') outside.push(r.url());
    });
    await page.goto(`http://127.0.0.1:${pagePort}/landing?utm_source=newsletter&utm_medium=email&utm_campaign=june`);
    await page.evaluate(
      async ({ writeKey, cdnURL }) => {
        const [analytics] = await window.AnalyticsBrowser.load({ writeKey, cdnURL });
        await analytics.page();
        await analytics.identify('browser-user', { email: 'Bea.Browser@Acme.example' });
      },
      { writeKey, cdnURL: server.baseUrl },
    );
    assert.deepEqual(outside, [], 'nothing fetched from outside');
    const events = await eventually(async () => {
      const all = (await allEvents(server.baseUrl, ws.token)).filter((e) => e.user_id === 'browser-user' || e.type === 'page');
      const identify = all.find((e) => e.type === 'identify' && e.user_id === 'browser-user');
      const view = all.find((e) => e.type === 'page' && identify && e.anonymous_id === identify.anonymous_id);
      return identify && view && view.contact_id ? { identify, view } : null;
    }, 'the stitched page view');
    assert.equal(events.view.contact_id, events.identify.contact_id);
    assert.equal(events.view.channel, 'email');

    // The events page shows it (admin session).
    const context = await browser.newContext();
    await addSession(context, server.baseUrl, ws.token);
    const dash = await context.newPage();
    await dash.goto(`${server.baseUrl}/#/events`);
    await dash.waitForSelector('[data-testid=events-page]');
    await dash.waitForSelector('[data-testid=event-row]');
    const total = Number(await dash.getAttribute('[data-testid=events-total]', 'data-value'));
    const listed = await allEvents(server.baseUrl, ws.token);
    assert.equal(total, listed.length, 'the total reconciles with the events the API lists');
    await dash.waitForSelector('[data-testid=writekey-row]');
    await context.close();
  } finally {
    await browser.close();
    await new Promise((r) => site.close(r));
  }
});
