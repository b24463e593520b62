import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { memoryPair } from "../transport/memory.ts";
import { harness, Peer } from "./_test_helpers.ts";

Deno.test("handleSubscribe() answers SUBACK, then sends the retained messages that match [MQTT-3.3.1-9]", async () => {
  const h = harness();
  const pub = await h.connect({ clientId: "pub" });
  await pub.send({
    cmd: "publish",
    topic: "r/a",
    payload: Buffer.from("kept"),
    qos: 1,
    messageId: 1,
    retain: true,
  });
  await pub.expect("puback");
  const sub = await h.connect({ clientId: "sub" });
  await sub.send({ cmd: "subscribe", messageId: 9, subscriptions: [{ topic: "r/+", qos: 1 }] });
  const suback = await sub.expect("suback");
  assert.deepEqual([suback.messageId, suback.granted], [9, [1]]);
  const retained = await sub.expect("publish");
  assert.deepEqual([retained.topic, retained.retain, retained.qos], ["r/a", true, 1]);
  await h.close();
});

Deno.test("handleSubscribe() refuses an invalid filter in its SUBACK slot: 0x8F on v5, 0x80 on 3.1.1 (spec 3.9.3)", async () => {
  const h = harness();
  const subscriptions = [{ topic: "a/#/b", qos: 0 }, { topic: "ok/#", qos: 0 }];
  const v5 = await h.connect({ protocolVersion: 5, clientId: "v5" });
  await v5.send({ cmd: "subscribe", messageId: 1, subscriptions });
  assert.deepEqual((await v5.expect("suback")).granted, [0x8f, 0]);
  const v4 = await h.connect({ protocolVersion: 4, clientId: "v4" });
  await v4.send({ cmd: "subscribe", messageId: 1, subscriptions });
  assert.deepEqual((await v4.expect("suback")).granted, [0x80, 0]);
  assert.equal(h.broker.subscriptions.size, 2, "the valid filters only");
  await h.close();
});

Deno.test("handleSubscribe() treats No Local on a shared subscription as a protocol error [MQTT-3.8.3-4]", async () => {
  const h = harness();
  const peer = await h.connect({ protocolVersion: 5, clientId: "nl" });
  await peer.send({
    cmd: "subscribe",
    messageId: 1,
    subscriptions: [{ topic: "$share/g/t", qos: 0, nl: true }],
  });
  assert.equal((await peer.expect("disconnect")).reasonCode, 0x82);
  assert.equal(h.broker.subscriptions.size, 0, "nothing of the packet applied");
  await h.close();
});

Deno.test("handleUnsubscribe() says which filters existed on v5: 0x00 and 0x11 (spec 3.11.2.1)", async () => {
  const h = harness();
  const peer = await h.connect({ protocolVersion: 5, clientId: "un" });
  await peer.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "t", qos: 0 }] });
  await peer.expect("suback");
  await peer.send({ cmd: "unsubscribe", messageId: 2, unsubscriptions: ["t", "never"] });
  assert.deepEqual((await peer.expect("unsuback")).granted, [0x00, 0x11]);
  await h.close();
});

Deno.test("handleSubscribe() paces retained messages by the write backlog: a slow reader gets every QoS 0 one, in order", async () => {
  const h = harness();
  const payload = Buffer.alloc(8 * 1024, 1); // 1,000 of them: twice the slow-consumer limit
  for (let i = 0; i < 1000; i++) {
    const topic = `r/${String(i).padStart(4, "0")}`;
    await h.broker.publish({ topic, payload, qos: 0, retain: true, properties: {} });
  }
  const [server, end] = memoryPair();
  const write = server.write;
  server.write = async (chunk) => { // a reader that takes its time over every write
    await new Promise((r) => setTimeout(r, 5));
    return write(chunk);
  };
  const peer = new Peer(end, h.broker.accept(server).closed, 4);
  await peer.send({ cmd: "connect", protocolId: "MQTT", clean: true, keepalive: 0, clientId: "s" });
  await peer.expect("connack");
  await peer.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "r/#", qos: 0 }] });
  await peer.expect("suback");
  const topics: string[] = [];
  for (let i = 0; i < 1000; i++) topics.push((await peer.expect("publish")).topic);
  const expected = Array.from({ length: 1000 }, (_, i) => `r/${String(i).padStart(4, "0")}`);
  assert.deepEqual(topics, expected);
  assert.equal(h.broker.stats.deliveryDropped, 0);
  await h.close();
  await peer.drop();
});
