import assert from "node:assert/strict";
import {
  checkConnackProperties,
  checkMessage,
  checkSubscriptions,
  mqttStringBytes,
  PluginOutputError,
  publishPacketSize,
} from "./plugin_output.ts";

const from = { clientId: "c", username: null };
const base = { topic: "a/b", payload: new Uint8Array(3), qos: 1, retain: false, from };
const limits = { maxPacketSize: 1024 };

Deno.test("mqttStringBytes() counts UTF-8 bytes and refuses NUL, lone surrogates and 65,536 bytes", () => {
  assert.equal(mqttStringBytes("aé€😀"), 1 + 2 + 3 + 4);
  assert.equal(mqttStringBytes("a".repeat(65_535)), 65_535);
  assert.match(String(mqttStringBytes("a".repeat(65_536))), /65536 bytes, above the MQTT limit/);
  assert.match(String(mqttStringBytes("é".repeat(32_768))), /above/); // 65,536 bytes in 32k chars
  assert.match(String(mqttStringBytes("x\u0000")), /U\+0000/);
  assert.match(String(mqttStringBytes("x\uD800")), /lone surrogate/);
  assert.match(String(mqttStringBytes("\uDC00x")), /lone surrogate/);
});

Deno.test("checkMessage() refuses bad topics, types, properties and oversize packets", () => {
  const bad: [string, unknown][] = [
    ["topic", { ...base, topic: "" }],
    ["topic", { ...base, topic: "a/#" }],
    ["topic", { ...base, topic: "a".repeat(70_000) }],
    ["payload", { ...base, payload: "text" }],
    ["qos", { ...base, qos: 3 }],
    ["retain", { ...base, retain: 1 }],
    ["messageExpiryInterval", { ...base, properties: { messageExpiryInterval: -1 } }],
    ["messageExpiryInterval", { ...base, properties: { messageExpiryInterval: 1.5 } }],
    ["contentType", { ...base, properties: { contentType: 42 } }],
    ["responseTopic", { ...base, properties: { responseTopic: "a/+" } }],
    ["correlationData", { ...base, properties: { correlationData: [1, 2] } }],
    ["payloadFormatIndicator", { ...base, properties: { payloadFormatIndicator: "yes" } }],
    ["userProperties.k", { ...base, properties: { userProperties: { k: 7 } } }],
    ["userProperties.k[1]", { ...base, properties: { userProperties: { k: ["a", null] } } }],
    ["topicAlias", { ...base, properties: { topicAlias: 3 } }],
    ["max_packet_size", { ...base, payload: new Uint8Array(2000) }],
  ];
  for (const [what, value] of bad) {
    assert.throws(() => checkMessage(value, "m", limits), (err: Error) => {
      assert.ok(err instanceof PluginOutputError, what);
      assert.ok(err.message.includes(what), `${err.message} names ${what}`);
      return true;
    });
  }
});

Deno.test("checkMessage() keeps a valid message and normalizes payloadFormatIndicator", () => {
  const ok = checkMessage(
    {
      ...base,
      properties: {
        payloadFormatIndicator: 1,
        messageExpiryInterval: 0xffffffff,
        contentType: "text/plain",
        responseTopic: "r/1",
        correlationData: new Uint8Array(2),
        userProperties: { a: "1", b: ["2", "3"] },
      },
    },
    "m",
    limits,
  );
  assert.equal(ok.properties?.payloadFormatIndicator, true);
  assert.deepEqual(ok.properties?.userProperties, { a: "1", b: ["2", "3"] });
  assert.equal(ok.topic, "a/b");
});

Deno.test("publishPacketSize() matches mqtt-packet's encoding of a v5 PUBLISH", async () => {
  const { default: mqttPacket } = await import("mqtt-packet");
  const { Buffer } = await import("node:buffer");
  const msg = {
    ...base,
    payload: new Uint8Array(300),
    properties: { contentType: "c", userProperties: { k: ["v", "w"] }, messageExpiryInterval: 5 },
  };
  const encoded = mqttPacket.generate({
    cmd: "publish",
    topic: msg.topic,
    payload: Buffer.from(msg.payload),
    qos: 1,
    messageId: 1,
    retain: false,
    dup: false,
    properties: { ...msg.properties },
  }, { protocolVersion: 5 });
  assert.equal(publishPacketSize(msg as never), encoded.length);
});

Deno.test("checkConnackProperties() and checkSubscriptions() refuse what cannot be sent", () => {
  assert.throws(() => checkConnackProperties({ reasonString: "a\u0000" }, "c"), /reasonString/);
  assert.throws(() => checkConnackProperties({ userProperties: { k: 7 } }, "c"), /userProperties/);
  assert.deepEqual(checkConnackProperties({ reasonString: "hi", other: 1 }, "c"), {
    reasonString: "hi",
  });
  assert.throws(() => checkSubscriptions([{ topic: "a/#/b", qos: 0 }], "s"), /topic/);
  assert.throws(
    () => checkSubscriptions([{ topic: "a", qos: 0, retainHandling: 7 }], "s"),
    /retainHandling/,
  );
  assert.throws(() => checkSubscriptions([{ topic: "a", qos: 0, noLocal: "yes" }], "s"), /noLocal/);
  assert.deepEqual(checkSubscriptions([{ topic: "$share/g/a/+", qos: 2, extra: 1 }], "s"), [
    { topic: "$share/g/a/+", qos: 2 },
  ]);
});
