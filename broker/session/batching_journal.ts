/**
 * The journal of a durable backend: every change of one event-loop tick is gathered, coalesced
 * (a message queued and acknowledged in the same tick is never written) and committed in one
 * batch; acknowledgements wait for that commit ({@linkcode BatchingJournal.afterCommit}).
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { Logger } from "../../lib/log.ts";
import type { Message } from "../message.ts";
import { type Batch, type DurableStore, emptyBatch, type StoredSession } from "./durable_store.ts";
import type { JournaledSession, JournaledWill, JournalEntry, SessionJournal } from "./journal.ts";

/** Options of {@linkcode BatchingJournal}. */
export interface BatchingJournalOptions {
  /** Most messages (queued and in flight) the store holds; 0 = no limit. */
  maxMessages?: number;
  /** Where commit failures are reported. */
  log?: Logger;
  /**
   * Schedules the commit (default: `setImmediate`: after the I/O of this event-loop turn. A 0 ms
   * timer waits 1-2 ms in Deno, and every acknowledgement would wait with it).
   */
  schedule?: (flush: () => void) => void;
}

/** Counters of a {@linkcode BatchingJournal}. */
export interface JournalStats {
  /** Batches committed. */
  commits: number;
  /** Messages stored now (queued and in flight). */
  messages: number;
  /** Messages not queued because the store was full. */
  droppedStoreFull: number;
  /** Commits that failed (logged; their acknowledgements were still sent). */
  failures: number;
  /** Milliseconds spent in commits. */
  commitMs: number;
}

interface PendingSession {
  session: JournaledSession;
  expiresAt: number | null;
}

/**
 * Batches the core's changes into one commit per tick on `store`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BatchingJournal } from "./batching_journal.ts";
 * import { MemoryDurableStore } from "./memory_durable_store.ts";
 * const store = new MemoryDurableStore();
 * const journal = new BatchingJournal(store, { schedule: () => {} });
 * const session = { clientId: "c", expiryInterval: 60, subscriptions: new Map(), queue: [], inflight: new Map() };
 * journal.saveSession(session, null);
 * let acked = false;
 * journal.afterCommit(() => acked = true);
 * assert.equal(acked, false); // waits for the commit
 * journal.flush();
 * assert.ok(acked && store.load().sessions[0].clientId === "c");
 * ```
 */
export class BatchingJournal implements SessionJournal {
  readonly durable = true;
  /** Counters. */
  readonly stats: JournalStats = {
    commits: 0,
    messages: 0,
    droppedStoreFull: 0,
    failures: 0,
    commitMs: 0,
  };
  #store: DurableStore;
  #opts: BatchingJournalOptions;
  #nextSeq = 1;
  #scheduled = false;
  #dirty = false;
  #callbacks: (() => void)[] = [];
  #deleted = new Set<string>();
  #sessions = new Map<string, PendingSession>();
  #inserts = new Map<number, { clientId: string; entry: JournalEntry }>();
  #updates = new Map<number, JournalEntry>();
  #deletes: number[] = [];
  #inbound = new Map<string, { clientId: string; packetId: number; held: boolean }>();
  #retained = new Map<string, Message | null>();
  #wills = new Map<string, JournaledWill | null>();
  /** Durable sessions recorded at least once (so that ending one is written). */
  #known = new WeakSet<JournaledSession>();

  /**
   * @param store the backend
   * @param opts store limit, log, commit scheduling
   */
  constructor(store: DurableStore, opts: BatchingJournalOptions = {}) {
    this.#store = store;
    this.#opts = opts;
  }

  /** Continues numbering rows after what was loaded; adopts loaded sessions. */
  loaded(nextSeq: number, messages: number, sessions: Iterable<JournaledSession>): void {
    this.#nextSeq = Math.max(this.#nextSeq, nextSeq);
    this.stats.messages = messages;
    for (const s of sessions) this.#known.add(s);
  }

  /** Deletes what a restart found expired: whole sessions (by client id) and messages (by row). */
  discard(clientIds: string[], seqs: number[]): void {
    if (clientIds.length === 0 && seqs.length === 0) return;
    for (const id of clientIds) this.#deleted.add(id);
    this.#deletes.push(...seqs);
    this.#touch();
  }

  get full(): boolean {
    const max = this.#opts.maxMessages ?? 0;
    return max > 0 && this.stats.messages >= max;
  }

  refused(): void {
    this.stats.droppedStoreFull++;
  }

  saveSession(session: JournaledSession, expiresAt: number | null = null): void {
    if (session.expiryInterval === 0) {
      if (this.#known.has(session)) this.deleteSession(session);
      return;
    }
    this.#known.add(session);
    this.#sessions.set(session.clientId, { session, expiresAt });
    this.#touch();
  }

  deleteSession(session: JournaledSession): void {
    if (!this.#known.has(session)) return;
    this.#known.delete(session);
    const id = session.clientId;
    this.#sessions.delete(id);
    this.#wills.delete(id);
    for (const [key, op] of this.#inbound) if (op.clientId === id) this.#inbound.delete(key);
    for (const entry of session.queue) this.#drop(entry);
    for (const entry of session.inflight.values()) this.#drop(entry);
    this.#deleted.add(id);
    this.#touch();
  }

  queued(session: JournaledSession, entry: JournalEntry): void {
    if (session.expiryInterval === 0) return;
    entry.seq = this.#nextSeq++;
    this.#inserts.set(entry.seq, { clientId: session.clientId, entry });
    this.stats.messages++;
    this.#touch();
  }

  sent(session: JournaledSession, entry: JournalEntry): void {
    if (session.expiryInterval === 0) return;
    const seq = entry.seq;
    if (seq === undefined) return this.queued(session, entry);
    if (this.#inserts.has(seq)) this.#inserts.set(seq, { clientId: session.clientId, entry });
    else this.#updates.set(seq, entry);
    this.#touch();
  }

  removed(_session: JournaledSession, entry: JournalEntry): void {
    this.#drop(entry); // an entry never recorded has no row
  }

  inbound(session: JournaledSession, packetId: number, held: boolean): void {
    if (session.expiryInterval === 0) return;
    const clientId = session.clientId;
    const key = `${packetId}\u0000${clientId}`;
    if (!held && this.#inbound.get(key)?.held) this.#inbound.delete(key);
    else this.#inbound.set(key, { clientId, packetId, held });
    this.#touch();
  }

  retain(topic: string, msg: Message | null): void {
    this.#retained.set(topic, msg);
    this.#touch();
  }

  will(clientId: string, will: JournaledWill | null): void {
    this.#wills.set(clientId, will);
    this.#touch();
  }

  afterCommit(fn: () => void): void {
    if (!this.#dirty) return fn();
    this.#callbacks.push(fn);
  }

  /** Commits what is pending now, then runs the callbacks waiting for it. */
  flush(): void {
    this.#scheduled = false;
    if (!this.#dirty) return;
    const batch = this.#take();
    const started = performance.now();
    try {
      this.#store.commit(batch);
      this.stats.commits++;
    } catch (error) {
      this.stats.failures++;
      this.#opts.log?.error("Persistence commit failed", { store: this.#store.name, error });
    }
    this.stats.commitMs += performance.now() - started;
    const callbacks = this.#callbacks;
    this.#callbacks = [];
    for (const fn of callbacks) fn();
  }

  /** Commits what is pending and closes the store. */
  close(): void {
    this.flush();
    this.#store.close();
  }

  #drop(entry: JournalEntry): void {
    const seq = entry.seq;
    if (seq === undefined) return;
    entry.seq = undefined;
    this.stats.messages--;
    this.#updates.delete(seq);
    if (!this.#inserts.delete(seq)) {
      this.#deletes.push(seq);
      this.#touch();
    }
  }

  #touch(): void {
    this.#dirty = true;
    if (this.#scheduled) return;
    this.#scheduled = true;
    const schedule = this.#opts.schedule ?? ((flush) => setImmediate(flush));
    schedule(() => this.flush());
  }

  #take(): Batch {
    const batch = emptyBatch();
    batch.deletedSessions = [...this.#deleted];
    for (const { session, expiresAt } of this.#sessions.values()) {
      batch.sessions.push(storedSession(session, expiresAt));
    }
    batch.deletes = this.#deletes;
    for (const [seq, { clientId, entry }] of this.#inserts) {
      const { msg, qos, retain, subscriptionIds, packetId } = entry;
      const state = entry.state ?? "queued";
      batch.inserts.push({ seq, clientId, msg, qos, retain, subscriptionIds, packetId, state });
    }
    for (const [seq, entry] of this.#updates) {
      batch.updates.push({ seq, packetId: entry.packetId, state: entry.state ?? "queued" });
    }
    batch.inbound = [...this.#inbound.values()];
    for (const [topic, msg] of this.#retained) batch.retained.push({ topic, msg });
    for (const [clientId, will] of this.#wills) {
      batch.wills.push({ clientId, will: will && { clientId, ...will } });
    }
    this.#reset();
    return batch;
  }

  #reset(): void {
    this.#dirty = false;
    this.#deleted = new Set();
    this.#sessions = new Map();
    this.#inserts = new Map();
    this.#updates = new Map();
    this.#deletes = [];
    this.#inbound = new Map();
    this.#retained = new Map();
    this.#wills = new Map();
  }
}

function storedSession(session: JournaledSession, expiresAt: number | null): StoredSession {
  return {
    clientId: session.clientId,
    expiryInterval: session.expiryInterval,
    subscriptions: [...session.subscriptions].map(([f, o]) => [f, { ...o }]),
    expiresAt,
  };
}
