/**
 * The write path of one connection: packets encoded within the client's Maximum Packet Size,
 * queued and written in batches (one socket write per tick), and the last write of a closing
 * connection, bounded in time.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Packet } from "mqtt-packet";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import { fitPacket } from "./packet_fit.ts";
import type { ClientState } from "./core_types.ts";
import type { Stats } from "./stats.ts";
import type { Connection } from "./transport/connection.ts";

/** How long a closing connection may take to write its last packets. */
export const CLOSE_GRACE_MS = 2000;

/** The connection an {@linkcode Outbox} writes for (its client). */
export interface OutboxHost {
  readonly conn: Pick<Connection, "write">;
  /** Batches are written until the connection is closing ("closed"). */
  readonly state: ClientState;
  /** Where a packet that cannot be encoded is reported. */
  readonly log: Logger;
  /** A write failed: the peer is gone. */
  writeFailed(): void;
}

/** What every connection's outbox shares: the broker's counters and clock. */
export interface OutboxShared {
  stats: Pick<Stats, "bytesSent" | "packetsRefused" | "tooLargeDropped">;
  clock: Clock;
}

/**
 * Outbound bytes of one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { systemClock } from "../lib/clock.ts";
 * import { silentLogger } from "../lib/log.ts";
 * import { Outbox } from "./_outbox.ts";
 * const written: number[] = [];
 * const outbox = new Outbox({
 *   conn: { write: (b) => Promise.resolve(void written.push(b.length)) },
 *   state: "connected",
 *   log: silentLogger,
 *   writeFailed: () => {},
 * }, { stats: { bytesSent: 0, packetsRefused: 0, tooLargeDropped: 0 }, clock: systemClock });
 * outbox.send({ cmd: "pingresp" }, 4, Infinity);
 * outbox.send({ cmd: "pingresp" }, 4, Infinity);
 * assert.equal(outbox.bytes, 4);
 * await outbox.finish();
 * assert.deepEqual(written, [4]); // one write for the batch
 * ```
 */
export class Outbox {
  #host: OutboxHost;
  #shared: OutboxShared;
  /** Encoded packets not yet written; null when none (an idle connection holds no array). */
  #out: Buffer[] | null = null;
  #bytes = 0;
  /** The write loop in progress, if any. */
  #flushing?: Promise<void>;
  /** Run once after the next socket write completes (or the write loop stops). */
  #drained: (() => void)[] | null = null;

  /**
   * @param host the connection to write for
   * @param shared the broker's counters and clock
   */
  constructor(host: OutboxHost, shared: OutboxShared) {
    this.#host = host;
    this.#shared = shared;
  }

  /** Bytes queued but not yet written. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Encodes and queues `packet`, or a leaner variant within `maxSize` (`packet_fit.ts`); returns
   * the packet queued. A packet that fits in no variant is counted and dropped ("too_large"); one
   * that cannot be framed correctly is logged, counted and dropped ("refused").
   */
  send(packet: Packet, version: 3 | 4 | 5, maxSize: number): Packet | "too_large" | "refused" {
    const shared = sharedPublish(packet, version, maxSize);
    if (shared) {
      this.#push(shared);
      return packet;
    }
    let fitted;
    try {
      fitted = fitPacket(packet, version, maxSize);
    } catch (err) {
      this.#shared.stats.packetsRefused++;
      this.#host.log.error("Outbound packet refused", {
        type: packet.cmd,
        error: (err as Error)?.message ?? String(err),
      });
      return "refused";
    }
    if (!fitted) {
      this.#shared.stats.tooLargeDropped++;
      if (packet.cmd === "connack") {
        this.#host.log.warn("CONNACK exceeds the client's Maximum Packet Size, closing", {
          maximumPacketSize: maxSize,
        });
      }
      return "too_large";
    }
    if (fitted.packet === packet) keepShared(packet, version, fitted.bytes);
    this.#push(fitted.bytes);
    return fitted.packet;
  }

  /**
   * Runs `fn` once, after the write in progress completes or the write loop stops (failure,
   * closing); on the next microtask when nothing is being written.
   */
  onDrained(fn: () => void): void {
    if (this.#flushing) (this.#drained ??= []).push(fn);
    else queueMicrotask(fn);
  }

  #runDrained(): void {
    const waiting = this.#drained;
    if (!waiting) return;
    this.#drained = null;
    for (const fn of waiting) {
      try {
        fn();
      } catch (error) {
        this.#host.log.error("Drained callback failed", { error });
      }
    }
  }

  /** Queues `buf`; the batch is written on the next microtask. */
  #push(buf: Buffer): void {
    (this.#out ??= []).push(buf);
    this.#bytes += buf.length;
    this.#flushing ??= Promise.resolve().then(() => this.#flush());
  }

  /**
   * Writes what is still queued after the write in progress, giving up after `graceMs`: a peer
   * that stopped reading must not hold a close (or broker shutdown) forever.
   */
  async finish(graceMs = CLOSE_GRACE_MS): Promise<void> {
    const { clock } = this.#shared;
    let timer: unknown;
    const grace = new Promise((r) => timer = clock.setTimer(() => r(undefined), graceMs));
    await Promise.race([this.#writeRest(), grace]);
    clock.clearTimer(timer);
  }

  async #writeRest(): Promise<void> {
    await this.#flushing;
    const rest = this.#out;
    if (!rest) return;
    this.#out = null;
    try {
      await this.#host.conn.write(Buffer.concat(rest));
    } catch { /* peer gone */ }
  }

  async #flush(): Promise<void> {
    const host = this.#host;
    const { stats } = this.#shared;
    try {
      while (this.#out && host.state !== "closed") {
        const chunks = this.#out;
        this.#out = null;
        const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        await host.conn.write(data);
        this.#bytes -= data.length;
        stats.bytesSent += data.length;
        this.#runDrained();
      }
    } catch {
      host.writeFailed();
    } finally {
      this.#flushing = undefined;
      this.#runDrained();
    }
  }
}

/**
 * The last MQTT 3.1 / 3.1.1 QoS 0 PUBLISH encoded, by any connection: one message routed to many
 * subscribers has the same bytes for each (no packet id, no properties), so it is encoded once
 * and its bytes shared (they are never written into). Kept until the current job ends, and
 * matched on the payload's identity: a message routed later is encoded afresh.
 */
let lastQos0: { packet: Packet & { cmd: "publish" }; version: number; bytes: Buffer } | null = null;

/** The shared bytes of `packet` when it is the last QoS 0 PUBLISH encoded, or undefined. */
function sharedPublish(packet: Packet, version: number, maxSize: number): Buffer | undefined {
  const last = lastQos0;
  if (!last || packet.cmd !== "publish") return undefined;
  const p = last.packet;
  if (
    packet.payload === p.payload && packet.topic === p.topic && packet.qos === 0 &&
    packet.retain === p.retain && !packet.dup && version === last.version &&
    last.bytes.length <= maxSize
  ) return last.bytes;
}

/** Remembers `bytes` as the encoding of `packet` when it is a v3/v4 QoS 0 PUBLISH. */
function keepShared(packet: Packet, version: number, bytes: Buffer): void {
  if (packet.cmd !== "publish" || packet.qos !== 0 || version === 5 || packet.dup) return;
  if (lastQos0 === null) queueMicrotask(() => lastQos0 = null);
  lastQos0 = { packet, version, bytes };
}
