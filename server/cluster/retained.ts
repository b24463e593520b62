/**
 * Retained messages across the cluster: a JetStream KV bucket (`<prefix>_retained`, one value per
 * topic, the key its topic in base64url) is the truth; each node's retained store is its cache,
 * filled from the bucket at start and kept up to date by a watch. Every change is applied in the
 * bucket's order, this node's own included, so concurrent writers converge on the last one.
 * A write that fails (NATS away) is kept and written again when NATS is back.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { KV, KvWatchEntry } from "@nats-io/kv";
import type { QueuedIterator } from "@nats-io/transport-node";
import type { Message } from "../../broker/message.ts";
import type { RetainStore } from "../../broker/session/store.ts";
import type { Logger } from "../../lib/log.ts";
import { decodeMessage, encodeMessage } from "./codec.ts";
import { followBucket } from "./_follow.ts";

/** The bucket key of `topic`. */
export function retainedKey(topic: string): string {
  return Buffer.from(topic).toString("base64url");
}

/** Longest wait for the bucket's current values at start or resync. */

/** Keeps a node's retained store in step with the cluster's bucket. */
export class RetainedSync {
  #kv: KV;
  #store: RetainStore;
  #log: Logger;
  #instance: string;
  #watch?: QueuedIterator<KvWatchEntry>;
  /** Writes that failed, by topic (null = delete), written again on {@linkcode resync}. */
  #pending = new Map<string, Message | null>();

  /**
   * @param kv the bucket
   * @param store this node's retained store (the cache)
   * @param log where failures go
   * @param instance this node instance's name (the origin of what it writes)
   */
  constructor(kv: KV, store: RetainStore, log: Logger, instance: string) {
    this.#kv = kv;
    this.#store = store;
    this.#log = log;
    this.#instance = instance;
  }

  /**
   * Loads the bucket into the store (removing what the store held that the cluster no longer
   * has), then follows its changes.
   */
  async start(): Promise<void> {
    const seen = await this.#follow();
    for (const msg of this.#store.match("#", 0)) {
      if (!seen.has(msg.topic)) this.#store.delete(msg.topic);
    }
  }

  /** Writes a retained message (an empty payload clears it) published on this node. */
  write(msg: Message): void {
    const key = retainedKey(msg.topic);
    const done = msg.payload.length === 0
      ? this.#kv.delete(key)
      : this.#kv.put(key, encodeMessage(msg, { node: this.#instance, seq: 0 }));
    done.then(() => {}, (error) => {
      this.#pending.set(msg.topic, msg.payload.length === 0 ? null : msg);
      this.#log.warn("Cluster retained write failed; retried when NATS is back", {
        topic: msg.topic,
        error,
      });
    });
  }

  /** After NATS came back: writes what failed, then reloads the bucket. */
  async resync(): Promise<void> {
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [topic, msg] of pending) {
      this.write(msg ?? { topic, payload: Buffer.alloc(0), qos: 0, retain: true, properties: {} });
    }
    await this.#follow();
  }

  /** Stops following the bucket. */
  stop(): void {
    this.#watch?.stop();
    this.#watch = undefined;
  }

  /** (Re)starts the watch; resolves with the topics present once the current values are in. */
  async #follow(): Promise<Set<string>> {
    this.stop();
    const seen = new Set<string>();
    this.#watch = await followBucket(
      this.#kv,
      (entry) => {
        const topic = this.#apply(entry);
        if (topic !== undefined && !entry.isUpdate) seen.add(topic);
      },
      (error) => this.#log.warn("Cluster retained watch ended", { error }),
    );
    return seen;
  }

  /** Applies one bucket change to the store; returns the topic when it holds a message. */
  #apply(entry: KvWatchEntry): string | undefined {
    try {
      if (entry.operation !== "PUT") {
        this.#store.delete(Buffer.from(entry.key, "base64url").toString());
        return undefined;
      }
      const { msg } = decodeMessage(entry.value);
      this.#store.set(msg);
      return msg.topic;
    } catch (error) {
      this.#log.warn("Cluster retained entry refused", { key: entry.key, error });
      return undefined;
    }
  }
}
