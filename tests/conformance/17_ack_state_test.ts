/**
 * Acknowledgements of the broker's outbound QoS 1/2 PUBLISHes are checked against the state of
 * the message in flight (spec 4.3.2, 4.3.3, 4.4): an ack of the wrong kind is a protocol error
 * (v5: DISCONNECT 0x82; v3.1.1: the connection closes, MQTT-4.8.0-1) and never completes the
 * message, which is re-sent when the session resumes [MQTT-4.4.0-1].
 *
 * @module
 */
import assert from "node:assert/strict";
import type { IDisconnectPacket, IPublishPacket, IPubrelPacket, Packet } from "mqtt-packet";
import { type RawClient, rawConnect } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

type Version = 4 | 5;

/** The statement id: 3.1.1 bundles what 5.0 numbers one by one. */
function spec(version: Version, v4: string, v5: string): string {
  return `[MQTT-${version === 4 ? v4 : v5}]`;
}

/** Connects a raw subscriber whose session outlives its connection. */
async function persistent(port: number, version: Version, clientId: string) {
  return await rawConnect(port, {
    protocolVersion: version,
    clientId,
    clean: false,
    properties: version === 5 ? { sessionExpiryInterval: 300 } : undefined,
  });
}

/**
 * A persistent subscriber to `ack/t` at `qos`, and one message published to it at `qos`: resolves
 * with the subscriber and the PUBLISH it received.
 */
async function inFlight(port: number, version: Version, qos: 1 | 2) {
  const clientId = uniqueId("acker");
  const { client } = await persistent(port, version, clientId);
  await client.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "ack/t", qos }] });
  await client.next("suback");
  const { client: pub } = await rawConnect(port, { protocolVersion: version });
  await pub.send({
    cmd: "publish",
    topic: "ack/t",
    payload: "m",
    qos,
    messageId: 7,
    retain: false,
    dup: false,
  });
  await pub.next(qos === 1 ? "puback" : "pubrec");
  await pub.close();
  const publish = await client.next<IPublishPacket>("publish");
  assert.equal(publish.qos, qos);
  return { client, clientId, publish };
}

/** An acknowledgement for `messageId` (v5 with reason 0). */
function ack(cmd: "puback" | "pubrec" | "pubcomp", messageId: number, version: Version): Packet {
  return { cmd, messageId, reasonCode: version === 5 ? 0 : undefined } as Packet;
}

/** v5: DISCONNECT 0x82 then the close; v3.1.1: the close. Nothing else arrives. */
async function refusedAsProtocolError(raw: RawClient, version: Version): Promise<void> {
  if (version === 5) {
    assert.equal((await raw.next<IDisconnectPacket>("disconnect")).reasonCode, 0x82);
  }
  await raw.closed();
  assert.deepEqual(raw.received.map((p) => p.cmd), [], "no PUBREL or other answer");
}

/** Resumes the session and returns the first packet re-sent (a PUBLISH or PUBREL). */
async function resumed(port: number, version: Version, clientId: string): Promise<Packet> {
  const { client, connack } = await persistent(port, version, clientId);
  assert.equal(connack.sessionPresent, true);
  const first = await client.next();
  await client.close();
  return first;
}

for (const version of [4, 5] as const) {
  Deno.test(`v${version}: PUBCOMP answering a QoS 1 PUBLISH is a protocol error; the PUBLISH is re-sent on resume ${spec(version, "4.3.2-1", "4.3.2-3")} [MQTT-4.4.0-1]`, async () => {
    await withBroker("", async ({ port }) => {
      const { client, clientId, publish } = await inFlight(port, version, 1);
      await client.send(ack("pubcomp", publish.messageId!, version));
      await refusedAsProtocolError(client, version);
      const again = await resumed(port, version, clientId) as IPublishPacket;
      assert.equal(again.cmd, "publish");
      assert.equal(again.messageId, publish.messageId);
      assert.equal(again.dup, true);
    });
  });

  Deno.test(`v${version}: PUBREC answering a QoS 1 PUBLISH gets no PUBREL: protocol error ${spec(version, "4.3.2-1", "4.3.2-3")}`, async () => {
    await withBroker("", async ({ port }) => {
      const { client, clientId, publish } = await inFlight(port, version, 1);
      await client.send(ack("pubrec", publish.messageId!, version));
      await refusedAsProtocolError(client, version);
      assert.equal((await resumed(port, version, clientId)).cmd, "publish");
    });
  });

  Deno.test(`v${version}: PUBACK answering a QoS 2 PUBLISH is a protocol error; the PUBLISH is re-sent on resume ${spec(version, "4.3.3-1", "4.3.3-3")} [MQTT-4.4.0-1]`, async () => {
    await withBroker("", async ({ port }) => {
      const { client, clientId, publish } = await inFlight(port, version, 2);
      await client.send(ack("puback", publish.messageId!, version));
      await refusedAsProtocolError(client, version);
      const again = await resumed(port, version, clientId) as IPublishPacket;
      assert.equal(again.cmd, "publish");
      assert.equal(again.messageId, publish.messageId);
    });
  });

  Deno.test(`v${version}: PUBCOMP before PUBREC is a protocol error; the PUBLISH is re-sent on resume ${spec(version, "4.3.3-1", "4.3.3-3")}`, async () => {
    await withBroker("", async ({ port }) => {
      const { client, clientId, publish } = await inFlight(port, version, 2);
      await client.send(ack("pubcomp", publish.messageId!, version));
      await refusedAsProtocolError(client, version);
      assert.equal((await resumed(port, version, clientId)).cmd, "publish");
    });
  });

  Deno.test(`v${version}: PUBACK answering a PUBREL is a protocol error; the PUBREL is re-sent on resume ${spec(version, "4.3.3-1", "4.3.3-5")} [MQTT-4.4.0-1]`, async () => {
    await withBroker("", async ({ port }) => {
      const { client, clientId, publish } = await inFlight(port, version, 2);
      await client.send(ack("pubrec", publish.messageId!, version));
      assert.equal((await client.next<IPubrelPacket>("pubrel")).messageId, publish.messageId);
      await client.send(ack("puback", publish.messageId!, version));
      await refusedAsProtocolError(client, version);
      const again = await resumed(port, version, clientId) as IPubrelPacket;
      assert.equal(again.cmd, "pubrel");
      assert.equal(again.messageId, publish.messageId);
    });
  });

  Deno.test(`v${version}: a PUBREC repeated after PUBREL is answered with PUBREL again, then PUBCOMP completes ${spec(version, "4.3.3-1", "4.3.3-4")}`, async () => {
    await withBroker("", async ({ port, broker }) => {
      const { client, clientId, publish } = await inFlight(port, version, 2);
      const id = publish.messageId!;
      await client.send(ack("pubrec", id, version));
      await client.next("pubrel");
      await client.send(ack("pubrec", id, version));
      assert.equal((await client.next<IPubrelPacket>("pubrel")).messageId, id);
      await client.send(ack("pubcomp", id, version));
      await client.send({ cmd: "pingreq" });
      await client.next("pingresp");
      assert.equal(broker.sessions.get(clientId)!.inflight.size, 0);
      await client.close();
    });
  });

  Deno.test(`v${version}: PUBACK and PUBCOMP for a packet id not in flight are ignored; the connection stays`, async () => {
    await withBroker("", async ({ port }) => {
      const { client } = await rawConnect(port, { protocolVersion: version });
      await client.send(ack("puback", 4321, version));
      await client.send(ack("pubcomp", 4322, version));
      await client.send({ cmd: "pingreq" });
      await client.next("pingresp");
      assert.deepEqual(client.received, []);
      assert.equal(client.isClosed, false);
      await client.close();
    });
  });
}
