import assert from "node:assert/strict";
import type {
  IPubackPacket,
  IPubcompPacket,
  IPublishPacket,
  IPubrecPacket,
  IPubrelPacket,
} from "mqtt-packet";
import { collect, connect, end, nextMessage, subscribe, waitFor } from "../helpers.ts";
import { rawConnect } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

for (const protocolVersion of [4, 5] as const) {
  for (const qos of [0, 1, 2] as const) {
    Deno.test(`v${protocolVersion} QoS ${qos} PUBLISH goes through with its full ack flow (spec 4.3)`, async () => {
      await withBroker("", async ({ url }) => {
        const sub = await connect(url, { protocolVersion });
        const pub = await connect(url, { protocolVersion });
        await subscribe(sub, "q/t", { qos });
        const got = nextMessage(sub);
        await pub.publishAsync("q/t", `qos${qos}`, { qos }); // resolves after PUBACK / PUBCOMP
        const m = await got;
        assert.equal(m.payload, `qos${qos}`);
        assert.equal(m.packet.qos, qos);
        if (qos > 0) assert.ok(m.packet.messageId! > 0);
        await end(sub);
        await end(pub);
      });
    });
  }
}

Deno.test("QoS 1 PUBLISH is answered by PUBACK with the same packet id [MQTT-4.3.2-4]", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { protocolVersion: 5, clientId: uniqueId("p1") });
    await client.send({
      cmd: "publish",
      topic: "q/1",
      payload: "x",
      qos: 1,
      messageId: 5,
      retain: false,
      dup: false,
    });
    const puback = await client.next<IPubackPacket>("puback");
    assert.equal(puback.messageId, 5);
    assert.equal(puback.reasonCode, 0x10, "v5: No matching subscribers");
    await client.close();
  });
});

Deno.test("QoS 1 outbound PUBLISH stays in flight until PUBACK [MQTT-4.3.2-1]", async () => {
  await withBroker("", async ({ port, url, broker }) => {
    const clientId = uniqueId("s1");
    const { client } = await rawConnect(port, { clientId });
    await client.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [{ topic: "q/1", qos: 1 }],
    });
    await client.next("suback");
    const pub = await connect(url);
    await pub.publishAsync("q/1", "one", { qos: 1 });
    const publish = await client.next<IPublishPacket>("publish");
    assert.equal(publish.qos, 1);
    assert.equal(publish.dup, false);
    const session = broker.sessions.get(clientId)!;
    assert.equal(session.inflight.size, 1);
    await client.send({ cmd: "puback", messageId: publish.messageId });
    await waitFor(() => session.inflight.size === 0, "PUBACK to release the message");
    await client.close();
    await end(pub);
  });
});

Deno.test("QoS 2 inbound: PUBREC, then PUBCOMP for PUBREL [MQTT-4.3.3-8] [MQTT-4.3.3-11]", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { clientId: uniqueId("p2") });
    await client.send({
      cmd: "publish",
      topic: "q/2",
      payload: "x",
      qos: 2,
      messageId: 9,
      retain: false,
      dup: false,
    });
    assert.equal((await client.next<IPubrecPacket>("pubrec")).messageId, 9);
    await client.send({ cmd: "pubrel", messageId: 9 });
    assert.equal((await client.next<IPubcompPacket>("pubcomp")).messageId, 9);
    await client.close();
  });
});

Deno.test("QoS 2 outbound: PUBLISH, PUBREC answered by PUBREL, PUBCOMP ends it [MQTT-4.3.3-3]", async () => {
  await withBroker("", async ({ port, url, broker }) => {
    const clientId = uniqueId("s2");
    const { client } = await rawConnect(port, { clientId });
    await client.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [{ topic: "q/2", qos: 2 }],
    });
    await client.next("suback");
    const pub = await connect(url);
    await pub.publishAsync("q/2", "two", { qos: 2 });
    const publish = await client.next<IPublishPacket>("publish");
    assert.equal(publish.qos, 2);
    await client.send({ cmd: "pubrec", messageId: publish.messageId });
    const pubrel = await client.next<IPubrelPacket>("pubrel");
    assert.equal(pubrel.messageId, publish.messageId);
    await client.send({ cmd: "pubcomp", messageId: publish.messageId });
    const session = broker.sessions.get(clientId)!;
    await waitFor(() => session.inflight.size === 0, "PUBCOMP to release the message");
    await client.close();
    await end(pub);
  });
});

Deno.test("QoS 2 PUBLISH re-sent with DUP before PUBREL is delivered once [MQTT-4.3.3-10]", async () => {
  await withBroker("", async ({ port, url }) => {
    const sub = await connect(url);
    await subscribe(sub, "q/once", { qos: 2 });
    const got = collect(sub);
    const { client } = await rawConnect(port, { clientId: uniqueId("p2") });
    const publish = {
      cmd: "publish",
      topic: "q/once",
      payload: "x",
      qos: 2,
      messageId: 7,
      retain: false,
    } as const;
    await client.send({ ...publish, dup: false });
    await client.next("pubrec");
    await client.send({ ...publish, dup: true });
    assert.equal((await client.next<IPubrecPacket>("pubrec")).messageId, 7);
    await client.send({ cmd: "pubrel", messageId: 7 });
    await client.next("pubcomp");
    // A marker published after both copies: once it arrives, any duplicate would have too.
    await client.send({
      cmd: "publish",
      topic: "q/once",
      payload: "end",
      qos: 0,
      retain: false,
      dup: false,
    });
    await waitFor(() => got.some((m) => m.payload === "end"), "the marker message");
    assert.deepEqual(got.map((m) => m.payload), ["x", "end"]);
    await client.close();
    await end(sub);
  });
});

Deno.test("Delivery QoS is the minimum of publish QoS and subscription QoS [MQTT-3.8.4-8]", async () => {
  await withBroker("", async ({ url }) => {
    const cases = [[2, 1, 1], [0, 2, 0], [1, 2, 1], [2, 0, 0]] as const;
    for (const [pubQos, subQos, want] of cases) {
      const sub = await connect(url, { protocolVersion: 5 });
      const pub = await connect(url, { protocolVersion: 5 });
      await subscribe(sub, "q/min", { qos: subQos });
      const got = nextMessage(sub);
      await pub.publishAsync("q/min", "m", { qos: pubQos });
      assert.equal((await got).packet.qos, want, `publish ${pubQos}, subscription ${subQos}`);
      await end(sub);
      await end(pub);
    }
  });
});

Deno.test("Overlapping subscriptions deliver one copy at the highest QoS [MQTT-3.3.4-2]", async () => {
  await withBroker("", async ({ url }) => {
    const sub = await connect(url);
    await subscribe(sub, "o/+", { qos: 0 });
    await subscribe(sub, "o/#", { qos: 2 });
    const got = collect(sub);
    const pub = await connect(url);
    await pub.publishAsync("o/x", "m", { qos: 2 });
    await pub.publishAsync("o/end", "end", { qos: 0 });
    await waitFor(() => got.some((m) => m.payload === "end"), "the marker message");
    const copies = got.filter((m) => m.payload === "m");
    assert.equal(copies.length, 1);
    assert.equal(copies[0].packet.qos, 2);
    await end(sub);
    await end(pub);
  });
});

Deno.test("v5 overlapping subscriptions send one copy with every Subscription Identifier [MQTT-3.3.4-4]", async () => {
  await withBroker("", async ({ url }) => {
    const sub = await connect(url, { protocolVersion: 5 });
    await subscribe(sub, "o/+", { qos: 1, properties: { subscriptionIdentifier: 11 } });
    await subscribe(sub, "o/#", { qos: 0, properties: { subscriptionIdentifier: 22 } });
    const got = collect(sub);
    const pub = await connect(url, { protocolVersion: 5 });
    await pub.publishAsync("o/x", "m", { qos: 1 });
    await pub.publishAsync("o/end", "end", { qos: 0 });
    await waitFor(() => got.some((m) => m.payload === "end"), "the marker message");
    const copies = got.filter((m) => m.payload === "m");
    assert.equal(copies.length, 1);
    assert.equal(copies[0].packet.qos, 1);
    const ids = [copies[0].packet.properties?.subscriptionIdentifier].flat().sort();
    assert.deepEqual(ids, [11, 22]);
    await end(sub);
    await end(pub);
  });
});

Deno.test("a client PUBLISH to $SYS/ is refused (v5 PUBACK 0x87) and reaches nobody (spec 4.7.2)", async () => {
  await withBroker("", async ({ url, port }) => {
    const sub = await connect(url, { protocolVersion: 5 });
    const got = collect(sub);
    await subscribe(sub, "$SYS/#", { qos: 1 });
    const { client } = await rawConnect(port, { protocolVersion: 5, clientId: uniqueId("sys") });
    client.send({
      cmd: "publish",
      topic: "$SYS/broker/version",
      payload: "fake",
      qos: 1,
      messageId: 9,
      retain: false,
      dup: false,
    });
    const ack = (await client.next("puback")) as IPubackPacket;
    assert.equal(ack.reasonCode, 0x87);
    client.close();
    await end(sub);
    assert.equal(got.length, 0);
  });
});
