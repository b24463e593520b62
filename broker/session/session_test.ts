import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { FakeClock } from "../../lib/fake_clock.ts";
import { CONGESTION_PATIENCE_MS, Session } from "./session.ts";

const msg = (topic: string) => ({
  topic,
  payload: Buffer.from(""),
  qos: 1 as const,
  retain: false,
  properties: {},
});

Deno.test("Session.nextPacketId() skips ids in flight and wraps at 65535", () => {
  const s = new Session("c", { maxQueued: 1 });
  s.inflight.set(1, { msg: msg("a"), qos: 1, retain: false, packetId: 1, state: "publish" });
  assert.equal(s.nextPacketId(), 2);
  for (let i = 3; i <= 65535; i++) s.nextPacketId();
  assert.equal(s.nextPacketId(), 2); // 1 is still in flight
});

Deno.test("Session.enqueue() drops QoS 0 first when full and counts drops", () => {
  const s = new Session("c", { maxQueued: 2 });
  s.enqueue({ msg: msg("q0"), qos: 0, retain: false });
  s.enqueue({ msg: msg("q1"), qos: 1, retain: false });
  const victim = s.enqueue({ msg: msg("q1b"), qos: 1, retain: false });
  assert.equal(victim?.msg.topic, "q0");
  assert.deepEqual(s.queue.map((q) => q.msg.topic), ["q1", "q1b"]);
  const refused = s.enqueue({ msg: msg("q1c"), qos: 1, retain: false });
  assert.equal(refused?.msg.topic, "q1c");
  assert.equal(s.dropped, 2);
});

Deno.test("Session.releaseWaiters() wakes only as many waiting publishers as there is room for, first come first served", async () => {
  const clock = new FakeClock();
  const s = new Session("c", { maxQueued: 5 });
  const queued = { msg: msg("t"), qos: 1 as const, retain: false };
  for (let i = 0; i < 2; i++) s.enqueue(queued); // room for 3
  const woken: number[] = [];
  const waits = Array.from(
    { length: 10 },
    (_, i) =>
      s.waitForRoom(1000, clock, `p${i}`).then((room) => {
        if (room) woken.push(i);
      }),
  );
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  s.releaseWaiters();
  await settle();
  assert.deepEqual(woken, [0, 1, 2]);
  s.releaseWaiters(); // their messages have not arrived yet: no more room
  await settle();
  assert.equal(woken.length, 3);
  assert.equal(s.mustWait("p9", clock.now()), true); // room kept for p0-p2: p9 may not take it
  assert.equal(s.mustWait("p0", clock.now()), false); // p0's own room
  for (let i = 0; i < 3; i++) { // their messages arrive: queue 5
    s.enqueue({ ...queued, msg: { ...msg("t"), from: { clientId: `p${i}` } } });
  }
  for (let i = 0; i < 3; i++) s.dequeue(); // the subscriber drains 3: queue 2, room 3
  s.releaseWaiters();
  await settle();
  assert.deepEqual(woken, [0, 1, 2, 3, 4, 5]);
  clock.advance(1000); // the rest gave up after their 1 s (one timer for the whole line)
  await Promise.all(waits);
  assert.deepEqual(woken, [0, 1, 2, 3, 4, 5]);
  s.releaseWaiters(true); // timed-out publishers left the line: nothing to wake
});

Deno.test("Session.mustWait() holds publishers while the queue is full, until it is stuck for the patience", () => {
  const clock = new FakeClock();
  const s = new Session("c", { maxQueued: 2 });
  const queued = { msg: msg("t"), qos: 1 as const, retain: false };
  assert.equal(s.mustWait("p", clock.now()), false);
  s.enqueue(queued);
  s.enqueue(queued);
  assert.equal(s.mustWait("p", clock.now()), true);
  clock.advance(CONGESTION_PATIENCE_MS - 1);
  assert.equal(s.mustWait("p", clock.now()), true);
  s.dequeue(); // progress: the patience starts again once full
  s.enqueue(queued);
  assert.equal(s.mustWait("p", clock.now()), true);
  clock.advance(CONGESTION_PATIENCE_MS - 1);
  assert.equal(s.mustWait("p", clock.now()), true);
  clock.advance(1); // nothing left the full queue for the patience: stuck, holds no one
  assert.equal(s.mustWait("p", clock.now()), false);
});

Deno.test("Session.releaseWaiters(true) ends every wait without keeping room (shutdown)", async () => {
  const clock = new FakeClock();
  const s = new Session("c", { maxQueued: 1 });
  s.enqueue({ msg: msg("t"), qos: 1, retain: false });
  const waits = [s.waitForRoom(1000, clock, "a"), s.waitForRoom(1000, clock, "b")];
  s.releaseWaiters(true);
  assert.deepEqual(await Promise.all(waits), [false, false]);
  assert.equal(clock.timers.size, 0); // no timer left behind
});
