/**
 * What may be left out of a packet the broker sends, so that it fits the client's v5 Maximum
 * Packet Size (spec [MQTT-3.1.2-24]). {@linkcode fitPacket} (used by `Client.send` and the CONNACK
 * step) tries the variants in order:
 *
 * 1. without Reason String and User Properties: the spec's own rule for every packet that has
 *    them (CONNACK [MQTT-3.2.2-19] [MQTT-3.2.2-20], PUBACK to PUBCOMP 3.4.2 to 3.7.2, SUBACK and
 *    UNSUBACK 3.9.2, 3.11.2, DISCONNECT [MQTT-3.14.2-3] [MQTT-3.14.2-4], AUTH 3.15.2);
 * 2. without properties that restate the spec's default: their absence means the same;
 * 3. a CONNACK without Topic Alias Maximum: absent means 0, so the client sends no topic alias,
 *    which only narrows what it may do;
 * 4. a CONNACK without the broker's own limits, one at a time: Maximum Packet Size, Receive
 *    Maximum, Retain Available, then Session Expiry Interval. Only a client whose own limit is a
 *    few bytes gets there; the broker still enforces them (a packet over them is refused with its
 *    reason code, 0x95, 0x93, 0x9A), and its session still ends when the broker said.
 *
 * Nothing else is ever left out: an Assigned Client Identifier [MQTT-3.2.2-16] and a Server Keep
 * Alive [MQTT-3.2.2-21] change what the client must do, so a CONNACK that cannot fit with them is
 * refused instead (`handlers/connect.ts`). A PUBLISH is never altered: its properties are part of
 * the application message, which is dropped whole when too large ([MQTT-3.1.2-25]).
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Packet } from "mqtt-packet";
import { encodePacket } from "./codec.ts";

type Properties = Record<string, unknown>;

/** Property values a receiver assumes when the property is absent (spec 3.2.2.3). */
const DEFAULTS: Readonly<Properties> = {
  receiveMaximum: 65535,
  maximumQoS: 2,
  retainAvailable: true,
  topicAliasMaximum: 0,
  wildcardSubscriptionAvailable: true,
  subscriptionIdentifiersAvailable: true,
  sharedSubscriptionAvailable: true,
};

/** The broker's own limits a CONNACK announces, in the order they are left out (step 4). */
const ANNOUNCED_LIMITS = [
  "maximumPacketSize",
  "receiveMaximum",
  "retainAvailable",
  "sessionExpiryInterval",
];

type Step = (key: string, value: unknown, cmd: Packet["cmd"]) => boolean;

/** Each step says which properties it leaves out; later steps keep leaving out earlier ones. */
const STEPS: Step[] = [
  (key) => key === "reasonString" || key === "userProperties",
  (key, value) => key in DEFAULTS && DEFAULTS[key] === value,
  ...["topicAliasMaximum", ...ANNOUNCED_LIMITS].map((limit): Step => (key, _value, cmd) =>
    cmd === "connack" && key === limit
  ),
];

/**
 * Ever leaner copies of `packet`, to try in order when it exceeds the client's Maximum Packet
 * Size; empty for a PUBLISH or a packet without properties. `packet` is not changed.
 *
 * @example
 * ```ts
 * import { leanerVariants } from "./packet_fit.ts";
 * const connack = {
 *   cmd: "connack" as const,
 *   sessionPresent: false,
 *   reasonCode: 0,
 *   properties: { reasonString: "welcome", retainAvailable: true, receiveMaximum: 10 },
 * };
 * const [first, second] = leanerVariants(connack);
 * if (JSON.stringify(first.properties) !== '{"retainAvailable":true,"receiveMaximum":10}') {
 *   throw new Error("the reason string goes first");
 * }
 * if (JSON.stringify(second.properties) !== '{"receiveMaximum":10}') {
 *   throw new Error("then the defaults restated");
 * }
 * ```
 */
export function leanerVariants<P extends Packet>(packet: P): P[] {
  const original = (packet as { properties?: Properties }).properties;
  if (packet.cmd === "publish" || !original) return [];
  const variants: P[] = [];
  let current = original;
  for (const leaveOut of STEPS) {
    const kept = Object.entries(current).filter(([k, v]) => !leaveOut(k, v, packet.cmd));
    if (kept.length === Object.keys(current).length) continue;
    current = Object.fromEntries(kept);
    variants.push({ ...packet, properties: current });
  }
  return variants;
}

/**
 * The first of `packet` and its {@linkcode leanerVariants} whose encoding for `version` is at most
 * `maxSize` bytes, with its bytes; undefined when none fits. Throws the codec's `EncodeError` for
 * a packet that cannot be encoded at all.
 *
 * @example
 * ```ts
 * import { fitPacket } from "./packet_fit.ts";
 * const connack = {
 *   cmd: "connack" as const,
 *   sessionPresent: false,
 *   reasonCode: 0,
 *   properties: { receiveMaximum: 10, maximumPacketSize: 1024 },
 * };
 * const fitted = fitPacket(connack, 5, 8);
 * if (fitted?.bytes.length !== 8) throw new Error("Receive Maximum fits in 8 bytes");
 * if (fitted.packet.properties?.maximumPacketSize !== undefined) throw new Error("left out");
 * if (fitPacket(connack, 5, 4) !== undefined) throw new Error("nothing fits in 4 bytes");
 * ```
 */
export function fitPacket<P extends Packet>(
  packet: P,
  version: 3 | 4 | 5,
  maxSize: number,
): { packet: P; bytes: Buffer } | undefined {
  const bytes = encodePacket(packet, version);
  if (bytes.length <= maxSize) return { packet, bytes }; // the common case: no variant is made
  for (const candidate of leanerVariants(packet)) {
    const bytes = encodePacket(candidate, version);
    if (bytes.length <= maxSize) return { packet: candidate, bytes };
  }
}
