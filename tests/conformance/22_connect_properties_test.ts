/**
 * The v5 properties of a CONNECT and of its will (spec 3.1.2.11, 3.1.3.2) and the protocol level
 * byte (spec 3.1.2.2). A CONNECT that breaks them is never accepted [MQTT-3.1.4-1]: a property not
 * allowed there, or a value cut by its property length, is malformed (CONNACK 0x81); a property
 * given twice, a 0/1 property of another value, Authentication Data without an Authentication
 * Method are protocol errors (CONNACK 0x82, spec 3.1.2.11.x "more than once"). Then the connection
 * closes. A bridge's protocol level (high bit set, 0x84) is not supported: return code 0x01.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { IConnackPacket } from "mqtt-packet";
import { frame, rawConnect, rawOpen, utf8Field } from "./_raw.ts";
import { withBroker } from "./_util.ts";

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s/g, ""), "hex"));

/** A v5 CONNECT with `properties` (raw bytes, after their length), then `rest` (the payload). */
function v5Connect(properties: string, flags = 0x02, rest = utf8Field("props")): Uint8Array {
  const props = hex(properties);
  return frame(
    0x10,
    new Uint8Array([...utf8Field("MQTT"), 5, flags, 0, 60, props.length, ...props, ...rest]),
  );
}

/** A v5 CONNECT with a will whose properties are `willProperties`. */
function v5WillConnect(willProperties: string): Uint8Array {
  const props = hex(willProperties);
  const payload = [
    ...utf8Field("props"),
    props.length,
    ...props,
    ...utf8Field("will/t"),
    ...utf8Field("bye"),
  ];
  return v5Connect("", 0x06, new Uint8Array(payload));
}

/** Sends `bytes` first; expects a CONNACK with reason `code` and the close, nothing else. */
async function refused(port: number, bytes: Uint8Array, code: number): Promise<void> {
  const raw = await rawOpen(port, { protocolVersion: 5 });
  await raw.sendBytes(bytes);
  await raw.sendBytes(hex("c000")); // a PINGREQ: must not be answered
  const what = Buffer.from(bytes).toString("hex");
  const connack = await raw.next<IConnackPacket>("connack");
  assert.equal(connack.reasonCode, code, `reason code for ${what}`);
  await raw.closed();
  assert.deepEqual(raw.received, [], `nothing after the CONNACK for ${what}`);
  await raw.close();
}

Deno.test("v5 CONNECT with a property not allowed in CONNECT is malformed: CONNACK 0x81, close [MQTT-3.1.4-1] (spec 3.1.2.11)", async () => {
  await withBroker("", async ({ port }) => {
    // Server Keep Alive (0x13), Maximum QoS (0x24), Authentication Data: from the issue.
    await refused(port, hex("101900044d51545405000000 0813000124ff1600000004667a3130"), 0x81);
    // Shared Subscription Available (0x2a), from the fuzzer's strict corpus (spec-s7-i872).
    await refused(port, hex("101900044d51545405000000092a01250116000272240003667a35"), 0x81);
    await refused(port, v5Connect("0b01"), 0x81); // Subscription Identifier
    await refused(port, v5Connect("0200000010"), 0x81); // Message Expiry: a will property
    await refused(port, v5Connect("00"), 0x81); // property id 0
  });
});

Deno.test("v5 CONNECT with a property other than User Property twice is a protocol error: CONNACK 0x82 (spec 3.1.2.11.2)", async () => {
  await withBroker("", async ({ port }) => {
    await refused(port, v5Connect("110000000a 110000000a"), 0x82);
    await refused(port, v5Connect("2100ff 2100ff"), 0x82);
    await refused(port, v5Connect("1701 1701"), 0x82);
  });
});

Deno.test("v5 Request Problem / Response Information other than 0 or 1 is a protocol error: CONNACK 0x82 (spec 3.1.2.11.6, 3.1.2.11.7)", async () => {
  await withBroker("", async ({ port }) => {
    await refused(port, v5Connect("1702"), 0x82);
    // Request Response Information 0x80 (mqtt-packet reads it as true), spec-s7-i4449.
    await refused(
      port,
      hex("101e00044d515454050000000e2200001980260002c3a90002c3a90003667a32"),
      0x82,
    );
  });
});

Deno.test("v5 Authentication Data without an Authentication Method is a protocol error: CONNACK 0x82 (spec 3.1.2.11.10)", async () => {
  await withBroker("", async ({ port }) => {
    await refused(port, hex("101500044d5154540502000005160002ea5d0003667a34"), 0x82);
  });
});

Deno.test("v5 Receive Maximum or Maximum Packet Size of 0 is a protocol error: CONNACK 0x82 (spec 3.1.2.11.3, 3.1.2.11.4)", async () => {
  await withBroker("", async ({ port }) => {
    await refused(port, v5Connect("210000"), 0x82);
    await refused(port, v5Connect("2700000000"), 0x82);
  });
});

Deno.test("v5 CONNECT whose property length cuts a value is malformed: CONNACK 0x81 [MQTT-3.1.4-1] (spec 2.2.2.1)", async () => {
  await withBroker("", async ({ port }) => {
    // Session Expiry needs 4 bytes, the property length leaves 2: the value runs into the payload.
    await refused(port, hex("101500044d5154540502 0001 03 11 00000000 0003667a34"), 0x81);
    // A User Property pair longer than the properties (spec-s7-i1254), then a string cut short.
    await refused(
      port,
      hex("102200044d51545405c2e57108260003612f620002c3a90003667a33000176000352817d"),
      0x81,
    );
    await refused(port, v5Connect("150005616263"), 0x81);
    // A property length past the end of the packet.
    await refused(port, v5Connect("", 0x02, hex("7f0003616263")), 0x81);
  });
});

Deno.test("v5 will properties: only the will's own, each once, values within their length (spec 3.1.3.2) [MQTT-3.1.4-1]", async () => {
  await withBroker("", async ({ port }) => {
    await refused(port, v5WillConnect("110000000a"), 0x81); // Session Expiry is a CONNECT property
    await refused(port, v5WillConnect("2300 01"), 0x81); // Topic Alias
    await refused(port, v5WillConnect("180000000a 180000000a"), 0x82);
    await refused(port, v5WillConnect("0102"), 0x82); // Payload Format Indicator 2
    await refused(port, v5WillConnect("0300"), 0x81); // Content Type cut short
  });
});

Deno.test("v5 CONNECT with every allowed property, User Properties repeated, and a full will is accepted (spec 3.1.2.11, 3.1.3.2)", async () => {
  await withBroker("", async ({ port }) => {
    const { client, connack } = await rawConnect(port, {
      protocolVersion: 5,
      clientId: "all-props",
      properties: {
        sessionExpiryInterval: 60,
        receiveMaximum: 10,
        maximumPacketSize: 4096,
        topicAliasMaximum: 5,
        requestResponseInformation: false,
        requestProblemInformation: true,
        userProperties: { a: ["1", "2"], b: "3" },
      },
      will: {
        topic: "will/t",
        payload: Buffer.from("bye"),
        qos: 1,
        retain: false,
        properties: {
          willDelayInterval: 5,
          payloadFormatIndicator: true,
          messageExpiryInterval: 60,
          contentType: "text/plain",
          responseTopic: "r/t",
          correlationData: Buffer.from("c"),
          userProperties: { k: "v" },
        },
      },
    });
    assert.equal(connack.reasonCode, 0);
    await client.close();
  });
});

Deno.test("Protocol level 0x84 (bridge bit set) is not supported: return code 0x01, close [MQTT-3.1.2-2]", async () => {
  await withBroker("", async ({ port }) => {
    const raw = await rawOpen(port, { protocolVersion: 4 });
    await raw.sendBytes(hex("101100044d515454848200000004667a34 0000 e000"));
    assert.equal((await raw.next<IConnackPacket>("connack")).returnCode, 1);
    await raw.closed();
    assert.deepEqual(raw.received, []);
    await raw.close();
    // v5 with the bridge bit (0x85): CONNACK 0x84 Unsupported Protocol Version.
    const v5 = await rawOpen(port, { protocolVersion: 5 });
    await v5.sendBytes(hex("101000044d5154548502003c000003667a36"));
    assert.equal((await v5.next<IConnackPacket>("connack")).reasonCode, 0x84);
    await v5.closed();
    await v5.close();
  });
});
