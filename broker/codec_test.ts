import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqttPacket from "mqtt-packet";
import { decodePacket, framedLength } from "./codec.ts";
import { ParseError } from "./errors.ts";

const encode = (packet: object, protocolVersion: 4 | 5) =>
  mqttPacket.generate(packet as never, { protocolVersion });

Deno.test("decodePacket() keeps v3.1.1 and v5 connections apart after a v5 CONNECT", () => {
  const connect5 = encode({ cmd: "connect", clientId: "a", protocolVersion: 5, properties: {} }, 5);
  assert.equal(decodePacket(connect5, 4).cmd, "connect");
  const sub4 = encode(
    { cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "a/#", qos: 1 }] },
    4,
  );
  const decoded = decodePacket(sub4, 4) as { subscriptions: { topic: string }[] };
  assert.equal(decoded.subscriptions[0].topic, "a/#");
  const sub5 = encode({
    cmd: "subscribe",
    messageId: 2,
    subscriptions: [{ topic: "b", qos: 0 }],
    properties: {},
  }, 5);
  assert.equal((decodePacket(sub5, 5) as { messageId: number }).messageId, 2);
});

Deno.test("decodePacket() throws ParseError for garbage and recovers for the next packet", () => {
  assert.throws(() => decodePacket(Buffer.from([0x32, 0x01, 0x00]), 4), ParseError);
  assert.equal(decodePacket(Buffer.from([0xc0, 0x00]), 4).cmd, "pingreq");
});

Deno.test("framedLength() reads the Remaining Length of 1 to 4 bytes", () => {
  assert.equal(framedLength(new Uint8Array([0xd0, 0x00])), 2);
  assert.equal(framedLength(new Uint8Array([0x30, 0x7f])), 129);
  assert.equal(framedLength(new Uint8Array([0x30, 0xff, 0xff, 0xff, 0x7f])), 5 + 268_435_455);
  assert.equal(framedLength(new Uint8Array([0x30, 0x80])), -1);
});
