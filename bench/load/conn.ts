/**
 * One raw MQTT connection for the load generator: `Deno.connect`, a read loop that frames packets
 * in place (no allocation per packet) and a serialized writer.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** Called per complete packet; the packet's body is `buf[start..end)`. */
export type PacketHandler = (first: number, buf: Uint8Array, start: number, end: number) => void;

/** A TCP connection that speaks MQTT frames. */
export class MqttConn {
  /** Called for every packet. */
  onPacket: PacketHandler = () => {};
  /** Called after the packets of one read have been handled (to flush batched replies). */
  onReadEnd: () => void = () => {};
  /** Resolves when the read side ends (EOF or error). */
  readonly closed: Promise<void>;
  #conn: Deno.TcpConn;
  #queue: Uint8Array[] = [];
  #writing: Promise<void> | null = null;
  #error: unknown = null;
  #buf: Uint8Array;

  private constructor(conn: Deno.TcpConn, bufferSize: number) {
    this.#conn = conn;
    this.#buf = new Uint8Array(bufferSize);
    this.closed = this.#readLoop();
  }

  /** Opens a connection and starts reading. `bufferSize` bounds one read. */
  static async open(host: string, port: number, bufferSize = 65536): Promise<MqttConn> {
    const conn = await Deno.connect({ hostname: host, port });
    conn.setNoDelay(true);
    return new MqttConn(conn, bufferSize);
  }

  /** Queues bytes; writes are serialized and coalesced. The caller must not reuse `bytes`. */
  write(bytes: Uint8Array): void {
    if (this.#error) throw this.#error;
    this.#queue.push(bytes);
    if (!this.#writing) this.#writing = this.#pump();
  }

  /** Writes `bytes` and waits until everything queued so far is written (back pressure). */
  async send(bytes: Uint8Array): Promise<void> {
    this.write(bytes);
    await this.#writing;
    if (this.#error) throw this.#error;
  }

  /** Waits for the first packet of `type` and returns a copy of its body, or rejects after `timeoutMs`. */
  expect(what: string, type: number, timeoutMs: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), timeoutMs);
      this.closed.then(() => {
        clearTimeout(timer);
        reject(new Error(`Connection closed while waiting for ${what}`));
      });
      this.onPacket = (first, buf, start, end) => {
        if (first >> 4 !== type) return;
        clearTimeout(timer);
        this.onPacket = () => {};
        resolve(buf.slice(start, end));
      };
    });
  }

  /** Closes the socket; safe to call twice. */
  close(): void {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  async #pump(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const chunk = this.#queue.length === 1 ? this.#queue[0] : Buffer.concat(this.#queue);
        this.#queue = [];
        let off = 0;
        while (off < chunk.length) off += await this.#conn.write(chunk.subarray(off));
      }
    } catch (err) {
      this.#error = err;
    } finally {
      this.#writing = null;
    }
  }

  async #readLoop(): Promise<void> {
    let fill = 0;
    try {
      while (true) {
        if (fill === this.#buf.length) this.#buf = grow(this.#buf);
        const n = await this.#conn.read(this.#buf.subarray(fill));
        if (n === null) return;
        fill += n;
        const used = this.#frame(fill);
        if (used > 0) {
          this.#buf.copyWithin(0, used, fill);
          fill -= used;
        }
        this.onReadEnd();
      }
    } catch {
      // reset or closed by us: the read side is over either way
    }
  }

  /** Hands every complete packet in `buf[0..fill)` to `onPacket`; returns the bytes consumed. */
  #frame(fill: number): number {
    const buf = this.#buf;
    let off = 0;
    while (fill - off >= 2) {
      let len = 0;
      let mul = 1;
      let i = off + 1;
      let complete = false;
      while (i < fill && i < off + 5) {
        const d = buf[i++];
        len += (d & 127) * mul;
        mul *= 128;
        if ((d & 128) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || i + len > fill) break;
      this.onPacket(buf[off], buf, i, i + len);
      off = i + len;
    }
    return off;
  }
}

function grow(buf: Uint8Array): Uint8Array {
  const bigger = new Uint8Array(buf.length * 2);
  bigger.set(buf);
  return bigger;
}

/** Packet type nibble of a first byte (3 = PUBLISH, 4 = PUBACK, ...). */
export function packetType(first: number): number {
  return first >> 4;
}
