import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
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
