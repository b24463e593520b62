/**
 * Retained messages (spec 3.3.1.3): one per topic, cleared by an empty payload, honouring
 * message expiry.
 *
 * @module
 */
import { isExpired, type Message } from "./message.ts";
import { NULL_JOURNAL, type SessionJournal } from "./session/journal.ts";
import type { RetainStore } from "./session/store.ts";
import { TopicIndex } from "./topics/topic_index.ts";

/**
 * Retained messages in a Map.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { MemoryRetainStore } from "./retain.ts";
 * const store = new MemoryRetainStore();
 * store.set({ topic: "a/b", payload: Buffer.from("x"), qos: 0, retain: true, properties: {} });
 * assert.ok(store.match("a/+", 0).length === 1);
 * ```
 */
export class MemoryRetainStore implements RetainStore {
  #byTopic = new Map<string, Message>();
  /** The same messages by topic level: a wildcard filter walks only the branches it matches. */
  #index = new TopicIndex<Message>();
  #journal: SessionJournal;

  /** @param journal where changes are recorded (default: nowhere) */
  constructor(journal: SessionJournal = NULL_JOURNAL) {
    this.#journal = journal;
  }

  set(msg: Message): void {
    this.#byTopic.set(msg.topic, msg);
    this.#index.set(msg.topic, msg);
    this.#journal.retain(msg.topic, msg);
  }
  restore(msg: Message): void {
    this.#byTopic.set(msg.topic, msg);
    this.#index.set(msg.topic, msg);
  }
  delete(topic: string): void {
    this.#index.delete(topic);
    if (this.#byTopic.delete(topic)) this.#journal.retain(topic, null);
  }
  get(topic: string): Message | undefined {
    return this.#byTopic.get(topic);
  }
  match(filter: string, now: number): Message[] {
    const exact = !filter.includes("+") && !filter.includes("#");
    if (exact) {
      const msg = this.#live(filter, now);
      return msg ? [msg] : [];
    }
    const out: Message[] = [];
    const expired: string[] = [];
    this.#index.match(filter, (msg) => {
      if (isExpired(msg, now)) expired.push(msg.topic);
      else out.push(msg);
    });
    for (const topic of expired) this.delete(topic);
    return out;
  }
  get size(): number {
    return this.#byTopic.size;
  }

  #live(topic: string, now: number): Message | undefined {
    const msg = this.#byTopic.get(topic);
    if (msg && isExpired(msg, now)) {
      this.delete(topic);
      return undefined;
    }
    return msg;
  }
}
