/**
 * Session state that outlives a network connection (spec 4.1): subscriptions, messages in flight
 * to the client, messages queued while it is away, and QoS 2 packet ids received but not released.
 *
 * @module
 */
import { type Clock, systemClock } from "../../lib/clock.ts";
import type { ClientInfo } from "../hooks.ts";
import type { Message, QoS, SubscriptionOptions } from "../message.ts";
import { NULL_JOURNAL, type SessionJournal } from "./journal.ts";
import { RoomLine } from "./_room_line.ts";

/** A message on its way to this session's client. */
export interface OutboundMessage {
  msg: Message;
  /** Delivery QoS: min(publish QoS, subscription QoS). */
  qos: QoS;
  /** The RETAIN flag to send. */
  retain: boolean;
  /** v5 subscription identifiers of every matching subscription. */
  subscriptionIds?: number[];
}

/**
 * How long a session whose queue is full may hold publishers back while nothing leaves its queue;
 * past it the session counts as stuck and what is routed to it is dropped (`queue_full`).
 */
export const CONGESTION_PATIENCE_MS = 5000;

/** An outbound QoS 1/2 message waiting for its acknowledgement. */
export interface InflightMessage extends OutboundMessage {
  packetId: number;
  /** `publish`: PUBLISH sent, waiting for PUBACK/PUBREC; `pubrel`: PUBREL sent, waiting for PUBCOMP. */
  state: "publish" | "pubrel";
}

/**
 * One client's session.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Session } from "./session.ts";
 * const s = new Session("sensor-1", { maxQueued: 2 });
 * assert.equal(s.nextPacketId(), 1);
 * assert.equal(s.nextPacketId(), 2);
 * ```
 */
export class Session {
  /** Client identifier. */
  readonly clientId: string;
  /** Seconds the session survives its connection (0 = ends with it; 0xFFFFFFFF = never). */
  expiryInterval = 0;
  /** Messages this session dropped because its queue was full. */
  dropped = 0;
  /** Maximum queued messages. */
  readonly maxQueued: number;
  /** Where changes to this session are recorded (the store's journal; none in memory). */
  journal: SessionJournal = NULL_JOURNAL;
  #nextId = 0;
  /** When the queue was last seen full with nothing taken from it since (0: not full). */
  #fullSince = 0;
  /** When the queue was first seen at least half full since the last dequeue (0: not). */
  #crowdedSince = 0;
  // Made on first use: an idle session (most of them) holds none of these.
  #subscriptions?: Map<string, SubscriptionOptions>;
  #inflight?: Map<number, InflightMessage>;
  #queue?: OutboundMessage[];
  #inboundQos2?: Set<number>;
  /** Publishers waiting for room in the queue (flow control). */
  #line?: RoomLine;
  #holder?: { info(): ClientInfo };
  #lastClient?: ClientInfo;

  /**
   * @param clientId the client identifier
   * @param opts.maxQueued bound on {@linkcode Session.queue}
   */
  constructor(clientId: string, opts: { maxQueued: number }) {
    this.clientId = clientId;
    this.maxQueued = opts.maxQueued;
  }

  /** Topic filter (as the client sent it, `$share/...` included) -> options. */
  get subscriptions(): Map<string, SubscriptionOptions> {
    return this.#subscriptions ??= new Map();
  }

  /** Outbound QoS 1/2 messages awaiting acknowledgement, by packet id, in send order. */
  get inflight(): Map<number, InflightMessage> {
    return this.#inflight ??= new Map();
  }

  /** Messages waiting to be sent (client away, or its receive window full). */
  get queue(): OutboundMessage[] {
    return this.#queue ??= [];
  }

  /** Inbound QoS 2 packet ids whose PUBLISH was handled but PUBREL not yet received. */
  get inboundQos2(): Set<number> {
    return this.#inboundQos2 ??= new Set();
  }

  /** Whether messages are in flight or queued (asked without making either collection). */
  get hasPending(): boolean {
    return (this.#inflight?.size ?? 0) > 0 || (this.#queue?.length ?? 0) > 0;
  }

  /**
   * The client using this session, or the last one, for events after it left: described when
   * asked (while connected, from the connection itself).
   */
  get lastClient(): ClientInfo | undefined {
    return this.#holder?.info() ?? this.#lastClient;
  }

  set lastClient(client: ClientInfo | undefined) {
    this.#holder = undefined;
    this.#lastClient = client;
  }

  /** The connection using this session from now on (its `info()` is the {@linkcode lastClient}). */
  heldBy(connection: { info(): ClientInfo }): void {
    this.#holder = connection;
  }

  /** A packet id (1-65535) not in use by an inflight message. */
  nextPacketId(): number {
    for (let i = 0; i < 65535; i++) {
      this.#nextId = this.#nextId >= 65535 ? 1 : this.#nextId + 1;
      if (!this.#inflight?.has(this.#nextId)) return this.#nextId;
    }
    throw new RangeError("No free packet identifier");
  }

  /**
   * Whether a message from `publisher` must wait before it is routed here (flow control): the
   * queue, with the room kept for other publishers already woken, is full. A queue full with
   * nothing taken from it for {@linkcode CONGESTION_PATIENCE_MS} no longer holds anyone (its
   * client is not reading at all: it overflows and drops instead), nor does a session configured
   * without a queue (`maxQueued` 0). `now` is the broker clock's.
   */
  mustWait(publisher: string | undefined, now: number): boolean {
    const kept = this.#line?.kept(publisher) ?? 0;
    if ((this.#queue?.length ?? 0) + kept < this.maxQueued || this.maxQueued === 0) return false;
    if (this.#fullSince === 0) this.#fullSince = now;
    return now - this.#fullSince < CONGESTION_PATIENCE_MS;
  }

  /**
   * Whether publishers on other cluster nodes should slow down for this session: its queue is at
   * least a quarter full (messages already on their way need the rest) and its client still takes
   * from it (nothing taken for
   * {@linkcode CONGESTION_PATIENCE_MS}: no longer). `now` is the broker clock's.
   */
  crowded(now: number): boolean {
    if (this.maxQueued === 0 || (this.#queue?.length ?? 0) * 4 < this.maxQueued) return false;
    if (this.#crowdedSince === 0) this.#crowdedSince = now;
    return now - this.#crowdedSince < CONGESTION_PATIENCE_MS;
  }

  /** Takes the next message from the queue (the client has room for it). */
  dequeue(): OutboundMessage | undefined {
    this.#fullSince = 0;
    this.#crowdedSince = 0;
    return this.#queue?.shift();
  }

  /**
   * Resolves with true when {@linkcode Session.releaseWaiters} wakes this publisher for room,
   * false after `ms` on `clock` or when woken by force (a publisher that gave up no longer holds
   * a place in line). `publisher` is the waiting client's id: room is kept for its next message
   * once it is woken.
   */
  waitForRoom(ms: number, clock: Clock = systemClock, publisher?: string): Promise<boolean> {
    return (this.#line ??= new RoomLine(clock)).wait(ms, publisher);
  }

  /**
   * Wakes publishers waiting in {@linkcode Session.waitForRoom}, first come first served, only as
   * many as the queue has room for, counting one message per publisher already woken whose
   * message has not arrived yet. More are woken as the queue drains. `force` wakes them all
   * (shutdown).
   */
  releaseWaiters(force = false): void {
    const line = this.#line;
    if (!line) return;
    const queued = this.#queue?.length ?? 0;
    if (queued === 0) line.caughtUp(); // none pending
    if (line.waiting === 0) return;
    line.wake(this.maxQueued - queued - line.expected, force);
  }

  /**
   * Queues `out`; when full, drops a QoS 0 message first (the oldest), otherwise refuses `out`.
   * Returns the message that was dropped, if any.
   */
  enqueue(out: OutboundMessage): OutboundMessage | undefined {
    this.#line?.arrived(out.msg.from?.clientId); // a woken publisher's message arrived
    if (this.queue.length < this.maxQueued) {
      this.queue.push(out);
      return undefined;
    }
    const qos0 = this.queue.findIndex((q) => q.qos === 0);
    this.dropped++;
    if (qos0 >= 0 && out.qos > 0) {
      const [victim] = this.queue.splice(qos0, 1);
      this.queue.push(out);
      return victim;
    }
    return out;
  }
}
