/**
 * One network connection speaking MQTT: framing and decoding inbound bytes, dispatching packets
 * to their handlers in order, keep alive and connect timeout. Outbound bytes go through an
 * `Outbox` (`_outbox.ts`), PUBLISHes whose hooks are running through a `PublishPipeline`
 * (`_pipeline.ts`). The broker is reached through the narrow {@linkcode ClientHost}. An idle
 * connection is a few small objects: the client is its connection's reader (no read loop, no
 * pending promise); what most never use (pipeline, `closed`, flow, logger) is made on first use.
 *
 * @module
 */
import type { Packet } from "mqtt-packet";
import {
  type ClientConnection,
  type ClientHost,
  clientInfo,
  type ClientState,
  type ConnectionFlow,
  type EndReason,
  type Negotiated,
  newNegotiated,
} from "./core_types.ts";
import { failureOf, hexCode, ReasonCode } from "./errors.ts";
import { ConnectRefused, refuse } from "./handlers/connect.ts";
import { dispatch } from "./handlers/mod.ts";
import { type ClientInfo, emit } from "./hooks.ts";
import type { Logger } from "../lib/log.ts";
import type { Session } from "./session/session.ts";
import type { Connection, ConnectionReader } from "./transport/connection.ts";
import { Inbox } from "./_inbox.ts";
import { Outbox } from "./_outbox.ts";
import { type Commit, PIPELINE_WINDOW, PublishPipeline } from "./_pipeline.ts";

/** The broker side of one connection, made by `Broker.accept` (tests: over a memory pair). */
export class Client implements ClientConnection, ConnectionReader {
  readonly conn: Connection;
  readonly negotiated: Negotiated;
  readonly connectedAt: number;
  /** When the client last sent bytes (read by the idle watch). */
  lastActivity: number;
  #host: ClientHost;
  #log?: Logger;
  #state: ClientState = "new";
  #session?: Session;
  #endReason?: EndReason;
  #inbox: Inbox;
  #outbox: Outbox;
  #pipeline?: PublishPipeline;
  #flow?: ConnectionFlow;
  /** Made when asked for; null once the connection is cleaned up. */
  #closed?: PromiseWithResolvers<void> | null;
  /** Set when closing starts: writing the last packets, then closing. */
  #ending?: Promise<void>;

  /**
   * @param conn the connection to speak over
   * @param host the broker it belongs to
   */
  constructor(conn: Connection, host: ClientHost) {
    const { mqtt } = host.config;
    this.conn = conn;
    this.#host = host;
    this.connectedAt = this.lastActivity = host.clock.now();
    this.negotiated = newNegotiated(mqtt.max_inflight);
    this.#inbox = new Inbox(mqtt.max_packet_size, this, host.stats);
    this.#outbox = new Outbox(this, host);
  }

  /** Where the connection is in its life. "closed" is final. */
  get state(): ClientState {
    return this.#state;
  }

  /** Shorthand for `negotiated.protocolVersion`. */
  get protocolVersion(): 3 | 4 | 5 {
    return this.negotiated.protocolVersion;
  }

  /** Shorthand for `negotiated.clientId`. */
  get clientId(): string {
    return this.negotiated.clientId;
  }

  /** Protocol state the handlers keep (made on first use). */
  get flow(): ConnectionFlow {
    return this.#flow ??= { inflightIn: 0 };
  }

  /** Resolves once the PUBLISHes whose hooks are running are committed; undefined when none. */
  get committing(): Promise<void> | undefined {
    return this.#pipeline?.committing;
  }

  /** The session, once the CONNECT opened it. */
  get session(): Session | undefined {
    return this.#session;
  }

  /** Why the connection ended: the first reason recorded, "abnormal" when none was. */
  get endReason(): EndReason {
    return this.#endReason ?? "abnormal";
  }

  /** Resolves once the connection is closed and cleaned up. */
  get closed(): Promise<void> {
    if (this.#closed === null) return Promise.resolve();
    return (this.#closed ??= Promise.withResolvers()).promise;
  }

  /** A logger tagged with this connection (made on first use: idle clients never log). */
  get log(): Logger {
    return this.#log ??= this.#host.log.child({
      remote: this.conn.remoteAddr,
      listener: this.conn.listener,
      clientId: this.clientId || undefined,
    });
  }

  /** Bytes handed to {@linkcode Client.send} but not yet written. */
  get backlogBytes(): number {
    return this.#outbox.bytes;
  }

  /** Runs `fn` once, after the socket write in progress completes (or writing stops). */
  onDrained(fn: () => void): void {
    this.#outbox.onDrained(fn);
  }

  /** Plain data describing this client, for hooks. */
  info(): ClientInfo {
    return clientInfo(this.conn, this.negotiated);
  }

  /** CONNECT steps: the CONNECT is being handled, or it was accepted (keep alive starts). */
  enter(state: "connecting" | "connected"): void {
    if (this.#state === "closed") return;
    this.#state = state;
    if (state !== "connected") return;
    // Keep alive: 1.5 x the negotiated one (spec [MQTT-3.1.2-22]).
    const { keepalive } = this.negotiated;
    if (keepalive > 0) this.#host.idle.watch(this, keepalive * 1500);
    else this.#host.idle.unwatch(this);
  }

  /** The session this connection uses from now on (set by the broker). */
  attach(session: Session): void {
    this.#session = session;
  }

  /** Starts reading; the connect timeout counts from accept (a slow CONNECT is closed). */
  start(): void {
    this.#host.idle.watch(this, this.#host.config.mqtt.connect_timeout_ms, this.connectedAt);
    this.conn.start(this);
  }

  /** The connection's reader: handles the packets in `chunk`; a Promise holds further bytes. */
  onData(chunk: Uint8Array): void | Promise<void> {
    if (this.#state === "closed") return; // closing: the answers queued are being written
    this.lastActivity = this.#host.clock.now();
    return this.#inbox.receive(chunk);
  }

  /** The connection's reader: the connection ended. */
  onEnd(): void {
    void this.#finish();
  }

  /** Handles one decoded packet (the read path calls this, in order). */
  handle(packet: Packet): void | Promise<void> {
    return dispatch(this, packet, this.#host);
  }

  /** The outbox could not write: the peer is gone; closes now, dropping what is queued. */
  writeFailed(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.conn.close();
  }

  async #finish(): Promise<void> {
    try {
      await this.#pipeline?.committing; // messages received before the end are routed before the will
      await this.#ending; // the peer may have closed first
      this.#teardown();
    } catch (error) {
      this.#host.log.error("Connection failed", { remote: this.conn.remoteAddr, error });
    }
  }

  /**
   * Encodes and queues `packet`; writes are batched per tick. A packet over the client's Maximum
   * Packet Size is sent without what may be left out (`packet_fit.ts`); when it still does not
   * fit it is dropped and counted, false is returned, and a CONNACK that cannot fit closes the
   * connection (the client must not stay connected without one).
   */
  send(packet: Packet): boolean {
    if (this.#state === "closed") return false;
    const sent = this.#outbox.send(packet, this.protocolVersion, this.negotiated.maxPacketSize);
    // Before CONNACK nothing more is sent: the client must not stay without one (logged there).
    if (sent === "too_large" && packet.cmd === "connack") {
      this.disconnect(ReasonCode.PacketTooLarge);
    }
    if (typeof sent === "string") return false;
    emit(this.#host.hooks, "packet.sent", () => ({
      clientId: this.clientId || null,
      type: sent.cmd,
      packet: sent as unknown as Record<string, unknown>,
    }));
    return true;
  }

  /**
   * Sends an MQTT 5 DISCONNECT with `reasonCode` and closes. Nothing is sent on v3, nor before a
   * successful CONNACK (spec [MQTT-3.14.0-1]). `end` records why, even when already closing.
   */
  disconnect(reasonCode: number, reason?: string, end?: EndReason): void {
    this.#endReason ??= end;
    if (this.#state === "closed") return;
    if (this.protocolVersion === 5 && this.#state === "connected") {
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
    if (this.#state === "closed") return;
    if (err instanceof ConnectRefused) return refuse(this, err);
    const { code, message, internal, wording } = failureOf(err);
    const fields = {
      clientId: this.clientId || undefined,
      reasonCode: hexCode(code),
      error: message,
    };
    if (internal) this.log.error("Client failed", fields);
    else this.log.warn("Protocol violation, disconnecting", fields);
    this.disconnect(code, wording);
  }

  /** Whether a reason string may be sent (v5 Request Problem Information, spec 3.1.2.11.7). */
  problemInfo(reason: string | undefined): boolean {
    return reason !== undefined && this.protocolVersion === 5 &&
      this.negotiated.requestProblemInformation;
  }

  /**
   * Closes the connection without a DISCONNECT (the client's own DISCONNECT, no CONNECT in time),
   * after writing the answers already queued: packets are answered in order (spec 4.6).
   */
  close(end?: EndReason): void {
    this.#endReason ??= end;
    if (this.#state !== "closed") this.#ending = this.#endAfterFlush();
  }

  /** Adds a PUBLISH whose hooks are running to the ordered pipeline (`_pipeline.ts`). */
  pipeline(step: Promise<Commit>): void | Promise<void> {
    // Never above our Receive Maximum: a client that ignores it (MQTT.js does) is held back by
    // TCP instead of being disconnected for 0x93 while hooks are slow.
    const window = Math.min(PIPELINE_WINDOW, this.#host.config.mqtt.receive_maximum);
    this.#pipeline ??= new PublishPipeline(window, (err) => this.fail(err));
    return this.#pipeline.add(step);
  }

  /** The idle limit passed: no CONNECT in time, or keep alive exceeded. Called by the idle watch. */
  onIdle(): void {
    if (this.#state === "closed") return;
    if (this.#state === "new" || this.#state === "connecting") {
      this.log.info("No CONNECT in time, closing");
      return this.close();
    }
    this.log.info("Keep alive timeout", { clientId: this.clientId });
    this.disconnect(ReasonCode.KeepAliveTimeout, "Keep alive timeout");
  }

  async #endAfterFlush(): Promise<void> {
    const closing = this.#state;
    this.#state = "closed";
    this.#host.idle.unwatch(this);
    if (closing !== "closed") await this.#outbox.finish();
    this.conn.close();
  }

  #teardown(): void {
    this.#host.idle.unwatch(this);
    this.#state = "closed";
    this.conn.close();
    try {
      this.#host.onClientGone(this);
    } finally {
      this.#closed?.resolve();
      this.#closed = null;
    }
  }
}
