/**
 * The compact binary layout of the frames that carry messages (frames.ts): a `hook` request whose
 * event is a message, and an answer whose value is a message or nothing. A message is written once
 * as topic, payload, QoS/retain flags, publisher and (only when present) its properties, instead of
 * as JSON text; every other frame is JSON with its binary values lifted out.
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

/** Flags of a message record. */
const RETAIN = 4, USERNAME = 8, PROPERTIES = 16, CORRELATION = 32;

/** A growable byte buffer written front to back. */
export class ByteWriter {
  #buf = new Uint8Array(1024);
  #view = new DataView(this.#buf.buffer);
  #at = 0;

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
  }

  bytesOf(b: Uint8Array): void {
    this.u32(b.length);
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

  constructor(readonly buf: Uint8Array) {
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

  bytes(): Uint8Array {
    return this.#take(this.u32(), "a binary value").slice();
  }

  str(): string {
    const view = this.#take(this.u32(), "a string");
    const n = view.length;
    if (n <= 64 && view.every((b) => b < 0x80)) return String.fromCharCode(...view);
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

/** A value with a message's shape, as a hook sees one (extra fields do not cross). */
interface WireMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: Record<string, unknown>;
  from: { clientId: string; username: string | null };
}

/**
 * Whether `v` can cross as a message record: the fields a message has, of their types. Anything
 * else crosses as JSON (and is read by the same checks on arrival).
 */
export function isWireMessage(v: unknown): v is WireMessage {
  if (v === null || typeof v !== "object") return false;
  const m = v as Record<string, unknown>;
  const from = m.from as Record<string, unknown> | null | undefined;
  const props = m.properties;
  // A string that is not well-formed (a lone surrogate) crosses as JSON, exactly as it is, so
  // that the broker's checks see it (the encoder would turn it into U+FFFD).
  return typeof m.topic === "string" && m.topic.isWellFormed() && m.payload instanceof Uint8Array &&
    (m.qos === 0 || m.qos === 1 || m.qos === 2) && typeof m.retain === "boolean" &&
    typeof from === "object" && from !== null && typeof from.clientId === "string" &&
    from.clientId.isWellFormed() &&
    (from.username === null ||
      (typeof from.username === "string" && from.username.isWellFormed())) &&
    (props === undefined || (typeof props === "object" && props !== null &&
      !Array.isArray(props) && Object.getPrototypeOf(props) === Object.prototype));
}

/** Writes a message (see {@linkcode isWireMessage}). */
export function writeMessage(w: ByteWriter, m: WireMessage): void {
  const props = m.properties;
  let rest: Record<string, unknown> | null = null;
  let correlation: unknown;
  if (props) {
    for (const k in props) {
      if (props[k] === undefined) continue;
      if (k === "correlationData") correlation = props[k];
      else (rest ??= {})[k] = props[k];
    }
  }
  const cd = correlation instanceof Uint8Array ? correlation : null;
  if (correlation !== undefined && !cd) (rest ??= {}).correlationData = correlation;
  w.u8(
    m.qos | (m.retain ? RETAIN : 0) | (m.from.username !== null ? USERNAME : 0) |
      (rest ? PROPERTIES : 0) | (cd ? CORRELATION : 0),
  );
  w.str(m.topic);
  w.bytesOf(m.payload);
  w.str(m.from.clientId);
  if (m.from.username !== null) w.str(m.from.username);
  if (rest) w.str(JSON.stringify(rest));
  if (cd) w.bytesOf(cd);
}

/** Reads a message written by {@linkcode writeMessage}. */
export function readMessage(r: ByteReader): WireMessage {
  const flags = r.u8();
  if ((flags & 3) === 3 || flags > 63) throw new FrameError("bad message flags");
  const topic = r.str();
  const payload = r.bytes();
  const clientId = r.str();
  const username = flags & USERNAME ? r.str() : null;
  let properties: Record<string, unknown> = {};
  if (flags & PROPERTIES) {
    const p = r.plainJson();
    if (p === null || typeof p !== "object" || Array.isArray(p)) {
      throw new FrameError("message properties are not an object");
    }
    properties = p as Record<string, unknown>;
  }
  if (flags & CORRELATION) properties.correlationData = r.bytes();
  return {
    topic,
    payload,
    qos: (flags & 3) as 0 | 1 | 2,
    retain: (flags & RETAIN) !== 0,
    properties,
    from: { clientId, username },
  };
}
