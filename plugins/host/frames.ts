/**
 * The byte framing of the RPC between the broker and a plugin process (stdin/stdout pipes).
 *
 * One frame carries one batch of rpc.ts frames: `u32 length of the rest` · `u32 JSON length` ·
 * JSON text · then each binary value as `u32 length` · bytes. Every `Uint8Array` in the batch is
 * lifted out of the JSON (replaced by `{"\u0000b": index}`), so payloads cross as raw bytes instead
 * of base64 or a structured clone. Everything else must be JSON data (strings, numbers, booleans,
 * null, arrays, plain objects): that is all a hook event or result holds.
 *
 * The reader side is hostile-input safe: a frame longer than its limit, a truncated section or
 * JSON that does not parse throws {@linkcode FrameError} and the reader stops (the peer is then
 * treated as broken); nothing is buffered past the limit.
 *
 * @module
 */

/** A frame that breaks the format or its size limit. */
export class FrameError extends Error {
  override name = "FrameError";
}

const BIN_KEY = "\u0000b";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Encodes one value as a frame.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrame, encodeFrame } from "./frames.ts";
 * const frame = encodeFrame({ topic: "a/b", payload: new Uint8Array([1, 2]) });
 * assert.deepEqual(decodeFrame(frame.subarray(4)), { topic: "a/b", payload: new Uint8Array([1, 2]) });
 * ```
 */
export function encodeFrame(value: unknown): Uint8Array {
  const bins: Uint8Array[] = [];
  // `this[k]` is the value before `toJSON` (a Node Buffer would otherwise arrive as {type, data}).
  const json = JSON.stringify(value, function (this: Record<string, unknown>, k, x) {
    const raw = this[k];
    if (raw instanceof Uint8Array) {
      bins.push(raw);
      return { [BIN_KEY]: bins.length - 1 };
    }
    return x;
  }) ?? "null";
  const text = encoder.encode(json);
  let size = 8 + text.length;
  for (const b of bins) size += 4 + b.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, size - 4);
  view.setUint32(4, text.length);
  out.set(text, 8);
  let at = 8 + text.length;
  for (const b of bins) {
    view.setUint32(at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  return out;
}

/**
 * Decodes the body of one frame (everything after its length prefix). Throws FrameError.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrame, FrameError } from "./frames.ts";
 * assert.throws(() => decodeFrame(new Uint8Array([0, 0, 0, 9, 1])), FrameError);
 * ```
 */
export function decodeFrame(body: Uint8Array): unknown {
  if (body.length < 4) throw new FrameError("frame shorter than its header");
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const jsonLength = view.getUint32(0);
  if (4 + jsonLength > body.length) throw new FrameError("JSON section runs past the frame");
  const bins: Uint8Array[] = [];
  let at = 4 + jsonLength;
  while (at < body.length) {
    if (at + 4 > body.length) throw new FrameError("binary section header runs past the frame");
    const n = view.getUint32(at);
    if (at + 4 + n > body.length) throw new FrameError("binary section runs past the frame");
    bins.push(body.slice(at + 4, at + 4 + n));
    at += 4 + n;
  }
  let text: string;
  try {
    text = decoder.decode(body.subarray(4, 4 + jsonLength));
    return JSON.parse(text, (_k, x) => {
      if (x === null || typeof x !== "object" || !Object.hasOwn(x, BIN_KEY)) return x;
      const i = x[BIN_KEY];
      if (!Number.isInteger(i) || i < 0 || i >= bins.length) {
        throw new FrameError(`binary reference ${JSON.stringify(i)} is out of range`);
      }
      return bins[i];
    });
  } catch (err) {
    if (err instanceof FrameError) throw err;
    throw new FrameError(`frame is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Cuts a byte stream into frames. Feed it chunks as they arrive; it returns the decoded values of
 * every frame completed so far and keeps the rest. A frame announcing more than `maxBytes` is
 * refused from its length prefix alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame, FrameReader } from "./frames.ts";
 * const bytes = encodeFrame(["hello"]);
 * const reader = new FrameReader(1024);
 * assert.deepEqual(reader.push(bytes.subarray(0, 3)), []);
 * assert.deepEqual(reader.push(bytes.subarray(3)), [["hello"]]);
 * ```
 */
export class FrameReader {
  #chunks: Uint8Array[] = [];
  #buffered = 0;

  constructor(readonly maxBytes: number) {}

  /** Adds a chunk; returns the values of the frames it completed. Throws FrameError. */
  push(chunk: Uint8Array): unknown[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const out: unknown[] = [];
    while (this.#buffered >= 4) {
      const head = this.#peek(4);
      const size = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
      if (size > this.maxBytes) {
        throw new FrameError(`frame of ${size} bytes exceeds the limit of ${this.maxBytes}`);
      }
      if (this.#buffered < 4 + size) break;
      const whole = this.#take(4 + size);
      out.push(decodeFrame(whole.subarray(4)));
    }
    return out;
  }

  #peek(n: number): Uint8Array {
    if (this.#chunks[0].length >= n) return this.#chunks[0];
    return this.#join().subarray(0, n);
  }

  #take(n: number): Uint8Array {
    const first = this.#chunks[0];
    let whole: Uint8Array;
    if (first.length >= n) {
      whole = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      const all = this.#join();
      whole = all.subarray(0, n);
      this.#chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.#buffered -= n;
    return whole;
  }

  #join(): Uint8Array {
    const all = new Uint8Array(this.#buffered);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.#chunks = [all];
    return all;
  }
}
