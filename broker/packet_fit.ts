/**
 * What may be left out of a packet the broker sends, so that it fits the client's v5 Maximum
 * Packet Size (spec [MQTT-3.1.2-24]). {@linkcode Client.send} tries the variants in order:
 *
 * 1. without Reason String and User Properties: the spec's own rule for every packet that has
 *    them (CONNACK [MQTT-3.2.2-19] [MQTT-3.2.2-20], PUBACK to PUBCOMP 3.4.2 to 3.7.2, SUBACK and
 *    UNSUBACK 3.9.2, 3.11.2, DISCONNECT [MQTT-3.14.2-3] [MQTT-3.14.2-4], AUTH 3.15.2);
 * 2. without properties that restate the spec's default: their absence means the same;
 * 3. a CONNACK without Topic Alias Maximum: absent means 0, so the client sends no topic alias,
 *    which only narrows what it may do.
 *
 * Nothing else is ever left out (an Assigned Client Identifier, a Server Keep Alive, a lowered
 * Receive Maximum change what the client must do). A PUBLISH is never altered: its properties are
 * part of the application message, which is dropped whole when too large ([MQTT-3.1.2-25]).
 *
 * @module
 */
import type { Packet } from "mqtt-packet";

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

/** Each step says which properties it leaves out; later steps keep leaving out earlier ones. */
const STEPS: ((key: string, value: unknown, cmd: Packet["cmd"]) => boolean)[] = [
  (key) => key === "reasonString" || key === "userProperties",
  (key, value) => key in DEFAULTS && DEFAULTS[key] === value,
  (key, _value, cmd) => cmd === "connack" && key === "topicAliasMaximum",
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
