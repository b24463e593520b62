/**
 * The byte framing of the RPC between the broker and a caged plugin (a process's stdin/stdout
 * pipes, a Worker's port).
 *
 * One frame carries one batch of rpc.ts frames: `u32 length of the rest` · `u8 kind` · records.
 * Kind 1 is a batch (an array, one record per element), kind 0 a single value (one JSON record).
 * The frames that carry messages (a `hook` request whose event is a message, an answer that is a
 * message, `null` or nothing; a `hooks` batch of messages and its answers, `_batch_codec.ts`) are
 * compact binary records (`_wire_codec.ts`: topic, payload, flags, publisher, properties only when
 * present); every other frame is a JSON record with its `Uint8Array`s lifted out as raw bytes. Everything must be JSON data (strings, numbers,
 * booleans, null, arrays, plain objects) or bytes: that is all a hook event or result holds.
 *
 * The reader side is hostile-input safe: a frame longer than its limit, a truncated section,
 * JSON that does not parse or a string that is not UTF-8 throws {@linkcode FrameError} and the
 * reader stops (the peer is then treated as broken); nothing is buffered past the limit.
 *
 * @module
 */

import { concatBytes } from "./_bytes.ts";
import { ByteReader, ByteWriter, FrameError } from "./_wire_codec.ts";
import { readRecords, writeRecords } from "./_records.ts";

export { FrameError };

const SINGLE = 0, BATCH = 1;

/**
 * Encodes one value as a frame (its length prefix included).
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
  scratch.reset();
  writeFrame(scratch, value);
  return scratch.bytes().slice();
}

/** The writer frames are encoded in (grown once, not per frame); frames are copied out. */
const scratch = new ByteWriter();

/** Appends `value` as one frame to `w`; on a throw nothing of it stays. */
function writeFrame(w: ByteWriter, value: unknown): void {
  const at = w.length;
  w.clearKeys(); // each frame is read on its own
  try {
    const size = w.hole();
    if (Array.isArray(value)) {
      w.u8(BATCH);
      writeRecords(w, value);
    } else {
      w.u8(SINGLE);
      w.json(value);
    }
    w.patch(size, w.length - at - 4);
  } catch (err) {
    w.truncate(at);
    throw err;
  }
}

/**
 * Decodes the body of one frame (everything after its length prefix). Throws FrameError.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrame, FrameError } from "./frames.ts";
 * assert.throws(() => decodeFrame(new Uint8Array([0, 0, 0, 0, 9, 1])), FrameError);
 * ```
 */
export function decodeFrame(body: Uint8Array, views = false): unknown {
  const r = new ByteReader(body, views);
  const kind = r.u8();
  if (kind === SINGLE) {
    const value = r.json();
    if (!r.done) throw new FrameError("bytes after the value");
    return value;
  }
  if (kind !== BATCH) throw new FrameError(`unknown frame kind ${kind}`);
  const out: unknown[] = [];
  while (!r.done) readRecords(r, out);
  return out;
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

  /** `views`: a trusted peer's binary values are read as views of its frames, not copied. */
  constructor(readonly maxBytes: number, readonly views = false) {}

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
      out.push(decodeFrame(whole.subarray(4), this.views));
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
    const all = concatBytes(this.#chunks);
    this.#chunks = [all];
    return all;
  }
}

/**
 * Writes frames to a byte sink one write at a time: frames are encoded straight into a pending
 * buffer, and those queued while a write is in flight leave together in the next one, so a slow
 * reader costs fewer, larger writes (a pipe write is a system call). Two buffers take turns (one
 * written, one filling): no allocation per frame or per write. `write` failing stops the writer
 * (the owner learns of a dead peer elsewhere).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameWriter } from "./frames.ts";
 * const writes: number[] = [];
 * const w = new FrameWriter((b) => Promise.resolve(void writes.push(b.length)));
 * w.push(new Uint8Array(3));
 * w.push(new Uint8Array(4));
 * w.pushValue(["hello"]);
 * await w.idle();
 * assert.deepEqual(writes, [3, 4 + 16]);
 * ```
 */
export class FrameWriter {
  #pending = new ByteWriter();
  #spare = new ByteWriter();
  #writing: Promise<void> | null = null;
  #failed = false;

  /** `write` must be done with the bytes when its promise settles (they are reused). */
  constructor(readonly write: (bytes: Uint8Array) => Promise<unknown>) {}

  /** Queues one encoded frame. */
  push(frame: Uint8Array): void {
    if (this.#failed) return;
    this.#pending.raw(frame);
    this.#writing ??= this.#drain();
  }

  /** Encodes `value` as one frame and queues it; throws (nothing queued) when it cannot. */
  pushValue(value: unknown): void {
    if (this.#failed) return;
    writeFrame(this.#pending, value);
    this.#writing ??= this.#drain();
  }

  /** Resolves once everything queued is written (or the sink failed). */
  async idle(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const out = this.#pending;
        this.#pending = this.#spare;
        this.#spare = out;
        await this.write(out.bytes());
        out.reset();
      }
    } catch {
      this.#failed = true;
      this.#pending.reset();
    } finally {
      this.#writing = null;
    }
  }
}

/**
 * Posts `batch` to a Worker port as one encoded frame (frames.ts), its buffer transferred: one
 * copy-free post per batch instead of a structured clone of every object in it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { postFrame, readPosted } from "./frames.ts";
 * let posted: unknown;
 * postFrame({ postMessage: (m) => posted = m }, [{ t: "msg", m: "log", a: 1 }]);
 * assert.deepEqual(readPosted(posted), [{ t: "msg", m: "log", a: 1 }]);
 * ```
 */
export function postFrame(
  port: { postMessage(m: unknown, transfer: Transferable[]): void },
  batch: unknown,
): void {
  const frame = encodeFrame(batch);
  port.postMessage(frame, [frame.buffer as ArrayBuffer]);
}

/**
 * Decodes what the other side posted with {@linkcode postFrame}; throws FrameError. `views`: the
 * sender is trusted and its binary values are read as views of the posted buffer.
 */
export function readPosted(data: unknown, views = false): unknown {
  if (!(data instanceof Uint8Array) || data.length < 4) {
    throw new TypeError("a worker message must be an encoded frame");
  }
  return decodeFrame(data.subarray(4), views);
}
