/**
 * Checks of a decoded packet's fields that need no state, run once by the dispatcher before any
 * handler: a packet identifier is never 0, and a v5 packet carries only the properties its type
 * allows, each at most once. The codec (mqtt-packet) decodes any known property in any packet and
 * reads packet id 0 as it comes.
 *
 * @module
 */
import type { Packet } from "mqtt-packet";
import { MqttError, ReasonCode } from "../errors.ts";
import { isValidTopicName } from "../topics/validate.ts";

const ACK_PROPERTIES = ["reasonString", "userProperties"];

/**
 * The v5 properties a client may send, by packet type (spec 2.2.2.2, table 2-4). A packet type
 * missing here takes no properties (PINGREQ) or is checked elsewhere (CONNECT).
 */
const CLIENT_PROPERTIES: Partial<Record<Packet["cmd"], ReadonlySet<string>>> = {
  publish: new Set([
    "payloadFormatIndicator",
    "messageExpiryInterval",
    "contentType",
    "responseTopic",
    "correlationData",
    "topicAlias",
    "userProperties",
  ]),
  puback: new Set(ACK_PROPERTIES),
  pubrec: new Set(ACK_PROPERTIES),
  pubrel: new Set(ACK_PROPERTIES),
  pubcomp: new Set(ACK_PROPERTIES),
  subscribe: new Set(["subscriptionIdentifier", "userProperties"]),
  unsubscribe: new Set(["userProperties"]),
  disconnect: new Set([
    "sessionExpiryInterval",
    "reasonString",
    "userProperties",
    "serverReference",
  ]),
  auth: new Set(["authenticationMethod", "authenticationData", "reasonString", "userProperties"]),
};

/**
 * Properties of a packet type that only a server may send: from a client, a protocol error (0x82).
 * A PUBLISH's Subscription Identifier names the subscriptions that matched a delivery
 * [MQTT-3.3.4-6].
 */
const SERVER_ONLY: Partial<Record<Packet["cmd"], ReadonlySet<string>>> = {
  publish: new Set(["subscriptionIdentifier"]),
};

/** Packet types whose packet identifier is always present. PUBLISH has one at QoS 1 and 2. */
const WITH_PACKET_ID: ReadonlySet<Packet["cmd"]> = new Set([
  "puback",
  "pubrec",
  "pubrel",
  "pubcomp",
  "subscribe",
  "unsubscribe",
]);

/**
 * Throws an {@linkcode MqttError} when a packet from a client (other than CONNECT) breaks a rule
 * on its own fields:
 * - packet identifier 0, or none (a packet cut before it): malformed, 0x81 (spec [MQTT-2.2.1-3], 3.1.1 [MQTT-2.3.1-1]; a field of
 *   the packet out of its range, as Mosquitto also treats it);
 * - a property not allowed in the packet type: malformed, 0x81 (spec 2.2.2.2); one that only a
 *   server sends (a PUBLISH's Subscription Identifier): protocol error, 0x82 [MQTT-3.3.4-6];
 * - a property other than User Property given twice: protocol error, 0x82 (spec 3.x.2.2);
 * - a Response Topic that is not a valid topic name (a wildcard, empty): protocol error, 0x82
 *   [MQTT-3.3.2-14];
 * - a SUBSCRIBE or UNSUBSCRIBE without a topic filter: protocol error, 0x82 (spec [MQTT-3.8.3-2],
 *   [MQTT-3.10.3-2]).
 *
 * @example
 * ```ts
 * import { checkPacketFields } from "./packet_fields.ts";
 * import { throws } from "node:assert/strict";
 * checkPacketFields({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "a", qos: 0 }] });
 * throws(() => checkPacketFields({ cmd: "puback", messageId: 0 }), /packet identifier 0/);
 * throws(() => checkPacketFields({ cmd: "unsubscribe", messageId: 1, unsubscriptions: [] }));
 * ```
 */
export function checkPacketFields(packet: Packet): void {
  const id = (packet as { messageId?: number }).messageId;
  const hasId = WITH_PACKET_ID.has(packet.cmd) ||
    (packet.cmd === "publish" && packet.qos > 0);
  if (hasId && !(id! >= 1 && id! <= 0xffff)) {
    // 0 is refused by the spec; mqtt-packet reads a packet cut before its identifier as -1.
    const what = id === 0 ? "packet identifier 0" : "no packet identifier";
    throw new MqttError(ReasonCode.MalformedPacket, `${name(packet)} with ${what}`);
  }
  const properties = (packet as { properties?: Record<string, unknown> }).properties;
  if (properties) checkProperties(packet, properties);
  const filters = packet.cmd === "subscribe"
    ? packet.subscriptions
    : packet.cmd === "unsubscribe"
    ? packet.unsubscriptions
    : undefined;
  if (filters?.length === 0) {
    throw new MqttError(ReasonCode.ProtocolError, `${name(packet)} without a topic filter`);
  }
}

function checkProperties(packet: Packet, properties: Record<string, unknown>): void {
  const allowed = CLIENT_PROPERTIES[packet.cmd];
  if (!allowed) return;
  for (const [key, value] of Object.entries(properties)) {
    if (value === undefined) continue;
    if (value === null) {
      // mqtt-packet reads a property cut short as null; sending it on would fail to encode.
      throw new MqttError(
        ReasonCode.MalformedPacket,
        `Property ${key} of ${name(packet)} is cut short`,
      );
    }
    if (SERVER_ONLY[packet.cmd]?.has(key)) {
      throw new MqttError(
        ReasonCode.ProtocolError,
        `Property ${key} is sent by a server only, not in a client's ${name(packet)}`,
      );
    }
    if (!allowed.has(key)) {
      throw new MqttError(
        ReasonCode.MalformedPacket,
        `Property ${key} is not allowed in ${name(packet)}`,
      );
    }
    if (key !== "userProperties" && Array.isArray(value)) {
      throw new MqttError(
        ReasonCode.ProtocolError,
        `Property ${key} given twice in ${name(packet)}`,
      );
    }
    if (key === "responseTopic" && !isValidTopicName(value as string)) {
      throw new MqttError(
        ReasonCode.ProtocolError,
        `Response Topic "${value}" of ${name(packet)} is not a valid topic name`,
      );
    }
  }
}

function name(packet: Packet): string {
  return packet.cmd.toUpperCase();
}
