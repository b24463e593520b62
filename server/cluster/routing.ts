/**
 * Interest-based routing between nodes. This node subscribes on NATS only to the subjects of its
 * own clients' filters (reference counted: one NATS subscription per subject, however many local
 * subscribers share it), publishes each message published here once, and delivers what other
 * nodes publish to its local subscribers without sending it on.
 *
 * Two NATS connections: `main` (no echo: publishes and ordinary subscriptions, so a message never
 * comes back to the node that sent it) and `queues` (shared subscriptions as NATS queue groups;
 * it must see this node's own publishes, since the group member NATS picks may be here). A node
 * with overlapping filters (`a/+`, `a/#`) gets one copy per matching subscription from NATS; the
 * copies of one message arrive together, so the last sequence seen per origin drops the repeats.
 *
 * @module
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Broker } from "../../broker/broker.ts";
import type { Message } from "../../broker/message.ts";
import type { RemoteRouting, SharedPick } from "../../broker/router.ts";
import { isValidTopicName, parseSharedFilter } from "../../broker/topics/validate.ts";
import type { Logger } from "../../lib/log.ts";
import { topicMatches } from "../../plugins/sdk/topics.ts";
import { decodeMessage, encodeMessage, ORIGINS } from "./codec.ts";
import { filterSubjects, longSubject, queueName, topicSubject } from "./subjects.ts";

/** What {@linkcode ClusterRouting} works with. */
export interface RoutingDeps {
  broker: Broker;
  log: Logger;
  /** Publishes and ordinary subscriptions; must be connected with `noEcho`. */
  main: NatsConnection;
  /** Shared subscriptions (queue groups); sees this node's own publishes. */
  queues: NatsConnection;
  /** This node instance's name in {@linkcode Origin} (unique per start). */
  instance: string;
  prefix: string;
  /** Told of every message published here that is retained, after it was sent. */
  onRetained(msg: Message): void;
  /** Told of every QoS 1/2 message published here, with its frame (offline capture). */
  onQos?(msg: Message, frame: Uint8Array): void;
}

interface Held {
  count: number;
  sub: Subscription;
}

/** How long one slow-down request from another node holds this node's publishers of a topic. */
export const SLOW_DOWN_MS = 200;
/** A node asks again this often while its subscriber is still crowded. */
const SLOW_DOWN_EVERY_MS = 100;
/** Topics remembered as slowed down (or asked about), at most; more clears the oldest half. */
const SLOW_DOWN_MAX = 10_000;

/**
 * The cluster as the router sees it ({@linkcode RemoteRouting}); attach with
 * {@linkcode ClusterRouting.start}.
 */
export class ClusterRouting implements RemoteRouting {
  #deps: RoutingDeps;
  #seq = 0;
  /** NATS subscriptions by `subject` or `queue subject`, with their local reference counts. */
  #held = new Map<string, Held>();
  /** The last sequence delivered per origin instance (drops overlapping subscriptions' copies). */
  #lastSeq = new Map<string, number>();
  /** A QoS 1/2 message was forwarded since the last flush was asked for. */
  #unflushed = false;
  /** Callbacks waiting for the flush about to be asked for. */
  #batch: (() => void)[] | undefined;
  /** Flushes asked for and not yet answered. */
  #flushing = 0;
  /** Topic -> until when other nodes asked this one to hold its QoS 1/2 publishers back. */
  #slowed = new Map<string, number>();
  /** `node topic` this node asked to slow down -> whether its subscriber here is still crowded. */
  #asked = new Map<string, () => boolean>();
  #slowDownTimer?: ReturnType<typeof setInterval>;
  /** A QoS 1/2 message from another node reached a crowded subscriber here (one function). */
  #crowded = (msg: Message, still: () => boolean): void => {
    const origin = ORIGINS.get(msg);
    if (origin) this.#askSlowDown(origin.node, msg.topic, still);
  };

  /** @param deps the broker, the two NATS connections and this node's names */
  constructor(deps: RoutingDeps) {
    this.#deps = deps;
  }

  /** Number of NATS subscriptions held (for status and tests). */
  get subscriptions(): number {
    return this.#held.size;
  }

  /** Subscribes for every filter already in the index, then follows its changes. */
  start(): void {
    const { broker, prefix, instance, main } = this.#deps;
    this.#hold(longSubject(prefix));
    main.subscribe(slowDownSubject(prefix, instance), {
      callback: (err, m) => err ? this.#failed("slow-down", err) : this.#slowDown(m.data),
    });
    for (const session of broker.sessions.all()) {
      for (const filter of session.subscriptions.keys()) this.interest(filter, true);
    }
    broker.subscriptions.onInterest = (filter, added) => this.interest(filter, added);
  }

  /** Stops following the index (NATS subscriptions end with their connection). */
  stop(): void {
    this.#deps.broker.subscriptions.onInterest = undefined;
    clearInterval(this.#slowDownTimer);
    this.#slowDownTimer = undefined;
    this.#asked.clear();
  }

  /** A local subscription to `filter` was added or removed. */
  interest(filter: string, added: boolean): void {
    const shared = parseSharedFilter(filter);
    if (shared === undefined) return;
    const { prefix } = this.#deps;
    if (shared === null) {
      for (const s of filterSubjects(prefix, filter)) added ? this.#hold(s) : this.#release(s);
      return;
    }
    const queue = queueName(shared.group, shared.filter);
    const subjects = [...filterSubjects(prefix, shared.filter), longSubject(prefix)];
    for (const s of subjects) added ? this.#hold(s, shared, queue) : this.#release(s, queue);
  }

  /** Sends a message published on this node to the nodes with interest. */
  forward(msg: Message): boolean {
    if (msg.topic.startsWith("$SYS/")) return false; // each node's own
    const { main, prefix, instance } = this.#deps;
    const origin = { node: instance, seq: ++this.#seq };
    const frame = encodeMessage(msg, origin);
    main.publish(topicSubject(prefix, msg.topic), frame);
    if (msg.qos > 0) {
      this.#unflushed = true;
      ORIGINS.set(msg, origin);
      this.#deps.onQos?.(msg, frame);
    }
    if (msg.retain) this.#deps.onRetained(msg);
    return true;
  }

  /**
   * Flow control across nodes: while a node holding a crowded subscriber of `msg`'s topic asked
   * this one to slow down, a client's QoS 1/2 PUBLISH waits (the router holds its publisher as it
   * does for a full local queue) and is routed again after at most {@linkcode SLOW_DOWN_MS}.
   */
  heldBack(msg: Message): Promise<void> | undefined {
    const until = this.#slowed.get(msg.topic);
    if (until === undefined) return undefined;
    const wait = until - Date.now();
    if (wait <= 0) return void this.#slowed.delete(msg.topic);
    return new Promise((resolve) => setTimeout(resolve, Math.min(wait, SLOW_DOWN_MS)));
  }

  /**
   * Runs `fn` once the NATS server has every QoS 1/2 message forwarded so far (a flush: one
   * round trip for all the callbacks of one turn), in call order; at once when nothing is
   * pending. While NATS is away the flush waits for it to come back.
   */
  afterSent(fn: () => void): void {
    if (this.#batch) {
      this.#batch.push(fn);
      return;
    }
    if (!this.#unflushed && this.#flushing === 0) return fn();
    const batch = this.#batch = [fn];
    queueMicrotask(() => {
      this.#batch = undefined;
      this.#unflushed = false;
      this.#flushing++;
      const done = () => {
        this.#flushing--;
        for (const callback of batch) callback();
      };
      this.#deps.main.flush().then(done, (error) => {
        this.#deps.log.warn("Cluster flush failed; acknowledging anyway", { error });
        done();
      });
    });
  }

  #hold(subject: string, shared?: SharedPick, queue?: string): void {
    const key = queue === undefined ? subject : `${queue} ${subject}`;
    const held = this.#held.get(key);
    if (held) {
      held.count++;
      return;
    }
    const conn = queue === undefined ? this.#deps.main : this.#deps.queues;
    const sub = conn.subscribe(subject, {
      queue,
      callback: (err, m) => err ? this.#failed(subject, err) : this.#receive(m.data, shared),
    });
    this.#held.set(key, { count: 1, sub });
  }

  #release(subject: string, queue?: string): void {
    const key = queue === undefined ? subject : `${queue} ${subject}`;
    const held = this.#held.get(key);
    if (!held || --held.count > 0) return;
    this.#held.delete(key);
    held.sub.unsubscribe();
  }

  #receive(data: Uint8Array, shared?: SharedPick): void {
    let decoded;
    try {
      decoded = decodeMessage(data);
    } catch (error) {
      this.#deps.log.warn("Cluster message refused", { error });
      return;
    }
    const { msg, origin } = decoded;
    if (msg.qos > 0) ORIGINS.set(msg, origin);
    if (shared) {
      // Wider subjects (long topics, long filters) reach the group: match here.
      if (topicMatches(shared.filter, msg.topic)) {
        this.#deps.broker.deliverRemote(msg, shared, this.#crowded);
      }
      return;
    }
    if ((this.#lastSeq.get(origin.node) ?? 0) >= origin.seq) return; // a repeat
    this.#lastSeq.set(origin.node, origin.seq);
    this.#deps.broker.deliverRemote(msg, undefined, this.#crowded);
  }

  /**
   * Asks the node that published `topic` to hold its publishers back, and asks again every
   * {@linkcode SLOW_DOWN_EVERY_MS} while `still()` holds (a crowded subscriber of it here).
   */
  #askSlowDown(node: string, topic: string, still: () => boolean): void {
    const key = `${node} ${topic}`;
    if (this.#asked.has(key)) return;
    bounded(this.#asked).set(key, still);
    this.#sendSlowDown(node, topic);
    this.#slowDownTimer ??= setInterval(() => this.#renewSlowDowns(), SLOW_DOWN_EVERY_MS);
  }

  #renewSlowDowns(): void {
    for (const [key, still] of this.#asked) {
      const [node, topic] = [key.slice(0, key.indexOf(" ")), key.slice(key.indexOf(" ") + 1)];
      if (still()) this.#sendSlowDown(node, topic);
      else this.#asked.delete(key);
    }
    if (this.#asked.size === 0) {
      clearInterval(this.#slowDownTimer);
      this.#slowDownTimer = undefined;
    }
  }

  #sendSlowDown(node: string, topic: string): void {
    const { main, prefix } = this.#deps;
    if (!main.isClosed()) {
      main.publish(slowDownSubject(prefix, node), new TextEncoder().encode(topic));
    }
  }

  /** Another node asks this one to slow down for a topic (untrusted bytes: a topic, or nothing). */
  #slowDown(data: Uint8Array): void {
    let topic: string;
    try {
      topic = new TextDecoder("utf-8", { fatal: true }).decode(data);
    } catch {
      return;
    }
    if (!isValidTopicName(topic)) return;
    bounded(this.#slowed).set(topic, Date.now() + SLOW_DOWN_MS);
  }

  #failed(subject: string, error: Error): void {
    this.#deps.log.warn("Cluster subscription failed", { subject, error });
  }
}

/** The subject on which node instance `node` takes slow-down requests. */
function slowDownSubject(prefix: string, node: string): string {
  return `${prefix}.bp.${node}`;
}

/** `map`, with its oldest half cleared once it holds {@linkcode SLOW_DOWN_MAX} entries. */
function bounded<V>(map: Map<string, V>): Map<string, V> {
  if (map.size < SLOW_DOWN_MAX) return map;
  let n = 0;
  for (const key of map.keys()) {
    if (n++ >= SLOW_DOWN_MAX / 2) break;
    map.delete(key);
  }
  return map;
}
