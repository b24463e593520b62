/**
 * UTF-8 strings (spec 1.5.4 in v5, 1.5.3 in v3.1.1): every string field of every packet — client
 * id, will topic, user name, topic filters, property strings — must be well-formed UTF-8 without
 * U+0000. Otherwise the packet is malformed: v3.1.1 closes (no CONNACK for a CONNECT), v5 answers
 * CONNACK or DISCONNECT 0x81 first. The payload is not a string and is never checked.
 */
import assert from "node:assert/strict";
import type { IConnackPacket, IDisconnectPacket } from "mqtt-packet";
import { Buffer } from "node:buffer";
import { connect, end, nextMessage, subscribe } from "../helpers.ts";
import { frame, type RawClient, rawConnect, rawOpen, utf8Field } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

const text = (s: string) => new TextEncoder().encode(s);
type Bytes = Iterable<number>;
const cat = (...parts: Bytes[]) => new Uint8Array(parts.flatMap((p) => [...p]));

/** Ill-formed or forbidden strings, each a string field's bytes. */
const BAD: Record<string, Uint8Array> = {
  "U+0000": text("in\u0000valid"),
  "0xFF": cat(text("in"), [0xff], text("valid")),
  "an overlong NUL": cat(text("a"), [0xc0, 0x80]),
  "a surrogate": cat(text("a"), [0xed, 0xa0, 0x80]),
  "a cut sequence": cat(text("a"), [0xe2, 0x82]),
};

/** A CONNECT: level, flags, keep alive 60, CONNECT properties (v5), then the payload fields. */
function connectBytes(level: 4 | 5, flags: number, props: number[], ...fields: Bytes[]) {
  const propBlock = level === 5 ? [props.length, ...props] : [];
  return frame(0x10, cat(utf8Field("MQTT"), [level, flags, 0, 60], propBlock, ...fields));
}

/** v3.1.1: closed without any answer. */
async function closedSilently(raw: RawClient): Promise<void> {
  await raw.closed();
  assert.deepEqual(raw.received, []);
  await raw.close();
}

/** v5: CONNACK 0x81, then the close. */
async function refusedMalformed(raw: RawClient): Promise<void> {
  assert.equal((await raw.next<IConnackPacket>("connack")).reasonCode, 0x81);
  await raw.closed();
  await raw.close();
}

/** v5: DISCONNECT 0x81, then the close. */
async function disconnectedMalformed(raw: RawClient): Promise<void> {
  assert.equal((await raw.next<IDisconnectPacket>("disconnect")).reasonCode, 0x81);
  await raw.closed();
  await raw.close();
}

/** Connects a raw client of `level`, sends `bytes`, and runs `expect`. */
async function afterConnect(
  port: number,
  level: 4 | 5,
  bytes: Uint8Array,
  expect: (raw: RawClient) => Promise<void>,
): Promise<void> {
  const { client } = await rawConnect(port, { protocolVersion: level, clientId: uniqueId("u") });
  await client.sendBytes(bytes);
  if (level === 4) {
    await client.closed();
    assert.deepEqual(client.received, [], "no answer to a malformed packet");
    await client.close();
  } else await expect(client);
}

Deno.test("v3.1.1 CONNECT with U+0000 in the client id is closed without CONNACK [MQTT-1.5.3-2] [MQTT-3.1.4-1]", async () => {
  await withBroker("", async ({ port }) => {
    const raw = await rawOpen(port);
    await raw.sendBytes(
      Buffer.from("102000044d5154540402003c0014636f6e6e65637400696e76616c69642d75746638", "hex"),
    );
    await closedSilently(raw);
  });
});

for (const [what, bad] of Object.entries(BAD)) {
  Deno.test(`v3.1.1 CONNECT with ${what} in the client id, will topic or user name is closed without CONNACK [MQTT-1.5.3-1] [MQTT-3.1.4-1]`, async () => {
    await withBroker("", async ({ port }) => {
      const will = [utf8Field(bad), utf8Field("x")];
      for (
        const bytes of [
          connectBytes(4, 0x02, [], utf8Field(bad)),
          connectBytes(4, 0x06, [], utf8Field("c"), ...will),
          connectBytes(4, 0x82, [], utf8Field("c"), utf8Field(bad)),
        ]
      ) {
        const raw = await rawOpen(port);
        await raw.sendBytes(bytes);
        await closedSilently(raw);
      }
    });
  });

  Deno.test(`v5 CONNECT with ${what} in the client id, will topic, user name or a property gets CONNACK 0x81 [MQTT-1.5.4-1] [MQTT-1.5.4-2]`, async () => {
    await withBroker("", async ({ port }) => {
      const userProperty = [0x26, ...utf8Field("k"), ...utf8Field(bad)];
      const authMethod = [0x15, ...utf8Field(bad)];
      const willContentType = [0x03, ...utf8Field(bad)];
      for (
        const bytes of [
          connectBytes(5, 0x02, [], utf8Field(bad)),
          connectBytes(5, 0x06, [], utf8Field("c"), [0], utf8Field(bad), utf8Field("x")),
          connectBytes(5, 0x82, [], utf8Field("c"), utf8Field(bad)),
          connectBytes(5, 0x02, userProperty, utf8Field("c")),
          connectBytes(5, 0x02, authMethod, utf8Field("c")),
          connectBytes(
            5,
            0x06,
            [],
            utf8Field("c"),
            [willContentType.length],
            willContentType,
            utf8Field("w"),
            utf8Field("x"),
          ),
        ]
      ) {
        const raw = await rawOpen(port, { protocolVersion: 5 });
        await raw.sendBytes(bytes);
        await refusedMalformed(raw);
      }
    });
  });

  Deno.test(`SUBSCRIBE and UNSUBSCRIBE with ${what} in a filter: v3.1.1 close, v5 DISCONNECT 0x81 [MQTT-1.5.4-1] [MQTT-1.5.4-2]`, async () => {
    await withBroker("", async ({ port }) => {
      for (const level of [4, 5] as const) {
        const props = level === 5 ? [0] : [];
        const subscribe = frame(0x82, cat([0, 7], props, utf8Field(bad), [0]));
        const unsubscribe = frame(0xa2, cat([0, 8], props, utf8Field(bad)));
        await afterConnect(port, level, subscribe, disconnectedMalformed);
        await afterConnect(port, level, unsubscribe, disconnectedMalformed);
      }
    });
  });

  Deno.test(`v5 PUBLISH with ${what} in the topic or a property string gets DISCONNECT 0x81 [MQTT-1.5.4-1] [MQTT-1.5.4-2]`, async () => {
    await withBroker("", async ({ port }) => {
      const publish = (topic: Uint8Array, props: number[]) =>
        frame(0x30, cat(utf8Field(topic), [props.length], props, text("payload")));
      const strings = [0x03, 0x08].map((id) => [id, ...utf8Field(bad)]); // content type, response topic
      const pairs = [[...utf8Field(bad), ...utf8Field("v")], [...utf8Field("k"), ...utf8Field(bad)]]
        .map((pair) => [0x26, ...pair]);
      for (const props of [[], ...strings, ...pairs]) {
        const topic = props.length === 0 ? bad : text("ok/t");
        await afterConnect(port, 5, publish(topic, props), disconnectedMalformed);
      }
    });
  });

  Deno.test(`v5 PUBACK with ${what} in its Reason String gets DISCONNECT 0x81 [MQTT-1.5.4-1]`, async () => {
    await withBroker("", async ({ port }) => {
      const reasonString = [0x1f, ...utf8Field(bad)];
      const puback = frame(0x40, cat([0, 9, 0x10, reasonString.length], reasonString));
      await afterConnect(port, 5, puback, disconnectedMalformed);
    });
  });
}

Deno.test("v3.1.1 SUBSCRIBE with U+0000 in its filter gets no SUBACK and is closed [MQTT-1.5.3-2]", async () => {
  await withBroker("", async ({ port }) => {
    const subscribe = Buffer.from("82110035000c696e76616c6964007574663800", "hex");
    await afterConnect(port, 4, subscribe, closedSilently);
  });
});

Deno.test("A v5 PUBLISH topic with U+0000 is malformed (0x81), not an invalid topic (0x90) [MQTT-1.5.4-2]", async () => {
  await withBroker("", async ({ port }) => {
    const publish = frame(0x30, cat(utf8Field("a\u0000b"), [0], text("x")));
    await afterConnect(port, 5, publish, disconnectedMalformed);
  });
});

Deno.test("Well-formed strings with U+FFFD, non-ASCII and a binary payload pass untouched (spec 1.5.4)", async () => {
  await withBroker("", async ({ url }) => {
    for (const protocolVersion of [4, 5] as const) {
      const topic = `caf\u00e9/\uFFFD/\u{1F600}`;
      const clientId = uniqueId("\uFFFD\u00fc");
      const sub = await connect(url, { protocolVersion, clientId, username: "\uFFFD\u00e9" });
      await subscribe(sub, "caf\u00e9/+/#", { qos: 1 });
      const got = nextMessage(sub);
      const payload = Buffer.from([0x00, 0xff, 0xc0, 0x80, 0xed, 0xa0, 0x80]);
      const properties = protocolVersion === 5
        ? { contentType: "t\uFFFD", userProperties: { "k\uFFFD": "v\u00e9" } }
        : undefined;
      await sub.publishAsync(topic, payload, { qos: 1, properties });
      const { packet } = await got;
      assert.equal(packet.topic, topic);
      assert.deepEqual(Buffer.from(packet.payload as Uint8Array), payload);
      if (protocolVersion === 5) {
        assert.deepEqual({ ...packet.properties?.userProperties }, { "k\uFFFD": "v\u00e9" });
      }
      await end(sub);
    }
  });
});
