/**
 * `/api/v1/retained`: retained messages matching a topic filter, paged, each with a payload
 * preview (text when it is UTF-8, hex of its first bytes, its size); and `DELETE
 * /retained/{topic}` (the topic percent-encoded, `/` as `%2F`), which clears one as an empty
 * retained PUBLISH would.
 *
 * @module
 */

import { AdminError } from "../../plugins/host/admin_errors.ts";
import type { Message } from "../../plugins/sdk/mod.ts";
import { isValidTopicFilter, isValidTopicName } from "../../plugins/sdk/topics.ts";
import { pageOf } from "./broker_api.ts";
import { json } from "./http.ts";
import type { Route, RouteContext } from "./route.ts";

/** Characters of text and bytes of hex a preview shows at most. */
export const PREVIEW_CHARS = 1024;
const PREVIEW_BYTES = 64;

/** One retained message as the API lists it. */
export interface RetainedRow {
  topic: string;
  qos: number;
  /** Payload size in bytes. */
  size: number;
  /** The payload as text (first {@linkcode PREVIEW_CHARS} characters); null when not UTF-8. */
  text: string | null;
  /** Hex of the first 64 bytes. */
  hex: string;
  /** Whether `text` or `hex` shows only the start of the payload. */
  truncated: boolean;
}

/**
 * The listing row of a retained message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retainedRow } from "./retained_api.ts";
 * const row = retainedRow({ topic: "t", qos: 1, payload: new Uint8Array([0xff, 0x00]) });
 * assert.deepEqual([row.size, row.text, row.hex], [2, null, "ff00"]);
 * assert.equal(retainedRow({ topic: "t", qos: 0, payload: new TextEncoder().encode("hi") }).text, "hi");
 * ```
 */
export function retainedRow(msg: Pick<Message, "topic" | "qos" | "payload">): RetainedRow {
  const bytes = msg.payload;
  let text: string | null = null;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch { /* binary: hex only */ }
  const hex = Array.from(bytes.subarray(0, PREVIEW_BYTES), (b) => b.toString(16).padStart(2, "0"))
    .join("");
  const truncated = bytes.length > PREVIEW_BYTES || (text?.length ?? 0) > PREVIEW_CHARS;
  return {
    topic: msg.topic,
    qos: msg.qos,
    size: bytes.length,
    text: text === null ? null : text.slice(0, PREVIEW_CHARS),
    hex,
    truncated,
  };
}

function list(ctx: RouteContext): Response {
  const filter = ctx.url.searchParams.get("topic") || "#";
  if (!isValidTopicFilter(filter)) {
    throw new AdminError("BAD_REQUEST", `Topic filter "${filter}" is not a valid MQTT filter`);
  }
  const rows = ctx.broker.retained(filter).sort((a, b) => a.topic.localeCompare(b.topic));
  return json(pageOf(rows, ctx.url, retainedRow));
}

async function clear(ctx: RouteContext): Promise<Response> {
  const topic = ctx.params.topic;
  if (!isValidTopicName(topic)) {
    throw new AdminError("BAD_REQUEST", `Topic "${topic}" is not a valid MQTT topic name`);
  }
  if (!(await ctx.control?.clearRetained(topic))) {
    throw new AdminError("NOT_FOUND", `No retained message on "${topic}"`);
  }
  return new Response(null, { status: 204 });
}

/** The retained routes. */
export const RETAINED_ROUTES: Route[] = [
  { method: "GET", body: "none", path: "/retained", handler: list },
  { method: "DELETE", body: "none", path: "/retained/{topic}", handler: clear },
];
