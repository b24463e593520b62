/**
 * The broker's own message and subscription types.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { systemClock } from "../lib/clock.ts";
import type { Message as PluginMessage } from "../plugins/sdk/mod.ts";

/** QoS level. */
export type QoS = 0 | 1 | 2;

/** MQTT 5 PUBLISH properties that travel with a message from publisher to subscriber. */
export interface MessageProperties {
  payloadFormatIndicator?: boolean;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: Record<string, string | string[]>;
}

/** An application message inside the broker. */
export interface Message {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties: MessageProperties;
  /** Absolute expiry time in ms since the epoch (v5 Message Expiry Interval), if any. */
  expiresAt?: number;
  /** Who published it; absent for messages the broker or a plugin made. */
  from?: { clientId: string; username?: string };
}

/** Options stored with a subscription (v5 subscription options; v3 uses the defaults). */
export interface SubscriptionOptions {
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  /** v5 Subscription Identifier. */
  subscriptionId?: number;
}

/** Why a message was not delivered to one subscriber (EMQX's delivery.dropped reasons). */
export type DropReason =
  | "expired"
  | "queue_full"
  | "qos0_msg"
  | "no_local"
  | "too_large"
  | "not_authorized"
  | "slow_consumer";

/**
 * Seconds left before `msg` expires, or undefined when it never does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remainingExpiry } from "./message.ts";
 * assert.equal(remainingExpiry({ expiresAt: 10_500 } as never, 1_000), 10);
 * ```
 */
export function remainingExpiry(msg: Message, now: number): number | undefined {
  if (msg.expiresAt === undefined) return undefined;
  return Math.max(0, Math.ceil((msg.expiresAt - now) / 1000));
}

/**
 * The plain-data form of `msg` that plugins see, on the real clock: {@linkcode pluginMessageAt}
 * with the time now. Takes one argument, so that it can be passed to `Array.map`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { toPluginMessage } from "./message.ts";
 * const m = toPluginMessage({ topic: "t", payload: Buffer.from("x"), qos: 0, retain: false, properties: {} });
 * assert.equal(m.from.clientId, "");
 * assert.equal(m.payload.length, 1);
 * ```
 */
export function toPluginMessage(msg: Message): PluginMessage {
  return pluginMessageAt(msg, systemClock.now());
}

/**
 * The plain-data form of `msg` that plugins see: expiry as seconds left at `now` (ms since the
 * epoch, the broker clock's time), publisher always named.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { pluginMessageAt } from "./message.ts";
 * const msg = { topic: "t", payload: Buffer.from("x"), qos: 0, retain: false, properties: {}, expiresAt: 10_500 } as const;
 * assert.equal(pluginMessageAt(msg, 1_000).properties?.messageExpiryInterval, 10);
 * ```
 */
export function pluginMessageAt(msg: Message, now: number): PluginMessage {
  const properties: PluginMessage["properties"] = { ...msg.properties };
  const expiry = remainingExpiry(msg, now);
  if (expiry !== undefined) properties.messageExpiryInterval = expiry;
  return {
    topic: msg.topic,
    // A view into the read buffer, as it is: plugins get it encoded (caged) or cloned per view.
    payload: msg.payload,
    qos: msg.qos,
    retain: msg.retain,
    properties,
    from: { clientId: msg.from?.clientId ?? "", username: msg.from?.username ?? null },
  };
}

/**
 * The broker form of a message a plugin returned or published; its expiry counts from `now`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromPluginMessage } from "./message.ts";
 * const m = fromPluginMessage({
 *   topic: "t",
 *   payload: new Uint8Array([0x78]),
 *   qos: 1,
 *   retain: false,
 *   properties: { messageExpiryInterval: 5 },
 *   from: { clientId: "", username: null },
 * }, 1_000);
 * assert.equal(m.expiresAt, 6_000);
 * assert.equal(m.from, undefined);
 * ```
 */
export function fromPluginMessage(msg: PluginMessage, now: number = systemClock.now()): Message {
  const { messageExpiryInterval, correlationData, ...rest } = msg.properties ?? {};
  const properties: MessageProperties = { ...rest };
  if (correlationData) properties.correlationData = toBuffer(correlationData);
  return {
    topic: msg.topic,
    payload: toBuffer(msg.payload),
    qos: msg.qos,
    retain: msg.retain,
    properties,
    expiresAt: messageExpiryInterval === undefined ? undefined : now + messageExpiryInterval * 1000,
    from: msg.from.clientId
      ? { clientId: msg.from.clientId, username: msg.from.username ?? undefined }
      : undefined,
  };
}

function toBuffer(bytes: Uint8Array | string): Buffer {
  if (typeof bytes === "string") return Buffer.from(bytes);
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Whether `msg` has expired at `now`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isExpired } from "./message.ts";
 * assert.equal(isExpired({ expiresAt: 1_000 } as never, 1_000), true);
 * assert.equal(isExpired({} as never, 1_000), false);
 * ```
 */
export function isExpired(msg: Message, now: number): boolean {
  return msg.expiresAt !== undefined && msg.expiresAt <= now;
}
