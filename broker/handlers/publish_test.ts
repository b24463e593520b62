import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { defaultHooks } from "../hooks.ts";
import type { Message } from "../message.ts";
import { harness } from "./_test_helpers.ts";

const payload = Buffer.from("x");

Deno.test("handlePublish() refuses '#' in a topic name with 0x90 [MQTT-3.3.2-2]", async () => {
  const h = harness();
  const peer = await h.connect({ protocolVersion: 5, clientId: "pub" });
  await peer.send({ cmd: "publish", topic: "a/#", payload, qos: 0 });
  assert.equal((await peer.expect("disconnect")).reasonCode, 0x90);
  await h.close();
});

Deno.test("handlePublish() answers a QoS 1 PUBLISH no one subscribes to with PUBACK 0x10 (spec 3.4.2.1)", async () => {
  const h = harness();
  const peer = await h.connect({ protocolVersion: 5, clientId: "pub" });
  await peer.send({ cmd: "publish", topic: "nobody", payload, qos: 1, messageId: 7 });
  const ack = await peer.expect("puback");
  assert.deepEqual([ack.messageId, ack.reasonCode], [7, 0x10]);
  assert.equal(h.broker.stats.messagesReceived, 1);
  await h.close();
});

Deno.test("handlePublish() delivers a QoS 2 message once though it is re-sent before PUBREL (spec 4.3.3)", async () => {
  const h = harness();
  const sub = await h.connect({ clientId: "sub" });
  await sub.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "q2", qos: 2 }] });
  await sub.expect("suback");
  const pub = await h.connect({ clientId: "pub" });
  for (let i = 0; i < 2; i++) {
    await pub.send({ cmd: "publish", topic: "q2", payload, qos: 2, messageId: 5, dup: i > 0 });
    assert.equal((await pub.expect("pubrec")).messageId, 5);
  }
  await pub.send({ cmd: "pubrel", messageId: 5 });
  await pub.expect("pubcomp");
  assert.equal((await sub.expect("publish")).topic, "q2");
  await sub.send({ cmd: "pingreq" });
  assert.equal((await sub.next())?.cmd, "pingresp", "and no second copy");
  await h.close();
});

Deno.test("message expiry: a queued message whose Message Expiry Interval passed is not delivered [MQTT-3.3.2-5]", async () => {
  const h = harness();
  const session = { protocolVersion: 5, clientId: "away", clean: false };
  const sub = await h.connect({ ...session, properties: { sessionExpiryInterval: 3600 } });
  await sub.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "e/+", qos: 1 }] });
  await sub.expect("suback");
  await sub.drop();
  const pub = await h.connect({ protocolVersion: 5, clientId: "pub" });
  const expiring = { messageExpiryInterval: 10 };
  await pub.send({
    cmd: "publish",
    topic: "e/old",
    payload,
    qos: 1,
    messageId: 1,
    properties: expiring,
  });
  await pub.expect("puback");
  h.clock.advance(9_000);
  await pub.send({
    cmd: "publish",
    topic: "e/new",
    payload,
    qos: 1,
    messageId: 2,
    properties: expiring,
  });
  await pub.expect("puback");
  h.clock.advance(2_000); // e/old has expired, e/new has 8 s left
  const back = await h.connect(session);
  const got = await back.expect("publish");
  assert.equal(got.topic, "e/new");
  assert.equal(
    got.properties?.messageExpiryInterval,
    8,
    "the interval left is sent [MQTT-3.3.2-6]",
  );
  assert.equal(h.broker.stats.deliveryDropped, 1);
  await h.close();
});

Deno.test("Broker.publish() and handlePublish() report a message a plugin dropped as message.dropped", async () => {
  const dropped: string[] = [];
  const hooks = {
    ...defaultHooks({ allowAnonymous: true }),
    has: (hook: string) => hook === "message.publish" || hook === "message.dropped",
    publish: (msg: Message) => msg.topic.startsWith("keep/") ? msg : null,
    notify: (_hook: string, event: unknown) =>
      void dropped.push((event as { message: { topic: string }; reason: string }).reason),
  };
  const h = harness(undefined, { hooks: hooks as never });
  assert.equal(
    await h.broker.publish({ topic: "drop/1", payload, qos: 0, retain: false, properties: {} }),
    0,
  );
  const peer = await h.connect({ protocolVersion: 5, clientId: "pub" });
  await peer.send({ cmd: "publish", topic: "drop/2", payload, qos: 1, messageId: 3 });
  assert.equal((await peer.expect("puback")).reasonCode, 0x10);
  assert.deepEqual(dropped, ["plugin", "plugin"]);
  assert.equal(h.broker.stats.messagesReceived, 2, "both were received");
  await h.close();
});
