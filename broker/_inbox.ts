/**
 * The read path of one connection: inbound bytes cut into whole packets (it is the connection's
 * {@linkcode Framer}), decoded in the client's protocol version, handed on in order (spec 4.6).
 * Synchronous while the handlers are: a Promise only when one of them waits.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Packet } from "mqtt-packet";
import { decodePacket } from "./codec.ts";
import type { ClientState, Negotiated } from "./core_types.ts";
import { Framer } from "./framer.ts";
import { checkProtocolLevel } from "./handlers/connect_fields.ts";
import type { Stats } from "./stats.ts";

/** What an {@linkcode Inbox} reads for and hands packets to (the connection's client). */
export interface InboxHost {
  readonly state: ClientState;
  /** The protocol level, set from a CONNECT's raw frame before it is decoded. */
  readonly negotiated: Pick<Negotiated, "protocolVersion">;
  /** Resolves once the PUBLISHes whose hooks are running are committed; undefined when none. */
  readonly committing: Promise<void> | undefined;
  /** Handles one packet. */
  handle(packet: Packet): void | Promise<void>;
  /** The connection fails with `err` (thrown by the read path, in its place in the order). */
  fail(err: unknown): void;
}

/**
 * Inbound bytes of one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Inbox } from "./_inbox.ts";
 * const got: string[] = [];
 * const inbox = new Inbox(1024, {
 *   state: "connected",
 *   negotiated: { protocolVersion: 4 },
 *   committing: undefined,
 *   handle: (p) => void got.push(p.cmd),
 *   fail: (err) => { throw err; },
 * }, { packetsReceived: 0, bytesReceived: 0 });
 * inbox.receive(Uint8Array.of(0xc0, 0x00, 0xc0)); // a PINGREQ and a third of one
 * inbox.receive(Uint8Array.of(0x00));
 * assert.deepEqual(got, ["pingreq", "pingreq"]);
 * ```
 */
export class Inbox extends Framer {
  #host: InboxHost;
  #stats: Pick<Stats, "packetsReceived" | "bytesReceived">;

  /**
   * @param maxPacketSize largest packet accepted
   * @param host where packets go
   * @param stats the broker's counters
   */
  constructor(
    maxPacketSize: number,
    host: InboxHost,
    stats: Pick<Stats, "packetsReceived" | "bytesReceived">,
  ) {
    super(maxPacketSize);
    this.#host = host;
    this.#stats = stats;
  }

  /**
   * Handles the whole packets in `chunk`, in order (spec 4.6). An error — a framing error after
   * them, a packet that cannot be decoded, a handler's refusal — comes in its place in the order:
   * every packet before it is handled and answered first (PUBLISHes whose hooks are running
   * included), then the host fails with it. Returns a Promise only when a handler or a commit is
   * pending; it never rejects.
   */
  receive(chunk: Uint8Array): void | Promise<void> {
    let pending;
    try {
      pending = this.#receive(chunk);
    } catch (err) {
      return this.#host.fail(err);
    }
    if (pending) return pending.catch((err) => this.#host.fail(err));
  }

  #receive(chunk: Uint8Array): void | Promise<void> {
    this.#stats.bytesReceived += chunk.length;
    const frames: Buffer[] = [];
    let framingError: Error | undefined;
    try {
      this.push(chunk, (f) => frames.push(f));
    } catch (err) {
      framingError = err as Error; // the packets cut before it come first
    }
    return this.#handle(frames, 0, framingError);
  }

  /** Handles `frames` from `from` on, synchronously until a handler or a commit waits. */
  #handle(frames: Buffer[], from: number, framingError?: Error): void | Promise<void> {
    const host = this.#host;
    for (let i = from; i < frames.length; i++) {
      if (host.state === "closed") return;
      let pending: void | Promise<void>;
      try {
        const packet = this.#decode(frames[i]);
        // Only PUBLISHes overtake each other's hooks; anything else waits for them to commit.
        const committing = host.committing;
        if (committing && packet.cmd !== "publish") {
          return this.#after(committing.then(() => host.handle(packet)), frames, i, framingError);
        }
        pending = host.handle(packet);
      } catch (err) {
        return this.#fail(err);
      }
      if (pending) return this.#after(pending, frames, i, framingError);
    }
    if (framingError) return this.#fail(framingError);
  }

  /** Goes on after frame `i` once `pending` (its handling) settled. */
  async #after(
    pending: Promise<void | Promise<void>>,
    frames: Buffer[],
    i: number,
    framingError?: Error,
  ): Promise<void> {
    try {
      await (await pending); // a commit's wait, then the handler's own
    } catch (err) {
      return await this.#fail(err);
    }
    await this.#handle(frames, i + 1, framingError);
  }

  /** PUBLISHes before the error are routed and acknowledged first, then it is thrown. */
  #fail(err: unknown): Promise<void> {
    const committing = this.#host.committing;
    if (!committing) throw err;
    return committing.then(() => {
      throw err;
    });
  }

  #decode(frame: Buffer): Packet {
    const host = this.#host;
    if (host.state === "new" && frame[0] === 0x10) checkProtocolLevel(host.negotiated, frame);
    const packet = decodePacket(frame, host.negotiated.protocolVersion);
    this.#stats.packetsReceived++;
    return packet;
  }
}
