import assert from "node:assert/strict";
import type { IPublishPacket } from "mqtt-packet";
import { connect, end, waitFor } from "../helpers.ts";
import { type RawClient, rawConnect } from "./_raw.ts";
import { uniqueId, withBroker, withFakeTime } from "./_util.ts";

/** Connects a 3.1.1 raw client with a persistent session subscribed to `topic` at `qos`, then leaves. */
async function persistentSubscriber(port: number, clientId: string, topic: string, qos: 0 | 1 | 2) {
  const { client } = await rawConnect(port, { clientId, clean: false });
  await client.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic, qos }] });
  await client.next("suback");
  return client;
}

/** Takes PUBLISHes until one with payload "marker" arrives; returns the ones before it. */
async function untilMarker(client: RawClient): Promise<IPublishPacket[]> {
  const got: IPublishPacket[] = [];
  while (true) {
    const p = await client.next<IPublishPacket>("publish");
    if (p.qos > 0) {
      await client.send({ cmd: p.qos === 1 ? "puback" : "pubrec", messageId: p.messageId });
    }
    if (String(p.payload) === "marker") return got;
    got.push(p);
  }
}

Deno.test("Clean session 0 keeps subscriptions and queues QoS 1/2 while away; session present [MQTT-3.1.2-4] [MQTT-3.2.2-2]", async () => {
  await withBroker("", async ({ port, url }) => {
    const clientId = uniqueId("away");
    await (await persistentSubscriber(port, clientId, "s/#", 2)).close();
    const pub = await connect(url);
    await pub.publishAsync("s/1", "one", { qos: 1 });
    await pub.publishAsync("s/2", "two", { qos: 2 });
    const { client, connack } = await rawConnect(port, { clientId, clean: false });
    assert.equal(connack.sessionPresent, true);
    await pub.publishAsync("s/m", "marker", { qos: 1 });
    const got = await untilMarker(client);
    assert.deepEqual(got.map((p) => [p.topic, String(p.payload), p.qos]), [["s/1", "one", 1], [
      "s/2",
      "two",
      2,
    ]]);
    await client.close();
    await end(pub);
  });
});

Deno.test("Clean session 1 discards the previous session: session present 0, no subscriptions [MQTT-3.1.2-6]", async () => {
  await withBroker("", async ({ port, url }) => {
    const clientId = uniqueId("fresh");
    await (await persistentSubscriber(port, clientId, "s/#", 1)).close();
    const { client, connack } = await rawConnect(port, { clientId, clean: true });
    assert.equal(connack.sessionPresent, false);
    await client.send({
      cmd: "subscribe",
      messageId: 2,
      subscriptions: [{ topic: "other", qos: 1 }],
    });
    await client.next("suback");
    const pub = await connect(url);
    await pub.publishAsync("s/1", "old subscription", { qos: 1 });
    await pub.publishAsync("other", "marker", { qos: 1 });
    assert.deepEqual(await untilMarker(client), []);
    await client.close();
    await end(pub);
  });
});

Deno.test("The offline queue is bounded by max_queued_messages; drops are counted [MQTT-3.1.2-5]", async () => {
  await withBroker("mqtt: {max_queued_messages: 5}", async ({ port, url, broker }) => {
    const clientId = uniqueId("bounded");
    await (await persistentSubscriber(port, clientId, "b/t", 1)).close();
    const pub = await connect(url);
    for (let i = 0; i < 8; i++) await pub.publishAsync("b/t", `m${i}`, { qos: 1 });
    assert.equal(broker.stats.deliveryDropped, 3);
    const { client } = await rawConnect(port, { clientId, clean: false });
    await pub.publishAsync("b/t", "marker", { qos: 1 });
    const got = await untilMarker(client);
    assert.deepEqual(got.map((p) => String(p.payload)), ["m0", "m1", "m2", "m3", "m4"]);
    await client.close();
    await end(pub);
  });
});

Deno.test("An unacknowledged QoS 1 PUBLISH is re-sent with DUP on reconnect [MQTT-4.4.0-1] [MQTT-3.3.1-1]", async () => {
  await withBroker("", async ({ port, url }) => {
    const clientId = uniqueId("noack");
    const first = await persistentSubscriber(port, clientId, "d/t", 1);
    const pub = await connect(url);
    await pub.publishAsync("d/t", "again", { qos: 1 });
    const original = await first.next<IPublishPacket>("publish");
    assert.equal(original.dup, false);
    await first.close(); // never acknowledged
    const { client } = await rawConnect(port, { clientId, clean: false });
    const resent = await client.next<IPublishPacket>("publish");
    assert.equal(resent.dup, true);
    assert.equal(resent.messageId, original.messageId);
    assert.equal(String(resent.payload), "again");
    await client.close();
    await end(pub);
  });
});

Deno.test("v5 session with Session Expiry Interval 1 is gone after it expires [MQTT-3.1.2-23]", async () => {
  await withFakeTime("", async ({ port, broker }, clock) => {
    const clientId = uniqueId("exp");
    const props = { sessionExpiryInterval: 1 };
    const first = await rawConnect(port, {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: props,
    });
    await first.client.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [{ topic: "e/t", qos: 1 }],
    });
    await first.client.next("suback");
    await first.client.send({ cmd: "disconnect", reasonCode: 0 });
    await first.client.closed();
    await first.client.close();
    await waitFor(() => broker.offline.size === 1, "the session to wait offline");
    clock.advance(999);
    assert.ok(broker.sessions.get(clientId), "kept within its interval");
    clock.advance(1);
    await waitFor(() => broker.sessions.get(clientId) === undefined, "the session to expire");
    const again = await rawConnect(port, {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: props,
    });
    assert.equal(again.connack.sessionPresent, false);
    await again.client.close();
  });
});

Deno.test("v5 reconnecting before the session expires finds it present [MQTT-3.2.2-2]", async () => {
  await withBroker("", async ({ port }) => {
    const clientId = uniqueId("exp");
    const props = { sessionExpiryInterval: 30 };
    const first = await rawConnect(port, {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: props,
    });
    await first.client.close();
    const again = await rawConnect(port, {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: props,
    });
    assert.equal(again.connack.sessionPresent, true);
    await again.client.close();
  });
});
