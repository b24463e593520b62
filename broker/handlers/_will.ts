/**
 * The will of a CONNECT (spec 3.1.2.5, 3.1.3.2): read and checked like a PUBLISH's topic and
 * flags, then authorized like one.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { ConnectRefused, ReasonCode } from "../errors.ts";
import { isValidTopicName } from "../topics/validate.ts";
import type { ConnectFlow } from "./_connack.ts";

/**
 * Records the CONNECT's will in the connection's terms; refuses a topic that is not valid or
 * belongs to the broker (0x90), and a retained will when retain is not available (0x9A).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readWill } from "./_will.ts";
 * const terms: Record<string, unknown> = { clientId: "c" };
 * const will = { topic: "gone/c", payload: "bye", qos: 1, retain: false, properties: { willDelayInterval: 5 } };
 * const core = { config: { mqtt: { retain_available: true } } };
 * readWill({ packet: { will }, terms, core } as never);
 * assert.equal((terms.will as { delaySeconds: number }).delaySeconds, 5);
 * ```
 */
export function readWill({ packet, terms, core }: ConnectFlow): void {
  const will = packet.will;
  if (!will) return;
  if (!isValidTopicName(will.topic)) {
    throw new ConnectRefused(
      ReasonCode.TopicNameInvalid,
      `Will topic "${will.topic}" is not valid`,
    );
  }
  if (will.topic.startsWith("$SYS/")) {
    // $SYS belongs to the broker (spec 4.7.2), as for a PUBLISH; 0x90: a will topic not accepted.
    throw new ConnectRefused(ReasonCode.TopicNameInvalid, "Will topic is reserved for the broker");
  }
  if (will.retain && !core.config.mqtt.retain_available) {
    throw new ConnectRefused(ReasonCode.RetainNotSupported, "Retained wills are not supported");
  }
  const { willDelayInterval, messageExpiryInterval, ...properties } = will.properties ?? {};
  terms.will = {
    delaySeconds: willDelayInterval ?? 0,
    expirySeconds: messageExpiryInterval,
    msg: {
      topic: will.topic,
      payload: Buffer.isBuffer(will.payload) ? will.payload : Buffer.from(will.payload ?? ""),
      qos: will.qos ?? 0,
      retain: will.retain ?? false,
      properties,
      from: { clientId: terms.clientId, username: terms.username },
    },
  };
}

/**
 * The will goes through the same topic check as a PUBLISH (client.authorize, action publish, with
 * its QoS and retain flag), at CONNECT: a denied will is refused with 0x87 (v3.1.1: 5).
 */
export function authorizeWill({ client, core, terms }: ConnectFlow): void | Promise<void> {
  const will = terms.will?.msg;
  const { hooks } = core;
  if (!will || !hooks.has("client.authorize")) return;
  const allowed = hooks.authorize({
    client: client.info(),
    action: "publish",
    topic: will.topic,
    qos: will.qos,
    retain: will.retain,
  });
  if (allowed instanceof Promise) return allowed.then(willAllowed);
  willAllowed(allowed);
}

function willAllowed(allowed: boolean): void {
  if (!allowed) throw new ConnectRefused(ReasonCode.NotAuthorized, "Will not authorized");
}
