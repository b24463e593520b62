/**
 * One fuzz connection, over the memory transport or TCP, as the fuzzer sees it: writes that report
 * a closed peer, the broker's output cut into packets, waiting for a condition with a deadline.
 *
 * @module
 */
import type { ClientEnd } from "../broker/transport/memory.ts";
import { header } from "./mutate.ts";

/** One packet the broker sent: its bytes and where its body starts. */
export interface OutPacket {
  bytes: Uint8Array;
  start: number;
}

/** The client end of one connection to the broker. */
export class Wire {
  /** Whole packets received so far. */
  readonly packets: OutPacket[] = [];
  /** Bytes of a packet not complete yet (should be empty once the broker closes). */
  pending: Uint8Array = new Uint8Array(0);
  /** Whether the broker closed the connection (read side ended). */
  closed = false;
  /** Resolves when the read side ends (and, in memory mode, when the broker's accept() ends). */
  readonly done: Promise<void>;
  #wake: (() => void)[] = [];
  #write: (b: Uint8Array) => Promise<void>;
  #close: () => void;

  private constructor(
    write: (b: Uint8Array) => Promise<void>,
    close: () => void,
    read: () => Promise<Uint8Array | null>,
    served?: Promise<void>,
  ) {
    this.#write = write;
    this.#close = close;
    const loop = this.#readLoop(read);
    this.done = served ? Promise.all([loop, served]).then(() => {}) : loop;
  }

  /** A wire over a memory pair; `served` is the broker's `accept()` promise. */
  static memory(end: ClientEnd, served: Promise<void>): Wire {
    return new Wire((b) => end.write(b), () => end.close(), () => end.read(), served);
  }

  /** A wire over a TCP connection. */
  static tcp(conn: Deno.TcpConn): Wire {
    const buf = new Uint8Array(64 * 1024);
    let closed = false;
    const write = async (b: Uint8Array) => {
      for (let done = 0; done < b.length;) done += await conn.write(b.subarray(done));
    };
    const close = () => {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch { /* already closed */ }
    };
    const read = async () => {
      try {
        const n = await conn.read(buf);
        return n === null ? null : buf.slice(0, n);
      } catch {
        return null;
      }
    };
    const wire = new Wire(write, close, read);
    wire.done.then(close);
    return wire;
  }

  /** Writes `bytes`; false if the connection is closed. */
  async write(bytes: Uint8Array): Promise<boolean> {
    if (this.closed) return false;
    try {
      await this.#write(bytes);
      return true;
    } catch {
      return false;
    }
  }

  /** Closes our side. */
  close(): void {
    this.#close();
  }

  /** Waits until `cond()` holds or the broker closes; false on timeout. */
  async until(cond: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!cond() && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, left);
        this.#wake.push(resolve);
      });
      clearTimeout(timer);
    }
    return true;
  }

  /** Packets of `type` (upper nibble of the first byte) received so far. */
  count(type: number): number {
    return this.packets.filter((p) => p.bytes[0] >> 4 === type).length;
  }

  async #readLoop(read: () => Promise<Uint8Array | null>): Promise<void> {
    for (let chunk = await read(); chunk !== null; chunk = await read()) {
      this.#take(chunk);
      this.#notify();
    }
    this.closed = true;
    this.#notify();
  }

  #notify(): void {
    for (const wake of this.#wake.splice(0)) wake();
  }

  #take(chunk: Uint8Array): void {
    let buf = this.pending.length ? new Uint8Array([...this.pending, ...chunk]) : chunk;
    for (;;) {
      const h = header(buf);
      if (!h || buf.length < h.start + h.length) break;
      this.packets.push({ bytes: buf.slice(0, h.start + h.length), start: h.start });
      buf = buf.subarray(h.start + h.length);
    }
    this.pending = buf.slice();
  }
}
