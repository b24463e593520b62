/**
 * One network connection speaking MQTT: framing and decoding inbound bytes, dispatching packets
 * to their handlers in order, batching outbound packets into few socket writes, keep alive and
 * connect timeout.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Packet } from "mqtt-packet";
import type { Broker } from "./broker.ts";
import { MqttError, ParseError, ReasonCode, reasonCodeOf } from "./errors.ts";
import { decodePacket, encodePacket } from "./codec.ts";
import { Framer } from "./framer.ts";
import { leanerVariants } from "./packet_fit.ts";
import { checkProtocolLevel, ConnectRefused, refuse } from "./handlers/connect.ts";
import { dispatch } from "./handlers/mod.ts";
import type { ClientInfo } from "./hooks.ts";
import type { Logger } from "../lib/log.ts";
import type { Message } from "./message.ts";
import type { Session } from "./session/session.ts";
import type { Connection } from "./transport/connection.ts";

/** Connection life: waiting for CONNECT, CONNECT being handled, connected, gone. */
export type ClientState = "new" | "connecting" | "connected" | "closed";

/** A will message with its v5 delay. */
export interface Will {
  msg: Message;
  /** v5 Will Delay Interval. */
  delaySeconds: number;
  /** v5 Message Expiry Interval, counted from when the will is published. */
  expirySeconds?: number;
}

/** PUBLISHes of one client whose hooks may run at once before reading pauses. */
export const PIPELINE_WINDOW = 128;

/** How long a closing connection may take to write its last packets. */
export const CLOSE_GRACE_MS = 2000;

/**
 * The broker side of one connection.
 *
 * Created by {@linkcode Broker.accept}; tests drive it through a memory pair.
 */
export class Client {
  readonly conn: Connection;
  readonly broker: Broker;
  #log?: Logger;
  #state: ClientState = "new";
  protocolVersion: 3 | 4 | 5 = 4;
  clientId = "";
  username?: string;
  superuser = false;
  cleanStart = true;
  keepalive = 0;
  will?: Will;
  session?: Session;
  /** The client's limits (v5 CONNECT properties) on what we send. */
  receiveMaximum: number;
  maxPacketSize = Infinity;
  topicAliasMaximum = 0;
  requestProblemInformation = true;
  /** The Session Expiry Interval the CONNECT asked for, before the broker's cap (v5). */
  askedSessionExpiry = 0;
  /** Topic aliases the client set towards us, and the ones we assigned towards it. */
  /** Made on first use: most clients never use topic aliases. */
  inboundAliases?: Map<number, string>;
  outboundAliases?: Map<string, number>;
  /** Inbound QoS 1/2 PUBLISHes not yet fully acknowledged (our Receive Maximum). */
  inflightIn = 0;
  /** Set when the client ended with a normal DISCONNECT (no will). */
  normalDisconnect = false;
  /** Set when the session was taken over by a new connection. */
  takenOver = false;
  readonly connectedAt: number = Date.now();
  lastActivity: number = Date.now();

  #framer: Framer;
  #pending: Promise<() => void | Promise<void>>[] = [];
  #committing?: Promise<void>;
  #onRoom?: () => void;
  #out: Buffer[] = [];
  #outBytes = 0;
  /** The write loop in progress, if any. */
  #flushing?: Promise<void>;
  #closed: Promise<void>;
  #resolveClosed!: () => void;
  /** Set by {@linkcode Client.disconnect}: writing the last packets, then closing. */
  #ending?: Promise<void>;

  /**
   * @param conn the connection to speak over
   * @param broker the broker it belongs to
   */
  constructor(conn: Connection, broker: Broker) {
    this.conn = conn;
    this.broker = broker;
    this.receiveMaximum = broker.config.mqtt.max_inflight;
    this.#framer = new Framer(broker.config.mqtt.max_packet_size);
    this.#closed = new Promise((r) => this.#resolveClosed = r);
  }

  /** Where the connection is in its life. "closed" is final: setting another state then is ignored. */
  get state(): ClientState {
    return this.#state;
  }

  set state(next: ClientState) {
    if (this.#state !== "closed") this.#state = next;
  }

  /** Resolves once the connection is closed and cleaned up. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** A logger tagged with this connection (made on first use: idle clients never log). */
  get log(): Logger {
    return this.#log ??= this.broker.log.child({
      remote: this.conn.remoteAddr,
      listener: this.conn.listener,
      clientId: this.clientId || undefined,
    });
  }

  /** Bytes handed to {@linkcode Client.send} but not yet written. */
  get backlogBytes(): number {
    return this.#outBytes;
  }

  /** Plain data describing this client, for hooks. */
  info(): ClientInfo {
    return {
      clientId: this.clientId,
      username: this.username ?? null,
      listener: this.conn.listener,
      transport: this.conn.transport as ClientInfo["transport"],
      remoteAddr: this.conn.remoteAddr,
      protocolVersion: this.protocolVersion,
      cleanStart: this.cleanStart,
      keepalive: this.keepalive,
      superuser: this.superuser,
    };
  }

  /** Reads and handles packets until the connection ends. */
  async run(): Promise<void> {
    // Counted from accept: bytes trickling in do not extend it (a slow CONNECT is closed).
    this.broker.idle.watch(this, this.broker.config.mqtt.connect_timeout_ms, this.connectedAt);
    try {
      for await (const chunk of this.conn.readable) {
        try {
          await this.#receive(chunk);
        } catch (err) {
          this.fail(err);
        }
        // Leaving the loop closes the socket: let the DISCONNECT or refusing CONNACK out first.
        if (this.state === "closed") return await this.#ending;
      }
    } finally {
      await this.#committing; // messages received before the end are routed before the will
      await this.#ending; // the peer may have closed first
      this.#teardown();
    }
  }

  /** Resets the idle timer for the negotiated keep alive (1.5 x, spec [MQTT-3.1.2-22]). */
  startKeepAlive(): void {
    if (this.keepalive > 0) this.#armTimer(this.keepalive * 1500);
    else this.#clearTimer();
  }

  /**
   * Encodes and queues `packet`; writes are batched per tick. A packet over the client's Maximum
   * Packet Size is sent without what may be left out ({@linkcode leanerVariants}); when it still
   * does not fit it is dropped and counted, false is returned, and a CONNACK that cannot fit
   * closes the connection (the client must not stay connected without one).
   */
  send(packet: Packet): boolean {
    if (this.state === "closed") return false;
    const fitted = this.#fit(packet);
    if (!fitted) return false;
    const [buf, sent] = fitted;
    this.#out.push(buf);
    this.#outBytes += buf.length;
    this.#flushing ??= Promise.resolve().then(() => this.#flush());
    if (this.broker.hooks.has("packet.sent")) {
      this.broker.hooks.notify("packet.sent", {
        clientId: this.clientId || null,
        type: sent.cmd,
        packet: sent as unknown as Record<string, unknown>,
      });
    }
    return true;
  }

  /** Encodes `packet`, or a leaner variant, within the client's Maximum Packet Size. */
  #fit(packet: Packet): [Buffer, Packet] | null {
    for (const candidate of [packet, ...leanerVariants(packet)]) {
      const buf = this.#encode(candidate);
      if (!buf) return null;
      if (buf.length <= this.maxPacketSize) return [buf, candidate];
    }
    this.broker.stats.tooLargeDropped++;
    if (packet.cmd === "connack") {
      this.log.warn("CONNACK exceeds the client's Maximum Packet Size, closing", {
        clientId: this.clientId || undefined,
        maximumPacketSize: this.maxPacketSize,
      });
      this.disconnect(ReasonCode.PacketTooLarge); // before CONNACK: nothing more is sent
    }
    return null;
  }

  /** Encodes `packet`; a packet that cannot be framed correctly is logged, counted and dropped. */
  #encode(packet: Packet): Buffer | null {
    try {
      return encodePacket(packet, this.protocolVersion);
    } catch (err) {
      this.broker.stats.packetsRefused++;
      this.log.error("Outbound packet refused", {
        clientId: this.clientId || undefined,
        type: packet.cmd,
        error: (err as Error)?.message ?? String(err),
      });
      return null;
    }
  }

  /**
   * Sends an MQTT 5 DISCONNECT with `reasonCode` and closes. Nothing is sent on v3, nor before a
   * successful CONNACK (spec [MQTT-3.14.0-1]).
   */
  disconnect(reasonCode: number, reason?: string): void {
    if (this.state === "closed") return;
    if (this.protocolVersion === 5 && this.state === "connected") {
      this.send({
        cmd: "disconnect",
        reasonCode,
        properties: this.problemInfo(reason) ? { reasonString: reason } : undefined,
      });
    }
    this.#ending = this.#endAfterFlush();
  }

  /**
   * Handles an error from decoding or a handler: logs it and disconnects this client only. The v5
   * DISCONNECT carries the message of the broker's own protocol errors, "Internal error" otherwise.
   */
  fail(err: unknown): void {
    if (this.state === "closed") return;
    if (err instanceof ConnectRefused) return refuse(this, err);
    const code = reasonCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    const fields = { clientId: this.clientId || undefined, reasonCode: hex(code), error: message };
    if (code === ReasonCode.ImplementationSpecificError) this.log.error("Client failed", fields);
    else this.log.warn("Protocol violation, disconnecting", fields);
    // Only our own protocol errors are worded for the client; anything else (a plugin's or the
    // runtime's text) stays in the log.
    const known = err instanceof MqttError || err instanceof ParseError;
    this.disconnect(code, known ? message : "Internal error");
  }

  /** Whether a reason string may be sent (v5 Request Problem Information, spec 3.1.2.11.7). */
  problemInfo(reason: string | undefined): boolean {
    return reason !== undefined && this.protocolVersion === 5 && this.requestProblemInformation;
  }

  /**
   * Closes the connection without a DISCONNECT (the client's own DISCONNECT, no CONNECT in time),
   * after writing the answers already queued: packets are answered in order (spec 4.6).
   */
  close(): void {
    if (this.state === "closed") return;
    this.#ending = this.#endAfterFlush();
  }

  /** Closes the socket now, dropping what is queued: for a connection that cannot be written. */
  #closeNow(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.conn.close();
  }

  /**
   * Handles the whole packets in `chunk`, in order (spec 4.6). An error — a framing error after
   * them, a packet that cannot be decoded, a handler's refusal — comes in its place in the order:
   * every packet before it is handled and answered first (PUBLISHes whose hooks are running
   * included), then it is thrown.
   */
  async #receive(chunk: Uint8Array): Promise<void> {
    this.lastActivity = Date.now();
    this.broker.stats.bytesReceived += chunk.length;
    const frames: Buffer[] = [];
    let framingError: Error | undefined;
    try {
      this.#framer.push(chunk, (f) => frames.push(f));
    } catch (err) {
      framingError = err as Error; // the packets cut before it come first
    }
    try {
      for (const frame of frames) {
        if (this.state === "closed") return;
        const packet = this.#decode(frame);
        // Only PUBLISHes overtake each other's hooks; anything else waits for them to commit.
        if (this.#committing && packet.cmd !== "publish") await this.#committing;
        const pending = dispatch(this, packet);
        if (pending) await pending;
      }
      if (framingError) throw framingError;
    } catch (err) {
      await this.#committing; // PUBLISHes before the error are routed and acknowledged first
      throw err;
    }
  }

  /**
   * Adds a PUBLISH whose hooks are running to the ordered pipeline: hooks of many PUBLISHes run
   * at once (a caged plugin is one round trip away), their commits (route + acknowledge) run in
   * arrival order. Reading from the client pauses while {@linkcode PIPELINE_WINDOW} are pending.
   */
  pipeline(step: Promise<() => void | Promise<void>>): void | Promise<void> {
    this.#pending.push(step);
    this.#committing ??= this.#commitInOrder();
    if (this.#pending.length < this.#window) return;
    return new Promise((resolve) => this.#onRoom = resolve);
  }

  async #commitInOrder(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const commit = await this.#pending[0];
        this.#pending.shift();
        const slowed = commit();
        if (slowed) await slowed;
        // Wake the reader at half the window, so it issues calls in bursts (one message per burst).
        if (this.#pending.length <= this.#window / 2) this.#wakeReader();
      }
    } catch (err) {
      this.#pending = [];
      this.fail(err);
    } finally {
      this.#committing = undefined;
      this.#wakeReader();
    }
  }

  /**
   * PUBLISHes pending at most. Never above our Receive Maximum: a client that ignores it (MQTT.js
   * does) is held back by TCP instead of being disconnected for 0x93 while hooks are slow.
   */
  get #window(): number {
    return Math.min(PIPELINE_WINDOW, this.broker.config.mqtt.receive_maximum);
  }

  #wakeReader(): void {
    const wake = this.#onRoom;
    this.#onRoom = undefined;
    wake?.();
  }

  #decode(frame: Buffer): Packet {
    if (this.state === "new" && frame[0] === 0x10) checkProtocolLevel(this, frame);
    const packet = decodePacket(frame, this.protocolVersion);
    this.broker.stats.packetsReceived++;
    return packet;
  }

  async #flush(): Promise<void> {
    try {
      while (this.#out.length > 0 && this.state !== "closed") {
        const chunks = this.#out;
        this.#out = [];
        const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        await this.conn.write(data);
        this.#outBytes -= data.length;
        this.broker.stats.bytesSent += data.length;
      }
    } catch {
      this.#closeNow();
    } finally {
      this.#flushing = undefined;
    }
  }

  async #endAfterFlush(): Promise<void> {
    const closing = this.state;
    this.state = "closed";
    this.#clearTimer();
    if (closing !== "closed") {
      const flushed = (async () => {
        await this.#flushing;
        if (this.#out.length > 0) {
          try {
            await this.conn.write(Buffer.concat(this.#out));
          } catch { /* peer gone */ }
          this.#out = [];
        }
      })();
      // A peer that stopped reading must not hold the close (or broker shutdown) forever.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise((r) => timer = setTimeout(r, CLOSE_GRACE_MS));
      await Promise.race([flushed, grace]);
      clearTimeout(timer);
    }
    this.conn.close();
  }

  /** The idle limit passed: no CONNECT in time, or keep alive exceeded. Called by the broker's watch. */
  onIdle(): void {
    if (this.state === "closed") return;
    if (this.state === "new" || this.state === "connecting") {
      this.log.info("No CONNECT in time, closing");
      this.close();
      return;
    }
    this.log.info("Keep alive timeout", { clientId: this.clientId });
    this.disconnect(ReasonCode.KeepAliveTimeout, "Keep alive timeout");
  }

  #armTimer(ms: number): void {
    this.broker.idle.watch(this, ms);
  }

  #clearTimer(): void {
    this.broker.idle.unwatch(this);
  }

  #teardown(): void {
    const wasConnected = this.state === "connected" ||
      (this.state === "closed" && this.session !== undefined);
    this.#clearTimer();
    if (this.state !== "closed") this.state = "closed";
    this.conn.close();
    if (wasConnected) this.broker.onClientGone(this);
    this.#resolveClosed();
  }
}

/** `0x8e` style hex for logs. */
export function hex(code: number): string {
  return "0x" + code.toString(16).padStart(2, "0");
}

export { MqttError };
