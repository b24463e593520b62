/**
 * Malformed packets and protocol errors after a successful CONNECT close the connection: v3.1.1
 * closes it [MQTT-4.8.0-1], v5 sends DISCONNECT with the reason code first [MQTT-4.13.1-1]. The
 * packet is never acted on (no PUBACK, no delivery). Covers fields that run past their length
 * (spec 1.5.4, 2.2.2.1), reserved fixed header flags [MQTT-2.1.3-1], a client's Subscription
 * Identifier [MQTT-3.3.4-6] and acknowledgements cut short (spec 3.4.1).
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { IDisconnectPacket } from "mqtt-packet";
import { frame, type RawClient, rawConnect, utf8Field } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

type Version = 4 | 5;

const hex = (s: string) => Buffer.from(s.replaceAll(" ", ""), "hex");
const bytes = (...parts: (number | Uint8Array)[]) =>
  new Uint8Array(parts.flatMap((p) => typeof p === "number" ? [p] : [...p]));

/** The statement that makes a v3.1.1 or v5 server close on a malformed packet. */
const CLOSES = { 4: "[MQTT-4.8.0-1]", 5: "[MQTT-4.13.1-1]" };

/**
 * Connects a raw client of `version` subscribed to `bad/#`, sends `packet`, and checks that the
 * broker closes (v5: DISCONNECT `code` first) without acknowledging anything or delivering a
 * message to the client.
 */
async function refuses(port: number, version: Version, packet: Uint8Array, code = 0x81) {
  const { client } = await rawConnect(port, {
    protocolVersion: version,
    clientId: uniqueId("bad"),
  });
  try {
    await client.send({
      cmd: "subscribe",
      messageId: 9,
      subscriptions: [{ topic: "bad/#", qos: 1 }],
    });
    await client.next("suback");
    await client.sendBytes(packet);
    await closedWith(client, version, code);
  } finally {
    await client.close();
  }
}

async function closedWith(client: RawClient, version: Version, code: number): Promise<void> {
  await client.closed();
  const got = client.received.map((p) => p.cmd);
  if (version === 5) {
    assert.deepEqual(got, ["disconnect"]);
    assert.equal((client.received[0] as IDisconnectPacket).reasonCode, code);
  } else {
    assert.deepEqual(got, []);
  }
}

/** A v5 PUBLISH to `bad/t` at `qos` (packet id 1) whose bytes after the packet id are `rest`. */
function publish5(qos: 0 | 1, rest: number[]): Uint8Array {
  const id = qos > 0 ? [0, 1] : [];
  return frame(0x30 | (qos << 1), bytes(utf8Field("bad/t"), ...id, ...rest));
}

Deno.test("v5 PUBLISH without its Property Length is malformed: DISCONNECT 0x81, no PUBACK (spec 3.3.2.3) [MQTT-4.13.1-1]", async () => {
  await withBroker("", async ({ port }) => {
    await refuses(port, 5, publish5(0, []));
    await refuses(port, 5, publish5(1, []));
  });
});

Deno.test("v5 properties running past their Property Length are malformed: DISCONNECT 0x81 (spec 2.2.2.1) [MQTT-4.13.1-1]", async () => {
  await withBroker("", async ({ port }) => {
    // Content Type "abc" (6 bytes) in a Property Length of 3, the packet going on after it.
    await refuses(port, 5, publish5(1, [3, 0x03, 0, 3, 0x61, 0x62, 0x63]));
    // PUBACK: a User Property (7 bytes) in a Property Length of 5 (fuzz corpus spec-s7-i63).
    await refuses(port, 5, hex("40 0b 0001 00 05 26 0001 6b 0001 76"));
    // PUBACK: the same with the property value's string running past the block by 1 byte
    // (fuzz corpus spec-s7-i1936).
    await refuses(port, 5, hex("40 0b 0001 00 06 26 0001 6b 0001 76"));
  });
});

Deno.test("v5 Property Length running past the packet is malformed: DISCONNECT 0x81 (spec 2.2.2.1) [MQTT-4.13.1-1]", async () => {
  await withBroker("", async ({ port }) => {
    await refuses(port, 5, publish5(1, [20, 0x01, 0x01]));
    await refuses(port, 5, hex("40 06 0001 00 10 1f 00")); // PUBACK: 16 announced, 2 there
  });
});

Deno.test("A string or binary field running past the packet is malformed: v3.1.1 closes, v5 DISCONNECT 0x81 (spec 1.5.4, 1.5.6) [MQTT-4.8.0-1] [MQTT-4.13.1-1]", async () => {
  await withBroker("", async ({ port }) => {
    for (const version of [4, 5] as const) {
      await refuses(port, version, hex("30 05 0010 62 61 64")); // topic of 16 bytes, 3 there
      // SUBSCRIBE with a filter of 16 bytes, 2 there.
      await refuses(
        port,
        version,
        hex(version === 5 ? "82 07 0002 00 0010 6100" : "82 06 0002 0010 6100"),
      );
    }
    // Property strings and binary data cut by the end of the packet.
    await refuses(port, 5, publish5(1, [4, 0x03, 0, 16, 0x61])); // Content Type
    await refuses(port, 5, publish5(1, [4, 0x09, 0, 16, 0x61])); // Correlation Data
    await refuses(port, 5, publish5(1, [7, 0x26, 0, 1, 0x6b, 0, 16, 0x26])); // User Property
  });
});

/** Packets a client sends with their reserved fixed header flags; the body is otherwise valid. */
const FLAGGED: { name: string; first: number; flags: number[]; body: string; v5body?: string }[] = [
  { name: "PUBACK", first: 0x40, flags: [1, 2, 3, 8], body: "0001" },
  { name: "PUBREC", first: 0x50, flags: [1, 2, 8], body: "0001" },
  { name: "PUBREL", first: 0x60, flags: [0, 3, 0xa], body: "0001" },
  { name: "PUBCOMP", first: 0x70, flags: [1, 2, 8], body: "0001" },
  {
    name: "SUBSCRIBE",
    first: 0x80,
    flags: [0, 3, 0xa],
    body: "0002 0001 61 00",
    v5body: "0002 00 0001 61 00",
  },
  {
    name: "UNSUBSCRIBE",
    first: 0xa0,
    flags: [0, 3, 0xa],
    body: "0002 0001 61",
    v5body: "0002 00 0001 61",
  },
  { name: "PINGREQ", first: 0xc0, flags: [1, 8], body: "" },
  { name: "DISCONNECT", first: 0xe0, flags: [1, 2], body: "" },
];

for (const version of [4, 5] as const) {
  Deno.test(`v${version}: reserved fixed header flags other than those of the packet type are malformed (PUBACK, PUBREC, PUBCOMP, PINGREQ, DISCONNECT 0; PUBREL, SUBSCRIBE, UNSUBSCRIBE 0010) [MQTT-2.1.3-1] ${CLOSES[version]}`, async () => {
    await withBroker("", async ({ port }) => {
      for (const { first, flags, body, v5body } of FLAGGED) {
        for (const f of flags) {
          await refuses(
            port,
            version,
            frame(first | f, hex(version === 5 ? v5body ?? body : body)),
          );
        }
      }
      if (version === 5) await refuses(port, 5, hex("f1 02 00 00")); // AUTH with flags 0001
    });
  });

  Deno.test(`v${version}: PUBACK, PUBREC, PUBREL, PUBCOMP with Remaining Length 0 are malformed (spec 3.4.1, 3.5.1) ${CLOSES[version]}`, async () => {
    await withBroker("", async ({ port }) => {
      for (const first of ["40", "50", "62", "70"]) {
        await refuses(port, version, hex(`${first} 00`));
      }
    });
  });
}

Deno.test("v5 PUBLISH from a client with a Subscription Identifier is a protocol error: DISCONNECT 0x82, not delivered [MQTT-3.3.4-6]", async () => {
  await withBroker("", async ({ port }) => {
    await refuses(port, 5, publish5(1, [2, 0x0b, 1, 0x78]), 0x82);
    await refuses(port, 5, publish5(0, [2, 0x0b, 7]), 0x82);
  });
});

Deno.test("v5 PUBLISH with a wildcard in its Response Topic is a protocol error: DISCONNECT 0x82, not delivered [MQTT-3.3.2-14]", async () => {
  await withBroker("", async ({ port }) => {
    for (const topic of ["bad/+", "bad/#"]) {
      const property = [0x08, ...utf8Field(topic)];
      await refuses(port, 5, publish5(1, [property.length, ...property, 0x78]), 0x82);
    }
  });
});
