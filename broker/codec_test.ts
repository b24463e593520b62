import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqttPacket from "mqtt-packet";
import { decodePacket, encodePacket, framedLength } from "./codec.ts";
import { ConnectRefused, EncodeError, ParseError } from "./errors.ts";

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

const hex = (s: string) => Buffer.from(s.replaceAll(" ", ""), "hex");

Deno.test("decodePacket() refuses ill-formed UTF-8 and U+0000 in any string field, not in payloads", () => {
  const bad = ["00", "ff", "c080", "eda080", "e282"]; // NUL, 0xFF, overlong, surrogate, cut
  for (const b of bad) {
    const filter = `61${b}`;
    const len = (filter.length / 2).toString(16).padStart(4, "0");
    const size = (filter.length / 2 + 5).toString(16).padStart(2, "0");
    assert.throws(() => decodePacket(hex(`82${size} 0001 ${len}${filter} 00`), 4), ParseError, b);
    const props = `26 0001 6b ${len}${filter}`; // user property k = bad
    const propLen = (props.replaceAll(" ", "").length / 2).toString(16).padStart(2, "0");
    const body = `0001 61 ${propLen} ${props} 78`;
    const bodyLen = (body.replaceAll(" ", "").length / 2).toString(16).padStart(2, "0");
    assert.throws(() => decodePacket(hex(`30${bodyLen} ${body}`), 5), ParseError, b);
  }
  const fffd = decodePacket(hex("3009 0004 61efbfbd 00ff c0"), 4) as {
    topic: string;
    payload: Buffer;
  };
  assert.equal(fffd.topic, "a\uFFFD");
  assert.equal(fffd.payload.toString("hex"), "00ffc0");
});

Deno.test("decodePacket() refuses bytes after the last field, except in a PUBLISH payload", () => {
  assert.throws(() => decodePacket(hex("c001 00"), 4), ParseError);
  assert.throws(() => decodePacket(hex("4003 0001 00"), 4), ParseError);
  assert.throws(() => decodePacket(hex("e001 00"), 4), ParseError);
  assert.equal(decodePacket(hex("4003 0001 10"), 5).cmd, "puback");
  assert.equal(decodePacket(hex("e000"), 5).cmd, "disconnect");
});

/** A CONNECT frame from its body in hex (the Remaining Length is computed). */
const connectFrame = (body: string) => {
  const bytes = hex(body);
  return Buffer.concat([Buffer.from([0x10, bytes.length]), bytes]);
};

Deno.test("decodePacket() refuses a malformed CONNECT with ConnectRefused 0x81", () => {
  const cases = [
    "00044d515454 04 42 003c 0001 63 0001 70", // password without user name (v3.1.1)
    "00044d515454 04 1e 003c 0001 63 0001 77 0000", // Will QoS 3
    "00044d515454 04 02 003c 0001 63 0001 75", // user name without its flag
    "00044d515454 05 02 003c 00 0001 00", // U+0000 in the client id
  ];
  for (const c of cases) {
    assert.throws(() => decodePacket(connectFrame(c), 4), (err) => {
      return err instanceof ConnectRefused && err.reasonCode === 0x81;
    }, c);
  }
  const v5 = decodePacket(connectFrame("00044d515454 05 42 003c 00 0001 63 0001 70"), 5);
  assert.equal((v5 as { password?: Buffer }).password?.toString(), "p");
  const v4 = decodePacket(connectFrame("00044d515454 04 c2 003c 0001 63 0001 75 0001 70"), 4);
  assert.equal((v4 as { username?: string }).username, "u");
});

Deno.test("decodePacket() accepts MQTT 3.1 re-sends with DUP set, and only on 3.1", () => {
  assert.equal(decodePacket(hex("6a02 0001"), 3).cmd, "pubrel");
  assert.equal(decodePacket(hex("8a06 0001 0001 61 00"), 3).cmd, "subscribe");
  assert.equal(decodePacket(hex("aa05 0001 0001 61"), 3).cmd, "unsubscribe");
  assert.throws(() => decodePacket(hex("6a02 0001"), 4), ParseError);
});

Deno.test("encodePacket() sends acknowledgements without properties in their shortest form", () => {
  const enc = (p: object, v: 3 | 4 | 5) => encodePacket(p as never, v).toString("hex");
  assert.equal(enc({ cmd: "puback", messageId: 0x1234, reasonCode: 0 }, 5), "40021234");
  assert.equal(
    enc({ cmd: "pubrec", messageId: 1, reasonCode: 0x10, properties: {} }, 5),
    "5003000110",
  );
  assert.equal(enc({ cmd: "pubrel", messageId: 2 }, 5), "62020002");
  assert.equal(enc({ cmd: "pubcomp", messageId: 3, reasonCode: 0x92 }, 5), "7003000392");
  assert.equal(enc({ cmd: "pubcomp", messageId: 3, reasonCode: 0x92 }, 4), "70020003");
  assert.equal(enc({ cmd: "disconnect", reasonCode: 0 }, 5), "e000");
  assert.equal(enc({ cmd: "disconnect", reasonCode: 0x8e, properties: {} }, 5), "e0018e");
  const withReason = {
    cmd: "puback",
    messageId: 1,
    reasonCode: 0x10,
    properties: { reasonString: "r" },
  };
  assert.equal(enc(withReason, 5), "4008000110041f000172");
  assert.throws(() => enc({ cmd: "puback" }, 5), EncodeError);
});

Deno.test("encodePacket() returns a fresh buffer per acknowledgement: queued ones stay intact", () => {
  const first = encodePacket({ cmd: "puback", messageId: 1 }, 4);
  encodePacket({ cmd: "puback", messageId: 2 }, 4);
  assert.equal(first.toString("hex"), "40020001");
});
