/**
 * Routing: the one path every published message takes (message.publish, then the subscription
 * index, then one delivery per subscriber through client.authorize and message.delivered), the
 * retained store on the way, and the end of a delivery (an ack, or a drop).
 *
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { Admitted, ClientConnection, RoomWaiter } from "./core_types.ts";
import { type BrokerHooks, emit } from "./hooks.ts";
import { type DropReason, type Message, pluginMessageAt } from "./message.ts";
import { deliver, type DeliveryContext, drain } from "./session/delivery.ts";
import type { OutboundMessage, Session } from "./session/session.ts";
import type { RetainStore, SessionStore } from "./session/store.ts";
import type { Stats } from "./stats.ts";
import type { Subscriptions, Target } from "./subscriptions.ts";

/** What the router works with; `hooks` and `connection` are read live. */
export interface RouterDeps {
  sessions: SessionStore;
  retained: RetainStore;
  subscriptions: Subscriptions;
  stats: Stats;
  log: Logger;
  clock: Clock;
  /** The hooks in force (the application may replace them after start). */
  hooks(): BrokerHooks;
  /** The connected client using `clientId`'s session, if any. */
  connection(clientId: string): ClientConnection | undefined;
  /** The other nodes of a cluster, if any (read live). */
  remote?(): RemoteRouting | undefined;
}

/** The other nodes of a cluster, as the router sees them. */
export interface RemoteRouting {
  /**
   * A message published on this node was routed to its local ordinary subscribers; sends it to
   * the nodes with interest, and to shared groups (cluster-wide). Returns whether it was sent.
   */
  forward(msg: Message): boolean;
  /**
   * While a node with a crowded subscriber of `msg`'s topic asks this one to slow down: a promise
   * to wait on before routing the client's QoS 1/2 `msg` again (flow control across nodes).
   */
  heldBack?(msg: Message): Promise<void> | undefined;
  /**
   * Runs `fn` once the cluster has every message forwarded so far (callbacks run in call order).
   * Publish acknowledgements wait here, after the journal's commit.
   */
  afterSent?(fn: () => void): void;
}

/** The shared group a message from another node was given to: `$share/{group}/{filter}`. */
export interface SharedPick {
  group: string;
  filter: string;
}

/**
 * Routes messages to sessions.
 *
 * @example
 * ```ts ignore
 * const router = new Router(deps);
 * const admitted = await router.admit(msg); // message.publish ran
 * const reached = admitted();
 * ```
 */
export class Router {
  #deps: RouterDeps;
  /** What delivery to one session needs. */
  readonly delivery: DeliveryContext;

  /** @param deps the stores, index, counters and hooks it routes with */
  constructor(deps: RouterDeps) {
    this.#deps = deps;
    this.delivery = { onDrop: this.onDrop, stats: deps.stats, clock: deps.clock };
  }

  /**
   * Runs the message.publish hook on `msg` (synchronously when none listens): what it returns is
   * routed by the {@linkcode Admitted} step; a message it drops is reported as message.dropped
   * ("plugin") when that step runs. Both the PUBLISH handler and the broker's own publishing
   * (wills, plugins) come through here.
   */
  admit(msg: Message): Admitted | Promise<Admitted> {
    const hooks = this.#deps.hooks();
    if (!hooks.has("message.publish")) return (full) => this.#count(msg, full);
    return Promise.resolve(hooks.publish(msg)).then((out): Admitted => (full) => {
      if (out) return this.#count(out, full);
      this.#deps.stats.messagesReceived++;
      this.#messageDropped(msg, "plugin");
      return 0;
    });
  }

  #count(msg: Message, full?: RoomWaiter[]): number {
    const reached = this.route(msg, full);
    if (reached >= 0) this.#deps.stats.messagesReceived++;
    return reached;
  }

  /**
   * Stores a retained message if flagged, then delivers to every matching subscription. With
   * `full` given (flow control for a client's PUBLISH), a QoS 1/2 message that an online
   * subscriber's queue has no room for is not routed at all: those sessions are added to `full`
   * and -1 is returned, so the caller holds the publisher back and routes it again later.
   */
  route(msg: Message, full?: RoomWaiter[]): number {
    const remote = this.#deps.remote?.();
    const targets = this.#deps.subscriptions.match(msg, remote !== undefined);
    if (full && msg.qos > 0) {
      if (this.#noRoom(msg, targets, full)) return -1;
      const slowDown = remote?.heldBack?.(msg); // a node with a crowded subscriber asked so
      if (slowDown) return full.push({ waitForRoom: () => slowDown }), -1;
    }
    if (msg.retain) this.#retain(msg);
    const sent = remote?.forward(msg) ? 1 : 0;
    if (targets.length + sent === 0) {
      this.#deps.stats.publishDropped++;
      this.#messageDropped(msg, "no_subscribers");
      return 0;
    }
    return this.#deliverAll(msg, targets) + sent;
  }

  /**
   * Delivers a message another node published: to this node's ordinary subscribers, or to one
   * member of `shared`. Not stored as retained, not sent on (the cluster keeps both).
   */
  deliverRemote(
    msg: Message,
    shared?: SharedPick,
    crowded?: (msg: Message, still: () => boolean) => void,
  ): number {
    const { subscriptions } = this.#deps;
    const pick = shared && subscriptions.pickShared(shared.group, shared.filter);
    const targets = shared ? (pick ? [pick] : []) : subscriptions.match(msg, true);
    const reached = this.#deliverAll(msg, targets);
    if (crowded && msg.qos > 0 && this.#crowded(targets)) {
      crowded(msg, () => this.#crowded(targets));
    }
    return reached;
  }

  /** Whether an online QoS 1/2 subscriber among `targets` has a crowded queue. */
  #crowded(targets: Target[]): boolean {
    const { sessions, clock } = this.#deps;
    return targets.some((t) =>
      t.qos > 0 && sessions.get(t.clientId)?.crowded(clock.now()) === true &&
      this.#deps.connection(t.clientId)?.state === "connected"
    );
  }

  /**
   * Adds to `full` the sessions among `targets` that `msg` must wait for: QoS 1/2 delivery, the
   * client online, its queue full ({@linkcode Session.mustWait}). The publisher's own session
   * never holds it back (it would wait for acknowledgements it cannot send while held).
   */
  #noRoom(msg: Message, targets: Target[], full: RoomWaiter[]): boolean {
    const { sessions, clock } = this.#deps;
    const publisher = msg.from?.clientId;
    for (const t of targets) {
      if (t.qos === 0 || t.clientId === publisher) continue;
      const session = sessions.get(t.clientId);
      if (!session || !session.mustWait(publisher, clock.now())) continue;
      if (this.#deps.connection(t.clientId)?.state === "connected") full.push(session);
    }
    return full.length > 0;
  }

  #deliverAll(msg: Message, targets: Target[]): number {
    const { sessions } = this.#deps;
    const hooks = this.#deps.hooks();
    const perSubscriber = hooks.has("message.delivered") || hooks.has("client.authorize");
    for (const t of targets) {
      const session = sessions.get(t.clientId);
      if (!session) continue;
      const out: OutboundMessage = {
        msg,
        qos: Math.min(msg.qos, t.qos) as OutboundMessage["qos"],
        retain: msg.retain && t.retainAsPublished,
        subscriptionIds: t.subscriptionIds,
      };
      const client = this.#deps.connection(t.clientId);
      if (perSubscriber) this.#deliverThroughHooks(session, out);
      else deliver(session, client, out, this.delivery);
    }
    return targets.length;
  }

  /** Delivers straight to one session (retained messages on subscribe). */
  deliverTo(session: Session, out: OutboundMessage): void {
    deliver(session, this.#deps.connection(session.clientId), out, this.delivery);
  }

  /** An outbound QoS 1 PUBACK / QoS 2 PUBCOMP arrived: the message is done. */
  completed(client: ClientConnection, packetId: number): boolean {
    const session = client.session!;
    const inflight = session.inflight.get(packetId);
    if (!inflight) return false;
    session.inflight.delete(packetId);
    emit(this.#deps.hooks(), "message.acked", () => ({
      client: client.info(),
      message: pluginMessageAt(inflight.msg, this.#deps.clock.now()),
    }));
    drain(session, client, this.delivery);
    return true;
  }

  /** Counts and reports a message that did not reach one subscriber. */
  readonly onDrop = (session: Session, out: OutboundMessage, reason: DropReason): void => {
    this.#deps.stats.deliveryDropped++;
    const client = session.lastClient;
    if (!client) return;
    emit(this.#deps.hooks(), "delivery.dropped", () => ({
      client,
      message: pluginMessageAt(out.msg, this.#deps.clock.now()),
      reason,
    }));
  };

  #deliverThroughHooks(session: Session, out: OutboundMessage): void {
    const client = this.#deps.connection(session.clientId);
    if (!client) return deliver(session, client, out, this.delivery);
    const to = client.info();
    const { msg, qos } = out;
    const hooks = this.#deps.hooks();
    const chain = Promise.resolve(
      hooks.authorize({ client: to, action: "receive", topic: msg.topic, qos, retain: msg.retain }),
    ).then(async (ok) => {
      if (!ok) return this.onDrop(session, out, "not_authorized");
      const rewritten = hooks.has("message.delivered") ? await hooks.deliver(to, msg) : msg;
      if (!rewritten) return;
      const current = this.#deps.connection(session.clientId); // it may have gone meanwhile
      deliver(session, current, { ...out, msg: rewritten }, this.delivery);
    });
    chain.catch((err) =>
      this.#deps.log.error("Delivery hook failed", { clientId: session.clientId, error: err })
    );
  }

  #retain(msg: Message): void {
    if (msg.payload.length === 0) {
      this.#deps.retained.delete(msg.topic);
      return;
    }
    this.#deps.retained.set(msg);
    emit(this.#deps.hooks(), "retained.stored", () => ({
      message: pluginMessageAt(msg, this.#deps.clock.now()),
    }));
  }

  #messageDropped(msg: Message, reason: string): void {
    emit(this.#deps.hooks(), "message.dropped", () => ({
      message: pluginMessageAt(msg, this.#deps.clock.now()),
      reason,
    }));
  }
}
