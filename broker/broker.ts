/**
 * The broker: who is connected, their sessions, wills and session expiry. Routing lives in
 * `router.ts`; each connection in `client.ts`. Transport-agnostic: it accepts
 * {@linkcode Connection}s.
 *
 * @module
 */
import { type Clock, systemClock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import { silentLogger } from "../lib/log.ts";
import { Client } from "./client.ts";
import type { Admitted, ClientConnection, ClientHost } from "./core_types.ts";
import { ReasonCode } from "./errors.ts";
import { type BrokerHooks, defaultHooks, emit } from "./hooks.ts";
import { IdleWatch } from "./idle_watch.ts";
import type { Message } from "./message.ts";
import type { CoreConfig } from "./options.ts";
import { MemoryRetainStore } from "./retain.ts";
import { type RemoteRouting, Router } from "./router.ts";
import { resume } from "./session/delivery.ts";
import { OfflineSessions } from "./session/offline.ts";
import type { OutboundMessage, Session } from "./session/session.ts";
import type { SessionJournal } from "./session/journal.ts";
import { MemorySessionStore, type RetainStore, type SessionStore } from "./session/store.ts";
import { newStats, type Stats } from "./stats.ts";
import { Subscriptions } from "./subscriptions.ts";
import type { Connection } from "./transport/connection.ts";

/** Options for {@linkcode Broker}. */
export interface BrokerOptions {
  log?: Logger;
  hooks?: BrokerHooks;
  sessions?: SessionStore;
  retained?: RetainStore;
  /** Time and timers for keep alive, expiry, will delay and flow control (fake time in tests). */
  clock?: Clock;
  /** Where delayed wills are recorded (the stores' journal; default: nowhere). */
  journal?: SessionJournal;
}

type ClientEvent = "session.created" | "session.resumed" | "client.connected";

/**
 * An MQTT broker core.
 *
 * @example
 * ```ts ignore
 * const broker = new Broker(config, { clock });
 * broker.accept(connection); // from any listener, or a memory pair in tests
 * await broker.close();
 * ```
 */
export class Broker implements ClientHost {
  readonly config: CoreConfig;
  readonly log: Logger;
  hooks: BrokerHooks;
  readonly clock: Clock;
  readonly sessions: SessionStore;
  readonly retained: RetainStore;
  readonly subscriptions: Subscriptions = new Subscriptions();
  readonly stats: Stats = newStats();
  /** Connected clients by client id. */
  readonly clients: Map<string, ClientConnection> = new Map();
  readonly startedAt: number;
  /** Connect timeouts and keep alive for every connection, on one timer. */
  readonly idle: IdleWatch;
  /** Offline sessions waiting to expire and delayed wills, on one timer each. */
  readonly offline: OfflineSessions;
  /** The other nodes of a cluster (set by the cluster when it starts; none alone). */
  remote: RemoteRouting | undefined;
  /** Cluster: takes a connecting client's id and session from another node (set by the cluster). */
  claimSession: ((client: ClientConnection) => void | Promise<void>) | undefined;
  #router: Router;
  #all = new Set<Client>();
  #closing = false;

  /**
   * @param config validated broker config
   * @param opts logger, hooks, stores and clock (defaults: silent, no plugins, in memory, real time)
   */
  constructor(config: CoreConfig, opts: BrokerOptions = {}) {
    this.config = config;
    this.log = opts.log ?? silentLogger;
    const clock = this.clock = opts.clock ?? systemClock;
    this.startedAt = clock.now();
    this.hooks = opts.hooks ?? defaultHooks({ allowAnonymous: config.auth.allow_anonymous });
    this.sessions = opts.sessions ??
      new MemorySessionStore({ maxQueued: config.mqtt.max_queued_messages });
    this.retained = opts.retained ?? new MemoryRetainStore();
    this.subscriptions.isOnline = (id) => this.clients.has(id);
    this.idle = new IdleWatch(undefined, clock);
    this.offline = new OfflineSessions({
      publishWill: (will) => this.publishWill(will.msg, will.expirySeconds),
      expire: (session) => this.#expire(session),
    }, {
      clock,
      journal: opts.journal,
      onError: (error) => this.log.error("Session expiry failed", { error }),
    });
    const { sessions, retained, subscriptions, stats, log } = this;
    this.#router = new Router({
      sessions,
      retained,
      subscriptions,
      stats,
      log,
      clock,
      hooks: () => this.hooks,
      connection: (id) => this.clients.get(id),
      remote: () => this.remote,
    });
  }

  /**
   * Starts speaking MQTT on `conn`: the connection's client reads as bytes arrive (nothing waits
   * per connection in between). Its `closed` resolves when the connection ended.
   */
  accept(conn: Connection): { readonly closed: Promise<void> } {
    if (this.#closing) {
      conn.close();
      return { closed: Promise.resolve() };
    }
    const client = new Client(conn, this);
    this.#all.add(client);
    client.start();
    return client;
  }

  /**
   * Closes an existing connection with the same client id (spec [MQTT-3.1.4-3]). A session that
   * ends with its connection (CleanSession 1, Session Expiry 0) ends here too, so the new
   * connection never finds it [MQTT-3.1.2-6] [MQTT-3.2.2-3]; the old will is sent unless the
   * session goes on and the will was delayed [MQTT-3.1.3-9].
   */
  takeOver(client: ClientConnection): void {
    const old = this.clients.get(client.clientId);
    if (!old || old === client) return;
    const remote = old.info().remoteAddr;
    this.log.info("Session taken over", { clientId: client.clientId, old: remote });
    const session = old.session;
    const ends = session === undefined || session.expiryInterval === 0 ||
      client.negotiated.cleanStart;
    const will = willOf(old);
    if (will && (ends || will.delaySeconds <= 0)) this.publishWill(will.msg, will.expirySeconds);
    old.disconnect(ReasonCode.SessionTakenOver, "Session taken over", "takenover");
    this.clients.delete(client.clientId);
    if (session && session.expiryInterval === 0) this.#endSession(session, "session.terminated");
    emit(this.hooks, "session.takenover", () => ({ client: old.info(), reason: "takenover" }));
  }

  /** Creates or resumes `client`'s session; returns whether one was present (CONNACK flag). */
  openSession(client: ClientConnection, expiryInterval: number): boolean {
    const id = client.clientId;
    const { cleanStart } = client.negotiated;
    this.offline.cancel(id);
    let session = this.sessions.get(id);
    const present = session !== undefined && !cleanStart;
    if (session && cleanStart) {
      this.#endSession(session, "session.discarded");
      session = undefined;
    }
    if (!session) {
      session = this.sessions.create(id);
      this.#notifyClient("session.created", client);
    } else this.#notifyClient("session.resumed", client);
    session.heldBy(client);
    session.expiryInterval = expiryInterval;
    session.journal.saveSession(session);
    client.attach(session);
    this.clients.set(id, client);
    this.stats.clientsTotal++;
    this.stats.clientsMaximum = Math.max(this.stats.clientsMaximum, this.clients.size);
    return present;
  }

  /** After CONNACK: announce the client and resume delivery. */
  connected(client: ClientConnection): void {
    this.#notifyClient("client.connected", client);
    const session = client.session!;
    if (session.hasPending) resume(session, client, this.#router.delivery);
  }

  /**
   * A connection ended; one that had a session: will, session expiry, bookkeeping. A connection
   * that was taken over no longer holds its client id: the new one decides about the session.
   */
  onClientGone(client: ClientConnection): void {
    this.#all.delete(client as Client);
    if (client.session === undefined) return;
    const id = client.clientId;
    const holds = this.clients.get(id) === client;
    if (holds) this.clients.delete(id);
    emit(this.hooks, "client.disconnected", () => ({
      client: client.info(),
      reason: client.endReason,
    }));
    if (!holds || this.#closing) return;
    const session = client.session!;
    session.lastClient = client.info(); // described once it is gone
    const will = willOf(client);
    if (client.protocolVersion === 5) {
      // A DISCONNECT may have raised it (spec 3.14.2.2.2): the broker's limit still holds.
      session.expiryInterval = Math.min(
        session.expiryInterval,
        this.config.mqtt.max_session_expiry,
      );
    }
    if (session.expiryInterval === 0) {
      if (will) this.publishWill(will.msg, will.expirySeconds);
      this.#endSession(session, "session.terminated");
      return;
    }
    this.offline.leave(session, will);
  }

  /** Publishes a will (message expiry counted from now). */
  publishWill(msg: Message, expirySeconds: number | undefined): void {
    const now = this.clock.now();
    const will = {
      ...msg,
      expiresAt: expirySeconds === undefined ? undefined : now + expirySeconds * 1000,
    };
    this.log.debug("Publishing will", { clientId: msg.from?.clientId, topic: msg.topic });
    void this.publish(will);
  }

  /**
   * Publishes a message the broker or a plugin made: the message.publish hook, then routing, as
   * for a client's PUBLISH ({@linkcode Broker.admit}). Returns the number of subscribers reached
   * (synchronously when no hook is registered).
   */
  publish(msg: Message): number | Promise<number> {
    const admitted = this.admit(msg);
    return admitted instanceof Promise ? admitted.then((route) => route()) : admitted();
  }

  /** Runs the message.publish hook on `msg`: the one way in for every published message. */
  admit(msg: Message): Admitted | Promise<Admitted> {
    return this.#router.admit(msg);
  }

  /** Runs `fn` once the cluster has every message forwarded so far ({@linkcode RemoteRouting}). */
  afterForwarded(fn: () => void): void {
    const sent = this.remote?.afterSent;
    if (sent) sent.call(this.remote, fn);
    else fn();
  }

  /** Delivers a message another node of the cluster published ({@linkcode Router.deliverRemote}). */
  deliverRemote(...args: Parameters<Router["deliverRemote"]>): number {
    return this.#router.deliverRemote(...args);
  }

  /** Delivers straight to one session (retained messages on subscribe). */
  deliverTo(session: Session, out: OutboundMessage): void {
    this.#router.deliverTo(session, out);
  }

  /** An outbound QoS 1 PUBACK / QoS 2 PUBCOMP arrived: the message is done. */
  completed(client: ClientConnection, packetId: number): boolean {
    return this.#router.completed(client, packetId);
  }

  /** Stops: disconnects every client (v5: 0x8B) without sending wills; sessions are kept. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const session of this.sessions.all()) session.releaseWaiters(true);
    for (const client of this.#all) {
      client.disconnect(ReasonCode.ServerShuttingDown, "Server shutting down");
    }
    await Promise.all([...this.#all].map((c) => c.closed));
    this.offline.clear();
  }

  /** An offline session's expiry came: it ends unless a connection took it meanwhile. */
  #expire(session: Session): void {
    const id = session.clientId;
    if (this.sessions.get(id) !== session || this.clients.has(id)) return;
    this.#endSession(session, "session.terminated");
  }

  #endSession(session: Session, event: "session.discarded" | "session.terminated"): void {
    this.subscriptions.removeAll(session);
    this.sessions.delete(session.clientId);
    this.offline.cancel(session.clientId);
    const client = session.lastClient;
    if (client) emit(this.hooks, event, () => ({ client }));
  }

  #notifyClient(event: ClientEvent, client: ClientConnection): void {
    emit(this.hooks, event, () => ({ client: client.info() }));
  }
}

/** The will to publish for a connection that ends now: none after a normal DISCONNECT. */
function willOf(client: ClientConnection) {
  return client.endReason === "normal" ? undefined : client.negotiated.will;
}
