/**
 * Offline capture: QoS 1/2 messages for a durable session whose client is away are also kept in
 * JetStream, so that they survive the death of the session's owner until another node takes the
 * session over.
 *
 * - The owner records each offline session's (non-shared) filters in the KV bucket
 *   `<prefix>_offline` (key: `sessionKey`), from the session mirror's write
 *   (`session_mirror.ts`), and deletes the record when the client is back or the session ends.
 * - Every node follows the bucket into a topic trie. A QoS 1/2 message published on a node that
 *   matches an offline session is also published, as its routing frame (with its origin), to
 *   `<prefix>.q.<key>`, which the stream `<prefix>_captured` stores; the acknowledgement waits
 *   for the same NATS flush as the routed copy.
 * - The node that takes a session over ({@linkcode OfflineCapture.drain}) reads the captured
 *   messages stored since the record was written, skips those the handed-over state already
 *   holds (same origin), and appends the rest to the session's queue. Then the record and the
 *   captured messages are removed.
 *
 * QoS 0 messages are not captured (the spec allows losing them, 4.3.1).
 *
 * @module
 */
import type { KV, Kvm, KvWatchEntry } from "@nats-io/kv";
import {
  DeliverPolicy,
  jetstream,
  type JetStreamManager,
  jetstreamManager,
} from "@nats-io/jetstream";
import { nanos, type NatsConnection, type QueuedIterator } from "@nats-io/transport-node";
import type { Message } from "../../broker/message.ts";
import type { JournalEntry } from "../../broker/session/journal.ts";
import { TopicTrie } from "../../broker/topics/trie.ts";
import type { Logger } from "../../lib/log.ts";
import { decodeMessage, ORIGINS } from "./codec.ts";
import { type DecodedSession, entryFor, notHeld } from "./session_codec.ts";
import { sessionKey } from "./session_mirror.ts";
import { followBucket } from "./_follow.ts";

/** Longest wait for the bucket's current records at start. */
/** Session expiries this long or longer never end: no age limit. */
const FOREVER_S = 0xffffffff;
/** Captured messages read per batch while draining. */
const BATCH = 500;

/** What `<prefix>_offline` holds per offline session. */
export interface OfflineRecord {
  /** The session's non-shared filters. */
  filters: string[];
}

/** What {@linkcode OfflineCapture.open} works with. */
export interface CaptureDeps {
  main: NatsConnection;
  kvm: Kvm;
  prefix: string;
  /** Replicas of the bucket and the stream (`cluster.replicas`). */
  replicas: number;
  /** `mqtt.max_session_expiry`: records and captured messages live no longer. */
  maxAgeSeconds: number;
  log: Logger;
}

/**
 * The offline sessions of the whole cluster as this node knows them; capture and drain.
 *
 * @example
 * ```ts ignore
 * const capture = await OfflineCapture.open({ main, kvm, prefix: "aviary", replicas: 1, maxAgeSeconds: 604800, log });
 * await capture.offline("sensor-1", ["home/#"]); // its client went away
 * const missed = await capture.drain(state); // on the node taking "sensor-1" over
 * ```
 */
export class OfflineCapture {
  #d: CaptureDeps;
  #kv: KV;
  #jsm: JetStreamManager;
  #trie = new TopicTrie<true>();
  /** Filters per session key, as indexed. */
  #filters = new Map<string, string[]>();
  /** Sessions this node recorded as offline (so that coming back deletes the record). */
  #recorded = new Set<string>();
  /** Sessions restored from this node's store, possibly recorded before its restart. */
  #adopted = new Set<string>();
  /** The last presence change asked for, per session key. */
  #changes = new Map<string, Promise<void>>();
  #watch?: QueuedIterator<KvWatchEntry>;

  private constructor(deps: CaptureDeps, kv: KV, jsm: JetStreamManager) {
    this.#d = deps;
    this.#kv = kv;
    this.#jsm = jsm;
  }

  /** Opens (creates) the bucket and the stream, loads the records, then follows them. */
  static async open(deps: CaptureDeps): Promise<OfflineCapture> {
    const { kvm, prefix, replicas, main, maxAgeSeconds: age } = deps;
    const ttl = age > 0 && age < FOREVER_S ? age * 1000 : 0;
    const kv = await kvm.create(`${prefix}_offline`, { history: 1, replicas, ttl });
    const jsm = await jetstreamManager(main);
    const stream = {
      name: streamName(prefix),
      subjects: [`${prefix}.q.>`],
      num_replicas: replicas,
      max_age: nanos(ttl),
    };
    // Like the KV buckets: an existing stream keeps its configuration (its replicas too).
    await jsm.streams.info(stream.name).catch(() => jsm.streams.add(stream));
    const capture = new OfflineCapture(deps, kv, jsm);
    await capture.#follow();
    return capture;
  }

  /** Whether the session `clientId` is recorded as away. */
  has(clientId: string): boolean {
    return this.#filters.has(sessionKey(clientId));
  }

  /** Offline sessions known cluster-wide. */
  get sessions(): number {
    return this.#filters.size;
  }

  /** Stops following the bucket. */
  stop(): void {
    this.#watch?.stop();
  }

  /** A QoS 1/2 message published here (its routing frame): kept for each matching offline session. */
  capture(msg: Message, frame: Uint8Array): void {
    if (this.#filters.size === 0) return;
    const keys = new Set<string>();
    this.#trie.match(msg.topic, (key) => keys.add(key));
    for (const key of keys) this.#d.main.publish(`${this.#d.prefix}.q.${key}`, frame);
  }

  /**
   * A session this node restored from its own store: a record left from before the restart is
   * removed (with what it captured) when its client is back.
   */
  adopt(clientId: string): void {
    this.#adopted.add(sessionKey(clientId));
  }

  /**
   * The session `clientId` went offline (`filters`) on this node, or came back (`null`).
   * Coming back removes its record and what was captured for it.
   */
  offline(clientId: string, filters: string[] | null): Promise<void> {
    const key = sessionKey(clientId);
    const idle = !this.#changes.has(key) && !this.#recorded.has(key) && !this.#adopted.has(key);
    if (filters === null && idle) return Promise.resolve(); // online, nothing recorded: the usual
    // One change at a time per session: a record must not be put after it was forgotten.
    const next = (this.#changes.get(key) ?? Promise.resolve()).then(() =>
      this.#presence(key, filters)
    );
    const settled = next.catch(() => {});
    this.#changes.set(key, settled);
    void settled.then(() => {
      if (this.#changes.get(key) === settled) this.#changes.delete(key);
    });
    return next;
  }

  async #presence(key: string, filters: string[] | null): Promise<void> {
    if (filters !== null) {
      if (this.#recorded.has(key)) return; // the record's time is when it went away
      this.#recorded.add(key);
      const known = await this.#kv.get(key).catch(() => null);
      if (known?.operation === "PUT") return; // recorded before a restart of this node
      const record: OfflineRecord = { filters: filters.filter((f) => !f.startsWith("$share/")) };
      await this.#kv.put(key, JSON.stringify(record));
      return;
    }
    const recorded = this.#recorded.delete(key);
    if (!this.#adopted.delete(key) && !recorded) return;
    await this.#forget(key);
  }

  /**
   * The captured messages of `state`'s session not already in it, as queue entries (QoS and
   * subscription identifiers from its subscriptions); removes the record and the captured
   * messages. Resolves with none when nothing was captured.
   */
  async drain(
    state: Pick<DecodedSession, "clientId" | "subscriptions" | "queue" | "inflight">,
  ): Promise<JournalEntry[]> {
    const key = sessionKey(state.clientId);
    const record = await this.#kv.get(key).catch(() => null);
    this.#recorded.delete(key);
    if (record?.operation !== "PUT") return [];
    const out: JournalEntry[] = [];
    for (const frame of await this.#read(key, record.created)) {
      const decoded = this.#decode(frame, key);
      if (!decoded) continue;
      ORIGINS.set(decoded.msg, decoded.origin);
      const entry = entryFor(decoded.msg, state.subscriptions);
      if (entry) out.push(entry);
    }
    await this.#forget(key);
    return notHeld(state, out);
  }

  #decode(frame: Uint8Array, key: string) {
    try {
      return decodeMessage(frame);
    } catch (error) {
      this.#d.log.warn("Cluster: captured message refused", { key, error });
      return undefined;
    }
  }

  /** Every message stored for `key` since `since`. */
  async #read(key: string, since: Date): Promise<Uint8Array[]> {
    const js = jetstream(this.#d.main);
    const consumer = await js.consumers.get(streamName(this.#d.prefix), {
      filter_subjects: `${this.#d.prefix}.q.${key}`,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: since.toISOString(),
    });
    const frames: Uint8Array[] = [];
    let pending = (await consumer.info(true)).num_pending;
    while (pending > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(pending, BATCH), expires: 2000 });
      let got = 0;
      for await (const m of batch) {
        frames.push(m.data);
        pending = m.info.pending;
        got++;
      }
      if (got === 0) break;
    }
    await consumer.delete().catch(() => {});
    return frames;
  }

  /** Removes the record `key` and its captured messages. */
  async #forget(key: string): Promise<void> {
    const { prefix, log } = this.#d;
    await this.#kv.delete(key).catch((error) =>
      log.warn("Cluster: offline record not deleted", { key, error })
    );
    await this.#jsm.streams.purge(streamName(prefix), { filter: `${prefix}.q.${key}` }).catch(
      (error) => log.warn("Cluster: captured messages not purged", { key, error }),
    );
  }

  /** Starts the watch; resolves once the current records are in (or after a while). */
  async #follow(): Promise<void> {
    this.#watch = await followBucket(
      this.#kv,
      (entry) => this.#apply(entry),
      (error) => this.#d.log.warn("Cluster offline watch ended", { error }),
    );
  }

  #apply(entry: KvWatchEntry): void {
    const key = entry.key;
    for (const f of this.#filters.get(key) ?? []) this.#trie.remove(f, key);
    this.#filters.delete(key);
    if (entry.operation !== "PUT") return;
    try {
      const { filters } = entry.json<OfflineRecord>();
      if (!Array.isArray(filters)) throw new TypeError("filters is not a list");
      for (const f of filters) this.#trie.add(String(f), key, true);
      this.#filters.set(key, filters.map(String));
    } catch (error) {
      this.#d.log.warn("Cluster offline record refused", { key, error });
    }
  }
}

function streamName(prefix: string): string {
  return `${prefix}_captured`;
}
