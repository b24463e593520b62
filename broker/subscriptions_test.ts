import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Message, SubscriptionOptions } from "./message.ts";
import { Session } from "./session/session.ts";
import { Subscriptions } from "./subscriptions.ts";

const base: SubscriptionOptions = {
  qos: 0,
  noLocal: false,
  retainAsPublished: false,
  retainHandling: 0,
};

function message(topic: string, from?: string): Message {
  const msg = { topic, payload: Buffer.from("x"), qos: 2, retain: false, properties: {} } as const;
  return from === undefined ? msg : { ...msg, from: { clientId: from } };
}

function session(id: string): Session {
  return new Session(id, { maxQueued: 10 });
}

Deno.test("Subscriptions.match() merges overlapping subscriptions: highest QoS, every identifier [MQTT-3.3.4-2] [MQTT-3.3.4-3] [MQTT-3.3.4-4]", () => {
  const subs = new Subscriptions();
  const c1 = session("c1");
  subs.add(c1, "a/+", { ...base, qos: 0, subscriptionId: 1 });
  subs.add(c1, "a/#", { ...base, qos: 2, subscriptionId: 2, retainAsPublished: true });
  subs.add(c1, "a/b", { ...base, qos: 1 });
  subs.add(session("c2"), "a/b", { ...base, qos: 1, subscriptionId: 9 });
  const targets = subs.match(message("a/b"));
  assert.equal(targets.length, 2);
  const t1 = targets.find((t) => t.clientId === "c1")!;
  assert.equal(t1.qos, 2);
  assert.equal(t1.retainAsPublished, true);
  assert.deepEqual([...t1.subscriptionIds!].sort(), [1, 2]);
  assert.deepEqual(targets.find((t) => t.clientId === "c2")!.subscriptionIds, [9]);
});

Deno.test("Subscriptions.match() skips the publisher's own No Local subscriptions only [MQTT-3.8.3-3]", () => {
  const subs = new Subscriptions();
  subs.add(session("me"), "t", { ...base, noLocal: true });
  subs.add(session("other"), "t", { ...base, noLocal: true });
  assert.deepEqual(subs.match(message("t", "me")).map((t) => t.clientId), ["other"]);
  assert.deepEqual(subs.match(message("t", "x")).map((t) => t.clientId).sort(), ["me", "other"]);
});

Deno.test("Subscriptions.match() sees a subscription made after the topic was routed, and not one removed", () => {
  const subs = new Subscriptions();
  const c1 = session("c1");
  assert.deepEqual(subs.match(message("s/1")), []);
  subs.add(c1, "s/+", base);
  assert.deepEqual(subs.match(message("s/1")).map((t) => t.clientId), ["c1"]);
  subs.add(session("c2"), "s/+", base);
  assert.equal(subs.match(message("s/1")).length, 2);
  subs.removeAll(c1);
  assert.deepEqual(subs.match(message("s/1")).map((t) => t.clientId), ["c2"]);
});

Deno.test("Subscriptions.match() gives each message of a shared group to one member in turn, online first (spec 4.8.2)", () => {
  const subs = new Subscriptions();
  const members = ["m0", "m1", "m2"].map(session);
  for (const m of members) subs.add(m, "$share/g/j/+", { ...base, qos: 1 });
  subs.add(session("plain"), "j/+", base);
  const picked = () =>
    subs.match(message("j/1")).map((t) => t.clientId).filter((c) => c !== "plain");
  assert.deepEqual([picked(), picked(), picked(), picked()], [["m0"], ["m1"], ["m2"], ["m0"]]);
  subs.isOnline = (id) => id !== "m1";
  assert.deepEqual([picked(), picked()], [["m2"], ["m0"]]);
  subs.remove(members[0], "$share/g/j/+");
  subs.remove(members[2], "$share/g/j/+");
  assert.deepEqual(picked(), ["m1"]); // offline, but the only member left
  subs.remove(members[1], "$share/g/j/+");
  assert.deepEqual(picked(), []);
  assert.equal(subs.size, 1);
});
