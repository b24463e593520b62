/**
 * The one entry point for what plugins hand back to the broker: transform results
 * (`message.publish`, `message.delivered`, `client.subscribe`, `client.connack`) and messages
 * published with `ctx.publish`. Every string must be an MQTT UTF-8 string (at most 65,535 bytes,
 * no U+0000, no lone surrogate, spec 1.5.4), topics and filters must follow their rules, property
 * values must have their wire type and range, and a message must fit in `mqtt.max_packet_size`.
 * Anything else throws {@linkcode PluginOutputError}: the caller treats it as the plugin's fault
 * and never lets the value reach a socket.
 *
 * Plugins may publish on `$SYS/` (the `sys` built-in does); clients may not (handlers/publish.ts).
 *
 * @module
 */
import type {
  ConnackProperties,
  Message as PluginMessage,
  MessageProperties,
  SubscriptionRequest,
  UserProperties,
} from "../plugins/sdk/mod.ts";
import { PluginOutputError } from "../broker/errors.ts";
import {
  isValidTopicFilter,
  isValidTopicName,
  parseSharedFilter,
} from "../broker/topics/validate.ts";

import { publishPacketSize } from "./_publish_size.ts";

export { PluginOutputError, publishPacketSize };

/** Largest MQTT UTF-8 string or binary data, in bytes (two-byte length prefix, spec 1.5.4). */
export const MAX_STRING_BYTES = 65_535;

/** Largest Four Byte Integer (Message Expiry Interval). */
const MAX_UINT32 = 0xffff_ffff;

/**
 * UTF-8 length of `s` in bytes, or a description of why it is not an MQTT UTF-8 string.
 *
 * @example
 * ```ts
 * import { mqttStringBytes } from "./plugin_output.ts";
 * if (mqttStringBytes("é") !== 2) throw new Error("wrong length");
 * if (typeof mqttStringBytes("a\u0000") !== "string") throw new Error("NUL accepted");
 * ```
 */
export function mqttStringBytes(s: string): number | string {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return "contains U+0000";
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return "contains a lone surrogate";
      bytes += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return "contains a lone surrogate";
    else bytes += 3;
  }
  return bytes > MAX_STRING_BYTES
    ? `is ${bytes} bytes, above the MQTT limit of ${MAX_STRING_BYTES}`
    : bytes;
}

/** Returns `value` when it is an MQTT UTF-8 string; throws naming `what` otherwise. */
export function checkString(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw new PluginOutputError(what, `expected a string, got ${kind(value)}`);
  }
  const bytes = mqttStringBytes(value);
  if (typeof bytes === "string") throw new PluginOutputError(what, bytes);
  return value;
}

/** Returns `value` when it is a valid topic name (non-empty, no wildcards, spec 4.7). */
export function checkTopicName(value: unknown, what: string): string {
  const topic = checkString(value, what);
  if (!isValidTopicName(topic)) {
    throw new PluginOutputError(what, "expected a topic name (non-empty, no + or #)");
  }
  return topic;
}

/** Returns `value` when it is a valid topic filter, shared or not (spec 4.7.1, 4.8.2). */
export function checkTopicFilter(value: unknown, what: string): string {
  const filter = checkString(value, what);
  const shared = parseSharedFilter(filter);
  if (shared === undefined || (shared === null && !isValidTopicFilter(filter))) {
    throw new PluginOutputError(what, "expected a topic filter");
  }
  return filter;
}

/** Returns a copy of `value` when it maps MQTT strings to strings or lists of strings. */
export function checkUserProperties(value: unknown, what: string): UserProperties {
  if (!isRecord(value)) throw new PluginOutputError(what, `expected an object, got ${kind(value)}`);
  const out: UserProperties = {};
  for (const [name, v] of Object.entries(value)) {
    checkString(name, `${what} name`);
    out[name] = Array.isArray(v)
      ? v.map((item, i) => checkString(item, `${what}.${name}[${i}]`))
      : checkString(v, `${what}.${name}`);
  }
  return out;
}

/** Limits a message must respect. */
export interface MessageLimits {
  /** The broker's `mqtt.max_packet_size`: the whole PUBLISH must fit. */
  maxPacketSize: number;
}

/**
 * Returns a clean copy of a message a plugin returned or published: known fields only, each
 * checked; `from` is kept as given (callers decide who the publisher is).
 *
 * @example
 * ```ts
 * import { checkMessage } from "./plugin_output.ts";
 * const from = { clientId: "c", username: null };
 * const ok = checkMessage({ topic: "a/b", payload: new Uint8Array(1), qos: 0, retain: false, from }, "m", { maxPacketSize: 100 });
 * if (ok.topic !== "a/b") throw new Error("changed");
 * let refused = false;
 * try {
 *   checkMessage({ ...ok, payload: new Uint8Array(200) }, "m", { maxPacketSize: 100 });
 * } catch { refused = true; }
 * if (!refused) throw new Error("too large accepted");
 * ```
 */
export function checkMessage(value: unknown, what: string, limits: MessageLimits): PluginMessage {
  if (!isRecord(value)) throw new PluginOutputError(what, `expected a message, got ${kind(value)}`);
  const topic = checkTopicName(value.topic, `${what} topic`);
  if (!(value.payload instanceof Uint8Array)) {
    throw new PluginOutputError(`${what} payload`, `expected bytes, got ${kind(value.payload)}`);
  }
  if (value.qos !== 0 && value.qos !== 1 && value.qos !== 2) {
    throw new PluginOutputError(`${what} qos`, `expected 0, 1 or 2, got ${kind(value.qos)}`);
  }
  if (typeof value.retain !== "boolean") {
    throw new PluginOutputError(`${what} retain`, `expected a boolean, got ${kind(value.retain)}`);
  }
  const from = isRecord(value.from) ? value.from : {};
  const msg: PluginMessage = {
    topic,
    payload: value.payload,
    qos: value.qos,
    retain: value.retain,
    properties: checkMessageProperties(value.properties ?? {}, `${what} properties`),
    from: {
      clientId: typeof from.clientId === "string" ? from.clientId : "",
      username: typeof from.username === "string" ? from.username : null,
    },
  };
  const size = publishPacketSize(msg);
  if (size > limits.maxPacketSize) {
    throw new PluginOutputError(
      what,
      `a PUBLISH of ${size} bytes is above mqtt.max_packet_size (${limits.maxPacketSize})`,
    );
  }
  return msg;
}

/** Returns a copy of PUBLISH properties with each value of its wire type (spec 3.3.2.3). */
export function checkMessageProperties(value: unknown, what: string): MessageProperties {
  if (!isRecord(value)) throw new PluginOutputError(what, `expected an object, got ${kind(value)}`);
  const out: MessageProperties = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const at = `${what}.${key}`;
    switch (key) {
      case "payloadFormatIndicator":
        if (v !== true && v !== false && v !== 0 && v !== 1) {
          throw new PluginOutputError(at, `expected a boolean, got ${kind(v)}`);
        }
        out.payloadFormatIndicator = v === true || v === 1;
        break;
      case "messageExpiryInterval":
        if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > MAX_UINT32) {
          throw new PluginOutputError(at, `expected an integer 0-${MAX_UINT32}, got ${kind(v)}`);
        }
        out.messageExpiryInterval = v as number;
        break;
      case "contentType":
        out.contentType = checkString(v, at);
        break;
      case "responseTopic":
        out.responseTopic = checkTopicName(v, at);
        break;
      case "correlationData":
        if (!(v instanceof Uint8Array) || v.byteLength > MAX_STRING_BYTES) {
          throw new PluginOutputError(at, `expected at most ${MAX_STRING_BYTES} bytes`);
        }
        out.correlationData = v;
        break;
      case "userProperties":
        out.userProperties = checkUserProperties(v, at);
        break;
      default:
        throw new PluginOutputError(at, "is not a property a message may carry");
    }
  }
  return out;
}

/** Returns the CONNACK properties a plugin may set (user properties, reason string), checked. */
export function checkConnackProperties(value: unknown, what: string): ConnackProperties {
  if (!isRecord(value)) throw new PluginOutputError(what, `expected an object, got ${kind(value)}`);
  const out: ConnackProperties = {};
  if (value.reasonString !== undefined) {
    out.reasonString = checkString(value.reasonString, `${what}.reasonString`);
  }
  if (value.userProperties !== undefined) {
    out.userProperties = checkUserProperties(value.userProperties, `${what}.userProperties`);
  }
  return out;
}

/** Returns clean copies of subscription requests (filter, QoS and v5 options checked). */
export function checkSubscriptions(value: unknown, what: string): SubscriptionRequest[] {
  if (!Array.isArray(value)) {
    throw new PluginOutputError(what, `expected a list, got ${kind(value)}`);
  }
  return value.map((f, i) => {
    const at = `${what}[${i}]`;
    if (!isRecord(f)) throw new PluginOutputError(at, `expected an object, got ${kind(f)}`);
    if (f.qos !== 0 && f.qos !== 1 && f.qos !== 2) {
      throw new PluginOutputError(`${at}.qos`, `expected 0, 1 or 2, got ${kind(f.qos)}`);
    }
    const out: SubscriptionRequest = {
      topic: checkTopicFilter(f.topic, `${at}.topic`),
      qos: f.qos,
    };
    for (const flag of ["noLocal", "retainAsPublished"] as const) {
      if (f[flag] === undefined) continue;
      if (typeof f[flag] !== "boolean") {
        throw new PluginOutputError(`${at}.${flag}`, `expected a boolean, got ${kind(f[flag])}`);
      }
      out[flag] = f[flag];
    }
    if (f.retainHandling !== undefined) {
      if (f.retainHandling !== 0 && f.retainHandling !== 1 && f.retainHandling !== 2) {
        throw new PluginOutputError(
          `${at}.retainHandling`,
          `expected 0, 1 or 2, got ${kind(f.retainHandling)}`,
        );
      }
      out.retainHandling = f.retainHandling;
    }
    return out;
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A short description of a value for error messages (never the value itself: it may be huge). */
function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Uint8Array) return `${v.byteLength} bytes`;
  if (typeof v === "string") return `a string of ${v.length} characters`;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return typeof v;
}
