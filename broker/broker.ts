/**
 * The broker: who is connected, their sessions, the subscription index, retained messages,
 * routing, wills and session expiry. Transport-agnostic: it accepts {@linkcode Connection}s.
 *
 * @module
 */
import { Client } from "./client.ts";
import { IdleWatch } from "./idle_watch.ts";
import type { CoreConfig } from "./options.ts";
import { ReasonCode } from "./errors.ts";
import { type BrokerHooks, defaultHooks } from "./hooks.ts";
import type { Logger } from "../lib/log.ts";
import { silentLogger } from "../lib/log.ts";
import { type DropReason, type Message, toPluginMessage } from "./message.ts";
import { MemoryRetainStore } from "./retain.ts";
import { deliver, drain, resume } from "./session/delivery.ts";
import { OfflineSessions } from "./session/offline.ts";
import type { OutboundMessage, Session } from "./session/session.ts";
import { MemorySessionStore, type RetainStore, type SessionStore } from "./session/store.ts";
import { Subscriptions } from "./subscriptions.ts";
import { newStats, type Stats } from "./stats.ts";
import type { Connection } from "./transport/connection.ts";

/** Options for {@linkcode Broker}. */
export interface BrokerOptions {
  log?: Logger;
  hooks?: BrokerHooks;
  sessions?: SessionStore;
  retained?: RetainStore;
}

/**
 * An MQTT broker core.
 *
 * @example
 * ```ts ignore
 * const broker = new Broker(config);
 * broker.accept(connection); // from any listener, or a memory pair in tests
 * await broker.close();
 * ```
 */
export class Broker {
  readonly config: CoreConfig;
  readonly log: Logger;
  hooks: BrokerHooks;
  readonly sessions: SessionStore;
  readonly retained: RetainStore;
  readonly subscriptions: Subscriptions;
  readonly stats: Stats = newStats();
  /** Connected clients by client id. */
  readonly clients: Map<string, Client> = new Map();
  readonly startedAt: number = Date.now();
  /** Connect timeouts and keep alive for every connection, on one timer. */
  readonly idle: IdleWatch = new IdleWatch();
  /** Offline sessions waiting to expire and delayed wills, on one timer each. */
  readonly offline: OfflineSessions = new OfflineSessions({
    publishWill: (will) => this.publishWill(will.msg, will.expirySeconds),
    expire: (session) => this.#expire(session),
  }, { onError: (error) => this.log.error("Session expiry failed", { error }) });
  #all = new Set<Client>();
  #closing = false;

  /**
   * @param config validated broker config
   * @param opts logger, hooks and stores (defaults: silent, no plugins, in memory)
   */
  constructor(config: CoreConfig, opts: BrokerOptions = {}) {
    this.config = config;
    this.log = opts.log ?? silentLogger;
    this.hooks = opts.hooks ?? defaultHooks({ allowAnonymous: config.auth.allow_anonymous });
    this.sessions = opts.sessions ??
      new MemorySessionStore({ maxQueued: config.mqtt.max_queued_messages });
    this.retained = opts.retained ?? new MemoryRetainStore();
    this.subscriptions = new Subscriptions();
    this.subscriptions.isOnline = (id) => this.clients.has(id);
  }

  /** Starts speaking MQTT on `conn`; resolves when the connection ends. */
  accept(conn: Connection): Promise<void> {
    if (this.#closing) {
      conn.close();
      return Promise.resolve();
    }
    const client = new Client(conn, this);
    this.#all.add(client);
    return client.run()
      .catch((err) => this.log.error("Connection failed", { remote: conn.remoteAddr, error: err }))
      .finally(() => this.#all.delete(client));
  }

  /**
   * Closes an existing connection with the same client id (spec [MQTT-3.1.4-3]). A session that
   * ends with its connection (CleanSession 1, Session Expiry 0) ends here too, so the new
   * connection never finds it [MQTT-3.1.2-6] [MQTT-3.2.2-3]; the old will is sent unless the
   * session goes on and the will was delayed [MQTT-3.1.3-9].
   */
  takeOver(client: Client): void {
    const old = this.clients.get(client.clientId);
    if (!old || old === client) return;
    old.takenOver = true;
    this.log.info("Session taken over", { clientId: client.clientId, old: old.conn.remoteAddr });
    const session = old.session;
    const ends = session === undefined || session.expiryInterval === 0 || client.cleanStart;
    const will = old.normalDisconnect ? undefined : old.will;
    if (will && (ends || will.delaySeconds <= 0)) this.publishWill(will.msg, will.expirySeconds);
    old.will = undefined;
    old.disconnect(ReasonCode.SessionTakenOver, "Session taken over");
    this.clients.delete(client.clientId);
    if (session && session.expiryInterval === 0) this.#endSession(session, "session.terminated");
    if (this.hooks.has("session.takenover")) {
      this.hooks.notify("session.takenover", { client: old.info(), reason: "takenover" });
    }
  }

  /** Creates or resumes `client`'s session; returns whether one was present (CONNACK flag). */
  openSession(client: Client, expiryInterval: number): boolean {
    const id = client.clientId;
    this.offline.cancel(id);
    let session = this.sessions.get(id);
    const present = session !== undefined && !client.cleanStart;
    if (session && client.cleanStart) {
      this.#endSession(session, "session.discarded");
      session = undefined;
    }
    if (!session) {
      session = this.sessions.create(id);
      this.#notifyClient("session.created", client);
    } else this.#notifyClient("session.resumed", client);
    session.lastClient = client.info();
    session.expiryInterval = expiryInterval;
    client.session = session;
    this.clients.set(id, client);
    this.stats.clientsTotal++;
    this.stats.clientsMaximum = Math.max(this.stats.clientsMaximum, this.clients.size);
    return present;
  }

  /** After CONNACK: announce the client and resume delivery. */
  onClientConnected(client: Client): void {
    this.#notifyClient("client.connected", client);
    resume(client.session!, client, this.onDrop);
  }

  /** A connection ended: will, session expiry, bookkeeping. */
  onClientGone(client: Client): void {
    const id = client.clientId;
    if (this.clients.get(id) === client) this.clients.delete(id);
    const reason = client.normalDisconnect ? "normal" : client.takenOver ? "takenover" : "abnormal";
    this.#notifyClient("client.disconnected", client, reason);
    if (client.takenOver || this.#closing) return;
    const session = client.session!;
    const will = client.normalDisconnect ? undefined : client.will;
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
    const now = Date.now();
    const will = {
      ...msg,
      expiresAt: expirySeconds === undefined ? undefined : now + expirySeconds * 1000,
    };
    this.log.debug("Publishing will", { clientId: msg.from?.clientId, topic: msg.topic });
    void this.publish(will);
  }

  /**
   * Runs the message.publish hook, then routes. Returns the number of subscribers reached
   * (synchronously when no hook is registered).
   */
  publish(msg: Message): number | Promise<number> {
    this.stats.messagesReceived++;
    if (!this.hooks.has("message.publish")) return this.route(msg);
    return Promise.resolve(this.hooks.publish(msg)).then((out) => {
      if (out) return this.route(out);
      this.#messageDropped(msg, "plugin");
      return 0;
    });
  }

  /**
   * Stores a retained message if flagged, then delivers to every matching subscription. Sessions
   * whose queues are filling up are added to `congested`, so the caller can slow the publisher.
   */
  route(msg: Message, congested?: Session[]): number {
    if (msg.retain) this.#retain(msg);
    const targets = this.subscriptions.match(msg);
    if (targets.length === 0) {
      this.stats.publishDropped++;
      this.#messageDropped(msg, "no_subscribers");
      return 0;
    }
    const perSubscriber = this.hooks.has("message.delivered") || this.hooks.has("client.authorize");
    for (const t of targets) {
      const session = this.sessions.get(t.clientId);
      if (!session) continue;
      const out: OutboundMessage = {
        msg,
        qos: Math.min(msg.qos, t.qos) as OutboundMessage["qos"],
        retain: msg.retain && t.retainAsPublished,
        subscriptionIds: t.subscriptionIds,
      };
      const client = this.clients.get(t.clientId);
      if (perSubscriber) this.#deliverThroughHooks(session, out);
      else deliver(session, client, out, this.onDrop);
      if (congested && client && session.isCongested()) congested.push(session);
    }
    return targets.length;
  }

  /** Delivers straight to one session (retained messages on subscribe). */
  deliverTo(session: Session, out: OutboundMessage): void {
    deliver(session, this.clients.get(session.clientId), out, this.onDrop);
  }

  /** An outbound QoS 1 PUBACK / QoS 2 PUBCOMP arrived: the message is done. */
  completed(client: Client, packetId: number): boolean {
    const session = client.session!;
    const inflight = session.inflight.get(packetId);
    if (!inflight) return false;
    session.inflight.delete(packetId);
    if (this.hooks.has("message.acked")) {
      this.hooks.notify("message.acked", {
        client: client.info(),
        message: toPluginMessage(inflight.msg),
      });
    }
    drain(session, client, this.onDrop);
    return true;
  }

  /** Counts and reports a message that did not reach one subscriber. */
  readonly onDrop = (session: Session, out: OutboundMessage, reason: DropReason): void => {
    this.stats.deliveryDropped++;
    if (this.hooks.has("delivery.dropped") && session.lastClient) {
      this.hooks.notify("delivery.dropped", {
        client: session.lastClient,
        message: toPluginMessage(out.msg),
        reason,
      });
    }
  };

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

  #deliverThroughHooks(session: Session, out: OutboundMessage): void {
    const client = this.clients.get(session.clientId);
    if (!client) return deliver(session, client, out, this.onDrop);
    const to = client.info();
    const { msg, qos } = out;
    const chain = Promise.resolve(
      this.hooks.authorize({
        client: to,
        action: "receive",
        topic: msg.topic,
        qos,
        retain: msg.retain,
      }),
    ).then(async (ok) => {
      if (!ok) return this.onDrop(session, out, "not_authorized");
      const rewritten = this.hooks.has("message.delivered")
        ? await this.hooks.deliver(to, msg)
        : msg;
      if (rewritten) {
        deliver(
          session,
          this.clients.get(session.clientId),
          { ...out, msg: rewritten },
          this.onDrop,
        );
      }
    });
    chain.catch((err) =>
      this.log.error("Delivery hook failed", { clientId: session.clientId, error: err })
    );
  }

  #retain(msg: Message): void {
    if (msg.payload.length === 0) {
      this.retained.delete(msg.topic);
      return;
    }
    this.retained.set(msg);
    if (this.hooks.has("retained.stored")) {
      this.hooks.notify("retained.stored", { message: toPluginMessage(msg) });
    }
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
    if (this.hooks.has(event) && session.lastClient) {
      this.hooks.notify(event, { client: session.lastClient });
    }
  }

  #notifyClient(
    event: "session.created" | "session.resumed" | "client.connected" | "client.disconnected",
    client: Client,
    reason?: string,
  ): void {
    if (this.hooks.has(event)) this.hooks.notify(event, { client: client.info(), reason });
  }

  #messageDropped(msg: Message, reason: string): void {
    if (this.hooks.has("message.dropped")) {
      this.hooks.notify("message.dropped", { message: toPluginMessage(msg), reason });
    }
  }
}
