/**
 * The byte writer and reader under the cage's frames (frames.ts), and the JSON record with its
 * binary values lifted out. Message records are `_message_codec.ts`, other values
 * `_value_codec.ts`.
 *
 * The reader is hostile-input safe: every length is checked against the bytes left, strings must
 * be well-formed UTF-8, and anything out of place throws {@linkcode FrameError}.
 *
 * @module
 */

/** A frame that breaks the format or its size limit. */
export class FrameError extends Error {
  override name = "FrameError";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const BIN_KEY = "\u0000b";

/** A growable byte buffer written front to back. */
export class ByteWriter {
  #buf = new Uint8Array(1024);
  #view = new DataView(this.#buf.buffer);
  #at = 0;
  /** Object keys written in the current frame, by index (`_value_codec.ts`; frames.ts clears). */
  readonly keys = new Map<string, number>();
  #keyList: string[] = [];
  /** Where each key was first written: a truncation before it forgets it. */
  #keyAt: number[] = [];

  /** Registers `k` as the next key index, first written at the current length. */
  addKey(k: string): void {
    this.keys.set(k, this.#keyList.length);
    this.#keyList.push(k);
    this.#keyAt.push(this.#at);
  }

  clearKeys(): void {
    this.keys.clear();
    this.#keyList = [];
    this.#keyAt = [];
  }

  /** Starts over, keeping the buffer (up to 1 MiB) for the next frame. */
  reset(): void {
    this.#at = 0;
    this.clearKeys();
    if (this.#buf.length <= 1 << 20) return;
    this.#buf = new Uint8Array(1024);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#at);
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#at + n));
    next.set(this.#buf.subarray(0, this.#at));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(x: number): void {
    this.#room(1);
    this.#buf[this.#at++] = x;
  }

  u32(x: number): void {
    this.#room(4);
    this.#view.setUint32(this.#at, x);
    this.#at += 4;
  }

  f64(x: number): void {
    this.#room(8);
    this.#view.setFloat64(this.#at, x);
    this.#at += 8;
  }

  /** Reserves a u32 to be filled by `patch`; returns its offset. */
  hole(): number {
    this.u32(0);
    return this.#at - 4;
  }

  patch(at: number, x: number): void {
    this.#view.setUint32(at, x);
  }

  get length(): number {
    return this.#at;
  }

  /** Forgets what was written after `at` (a record rewritten shorter). */
  truncate(at: number): void {
    this.#at = Math.min(at, this.#at);
    while (this.#keyAt.length > 0 && this.#keyAt[this.#keyAt.length - 1] >= this.#at) {
      this.#keyAt.pop();
      this.keys.delete(this.#keyList.pop()!);
    }
  }

  bytesOf(b: Uint8Array): void {
    this.u32(b.length);
    this.raw(b);
  }

  /** Appends bytes as they are. */
  raw(b: Uint8Array): void {
    this.#room(b.length);
    this.#buf.set(b, this.#at);
    this.#at += b.length;
  }

  str(s: string): void {
    this.#room(4 + s.length * 3);
    const buf = this.#buf, start = this.#at + 4, n = s.length;
    let i = 0;
    // ASCII inline (topics, client ids); the rest through the encoder.
    for (; i < n && i < 64; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[start + i] = c;
    }
    const written = i === n ? n : encoder.encodeInto(s, buf.subarray(start)).written;
    this.#view.setUint32(this.#at, written);
    this.#at = start + written;
  }

  /** JSON of `value` with every Uint8Array lifted out as raw bytes after the text. */
  json(value: unknown): void {
    const bins: Uint8Array[] = [];
    // `this[k]` is the value before `toJSON` (a Node Buffer would otherwise arrive as {type, data}).
    const text = JSON.stringify(value, function (this: Record<string, unknown>, k, x) {
      const raw = this[k];
      if (raw instanceof Uint8Array) {
        bins.push(raw);
        return { [BIN_KEY]: bins.length - 1 };
      }
      return x;
    }) ?? "null";
    this.str(text);
    this.u32(bins.length);
    for (const b of bins) this.bytesOf(b);
  }
}

/** Reads what {@linkcode ByteWriter} wrote; every read is bounds-checked. */
export class ByteReader {
  #view: DataView;
  at = 0;
  /** Object keys read so far in this frame, by index (`_value_codec.ts`). */
  readonly keys: string[] = [];

  /** `views`: binary values are views of `buf` (a trusted peer's frame), not copies. */
  constructor(readonly buf: Uint8Array, readonly views = false) {
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  /** The next `n` bytes (a view), after checking they are there. */
  #take(n: number, what: string): Uint8Array {
    this.#need(n, what);
    this.at += n;
    return this.buf.subarray(this.at - n, this.at);
  }

  #need(n: number, what: string): void {
    if (this.at + n > this.buf.length) throw new FrameError(`${what} runs past the frame`);
  }

  u8(): number {
    this.#need(1, "a byte");
    return this.buf[this.at++];
  }

  u32(): number {
    this.#need(4, "a length");
    const x = this.#view.getUint32(this.at);
    this.at += 4;
    return x;
  }

  f64(): number {
    this.#need(8, "a number");
    const x = this.#view.getFloat64(this.at);
    this.at += 8;
    return x;
  }

  bytes(): Uint8Array {
    const b = this.#take(this.u32(), "a binary value");
    return this.views ? b : b.slice();
  }

  str(): string {
    return this.strOf(this.u32());
  }

  /** A string of `n` bytes (its length already read). */
  strOf(n: number): string {
    const view = this.#take(n, "a string");
    if (view.length <= 64 && isAscii(view)) {
      return String.fromCharCode.apply(null, view as unknown as number[]);
    }
    try {
      return decoder.decode(view);
    } catch {
      throw new FrameError("a string is not valid UTF-8");
    }
  }

  /** JSON text without binary values. */
  plainJson(): unknown {
    const text = this.str();
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new FrameError(`frame is not valid JSON: ${(err as Error).message}`);
    }
  }

  json(): unknown {
    const text = this.str();
    const count = this.u32();
    if (count > this.buf.length - this.at) throw new FrameError("too many binary values");
    const bins: Uint8Array[] = [];
    for (let i = 0; i < count; i++) bins.push(this.bytes());
    try {
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
}

function isAscii(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) return false;
  return true;
}
