/**
 * The size of the PUBLISH that would carry a plugin's message, to hold it to
 * `mqtt.max_packet_size` before it is routed (plugin_output.ts).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Message as PluginMessage } from "../plugins/sdk/mod.ts";

/**
 * Bytes of the MQTT 5 PUBLISH carrying `msg` with a packet identifier (the largest form; topic
 * alias and subscription identifiers added per subscriber are not counted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishPacketSize } from "./_publish_size.ts";
 * const from = { clientId: "", username: null };
 * const n = publishPacketSize({ topic: "t", payload: new Uint8Array(3), qos: 1, retain: false, from });
 * assert.equal(n, 1 + 1 + 2 + 1 + 2 + 1 + 3);
 * ```
 */
export function publishPacketSize(msg: PluginMessage): number {
  const p = msg.properties ?? {};
  const str = (s: string) => 2 + Buffer.byteLength(s);
  let props = 0;
  if (p.payloadFormatIndicator !== undefined) props += 2;
  if (p.messageExpiryInterval !== undefined) props += 5;
  if (p.contentType !== undefined) props += 1 + str(p.contentType);
  if (p.responseTopic !== undefined) props += 1 + str(p.responseTopic);
  if (p.correlationData !== undefined) props += 3 + p.correlationData.byteLength;
  for (const [name, v] of Object.entries(p.userProperties ?? {})) {
    for (const value of Array.isArray(v) ? v : [v]) props += 1 + str(name) + str(value);
  }
  const remaining = str(msg.topic) + 2 + varIntSize(props) + props + msg.payload.byteLength;
  return 1 + varIntSize(remaining) + remaining;
}

/** Bytes of an MQTT Variable Byte Integer. */
function varIntSize(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}
