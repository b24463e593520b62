/**
 * A message as it crosses between nodes (and as it is kept in the retained bucket): a 4-byte
 * length, a JSON header (topic, QoS, retain, properties, expiry, publisher, origin node and
 * sequence), then the payload bytes unchanged.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Message, MessageProperties, QoS } from "../../broker/message.ts";

/** Where a message came from: the sending node's instance and its running number. */
export interface Origin {
  /** The node instance (its name and a start-unique suffix). */
  node: string;
  /** Increases by one per message the instance sends. */
  seq: number;
}

/**
 * The origin of QoS 1/2 messages that crossed (or left) this node, kept beside the message
 * object so that a session's queued copies can be told apart from captured ones
 * (`offline_capture.ts`): set by routing and by {@linkcode decodeMessage}'s callers.
 */
export const ORIGINS: WeakMap<Message, Origin> = new WeakMap();

/**
 * `origin` as one string (`node:seq`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { originId } from "./codec.ts";
 * assert.equal(originId({ node: "n1-ab12", seq: 7 }), "n1-ab12:7");
 * ```
 */
export function originId(origin: Origin): string {
  return `${origin.node}:${origin.seq}`;
}

interface Header {
  t: string;
  q: QoS;
  r: boolean;
  p?: Omit<MessageProperties, "correlationData"> & { correlationData?: string };
  e?: number;
  f?: Message["from"];
  o: string;
  s: number;
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/**
 * Encodes `msg` with its origin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { decodeMessage, encodeMessage } from "./codec.ts";
 * const msg = { topic: "a/b", payload: Buffer.from("hi"), qos: 1, retain: true, properties: {} } as const;
 * const back = decodeMessage(encodeMessage(msg, { node: "n1", seq: 7 }));
 * assert.equal(back.msg.topic, "a/b");
 * assert.equal(back.msg.payload.toString(), "hi");
 * assert.deepEqual(back.origin, { node: "n1", seq: 7 });
 * ```
 */
export function encodeMessage(msg: Message, origin: Origin): Uint8Array {
  const header: Header = { t: msg.topic, q: msg.qos, r: msg.retain, o: origin.node, s: origin.seq };
  if (Object.keys(msg.properties).length > 0) {
    const { correlationData, ...rest } = msg.properties;
    header.p = correlationData
      ? { ...rest, correlationData: correlationData.toString("base64") }
      : rest;
  }
  if (msg.expiresAt !== undefined) header.e = msg.expiresAt;
  if (msg.from) header.f = msg.from;
  const head = ENCODER.encode(JSON.stringify(header));
  const out = new Uint8Array(4 + head.length + msg.payload.length);
  new DataView(out.buffer).setUint32(0, head.length);
  out.set(head, 4);
  out.set(msg.payload, 4 + head.length);
  return out;
}

/**
 * Decodes what {@linkcode encodeMessage} made. The payload shares `bytes`' memory.
 *
 * @throws {RangeError} when `bytes` is too short for the length it announces
 * @throws {SyntaxError} when the header is not JSON
 * @throws {TypeError} when the header lacks a field or has one of the wrong kind
 */
export function decodeMessage(bytes: Uint8Array): { msg: Message; origin: Origin } {
  const length = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(0) : -1;
  if (length < 0 || 4 + length > bytes.length) throw new RangeError("Cluster message is truncated");
  const h = JSON.parse(DECODER.decode(bytes.subarray(4, 4 + length))) as Header;
  if (
    typeof h?.t !== "string" || ![0, 1, 2].includes(h.q) || typeof h.r !== "boolean" ||
    typeof h.o !== "string" || !Number.isSafeInteger(h.s)
  ) throw new TypeError("Cluster message header is malformed");
  const payload = Buffer.from(
    bytes.buffer,
    bytes.byteOffset + 4 + length,
    bytes.length - 4 - length,
  );
  const msg: Message = { topic: h.t, payload, qos: h.q, retain: h.r, properties: {} };
  if (h.p) {
    const { correlationData, ...rest } = h.p;
    msg.properties = correlationData
      ? { ...rest, correlationData: Buffer.from(correlationData, "base64") }
      : rest;
  }
  if (h.e !== undefined) msg.expiresAt = h.e;
  if (h.f) msg.from = h.f;
  return { msg, origin: { node: h.o, seq: h.s } };
}
