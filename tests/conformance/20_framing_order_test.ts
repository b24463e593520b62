/**
 * Packets are handled in the order they arrive, also when one write holds several of them and a
 * framing error (a Remaining Length over four bytes, a packet over the Maximum Packet Size) or a
 * malformed packet follows: every whole packet before it is dispatched and answered first, then the
 * connection fails with the first error's reason (spec 4.6 message ordering; the CONNACK comes
 * first, [MQTT-3.2.0-1]; a malformed packet closes the connection, [MQTT-4.8.0-1]).
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqttPacket, { type IDisconnectPacket, type Packet } from "mqtt-packet";
import { defaultHooks } from "../../broker/hooks.ts";
import { startTestBroker, type TestBroker } from "../helpers.ts";
import { connectPacket, type ProtocolVersion, type RawClient, rawOpen } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

const hex = (s: string) => Buffer.from(s.replaceAll(" ", ""), "hex");

/** A Remaining Length of five bytes: a framing error (spec 1.5.5). */
const BAD_LENGTH = hex("30 ff ff ff ff 01");

/** Encodes `packets` for `version` and concatenates them with `tail` into one buffer. */
function oneWrite(version: ProtocolVersion, packets: Packet[], tail: Uint8Array): Uint8Array {
  const parts = packets.map((p) => mqttPacket.generate(p, { protocolVersion: version }));
  return Buffer.concat([...parts, tail]);
}

function connect(version: ProtocolVersion): Packet {
  return connectPacket({ protocolVersion: version, clientId: uniqueId("order") });
}

function publish1(messageId: number): Packet {
  return {
    cmd: "publish",
    topic: "order/t",
    payload: Buffer.from("m"),
    qos: 1,
    messageId,
    retain: false,
    dup: false,
  };
}

/** Reads packets until the broker closes; returns their types (and v5 DISCONNECT's reason). */
async function answers(raw: RawClient): Promise<string[]> {
  await raw.closed();
  return raw.received.map((p) =>
    p.cmd === "disconnect"
      ? `disconnect 0x${(p as IDisconnectPacket).reasonCode!.toString(16)}`
      : p.cmd
  );
}

/** Opens a raw connection, sends `bytes` in one write and returns what the broker answered. */
async function sendOnce(
  broker: TestBroker,
  version: ProtocolVersion,
  bytes: Uint8Array,
): Promise<string[]> {
  const raw = await rawOpen(broker.port, { protocolVersion: version });
  try {
    await raw.sendBytes(bytes);
    return await answers(raw);
  } finally {
    await raw.close();
  }
}

Deno.test("A valid CONNECT followed in the same write by a framing error is answered with CONNACK first [MQTT-3.2.0-1] (spec 4.6)", async () => {
  await withBroker("", async (broker) => {
    // The fuzzer's input: CONNECT, SUBSCRIBE, a PUBLISH with U+0000 in its topic, then a packet
    // whose Remaining Length is over the Maximum Packet Size, all in one write.
    const got = await sendOnce(
      broker,
      5,
      hex(
        "101700044d515454050000000711874a8bce17010003667a32820a0001000004667a2f2302340c0004320c" +
          "0004667a2f74000100ca8d7e620400010000400400010000340c0004667a2f74000100eca782340c0004" +
          "667a2f74000100eca782",
      ),
    );
    assert.deepEqual(got, ["connack", "suback", "disconnect 0x81"]);
  });
});

for (const version of [4, 5] as const) {
  Deno.test(`v${version}: every whole packet before a five-byte Remaining Length is answered, then the connection closes (spec 4.6, 1.5.5) [MQTT-4.8.0-1]`, async () => {
    await withBroker("", async (broker) => {
      const bytes = oneWrite(version, [
        connect(version),
        publish1(1),
        { cmd: "subscribe", messageId: 2, subscriptions: [{ topic: "order/#", qos: 0 }] },
        { cmd: "pingreq" },
      ], BAD_LENGTH);
      const tail = version === 5 ? ["disconnect 0x81"] : [];
      assert.deepEqual(await sendOnce(broker, version, bytes), [
        "connack",
        "puback",
        "suback",
        "pingresp",
        ...tail,
      ]);
    });
  });
}

Deno.test("v5: packets before one over the Maximum Packet Size are answered, then DISCONNECT 0x95 (spec 4.6, 3.1.2.24)", async () => {
  await withBroker("mqtt: {max_packet_size: 1024}", async (broker) => {
    // A PUBLISH announcing 2,000 bytes: refused from its header alone.
    const bytes = oneWrite(5, [connect(5), publish1(1), publish1(2)], hex("32 d0 0f 00"));
    assert.deepEqual(await sendOnce(broker, 5, bytes), [
      "connack",
      "puback",
      "puback",
      "disconnect 0x95",
    ]);
  });
});

/** Hooks whose publish authorization answers later: PUBLISHes wait in the client's pipeline. */
function slowAuthorize() {
  const hooks = defaultHooks({ allowAnonymous: true });
  return {
    ...hooks,
    has: (hook: string) => hook === "client.authorize",
    authorize: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 20)),
  };
}

for (
  const [what, tail, reason] of [
    ["a framing error", BAD_LENGTH, 0x81],
    ["a packet that cannot be decoded", hex("82 09 0002 00 0003 610062 00"), 0x81], // U+0000
    ["a packet with a field out of range", hex("40 02 0000"), 0x81], // PUBACK, packet id 0
  ] as const
) {
  Deno.test(`v5: PUBLISHes whose hooks are still running are acknowledged before ${what} closes the connection (spec 4.6) [MQTT-4.8.0-1]`, async () => {
    const broker = await startTestBroker("", { hooks: slowAuthorize() });
    try {
      const bytes = oneWrite(5, [connect(5), publish1(1), publish1(2), publish1(3)], tail);
      assert.deepEqual(await sendOnce(broker, 5, bytes), [
        "connack",
        "puback",
        "puback",
        "puback",
        `disconnect 0x${reason.toString(16)}`,
      ]);
    } finally {
      await broker.close();
    }
  });
}

for (const version of [4, 5] as const) {
  Deno.test(`v${version}: packets before a DISCONNECT in the same write are answered before the connection closes (spec 4.6) [MQTT-3.2.0-1]`, async () => {
    await withBroker("", async (broker) => {
      const bytes = oneWrite(version, [
        connect(version),
        publish1(1),
        { cmd: "pingreq" },
        { cmd: "disconnect" },
      ], new Uint8Array());
      assert.deepEqual(await sendOnce(broker, version, bytes), ["connack", "puback", "pingresp"]);
    });
  });
}
