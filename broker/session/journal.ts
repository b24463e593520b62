/**
 * The journal: what the core tells a durable store as sessions, deliveries, inbound QoS 2 packet
 * ids, retained messages and delayed wills change. The working set stays in memory; the journal
 * only records. {@linkcode NULL_JOURNAL} records nothing (the memory backend); the batching
 * journal (`batching_journal.ts`) groups every change of one event-loop tick into one commit.
 *
 * @module
 */
import type { Message, QoS, SubscriptionOptions } from "../message.ts";

/** A message on its way to one session, as the journal sees it (queued or in flight). */
export interface JournalEntry {
  msg: Message;
  qos: QoS;
  retain: boolean;
  subscriptionIds?: number[];
  /** The journal's row for this entry, set when it is first recorded. */
  seq?: number;
  /** In flight: its packet id. */
  packetId?: number;
  /** In flight: `publish` (PUBLISH sent) or `pubrel` (PUBREL sent). */
  state?: "publish" | "pubrel";
}

/** The session state the journal reads. */
export interface JournaledSession {
  readonly clientId: string;
  /** Seconds the session outlives its connection; 0 = not durable, nothing recorded. */
  expiryInterval: number;
  readonly subscriptions: ReadonlyMap<string, SubscriptionOptions>;
  readonly queue: readonly JournalEntry[];
  readonly inflight: ReadonlyMap<number, JournalEntry>;
}

/** A will waiting for its delay, as recorded. */
export interface JournaledWill {
  msg: Message;
  /** When it is due (ms, broker clock). */
  at: number;
  /** v5 Message Expiry Interval, counted from when it is published. */
  expirySeconds?: number;
}

/** What the core reports to the durable store. Every method returns at once. */
export interface SessionJournal {
  /** Whether anything is recorded (false: the memory backend). */
  readonly durable: boolean;
  /** Whether the store holds its limit of messages (new queued messages are dropped). */
  readonly full: boolean;
  /** Counts a message refused because the store is full. */
  refused(): void;
  /**
   * Records the session (expiry, subscriptions); `expiresAt` is its absolute deadline while
   * offline, null while connected or when it never expires. A session with expiry 0 is deleted.
   */
  saveSession(session: JournaledSession, expiresAt?: number | null): void;
  /** Deletes the session and everything it holds. */
  deleteSession(session: JournaledSession): void;
  /** A message was queued for the session. */
  queued(session: JournaledSession, entry: JournalEntry): void;
  /** A message went in flight, or its state changed (PUBREL sent). */
  sent(session: JournaledSession, entry: JournalEntry): void;
  /** A queued or in-flight message is done (acknowledged, dropped, expired). */
  removed(session: JournaledSession, entry: JournalEntry): void;
  /** An inbound QoS 2 packet id is held (`true`) or released. */
  inbound(session: JournaledSession, packetId: number, held: boolean): void;
  /** A retained message was stored (`msg`) or cleared (null). */
  retain(topic: string, msg: Message | null): void;
  /** A delayed will was scheduled, or published / cancelled (null). */
  will(clientId: string, will: JournaledWill | null): void;
  /**
   * Runs `fn` once everything recorded so far is committed: at once when nothing is pending. The
   * broker's acknowledgements (PUBACK, PUBREC, PUBCOMP, SUBACK) go through here.
   */
  afterCommit(fn: () => void): void;
}

/**
 * The journal of the memory backend: records nothing, runs {@linkcode SessionJournal.afterCommit}
 * callbacks at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NULL_JOURNAL } from "./journal.ts";
 * let acked = false;
 * NULL_JOURNAL.afterCommit(() => acked = true);
 * assert.ok(acked && !NULL_JOURNAL.durable);
 * ```
 */
export const NULL_JOURNAL: SessionJournal = Object.freeze({
  durable: false,
  full: false,
  refused() {},
  saveSession() {},
  deleteSession() {},
  queued() {},
  sent() {},
  removed() {},
  inbound() {},
  retain() {},
  will() {},
  afterCommit(fn: () => void) {
    fn();
  },
});
