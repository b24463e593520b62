import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { FakeClock } from "../../lib/fake_clock.ts";
import { Session } from "./session.ts";

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
  const s = new Session("c", { maxQueued: 10 }); // room up to the congestion line: 5 messages
  const queued = { msg: msg("t"), qos: 1 as const, retain: false };
  for (let i = 0; i < 2; i++) s.enqueue(queued); // room for 3
  const woken: number[] = [];
  const waits = Array.from(
    { length: 10 },
    (_, i) =>
      s.waitForRoom(1000, clock, `p${i}`).then(() => {
        woken.push(i);
      }),
  );
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  s.releaseWaiters();
  await settle();
  assert.deepEqual(woken, [0, 1, 2]);
  s.releaseWaiters(); // their messages have not arrived yet: no more room
  await settle();
  assert.equal(woken.length, 3);
  for (let i = 0; i < 3; i++) { // their messages arrive: queue 5
    s.enqueue({ ...queued, msg: { ...msg("t"), from: { clientId: `p${i}` } } });
  }
  for (let i = 0; i < 3; i++) s.queue.shift(); // the subscriber drains 3: queue 2, room 3
  s.releaseWaiters();
  await settle();
  assert.deepEqual(woken, [0, 1, 2, 3, 4, 5]);
  clock.advance(1000); // the 1 s cap still holds for the rest
  await Promise.all(waits);
  assert.deepEqual(woken, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  s.releaseWaiters(true); // timed-out publishers left the line: nothing to wake
});
