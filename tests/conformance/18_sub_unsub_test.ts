/**
 * SUBSCRIBE and UNSUBSCRIBE are validated before they change anything (spec 2.2.1, 2.2.2.2, 3.8,
 * 3.10): packet id 0, an empty payload, a v5 Subscription Identifier 0, a property the packet type
 * does not allow or one given twice are refused: v3.1.1 closes (MQTT-4.8.0-1), v5 sends DISCONNECT
 * with 0x81 (malformed) or 0x82 (protocol error) first. Nothing is acknowledged.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { IDisconnectPacket, ISubackPacket } from "mqtt-packet";
import { frame, type RawClient, rawConnect, utf8Field } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

type Version = 4 | 5;

function hex(text: string): Uint8Array {
  return new Uint8Array(text.match(/../g)!.map((b) => parseInt(b, 16)));
}

/**
 * Sends `bytes` on a fresh connection; v5 expects DISCONNECT `code`, v3.1.1 the close. Either way
 * nothing else may arrive (no SUBACK / UNSUBACK) and the session holds no subscription.
 */
async function refused(version: Version, bytes: Uint8Array, code?: number): Promise<void> {
  await withBroker("", async ({ port, broker }) => {
    const clientId = uniqueId("subval");
    const { client } = await rawConnect(port, { protocolVersion: version, clientId });
    await client.sendBytes(bytes);
    if (version === 5) {
      const disconnect = await client.next<IDisconnectPacket>("disconnect");
      assert.equal(
        disconnect.reasonCode,
        code,
        `reason code 0x${disconnect.reasonCode?.toString(16)}`,
      );
    }
    await client.closed();
    assert.deepEqual(client.received.map((p) => p.cmd), []);
    assert.equal(broker.sessions.get(clientId)?.subscriptions.size ?? 0, 0);
    await client.close();
  });
}

/** A SUBSCRIBE to `a/b` QoS 0 with packet id `id` and v5 `props` (encoded property bytes). */
function subscribe(id: number, props?: number[]): Uint8Array {
  const head = [id >> 8, id & 0xff];
  const propBytes = props ? [props.length, ...props] : [];
  return frame(0x82, new Uint8Array([...head, ...propBytes, ...utf8Field("a/b"), 0]));
}

Deno.test("v3.1.1 SUBSCRIBE with packet id 0 closes without SUBACK [MQTT-2.3.1-1]", async () => {
  await refused(4, hex("820800000003612f6200"));
});

Deno.test("v5 SUBSCRIBE with packet id 0 gets DISCONNECT 0x81 [MQTT-2.2.1-3]", async () => {
  await refused(5, subscribe(0, []), 0x81);
});

Deno.test("v3.1.1 UNSUBSCRIBE with packet id 0 closes without UNSUBACK [MQTT-2.3.1-1]", async () => {
  await refused(4, hex("a20700000003612f62"));
});

Deno.test("v5 UNSUBSCRIBE with packet id 0 gets DISCONNECT 0x81 [MQTT-2.2.1-3]", async () => {
  await refused(5, hex("a2080000000003612f62"), 0x81);
});

Deno.test("v3.1.1 UNSUBSCRIBE without a topic filter closes without UNSUBACK [MQTT-3.10.3-2]", async () => {
  await refused(4, hex("a2020003"));
});

Deno.test("v5 UNSUBSCRIBE without a topic filter gets DISCONNECT 0x82 [MQTT-3.10.3-2]", async () => {
  await refused(5, hex("a203000300"), 0x82);
});

Deno.test("v3.1.1 SUBSCRIBE without a topic filter closes without SUBACK [MQTT-3.8.3-3]", async () => {
  await refused(4, hex("82020003"));
});

Deno.test("v5 SUBSCRIBE without a topic filter gets DISCONNECT 0x82 [MQTT-3.8.3-2]", async () => {
  await refused(5, hex("8203000300"), 0x82);
});

Deno.test("v5 SUBSCRIBE with Subscription Identifier 0 gets DISCONNECT 0x82 (spec 3.8.2.1.2)", async () => {
  await refused(5, subscribe(3, [0x0b, 0x00]), 0x82);
});

Deno.test("v5 SUBSCRIBE with two Subscription Identifiers gets DISCONNECT 0x82 (spec 3.8.2.1.2)", async () => {
  await refused(5, subscribe(3, [0x0b, 0x01, 0x0b, 0x02]), 0x82);
});

Deno.test("v5 SUBSCRIBE with a Session Expiry Interval property gets DISCONNECT 0x81 (spec 2.2.2.2)", async () => {
  await refused(5, subscribe(3, [0x11, 0, 0, 0, 10]), 0x81);
});

Deno.test("v5 UNSUBSCRIBE with a Subscription Identifier property gets DISCONNECT 0x81 (spec 2.2.2.2)", async () => {
  await refused(5, hex("a20a0003020b010003612f62"), 0x81);
});

Deno.test("v5 PUBACK with a Topic Alias property gets DISCONNECT 0x81 (spec 2.2.2.2)", async () => {
  await refused(5, hex("40070001000323000a"), 0x81);
});

for (const version of [4, 5] as const) {
  const id0 = version === 4 ? "[MQTT-2.3.1-1]" : "[MQTT-2.2.1-3]";
  Deno.test(`v${version} PUBACK with packet id 0 is refused ${id0}`, async () => {
    await refused(version, hex("40020000"), 0x81);
  });

  Deno.test(`v${version} PUBREL with packet id 0 is refused, no PUBCOMP ${id0}`, async () => {
    await refused(version, hex("62020000"), 0x81);
  });

  Deno.test(`v${version} QoS 1 PUBLISH with packet id 0 is refused, no PUBACK ${id0}`, async () => {
    // topic "a/b", packet id 0, (v5: no properties), payload "x"
    await refused(
      version,
      hex(version === 5 ? "32090003612f62000000" + "78" : "32080003612f62000078"),
      0x81,
    );
  });
}

/** A valid SUBSCRIBE with a Subscription Identifier and a user property still works. */
Deno.test("v5 SUBSCRIBE with Subscription Identifier 5 and a User Property gets its SUBACK", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { protocolVersion: 5 });
    await client.send({
      cmd: "subscribe",
      messageId: 9,
      properties: { subscriptionIdentifier: 5, userProperties: { k: "v" } },
      subscriptions: [{ topic: "a/b", qos: 1 }],
    });
    const suback = await client.next<ISubackPacket>("suback");
    assert.equal(suback.messageId, 9);
    assert.deepEqual(suback.granted, [1]);
    await stillOpen(client);
  });
});

async function stillOpen(client: RawClient): Promise<void> {
  await client.send({ cmd: "pingreq" });
  await client.next("pingresp");
  await client.close();
}

for (const version of [4, 5] as const) {
  Deno.test(`v${version} PUBACK, PUBREC, PUBREL, PUBCOMP cut before the packet id are malformed, never answered (spec 2.2.1, 3.4.2)`, async () => {
    // mqtt-packet reads a missing packet identifier as -1; the broker must not answer "-1".
    for (const bytes of ["4000", "5000", "6200", "7000", "400100"]) {
      await refused(version, hex(bytes), 0x81);
    }
  });
}

Deno.test("v5 SUBSCRIBE with No Local on a shared subscription gets DISCONNECT 0x82, nothing applied [MQTT-3.8.3-4]", async () => {
  // $share/g/a with options 0x04 (No Local), after a valid filter in the same packet.
  const bytes = hex(
    "8216" + "0001" + "00" + "0003612f62" + "00" + "000a2473686172652f672f61" + "04",
  );
  await refused(5, bytes, 0x82);
});
