/**
 * Hand-rolled MQTT 3.1.1 and 5.0 encoding for the load generator: only the packets it sends, and a
 * PUBLISH template that writes a message into a batch buffer without allocating.
 *
 * Payload layout (64 bytes by default): publisher index (u32), sequence number (u32), send time in
 * epoch milliseconds (f64, from `performance.timeOrigin + performance.now()`), zero padding.
 *
 * @module
 */

import { frame, utf8Field } from "../../fuzz/bytes.ts";

/** MQTT protocol level: 4 = 3.1.1, 5 = 5.0. */
export type MqttVersion = 4 | 5;

/** Bytes at the start of the payload used by the load generator (index, seq, time). */
export const PAYLOAD_HEADER = 16;

/** Current time in epoch milliseconds with sub-millisecond precision. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A CONNECT with clean session/clean start, no will and no password; with a user name if given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeConnect } from "./codec.ts";
 * const p = encodeConnect("c1", 4, 60, "bench-1");
 * assert.deepEqual([p[0], p[8], p[9]], [0x10, 4, 0x82]); // CONNECT, 3.1.1, user name + clean
 * ```
 */
export function encodeConnect(
  clientId: string,
  version: MqttVersion,
  keepalive: number,
  username?: string,
  clean = true,
): Uint8Array {
  const flags = (username === undefined ? 0 : 0x80) | (clean ? 0x02 : 0);
  const body = [0, 4, 0x4d, 0x51, 0x54, 0x54, version, flags, keepalive >> 8, keepalive & 255];
  if (version === 5) body.push(0);
  body.push(...utf8Field(clientId));
  if (username !== undefined) body.push(...utf8Field(username));
  return frame(0x10, body);
}

/** A SUBSCRIBE for one topic filter. */
export function encodeSubscribe(
  packetId: number,
  filter: string,
  qos: 0 | 1,
  version: MqttVersion,
): Uint8Array {
  const body = [packetId >> 8, packetId & 255];
  if (version === 5) body.push(0);
  body.push(...utf8Field(filter), qos);
  return frame(0x82, body);
}

/** A DISCONNECT (normal disconnection in 5.0). */
export function encodeDisconnect(): Uint8Array {
  return Uint8Array.of(0xe0, 0);
}

/** Writes a 4-byte PUBACK for `packetId` at `at`; returns the next offset. */
export function writePuback(target: Uint8Array, at: number, packetId: number): number {
  target[at] = 0x40;
  target[at + 1] = 2;
  target[at + 2] = packetId >> 8;
  target[at + 3] = packetId & 255;
  return at + 4;
}

/**
 * A PUBLISH packet for one topic (retained if asked), copied and patched per message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PublishTemplate } from "./codec.ts";
 * const t = new PublishTemplate("bench/t", 1, 5, 0, 64);
 * const buf = new Uint8Array(t.size);
 * t.writeInto(buf, new DataView(buf.buffer), 0, 7, 42, 1000);
 * assert.equal(buf[0], 0x32); // PUBLISH, QoS 1
 * assert.equal(t.size, 2 + 2 + 7 + 2 + 1 + 64);
 * ```
 */
export class PublishTemplate {
  /** Whole packet size in bytes. */
  readonly size: number;
  readonly #bytes: Uint8Array;
  readonly #pidAt: number;
  readonly #payloadAt: number;

  constructor(
    topic: string,
    qos: 0 | 1,
    version: MqttVersion,
    publisher: number,
    payloadSize = 64,
    retain = false,
  ) {
    if (payloadSize < PAYLOAD_HEADER) {
      throw new RangeError(`Payload of ${payloadSize} bytes is too small`);
    }
    const variable = [...utf8Field(topic)];
    if (qos > 0) variable.push(0, 0);
    if (version === 5) variable.push(0);
    const body = [...variable, ...new Array(payloadSize).fill(0)];
    this.#bytes = frame(0x30 | (qos << 1) | (retain ? 1 : 0), body);
    this.size = this.#bytes.length;
    this.#payloadAt = this.size - payloadSize;
    this.#pidAt = qos > 0 ? this.size - payloadSize - (version === 5 ? 3 : 2) : -1;
    new DataView(this.#bytes.buffer).setUint32(this.#payloadAt, publisher);
  }

  /** Writes one message at `at` in `target` (with `view` over the same buffer); returns the next offset. */
  writeInto(
    target: Uint8Array,
    view: DataView,
    at: number,
    seq: number,
    packetId: number,
    sentAt: number,
  ): number {
    target.set(this.#bytes, at);
    if (this.#pidAt >= 0) {
      target[at + this.#pidAt] = packetId >> 8;
      target[at + this.#pidAt + 1] = packetId & 255;
    }
    view.setUint32(at + this.#payloadAt + 4, seq);
    view.setFloat64(at + this.#payloadAt + 8, sentAt);
    return at + this.size;
  }
}
