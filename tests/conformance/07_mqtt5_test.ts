import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { IDisconnectPacket, IPublishPacket } from "mqtt-packet";
import { collect, connect, end, nextMessage, subscribe, waitFor } from "../helpers.ts";
import { rawConnect } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

const publish = (topic: string, extra: Partial<IPublishPacket> = {}): IPublishPacket => ({
  cmd: "publish",
  topic,
  payload: "x",
  qos: 0,
  retain: false,
  dup: false,
  ...extra,
});

Deno.test("v5 DISCONNECT carries a Reason String by default (spec 3.14.2.2.3)", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { protocolVersion: 5 });
    await client.send(publish("a/#"));
    const disconnect = await client.next<IDisconnectPacket>("disconnect");
    assert.equal(disconnect.reasonCode, 0x90);
    assert.ok(disconnect.properties?.reasonString, "a reason string");
    await client.closed();
    await client.close();
  });
});

Deno.test("v5 no Reason String when Request Problem Information is 0 [MQTT-3.1.2-29]", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, {
      protocolVersion: 5,
      properties: { requestProblemInformation: false },
    });
    await client.send(publish("a/#"));
    const disconnect = await client.next<IDisconnectPacket>("disconnect");
    assert.equal(disconnect.reasonCode, 0x90);
    assert.equal(disconnect.properties?.reasonString, undefined);
    await client.closed();
    await client.close();
  });
});

Deno.test("v5 PUBLISH properties reach the subscriber unchanged [MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-20]", async () => {
  await withBroker("", async ({ url }) => {
    const sub = await connect(url, { protocolVersion: 5 });
    await subscribe(sub, "p/t", { qos: 1 });
    const got = nextMessage(sub);
    const pub = await connect(url, { protocolVersion: 5 });
    await pub.publishAsync("p/t", "{}", {
      qos: 1,
      properties: {
        payloadFormatIndicator: true,
        contentType: "application/json",
        responseTopic: "p/reply",
        correlationData: Buffer.from("corr-1"),
        userProperties: { a: "1", b: ["2", "3"] },
      },
    });
    const props = (await got).packet.properties!;
    assert.equal(props.payloadFormatIndicator, true);
    assert.equal(props.contentType, "application/json");
    assert.equal(props.responseTopic, "p/reply");
    assert.equal(Buffer.from(props.correlationData!).toString(), "corr-1");
    assert.deepEqual({ ...props.userProperties }, { a: "1", b: ["2", "3"] });
    await end(sub);
    await end(pub);
  });
});

Deno.test("v5 inbound Topic Alias 0 is refused with DISCONNECT 0x94 [MQTT-3.3.2-8]", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { protocolVersion: 5 });
    await client.send(publish("al/t", { properties: { topicAlias: 0 } }));
    assert.equal((await client.next<IDisconnectPacket>("disconnect")).reasonCode, 0x94);
    await client.closed();
    await client.close();
  });
});

Deno.test("v5 inbound Topic Alias above topic_alias_maximum gets DISCONNECT 0x94 [MQTT-3.3.2-9]", async () => {
  await withBroker("mqtt: {topic_alias_maximum: 3}", async ({ port }) => {
    const { client, connack } = await rawConnect(port, { protocolVersion: 5 });
    assert.equal(connack.properties?.topicAliasMaximum, 3);
    await client.send(publish("al/t", { properties: { topicAlias: 4 } }));
    assert.equal((await client.next<IDisconnectPacket>("disconnect")).reasonCode, 0x94);
    await client.closed();
    await client.close();
  });
});

Deno.test("v5 inbound Topic Alias can be reused with an empty topic [MQTT-3.3.2-12]", async () => {
  await withBroker("", async ({ port, url }) => {
    const sub = await connect(url, { protocolVersion: 5 });
    await subscribe(sub, "al/t", { qos: 1 });
    const got = collect(sub);
    const { client } = await rawConnect(port, { protocolVersion: 5 });
    await client.send(publish("al/t", { payload: "first", properties: { topicAlias: 1 } }));
    await client.send(publish("", { payload: "second", properties: { topicAlias: 1 } }));
    await waitFor(() => got.length === 2, "both messages");
    assert.deepEqual(got.map((m) => [m.topic, m.payload]), [["al/t", "first"], ["al/t", "second"]]);
    assert.equal(client.isClosed, false);
    await client.close();
    await end(sub);
  });
});

Deno.test("v5 outbound Topic Aliases are used when the client allows them [MQTT-3.3.2-11]", async () => {
  await withBroker("", async ({ port, url }) => {
    const { client } = await rawConnect(port, {
      protocolVersion: 5,
      properties: { topicAliasMaximum: 2 },
    });
    await client.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [{ topic: "out/t", qos: 0 }],
    });
    await client.next("suback");
    const pub = await connect(url, { protocolVersion: 5 });
    await pub.publishAsync("out/t", "first", { qos: 1 });
    await pub.publishAsync("out/t", "second", { qos: 1 });
    const first = await client.next<IPublishPacket>("publish");
    const second = await client.next<IPublishPacket>("publish");
    const alias = first.properties?.topicAlias;
    assert.equal(first.topic, "out/t");
    assert.ok(alias !== undefined && alias >= 1 && alias <= 2, `alias ${alias}`);
    assert.equal(second.topic, "");
    assert.equal(second.properties?.topicAlias, alias);
    assert.equal(String(second.payload), "second");
    await client.close();
    await end(pub);
  });
});

Deno.test("v5 client exceeding our Receive Maximum gets DISCONNECT 0x93 [MQTT-3.3.4-7]", async () => {
  await withBroker("mqtt: {receive_maximum: 2}", async ({ port }) => {
    const { client, connack } = await rawConnect(port, { protocolVersion: 5 });
    assert.equal(connack.properties?.receiveMaximum, 2);
    for (const messageId of [1, 2, 3]) {
      await client.send(publish("rm/t", { qos: 2, messageId })); // never released by PUBREL
    }
    assert.equal((await client.next<IDisconnectPacket>("disconnect")).reasonCode, 0x93);
    await client.closed();
    await client.close();
  });
});

Deno.test("v5 the broker keeps within the client's Receive Maximum [MQTT-3.3.4-9]", async () => {
  await withBroker("", async ({ port, url, broker }) => {
    const clientId = uniqueId("rm");
    const { client } = await rawConnect(port, {
      protocolVersion: 5,
      clientId,
      properties: { receiveMaximum: 1 },
    });
    await client.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [{ topic: "rm/t", qos: 1 }],
    });
    await client.next("suback");
    const pub = await connect(url, { protocolVersion: 5 });
    for (const n of [1, 2, 3]) await pub.publishAsync("rm/t", `m${n}`, { qos: 1 });
    const session = broker.sessions.get(clientId)!;
    for (const n of [1, 2, 3]) {
      const p = await client.next<IPublishPacket>("publish");
      assert.equal(String(p.payload), `m${n}`);
      assert.equal(session.inflight.size, 1, "one message in flight");
      assert.equal(
        client.received.filter((r) => r.cmd === "publish").length,
        0,
        "nothing more yet",
      );
      await client.send({ cmd: "puback", messageId: p.messageId, reasonCode: 0 });
    }
    await client.close();
    await end(pub);
  });
});

Deno.test("v5 inbound packet over max_packet_size gets DISCONNECT 0x95 (spec 3.2.2.3.6)", async () => {
  await withBroker("mqtt: {max_packet_size: 1024}", async ({ port, url }) => {
    const bystander = await connect(url, { protocolVersion: 5 });
    const { client, connack } = await rawConnect(port, { protocolVersion: 5 });
    assert.equal(connack.properties?.maximumPacketSize, 1024);
    await client.send(publish("big/t", { payload: Buffer.alloc(2000, 0x61) }));
    assert.equal((await client.next<IDisconnectPacket>("disconnect")).reasonCode, 0x95);
    await client.closed();
    await client.close();
    await bystander.publishAsync("big/ok", "still here", { qos: 1 });
    await end(bystander);
  });
});

Deno.test("v5 outbound PUBLISH over the client's Maximum Packet Size is dropped and counted [MQTT-3.1.2-24] [MQTT-3.1.2-25]", async () => {
  await withBroker("", async ({ port, url, broker }) => {
    const clientId = uniqueId("small");
    const { client } = await rawConnect(port, {
      protocolVersion: 5,
      clientId,
      properties: { maximumPacketSize: 200 },
    });
    await client.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [{ topic: "mp/t", qos: 1 }],
    });
    await client.next("suback");
    const pub = await connect(url, { protocolVersion: 5 });
    await pub.publishAsync("mp/t", Buffer.alloc(500, 0x61), { qos: 1 });
    await pub.publishAsync("mp/t", "marker", { qos: 1 });
    const p = await client.next<IPublishPacket>("publish");
    assert.equal(String(p.payload), "marker");
    assert.equal(broker.stats.tooLargeDropped, 1);
    assert.equal(broker.sessions.get(clientId)!.inflight.size, 1, "only the marker in flight");
    await client.close();
    await end(pub);
  });
});
