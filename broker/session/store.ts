/**
 * Where sessions live between connections. In memory here; the interface is what a durable backend
 * implements.
 *
 * @module
 */
import type { Message } from "../message.ts";
import { Session } from "./session.ts";

/** Persistence for sessions and retained messages. */
export interface SessionStore {
  /** The session for `clientId`, if any. */
  get(clientId: string): Session | undefined;
  /** Creates and stores a new session, replacing any old one. */
  create(clientId: string): Session;
  /** Deletes a session. */
  delete(clientId: string): void;
  /** Every stored session. */
  all(): IterableIterator<Session>;
  /** Number of stored sessions. */
  readonly size: number;
}

/**
 * Sessions kept in a Map; lost on restart.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStore } from "./store.ts";
 * const store = new MemorySessionStore({ maxQueued: 10 });
 * store.create("c1");
 * assert.ok(store.get("c1")?.clientId === "c1" && store.size === 1);
 * ```
 */
export class MemorySessionStore implements SessionStore {
  #sessions = new Map<string, Session>();
  #maxQueued: number;

  /** @param opts.maxQueued bound on each session's queue */
  constructor(opts: { maxQueued: number }) {
    this.#maxQueued = opts.maxQueued;
  }
  get(clientId: string): Session | undefined {
    return this.#sessions.get(clientId);
  }
  create(clientId: string): Session {
    const s = new Session(clientId, { maxQueued: this.#maxQueued });
    this.#sessions.set(clientId, s);
    return s;
  }
  delete(clientId: string): void {
    this.#sessions.delete(clientId);
  }
  all(): IterableIterator<Session> {
    return this.#sessions.values();
  }
  get size(): number {
    return this.#sessions.size;
  }
}

/** Retained messages by topic. */
export interface RetainStore {
  set(msg: Message): void;
  delete(topic: string): void;
  get(topic: string): Message | undefined;
  /** Every retained message whose topic matches `filter`, expired ones removed. */
  match(filter: string, now: number): Message[];
  readonly size: number;
}
