/**
 * The CONNACK fits the client's v5 Maximum Packet Size [MQTT-3.1.2-24], however small: optional
 * properties are left out until it fits (issue 10 item 6), the broker's announced limits last. What
 * the client must be told (an Assigned Client Identifier [MQTT-3.2.2-16], a Server Keep Alive
 * [MQTT-3.2.2-21]) is never left out: when that cannot fit, a bare refusing CONNACK 0x95 (5 bytes)
 * is sent instead, and below 5 bytes nothing fits: the connection closes without a CONNACK.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqttPacket, { type IConnackPacket, type IConnectPacket, type Packet } from "mqtt-packet";
import { framedLength } from "../../broker/codec.ts";
import { withBroker } from "./_util.ts";
import { connectPacket } from "./_raw.ts";

/** What the broker sent on one connection, each packet with its size, and whether it closed. */
interface Answer {
  packets: { packet: Packet; size: number }[];
  closed: boolean;
}

/** Sends a v5 CONNECT (then `after`), and collects what comes back within `ms`. */
async function answerTo(
  port: number,
  fields: Partial<IConnectPacket>,
  after: Packet[] = [],
  ms = 300,
): Promise<Answer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const connect = connectPacket({ protocolVersion: 5, clientId: "sized", ...fields });
  const bytes = Buffer.concat(
    [connect, ...after].map((p) => mqttPacket.generate(p, { protocolVersion: 5 })),
  );
  await conn.write(bytes);
  const chunks: Uint8Array[] = [];
  let closed = false;
  const reading = (async () => {
    const buf = new Uint8Array(4096);
    try {
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        chunks.push(buf.slice(0, n));
      }
      closed = true;
    } catch { /* closed by us */ }
  })();
  await new Promise((r) => setTimeout(r, ms));
  conn.close();
  await reading;
  return { packets: split(Buffer.concat(chunks)), closed };
}

function split(bytes: Buffer): { packet: Packet; size: number }[] {
  const out: { packet: Packet; size: number }[] = [];
  for (let size = framedLength(bytes); size > 0 && bytes.length >= size;) {
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.once("packet", (packet: Packet) => out.push({ packet, size }));
    parser.parse(bytes.subarray(0, size));
    bytes = bytes.subarray(size);
    size = framedLength(bytes);
  }
  return out;
}

/** Asserts a successful CONNACK within `limit` bytes, answered PINGREQ, connection open. */
function assertFits(answer: Answer, limit: number): IConnackPacket {
  const [first, second] = answer.packets;
  assert.equal(first?.packet.cmd, "connack", "a CONNACK first");
  assert.ok(first.size <= limit, `CONNACK of ${first.size} bytes over a limit of ${limit}`);
  assert.equal((first.packet as IConnackPacket).reasonCode, 0);
  assert.equal(second?.packet.cmd, "pingresp", "the connection serves");
  assert.equal(answer.closed, false);
  return first.packet as IConnackPacket;
}

const PING: Packet[] = [{ cmd: "pingreq" }];

Deno.test("v5 CONNACK fits a Maximum Packet Size of 8: the broker's limits are left out last [MQTT-3.1.2-24]", async () => {
  await withBroker("", async ({ port }) => {
    const connack = assertFits(
      await answerTo(port, { properties: { maximumPacketSize: 8, receiveMaximum: 1 } }, PING),
      8,
    );
    assert.equal(connack.properties?.assignedClientIdentifier, undefined);
  });
});

Deno.test("v5 CONNACK fits a Maximum Packet Size of 16 with a capped Session Expiry and retain unavailable [MQTT-3.1.2-24]", async () => {
  const yaml = "mqtt: {max_session_expiry: 5, retain_available: false}";
  await withBroker(yaml, async ({ port }) => {
    assertFits(
      await answerTo(port, {
        properties: { maximumPacketSize: 16, sessionExpiryInterval: 3600 },
      }, PING),
      16,
    );
  });
});

Deno.test("v5 CONNACK fits a Maximum Packet Size of 5: no properties at all [MQTT-3.1.2-24]", async () => {
  await withBroker("", async ({ port }) => {
    const connack = assertFits(
      await answerTo(port, { properties: { maximumPacketSize: 5 } }, PING),
      5,
    );
    assert.deepEqual(connack.properties ?? {}, {});
  });
});

Deno.test("v5 CONNACK keeps the Server Keep Alive the client must use [MQTT-3.2.2-21] [MQTT-3.1.2-24]", async () => {
  await withBroker("mqtt: {max_keepalive: 60}", async ({ port }) => {
    const connack = assertFits(
      await answerTo(port, { keepalive: 0, properties: { maximumPacketSize: 8 } }, PING),
      8,
    );
    assert.equal(connack.properties?.serverKeepAlive, 60);
  });
});

Deno.test("v5 CONNACK whose Assigned Client Identifier cannot fit becomes a bare CONNACK 0x95, then close [MQTT-3.2.2-16] [MQTT-3.1.2-24]", async () => {
  await withBroker("", async ({ port }) => {
    const answer = await answerTo(port, {
      clientId: "",
      properties: { maximumPacketSize: 20 },
    }, PING);
    assert.equal(answer.packets.length, 1, "a CONNACK and nothing else");
    const [{ packet, size }] = answer.packets;
    assert.equal((packet as IConnackPacket).reasonCode, 0x95);
    assert.equal(size, 5);
    assert.equal(answer.closed, true);
  });
});

Deno.test("v5 CONNACK cannot fit a Maximum Packet Size below 5: closed without CONNACK [MQTT-3.1.2-24]", async () => {
  await withBroker("", async ({ port, broker }) => {
    for (const limit of [1, 4]) {
      const answer = await answerTo(port, { properties: { maximumPacketSize: limit } }, PING);
      assert.deepEqual(answer.packets, [], `limit ${limit}`);
      assert.equal(answer.closed, true);
    }
    assert.equal(broker.stats.tooLargeDropped, 2);
  });
});

Deno.test("v5 refusing CONNACK respects the client's Maximum Packet Size even when refused before its limits are read [MQTT-3.1.2-24]", async () => {
  await withBroker("mqtt: {allow_zero_length_clientid: false}", async ({ port }) => {
    const tiny = await answerTo(port, { clientId: "", properties: { maximumPacketSize: 1 } });
    assert.deepEqual(tiny.packets, []);
    assert.equal(tiny.closed, true);
    const small = await answerTo(port, { clientId: "", properties: { maximumPacketSize: 5 } });
    assert.equal(small.packets.length, 1);
    assert.equal((small.packets[0].packet as IConnackPacket).reasonCode, 0x85);
    assert.equal(small.packets[0].size, 5, "without its Reason String");
    assert.equal(small.closed, true);
  });
});
