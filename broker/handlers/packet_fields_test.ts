import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Packet } from "mqtt-packet";
import { MqttError } from "../errors.ts";
import { checkPacketFields } from "./packet_fields.ts";

function codeOf(packet: Packet): number | undefined {
  try {
    checkPacketFields(packet);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof MqttError);
    return err.reasonCode;
  }
}

const publish = (qos: 0 | 1, messageId?: number) =>
  ({
    cmd: "publish",
    topic: "t",
    payload: Buffer.from(""),
    qos,
    retain: false,
    dup: false,
    messageId,
  }) as Packet;

Deno.test("checkPacketFields() refuses packet identifier 0 as malformed (0x81) where a packet id is present", () => {
  for (const cmd of ["puback", "pubrec", "pubrel", "pubcomp"] as const) {
    assert.equal(codeOf({ cmd, messageId: 0 }), 0x81, cmd);
    assert.equal(codeOf({ cmd, messageId: 1 }), undefined, cmd);
  }
  assert.equal(codeOf({ cmd: "subscribe", messageId: 0, subscriptions: [] }), 0x81);
  assert.equal(codeOf({ cmd: "unsubscribe", messageId: 0, unsubscriptions: ["a"] }), 0x81);
  assert.equal(codeOf(publish(1, 0)), 0x81);
  assert.equal(codeOf(publish(0)), undefined, "QoS 0 has no packet id");
});

Deno.test("checkPacketFields() refuses a property its packet type does not allow (0x81) and one given twice (0x82)", () => {
  const sub = (properties: Record<string, unknown>) =>
    ({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [{ topic: "a", qos: 0 }],
      properties,
    }) as Packet;
  assert.equal(codeOf(sub({ sessionExpiryInterval: 10 })), 0x81);
  assert.equal(codeOf(sub({ subscriptionIdentifier: [1, 2] })), 0x82);
  assert.equal(
    codeOf(sub({ subscriptionIdentifier: 1, userProperties: { a: ["b", "c"] } })),
    undefined,
  );
  assert.equal(
    codeOf({ cmd: "puback", messageId: 1, properties: { topicAlias: 1 } } as Packet),
    0x81,
  );
  assert.equal(
    codeOf({ cmd: "disconnect", properties: { sessionExpiryInterval: 5, reasonString: "bye" } }),
    undefined,
  );
});

Deno.test("checkPacketFields() refuses SUBSCRIBE and UNSUBSCRIBE without a topic filter (0x82) [MQTT-3.8.3-2] [MQTT-3.10.3-2]", () => {
  assert.equal(codeOf({ cmd: "subscribe", messageId: 1, subscriptions: [] }), 0x82);
  assert.equal(codeOf({ cmd: "unsubscribe", messageId: 1, unsubscriptions: [] }), 0x82);
  assert.equal(codeOf({ cmd: "unsubscribe", messageId: 1, unsubscriptions: ["a"] }), undefined);
});
