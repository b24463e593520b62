/**
 * Where sessions live between connections. In memory here; the interface is what a durable backend
 * implements.
 *
 * @module
 */
import type { Message } from "../message.ts";
import { NULL_JOURNAL, type SessionJournal } from "./journal.ts";
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
 * Sessions kept in a Map: the working set. With a journal, every session it creates records its
 * changes there (and deleting one is recorded); without, they are lost on restart.
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
  /** Where new sessions record their changes (a cluster may wrap it to mirror sessions). */
  journal: SessionJournal;

  /**
   * @param opts.maxQueued bound on each session's queue
   * @param opts.journal where the sessions record their changes (default: nowhere)
   */
  constructor(opts: { maxQueued: number; journal?: SessionJournal }) {
    this.#maxQueued = opts.maxQueued;
    this.journal = opts.journal ?? NULL_JOURNAL;
  }
  get(clientId: string): Session | undefined {
    return this.#sessions.get(clientId);
  }
  create(clientId: string): Session {
    const s = new Session(clientId, { maxQueued: this.#maxQueued });
    s.journal = this.journal;
    this.#sessions.set(clientId, s);
    return s;
  }
  delete(clientId: string): void {
    const s = this.#sessions.get(clientId);
    if (!s) return;
    this.#sessions.delete(clientId);
    s.journal.deleteSession(s);
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
  /** Stores `msg` (recorded in the journal, if any). */
  set(msg: Message): void;
  /** Stores `msg` loaded back from the durable store (not recorded again). */
  restore?(msg: Message): void;
  delete(topic: string): void;
  get(topic: string): Message | undefined;
  /** Every retained message whose topic matches `filter`, expired ones removed. */
  match(filter: string, now: number): Message[];
  readonly size: number;
}
