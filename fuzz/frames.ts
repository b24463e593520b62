/**
 * Cutting a client byte stream into packets the way the broker must (spec 2.1.4), to know what a
 * fuzz input amounts to: its whole packets, and how many bytes complete its last one.
 *
 * @module
 */
import { header } from "./mutate.ts";

/** What a byte stream amounts to. */
export interface Framed {
  /** The whole packets, in order. */
  packets: Uint8Array[];
  /** Zero bytes that complete the last packet (empty when the stream ends on a boundary). */
  padding: number;
  /** The stream has a Remaining Length of more than four bytes: the broker must close. */
  invalid: boolean;
  /** The stream ends inside a fixed header: one zero byte completes the header. */
  headerCut?: boolean;
}

/**
 * Frames `chunks`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameStream } from "./frames.ts";
 * const f = frameStream([new Uint8Array([0xc0, 0x00, 0x30, 0x05, 0x00])]);
 * assert.equal(f.packets.length, 1); // the PINGREQ; the PUBLISH is cut
 * assert.equal(f.padding, 4); // bytes missing to complete it
 * ```
 */
export function frameStream(chunks: Uint8Array[]): Framed {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) all.set(c, at), at += c.length;
  const packets: Uint8Array[] = [];
  let rest = all;
  while (rest.length > 0) {
    const h = header(rest);
    if (!h) {
      const invalid = rest.length >= 5;
      // A cut header is completed with one zero Remaining Length byte, then its body.
      if (invalid) return { packets, padding: 0, invalid };
      const completed = header(new Uint8Array([...rest, 0]))!;
      return { packets, padding: 1 + completed.length, invalid: false, headerCut: true };
    }
    const total = h.start + h.length;
    if (rest.length < total) return { packets, padding: total - rest.length, invalid: false };
    packets.push(rest.subarray(0, total));
    rest = rest.subarray(total);
  }
  return { packets, padding: 0, invalid: false };
}
