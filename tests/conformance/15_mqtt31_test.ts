/**
 * MQTT 3.1 (protocol level 3, protocol name "MQIsdp"): where it differs from 3.1.1. Its CONNACK
 * has no Session Present flag (the first byte is reserved), and packets sent with QoS 1 in their
 * fixed header (PUBREL, SUBSCRIBE, UNSUBSCRIBE) may be re-sent with DUP set.
 */
import assert from "node:assert/strict";
import type { IPubcompPacket, IPublishPacket, ISubackPacket, IUnsubackPacket } from "mqtt-packet";
import { connect, end } from "../helpers.ts";
import { frame, type RawClient, rawConnect, utf8Field } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

/** Asserts that `raw` is still connected: PINGREQ gets PINGRESP. */
async function stillOpen(raw: RawClient): Promise<void> {
  await raw.sendBytes(new Uint8Array([0xc0, 0x00]));
  await raw.next("pingresp");
  assert.equal(raw.isClosed, false);
}

Deno.test("MQTT 3.1 CONNACK never sets Session Present, though the session resumes (3.1 CONNACK reserved byte)", async () => {
  await withBroker("", async ({ port, url }) => {
    const clientId = uniqueId("v31");
    const opts = { protocolVersion: 3 as const, clientId, clean: false };
    const first = await rawConnect(port, opts);
    assert.equal(first.connack.sessionPresent, false);
    await first.client.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [{ topic: "v31/t", qos: 1 }],
    });
    await first.client.next<ISubackPacket>("suback");
    await first.client.close();

    const publisher = await connect(url);
    await publisher.publishAsync("v31/t", "kept", { qos: 1 });
    await end(publisher);

    const again = await rawConnect(port, opts);
    assert.equal(again.connack.sessionPresent, false, "first CONNACK byte is reserved on 3.1");
    const message = await again.client.next<IPublishPacket>("publish");
    assert.equal(String(message.payload), "kept", "the session was resumed all the same");
    await again.client.close();
  });
});

Deno.test("MQTT 3.1 PUBREL re-sent with DUP=1 is answered with PUBCOMP (3.1 spec, PUBREL fixed header)", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { protocolVersion: 3, clientId: uniqueId("v31") });
    await client.send({
      cmd: "publish",
      topic: "v31/q2",
      payload: "x",
      qos: 2,
      messageId: 1,
      retain: false,
      dup: false,
    });
    await client.next("pubrec");
    await client.sendBytes(new Uint8Array([0x62, 0x02, 0x00, 0x01]));
    assert.equal((await client.next<IPubcompPacket>("pubcomp")).messageId, 1);
    await client.sendBytes(new Uint8Array([0x6a, 0x02, 0x00, 0x01])); // the re-sent PUBREL
    assert.equal((await client.next<IPubcompPacket>("pubcomp")).messageId, 1);
    await stillOpen(client);
    await client.close();
  });
});

Deno.test("MQTT 3.1 SUBSCRIBE and UNSUBSCRIBE re-sent with DUP=1 are answered (3.1 spec, fixed header)", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { protocolVersion: 3, clientId: uniqueId("v31") });
    await client.sendBytes(frame(0x8a, new Uint8Array([0, 3, ...utf8Field("v31/s"), 1])));
    assert.equal((await client.next<ISubackPacket>("suback")).messageId, 3);
    await client.sendBytes(frame(0xaa, new Uint8Array([0, 4, ...utf8Field("v31/s")])));
    assert.equal((await client.next<IUnsubackPacket>("unsuback")).messageId, 4);
    await stillOpen(client);
    await client.close();
  });
});

Deno.test("MQTT 3.1.1 PUBREL with DUP=1 is malformed and closes the connection [MQTT-3.6.1-1]", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { protocolVersion: 4, clientId: uniqueId("v311") });
    await client.sendBytes(new Uint8Array([0x6a, 0x02, 0x00, 0x01]));
    await client.closed();
    assert.deepEqual(client.received, []);
    await client.close();
  });
});
