import assert from "node:assert/strict";
import type { MqttClient } from "mqtt";
import type { IDisconnectPacket, IPubcompPacket } from "mqtt-packet";
import { collect, connect, end, nextMessage, subscribe, waitFor } from "../helpers.ts";
import type { TestBroker } from "../helpers.ts";
import { frame, type RawClient, rawConnect, utf8Field } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

/**
 * Runs `misbehave` with a connected raw client while a well-behaved MQTT.js client is connected
 * too, then checks that the bystander still gets its own messages.
 */
async function withBystander(
  protocolVersion: 4 | 5,
  misbehave: (raw: RawClient, broker: TestBroker) => Promise<void>,
): Promise<void> {
  await withBroker("", async (broker) => {
    const bystander = await connect(broker.url, { protocolVersion });
    await subscribe(bystander, "ok/t", { qos: 1 });
    const { client } = await rawConnect(broker.port, {
      protocolVersion,
      clientId: uniqueId("bad"),
    });
    await misbehave(client, broker);
    await client.close();
    await stillWorks(bystander);
    await end(bystander);
  });
}

async function stillWorks(client: MqttClient): Promise<void> {
  const got = nextMessage(client);
  await client.publishAsync("ok/t", "alive", { qos: 1 });
  assert.equal((await got).payload, "alive");
}

/** Expects a v5 DISCONNECT with `code`, then the close. */
async function disconnectedWith(raw: RawClient, code: number): Promise<void> {
  assert.equal((await raw.next<IDisconnectPacket>("disconnect")).reasonCode, code);
  await raw.closed();
}

/** A v5 QoS 0 PUBLISH whose topic is the given bytes. */
function publishWithTopicBytes(topic: Uint8Array): Uint8Array {
  return frame(0x30, new Uint8Array([...utf8Field(topic), 0, ...new TextEncoder().encode("x")]));
}

Deno.test("Garbage bytes get v5 DISCONNECT 0x81 and close only that connection [MQTT-4.13.1-1]", async () => {
  await withBystander(5, async (raw) => {
    await raw.sendBytes(new Uint8Array([0x00, 0x04, 0xde, 0xad, 0xbe, 0xef]));
    await disconnectedWith(raw, 0x81);
  });
});

Deno.test("Garbage bytes on 3.1.1 close only that connection [MQTT-4.8.0-1]", async () => {
  await withBystander(4, async (raw) => {
    await raw.sendBytes(new Uint8Array([0xf0, 0x01, 0xff]));
    await raw.closed();
  });
});

Deno.test("A truncated packet then close is an abnormal close: will sent, session cleaned [MQTT-3.1.2-8]", async () => {
  await withBroker("", async ({ port, url, broker }) => {
    const watcher = await connect(url);
    await subscribe(watcher, "will/trunc", { qos: 1 });
    const got = collect(watcher);
    const { client } = await rawConnect(port, {
      clientId: uniqueId("trunc"),
      will: { topic: "will/trunc", payload: "gone", qos: 1, retain: false },
    });
    const whole = publishWithTopicBytes(new TextEncoder().encode("some/topic"));
    await client.sendBytes(whole.subarray(0, 6));
    await client.close();
    await waitFor(() => got.length === 1, "the will");
    await waitFor(() => broker.clients.size === 1, "only the watcher left");
    await stillWorksOn(watcher);
    await end(watcher);
  });
});

async function stillWorksOn(client: MqttClient): Promise<void> {
  await subscribe(client, "ok/t", { qos: 1 });
  await stillWorks(client);
}

Deno.test("A Remaining Length longer than four bytes is malformed: v5 DISCONNECT 0x81 (spec 1.5.5)", async () => {
  await withBystander(5, async (raw) => {
    await raw.sendBytes(new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    await disconnectedWith(raw, 0x81);
  });
});

Deno.test("Invalid UTF-8 in a PUBLISH topic is malformed: v5 DISCONNECT 0x81 [MQTT-1.5.4-1]", async () => {
  await withBystander(5, async (raw) => {
    await raw.sendBytes(publishWithTopicBytes(new Uint8Array([0x61, 0x2f, 0xc3, 0x28])));
    await disconnectedWith(raw, 0x81);
  });
});

Deno.test("PUBLISH with '#' in the topic disconnects with v5 0x90 [MQTT-3.3.2-2]", async () => {
  await withBystander(5, async (raw) => {
    await raw.send({
      cmd: "publish",
      topic: "ok/#",
      payload: "x",
      qos: 0,
      retain: false,
      dup: false,
    });
    await disconnectedWith(raw, 0x90);
  });
});

Deno.test("PUBLISH with '+' in the topic closes a 3.1.1 connection [MQTT-3.3.2-2]", async () => {
  await withBystander(4, async (raw) => {
    await raw.send({
      cmd: "publish",
      topic: "ok/+",
      payload: "x",
      qos: 0,
      retain: false,
      dup: false,
    });
    await raw.closed();
  });
});

Deno.test("QoS 1 PUBLISH with packet id 0 disconnects the client [MQTT-2.2.1-3]", async () => {
  await withBystander(5, async (raw) => {
    // QoS 1 PUBLISH, topic "ok/t", packet id 0, no properties: hand-built, the codec would refuse.
    await raw.sendBytes(frame(0x32, new Uint8Array([...utf8Field("ok/t"), 0, 0, 0, 0x78])));
    const code = (await raw.next<IDisconnectPacket>("disconnect")).reasonCode!;
    assert.ok(code === 0x81 || code === 0x82, `reason code 0x${code.toString(16)}`);
    await raw.closed();
  });
});

Deno.test("v5 PUBREL for an unknown packet id gets PUBCOMP 0x92 and the connection stays (spec 3.7.2.1)", async () => {
  await withBystander(5, async (raw) => {
    await raw.send({ cmd: "pubrel", messageId: 4242, reasonCode: 0 });
    const pubcomp = await raw.next<IPubcompPacket>("pubcomp");
    assert.equal(pubcomp.messageId, 4242);
    assert.equal(pubcomp.reasonCode, 0x92);
    await raw.send({ cmd: "pingreq" });
    await raw.next("pingresp");
    assert.equal(raw.isClosed, false);
  });
});
