/**
 * MQTT wire primitives written by hand, byte by byte: a Variable Byte Integer, a length-prefixed
 * string and a framed packet. The fuzzer, the load generator (`bench/load/codec.ts`) and the raw
 * conformance client (`tests/conformance/_raw.ts`) build their packets with these, not with a codec,
 * so that they can write what a codec refuses to.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Encodes a Variable Byte Integer (spec 1.5.5).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { vbi } from "./bytes.ts";
 * deepStrictEqual(vbi(321), [0xc1, 0x02]);
 * ```
 */
export function vbi(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

/**
 * Encodes a UTF-8 string (or raw bytes) with its two-byte length prefix (spec 1.5.4).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { utf8Field } from "./bytes.ts";
 * deepStrictEqual([...utf8Field("ab")], [0, 2, 0x61, 0x62]);
 * ```
 */
export function utf8Field(text: string | Uint8Array): Uint8Array {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  return new Uint8Array([bytes.length >> 8, bytes.length & 0xff, ...bytes]);
}

/**
 * A packet of first byte `first` around `body`, with a true Remaining Length.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { frame } from "./bytes.ts";
 * deepStrictEqual([...frame(0xc0, [])], [0xc0, 0]);
 * ```
 */
export function frame(first: number, body: ArrayLike<number>): Uint8Array {
  return new Uint8Array([first, ...vbi(body.length), ...Array.from(body)]);
}
