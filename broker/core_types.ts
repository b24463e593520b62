/**
 * The two narrow interfaces the packet handlers work through: a {@linkcode ClientConnection} (one
 * client's connection: send, disconnect, what its CONNECT negotiated) and a {@linkcode BrokerCore}
 * (routing, sessions, hooks, config). `Client` implements the first and `Broker` the second; this
 * file imports neither, so that the imports of the core run one way: broker -> client -> handlers
 * -> these interfaces. Handler tests can drive a handler with fakes of both.
 *
 * @module
 */
import type { Packet } from "mqtt-packet";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { BrokerHooks, ClientInfo } from "./hooks.ts";
import type { IdleWatch } from "./idle_watch.ts";
import type { Message } from "./message.ts";
import type { CoreConfig } from "./options.ts";
import type { OutboundMessage, Session } from "./session/session.ts";
import type { Connection } from "./transport/connection.ts";
import type { RetainStore } from "./session/store.ts";
import type { Stats } from "./stats.ts";
import type { Subscriptions } from "./subscriptions.ts";

/** Connection life: waiting for CONNECT, CONNECT being handled, connected, gone. */
export type ClientState = "new" | "connecting" | "connected" | "closed";

/**
 * Why a connection ended, as `client.disconnected` reports it: the client's DISCONNECT
 * (`normal`: no will), a new connection with the same client id (`takenover`), anything else.
 */
export type EndReason = "normal" | "takenover" | "abnormal";

/** A will message with its v5 delay. */
export interface Will {
  msg: Message;
  /** v5 Will Delay Interval. */
  delaySeconds: number;
  /** v5 Message Expiry Interval, counted from when the will is published. */
  expirySeconds?: number;
}

/**
 * What a connection's CONNECT settled, written by the CONNECT steps only (the protocol level
 * already by the raw-frame check, so that a refusal speaks the client's version).
 */
export interface Negotiated {
  protocolVersion: 3 | 4 | 5;
  /** The client identifier, assigned by the broker when the CONNECT left it empty. */
  clientId: string;
  username?: string;
  /** Set by authentication: the client passes every authorization. */
  superuser: boolean;
  /** Clean Start (v5) or Clean Session (v3). */
  cleanStart: boolean;
  /** Keep alive in seconds, after the broker's cap. */
  keepalive: number;
  /** The client's Receive Maximum: outbound QoS 1/2 messages in flight at most. */
  receiveMaximum: number;
  /** The client's Maximum Packet Size (Infinity when none). */
  maxPacketSize: number;
  /** The client's Topic Alias Maximum: aliases the broker may assign towards it. */
  topicAliasMaximum: number;
  /** v5 Request Problem Information: whether reason strings may be sent. */
  requestProblemInformation: boolean;
  /** The Session Expiry Interval the CONNECT asked for, before the broker's cap (v5). */
  askedSessionExpiry: number;
  /** The will, if the CONNECT carried one. */
  will?: Will;
}

/**
 * What a connection starts with, before its CONNECT says otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newNegotiated } from "./core_types.ts";
 * const terms = newNegotiated(20);
 * assert.equal(terms.receiveMaximum, 20);
 * assert.equal(terms.maxPacketSize, Infinity);
 * ```
 */
export function newNegotiated(receiveMaximum: number): Negotiated {
  return {
    protocolVersion: 4,
    clientId: "",
    username: undefined, // every field from the start: one shape for every connection's terms
    superuser: false,
    cleanStart: true,
    keepalive: 0,
    receiveMaximum,
    maxPacketSize: Infinity,
    topicAliasMaximum: 0,
    requestProblemInformation: true,
    askedSessionExpiry: 0,
    will: undefined,
  };
}

/**
 * The plain data hooks get about a client: what its connection and its CONNECT say.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientInfo, newNegotiated } from "./core_types.ts";
 * const conn = { listener: "default", transport: "tcp", remoteAddr: "127.0.0.1:5000" } as const;
 * const info = clientInfo(conn, { ...newNegotiated(10), clientId: "c1" });
 * assert.equal(info.clientId, "c1");
 * assert.equal(info.username, null);
 * ```
 */
export function clientInfo(
  conn: Pick<Connection, "listener" | "transport" | "remoteAddr">,
  terms: Negotiated,
): ClientInfo {
  return {
    clientId: terms.clientId,
    username: terms.username ?? null,
    listener: conn.listener,
    transport: conn.transport as ClientInfo["transport"],
    remoteAddr: conn.remoteAddr,
    protocolVersion: terms.protocolVersion,
    cleanStart: terms.cleanStart,
    keepalive: terms.keepalive,
    superuser: terms.superuser,
  };
}

/** Protocol state of one connection that the handlers keep; none of it outlives the connection. */
export interface ConnectionFlow {
  /** Inbound QoS 1/2 PUBLISHes not yet fully acknowledged (our Receive Maximum). */
  inflightIn: number;
  /** Topic aliases the client set towards us (made on first use: most clients use none). */
  inboundAliases?: Map<number, string>;
  /** Topic aliases the broker assigned towards the client. */
  outboundAliases?: Map<string, number>;
}

/** One client's connection, as the handlers and the delivery see it. */
export interface ClientConnection {
  /** Where the connection is in its life; "closed" is final. */
  readonly state: ClientState;
  /** What the CONNECT settled. */
  readonly negotiated: Negotiated;
  /** Shorthand for `negotiated.protocolVersion`. */
  readonly protocolVersion: 3 | 4 | 5;
  /** Shorthand for `negotiated.clientId`. */
  readonly clientId: string;
  /** The session, once the CONNECT opened it. */
  readonly session: Session | undefined;
  /** Why the connection ended ("abnormal" until something says otherwise). */
  readonly endReason: EndReason;
  /** Bytes handed to {@linkcode ClientConnection.send} but not yet written. */
  readonly backlogBytes: number;
  /** Runs `fn` once, after the socket write in progress completes (or writing stops). */
  onDrained(fn: () => void): void;
  /** Protocol state the handlers keep. */
  readonly flow: ConnectionFlow;
  /** A logger tagged with this connection. */
  readonly log: Logger;
  /** Plain data describing this client, for hooks. */
  info(): ClientInfo;
  /** Encodes and queues a packet; false when it was not sent (closed, too large, unencodable). */
  send(packet: Packet): boolean;
  /** v5 DISCONNECT with `reasonCode` (once connected), then close; `end` records why. */
  disconnect(reasonCode: number, reason?: string, end?: EndReason): void;
  /** Closes after writing what is queued, without a DISCONNECT; `end` records why. */
  close(end?: EndReason): void;
  /** Whether a reason string may be sent (v5 Request Problem Information). */
  problemInfo(reason: string | undefined): boolean;
  /** CONNECT steps: the CONNECT is being handled, or it was accepted (keep alive starts). */
  enter(state: "connecting" | "connected"): void;
  /** The broker: the session this connection uses from now on. */
  attach(session: Session): void;
  /**
   * Adds a PUBLISH whose hooks are running to the ordered pipeline; resolves when reading may go
   * on (the pipeline has room).
   */
  pipeline(step: Promise<() => void | Promise<void>>): void | Promise<void>;
}

/**
 * A message admitted by the message.publish hook, ready to route: counts it and routes it (a
 * message a plugin dropped reaches no one); returns the number of subscribers reached. When
 * `full` is given (a client's PUBLISH, flow control) and an online subscriber's queue has no room
 * for a QoS 1/2 message (or another node asked to slow down), nothing is routed: those sessions are added to `full` and -1 is
 * returned; the caller waits for room and calls it again.
 */
export type Admitted = (full?: RoomWaiter[]) => number;

/**
 * What a held PUBLISH waits on before it is routed again: a session's queue
 * ({@linkcode Session.waitForRoom}), or other cluster nodes that asked this one to slow down.
 */
export interface RoomWaiter {
  waitForRoom(ms: number, clock: Clock, publisher?: string): Promise<unknown>;
}

/** The broker, as the handlers see it. */
export interface BrokerCore {
  readonly config: CoreConfig;
  readonly hooks: BrokerHooks;
  readonly stats: Stats;
  readonly log: Logger;
  readonly clock: Clock;
  readonly subscriptions: Subscriptions;
  readonly retained: RetainStore;
  /** Closes an existing connection with the same client id (spec [MQTT-3.1.4-3]). */
  takeOver(conn: ClientConnection): void;
  /** Cluster: takes `conn`'s client id (and its session) from the node holding it, if another. */
  claimSession?(conn: ClientConnection): void | Promise<void>;
  /** Creates or resumes `conn`'s session; returns whether one was present (CONNACK flag). */
  openSession(conn: ClientConnection, expiryInterval: number): boolean;
  /** After CONNACK: announces the client and resumes delivery. */
  connected(conn: ClientConnection): void;
  /** Runs the message.publish hook on `msg`: the one way in for every published message. */
  admit(msg: Message): Admitted | Promise<Admitted>;
  /** Runs `fn` once the cluster, if any, has every message forwarded so far (at once alone). */
  afterForwarded?(fn: () => void): void;
  /** Delivers straight to one session (retained messages on subscribe). */
  deliverTo(session: Session, out: OutboundMessage): void;
  /** An outbound QoS 1 PUBACK / QoS 2 PUBCOMP arrived: the message is done. */
  completed(conn: ClientConnection, packetId: number): boolean;
}

/** The broker, as a connection sees it: the core, the idle watch, the notice of its end. */
export interface ClientHost extends BrokerCore {
  /** Connect timeouts and keep alive of every connection. */
  readonly idle: IdleWatch;
  /** A connection ended; one that had a session: will, session expiry, bookkeeping. */
  onClientGone(client: ClientConnection): void;
}
