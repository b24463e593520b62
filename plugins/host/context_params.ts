/**
 * Readers of the params of context methods ({@linkcode ContextRequests} in protocol.ts): what a
 * plugin passes to `ctx.publish`, `ctx.broker.retained` and `ctx.store.*`, checked before the
 * host acts on it. A malformed argument throws a `TypeError` (the plugin's mistake, counted by
 * the services); a payload over {@linkcode PUBLISH_PAYLOAD_MAX_BYTES} throws a `RangeError`.
 *
 * @module
 */

import { isValidTopicFilter, isValidTopicName } from "../sdk/topics.ts";
import type { JsonValue, PublishOptions } from "../sdk/plugin.ts";
import type { ContextRequests, ParamReaders, PublishArgs } from "./protocol.ts";

/** Largest payload a plugin may publish (the broker's `max_packet_size` applies as well). */
export const PUBLISH_PAYLOAD_MAX_BYTES: number = 256 * 1024 * 1024;
/** Longest topic or filter, in UTF-8 bytes (an MQTT string). */
const TOPIC_MAX_BYTES = 65_535;

/**
 * One reader per context method; each returns its row's params or throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CONTEXT_PARAMS } from "./context_params.ts";
 * assert.deepEqual(CONTEXT_PARAMS["store.list"](null), { prefix: "" });
 * assert.throws(() => CONTEXT_PARAMS.retained("a/#/b"), TypeError);
 * ```
 */
export const CONTEXT_PARAMS = {
  publish: readPublish,
  clients: () => null,
  retained: readFilter,
  stats: () => null,
  plugins: () => null,
  "store.get": (raw) => ({ key: readKey(raw) }),
  // The value is checked by the store itself (JSON only, sizes), which explains a refusal better.
  "store.set": (raw) => ({
    key: readKey(raw),
    value: object(raw, "store call").value as JsonValue,
  }),
  "store.delete": (raw) => ({ key: readKey(raw) }),
  "store.list": readPrefix,
  config: () => null,
} satisfies ParamReaders<ContextRequests>;

function readPublish(raw: unknown): PublishArgs {
  const a = object(raw, "publish");
  const topic = mqttString(a.topic, "publish topic");
  if (!isValidTopicName(topic)) bad(`publish topic ${shown(topic)} is not a topic name`);
  const payload = a.payload;
  if (!(payload instanceof Uint8Array)) {
    bad(`publish payload must be a Uint8Array or a string, got ${kind(payload)}`);
  }
  if (payload.byteLength > PUBLISH_PAYLOAD_MAX_BYTES) {
    throw new RangeError(
      `publish payload is ${payload.byteLength} bytes, over the limit of ${PUBLISH_PAYLOAD_MAX_BYTES}`,
    );
  }
  return { topic, payload, options: readOptions(a.options) };
}

function readOptions(raw: unknown): PublishOptions {
  const o = raw === undefined || raw === null ? {} : object(raw, "options");
  const qos = o.qos ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2) bad(`publish qos must be 0, 1 or 2`);
  if (o.retain !== undefined && typeof o.retain !== "boolean") {
    bad("publish retain must be a boolean");
  }
  if (o.properties !== undefined) object(o.properties, "publish properties");
  return {
    qos,
    retain: o.retain === true,
    ...(o.properties ? { properties: o.properties as PublishOptions["properties"] } : {}),
  };
}

function readFilter(raw: unknown): string {
  const filter = mqttString(raw, "retained() topic filter");
  if (!isValidTopicFilter(filter)) bad(`retained() filter ${shown(filter)} is not valid`);
  return filter;
}

function readKey(raw: unknown): string {
  const key = object(raw, "store call").key;
  if (typeof key !== "string" || key === "") bad("store key must be a non-empty string");
  return key;
}

function readPrefix(raw: unknown): { prefix: string } {
  const prefix = raw === undefined || raw === null ? undefined : object(raw, "store.list").prefix;
  if (prefix === undefined || prefix === null) return { prefix: "" };
  if (typeof prefix !== "string") bad("store.list prefix must be a string");
  return { prefix };
}

function mqttString(value: unknown, what: string): string {
  if (typeof value !== "string") bad(`${what} must be a string, got ${kind(value)}`);
  if (value.length > TOPIC_MAX_BYTES || new TextEncoder().encode(value).length > TOPIC_MAX_BYTES) {
    bad(`${what} is over ${TOPIC_MAX_BYTES} UTF-8 bytes`);
  }
  return value;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    bad(`${what} arguments must be an object, got ${kind(value)}`);
  }
  return value as Record<string, unknown>;
}

function bad(message: string): never {
  throw new TypeError(message);
}

/**
 * What a value is, for a message: `null`, `an array`, a class name or `typeof`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kind } from "./context_params.ts";
 * assert.equal(kind([1]), "an array");
 * assert.equal(kind(new Uint16Array()), "Uint16Array");
 * ```
 */
export function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return (value as object).constructor?.name ?? "an object";
  return typeof value;
}

/**
 * A value quoted for a message, cut at 64 characters (non-strings shown by their kind).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shown } from "./context_params.ts";
 * assert.equal(shown("a/b"), '"a/b"');
 * assert.equal(shown(3), '"number"');
 * ```
 */
export function shown(value: unknown): string {
  const text = typeof value === "string" ? value : String(kind(value));
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
