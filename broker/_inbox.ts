/**
 * The read path of one connection: inbound bytes cut into whole packets, decoded in the client's
 * protocol version, handed on in order (spec 4.6).
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

/** What an {@linkcode Inbox} reads for and hands packets to. */
export interface InboxHost {
  state(): ClientState;
  /** The protocol level, set from a CONNECT's raw frame before it is decoded. */
  readonly negotiated: Pick<Negotiated, "protocolVersion">;
  readonly stats: Pick<Stats, "packetsReceived" | "bytesReceived">;
  /** Resolves once the PUBLISHes whose hooks are running are committed; undefined when none. */
  committing(): Promise<void> | undefined;
  /** Handles one packet. */
  handle(packet: Packet): void | Promise<void>;
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
 *   state: () => "connected",
 *   negotiated: { protocolVersion: 4 },
 *   stats: { packetsReceived: 0, bytesReceived: 0 },
 *   committing: () => undefined,
 *   handle: (p) => void got.push(p.cmd),
 * });
 * await inbox.receive(Uint8Array.of(0xc0, 0x00, 0xc0)); // a PINGREQ and a third of one
 * await inbox.receive(Uint8Array.of(0x00));
 * assert.deepEqual(got, ["pingreq", "pingreq"]);
 * ```
 */
export class Inbox {
  #framer: Framer;
  #host: InboxHost;

  /**
   * @param maxPacketSize largest packet accepted
   * @param host where packets go
   */
  constructor(maxPacketSize: number, host: InboxHost) {
    this.#framer = new Framer(maxPacketSize);
    this.#host = host;
  }

  /**
   * Handles the whole packets in `chunk`, in order (spec 4.6). An error — a framing error after
   * them, a packet that cannot be decoded, a handler's refusal — comes in its place in the order:
   * every packet before it is handled and answered first (PUBLISHes whose hooks are running
   * included), then it is thrown.
   */
  async receive(chunk: Uint8Array): Promise<void> {
    const host = this.#host;
    host.stats.bytesReceived += chunk.length;
    const frames: Buffer[] = [];
    let framingError: Error | undefined;
    try {
      this.#framer.push(chunk, (f) => frames.push(f));
    } catch (err) {
      framingError = err as Error; // the packets cut before it come first
    }
    try {
      for (const frame of frames) {
        if (host.state() === "closed") return;
        const packet = this.#decode(frame);
        // Only PUBLISHes overtake each other's hooks; anything else waits for them to commit.
        const committing = host.committing();
        if (committing && packet.cmd !== "publish") await committing;
        const pending = host.handle(packet);
        if (pending) await pending;
      }
      if (framingError) throw framingError;
    } catch (err) {
      await host.committing(); // PUBLISHes before the error are routed and acknowledged first
      throw err;
    }
  }

  #decode(frame: Buffer): Packet {
    const host = this.#host;
    if (host.state() === "new" && frame[0] === 0x10) checkProtocolLevel(host.negotiated, frame);
    const packet = decodePacket(frame, host.negotiated.protocolVersion);
    host.stats.packetsReceived++;
    return packet;
  }
}
