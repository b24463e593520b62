import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Will } from "../core_types.ts";
import { FakeClock } from "../../lib/fake_clock.ts";
import { NEVER_EXPIRES, OfflineSessions } from "./offline.ts";
import { Session } from "./session.ts";

function setup() {
  const clock = new FakeClock();
  const log: string[] = [];
  const offline = new OfflineSessions({
    publishWill: (will) => log.push(`will ${will.msg.topic}`),
    expire: (session) => log.push(`expire ${session.clientId}`),
  }, { clock });
  return { clock, log, offline };
}

function session(id: string, expiryInterval: number): Session {
  const s = new Session(id, { maxQueued: 1 });
  s.expiryInterval = expiryInterval;
  return s;
}

function will(topic: string, delaySeconds: number): Will {
  const msg = { topic, payload: Buffer.from(""), qos: 0 as const, retain: false, properties: {} };
  return { msg, delaySeconds };
}

Deno.test("OfflineSessions.leave() publishes an undelayed will at once and expires the session on time", () => {
  const { clock, log, offline } = setup();
  offline.leave(session("a", 10), will("w/a", 0));
  assert.deepEqual(log, ["will w/a"]);
  clock.advance(9_999);
  assert.deepEqual(log, ["will w/a"]);
  clock.advance(1);
  assert.deepEqual(log, ["will w/a", "expire a"]);
  assert.equal(offline.size, 0);
});

Deno.test("OfflineSessions sends a delayed will after its delay, or when the session ends first [MQTT-3.1.3-9]", () => {
  const { clock, log, offline } = setup();
  offline.leave(session("short-delay", 100), will("w/1", 5));
  offline.leave(session("long-delay", 3), will("w/2", 50));
  clock.advance(3_000);
  assert.deepEqual(log, ["will w/2", "expire long-delay"]);
  clock.advance(2_000);
  assert.deepEqual(log.slice(2), ["will w/1"]);
  assert.equal(offline.pendingWills, 0);
});

Deno.test("OfflineSessions.cancel() drops the will and the expiry of a session that was resumed", () => {
  const { clock, log, offline } = setup();
  offline.leave(session("back", 10), will("w/back", 5));
  offline.cancel("back");
  clock.advance(60_000);
  assert.deepEqual(log, []);
  assert.equal(clock.timers.size, 0, "no timer left");
});

Deno.test("OfflineSessions: Session Expiry 0xFFFFFFFF never expires; the longest delays never wrap", () => {
  const { clock, log, offline } = setup();
  offline.leave(session("forever", NEVER_EXPIRES), will("w/late", NEVER_EXPIRES - 1));
  offline.leave(session("long", NEVER_EXPIRES - 1));
  assert.equal(offline.size, 1);
  clock.advance(30 * 86_400_000); // past 2^31-1 ms
  assert.deepEqual(log, []);
  clock.advance((NEVER_EXPIRES - 1) * 1000);
  assert.deepEqual(log, ["will w/late", "expire long"]);
  offline.clear();
  assert.equal(clock.timers.size, 0);
});
