// Durability of the tracking API: a stream of batches from several
// connections while `mops serve` is SIGKILLed at random moments, several
// times. After each restart, every event that got a 200 is stored exactly
// once, and replays of acknowledged batches are acknowledged, not stored.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { assertBinaries, freePort } from './support.mjs';
import { allEvents, createWriteKey, newWorkspace, serve, stop } from './tracking_support.mjs';

let ws;
let writeKey;
let server;

before(() => {
  assertBinaries();
  ws = newWorkspace();
  writeKey = createWriteKey(ws.workspace, 'load');
});

after(async () => {
  await stop(server, 'SIGKILL');
  if (ws) rmSync(ws.dir, { recursive: true, force: true });
});

// A deterministic pseudo-random sequence, so a failure replays the same way.
let seed = 12345;
function random() {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

test('every event that got a 200 is stored exactly once across SIGKILLs', async () => {
  const acked = new Map(); // messageId -> batch body it was sent in
  const ackedBodies = [];
  let sequence = 0;
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;

  for (let round = 0; round < 4; round++) {
    server = await serve(ws.workspace, await freePort()).ready;
    const url = `${server.baseUrl}/v1/batch`;
    // Replays of batches acknowledged before the kill: acknowledged again, stored once.
    for (const body of ackedBodies.slice(-3)) {
      const res = await fetch(url, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body });
      assert.equal(res.status, 200);
      const out = await res.json();
      assert.equal(out.stored, 0, 'a replay stores nothing');
    }
    let killed = false;
    const sender = async () => {
      while (!killed) {
        const batch = [];
        for (let i = 0; i < 50; i++) {
          const id = `r${round}-m${sequence++}`;
          batch.push({ type: 'track', anonymousId: `v${sequence % 97}`, event: 'Form Submitted', messageId: id });
        }
        const body = JSON.stringify({ batch });
        try {
          const res = await fetch(url, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body });
          if (res.status === 200) {
            await res.json();
            for (const e of batch) acked.set(e.messageId, body);
            ackedBodies.push(body);
          }
        } catch {
          // The server died mid-request: this batch was not acknowledged.
        }
      }
    };
    const senders = [sender(), sender(), sender(), sender()];
    await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 900)));
    server.child.kill('SIGKILL');
    await server.exited;
    killed = true;
    await Promise.all(senders);
  }

  server = await serve(ws.workspace, await freePort()).ready;
  const stored = await allEvents(server.baseUrl, ws.token);
  const counts = new Map();
  for (const e of stored) counts.set(e.message_id, (counts.get(e.message_id) ?? 0) + 1);
  assert.ok(acked.size > 200, `the stream acknowledged ${acked.size} events`);
  let missing = 0;
  for (const id of acked.keys()) {
    if (counts.get(id) !== 1) missing++;
  }
  assert.equal(missing, 0, `${missing} of ${acked.size} acknowledged events are not stored exactly once`);
  for (const [id, n] of counts) assert.equal(n, 1, `${id} stored ${n} times`);
});
