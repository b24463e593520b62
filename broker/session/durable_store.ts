/**
 * The durable store contract: a backend loads everything back at start and applies one batch of
 * changes atomically. Backends: the memory reference (`memory_durable_store.ts`), SQLite
 * (`server/persistence/sqlite_store.ts`); the conformance suite in `tests/durability/` runs
 * against each.
 *
 * @module
 */
import type { Message, QoS, SubscriptionOptions } from "../message.ts";

/** `queued`, or in flight: `publish` (PUBLISH sent) / `pubrel` (PUBREL sent). */
export type DeliveryState = "queued" | "publish" | "pubrel";

/** A message queued for, or in flight to, one session. */
export interface StoredDelivery {
  /** Its row: increasing in the order messages were recorded. */
  seq: number;
  clientId: string;
  msg: Message;
  /** Delivery QoS. */
  qos: QoS;
  /** The RETAIN flag to send. */
  retain: boolean;
  subscriptionIds?: number[];
  packetId?: number;
  state: DeliveryState;
}

/** A session. */
export interface StoredSession {
  clientId: string;
  /** Session Expiry Interval, seconds. */
  expiryInterval: number;
  /** Filter -> options, in subscription order. */
  subscriptions: [string, SubscriptionOptions][];
  /** Absolute deadline (ms) while offline; null while connected or when it never expires. */
  expiresAt: number | null;
}

/** A delayed will. */
export interface StoredWill {
  clientId: string;
  msg: Message;
  /** When it is due (ms). */
  at: number;
  expirySeconds?: number;
}

/** Everything a store holds. */
export interface StoredState {
  sessions: StoredSession[];
  /** In `seq` order. */
  deliveries: StoredDelivery[];
  inbound: { clientId: string; packetId: number }[];
  retained: Message[];
  wills: StoredWill[];
}

/**
 * One commit. Applied in this order: `deletedSessions` (the session, its inbound ids and its
 * will), `sessions` (upserts), `deletes`, `inserts`, `updates`, `inbound`, `retained`, `wills`.
 */
export interface Batch {
  deletedSessions: string[];
  sessions: StoredSession[];
  deletes: number[];
  inserts: StoredDelivery[];
  updates: { seq: number; packetId?: number; state: DeliveryState }[];
  inbound: { clientId: string; packetId: number; held: boolean }[];
  /** `msg` null: cleared. */
  retained: { topic: string; msg: Message | null }[];
  /** `will` null: published or cancelled. */
  wills: { clientId: string; will: StoredWill | null }[];
}

/** A durable backend. */
export interface DurableStore {
  /** What it is, for the log (e.g. the database file). */
  readonly name: string;
  /** Everything stored. */
  load(): StoredState;
  /** Applies `batch` atomically; throws when it cannot (nothing applied). */
  commit(batch: Batch): void;
  /** Releases the backend. */
  close(): void;
}

/** An empty batch. */
export function emptyBatch(): Batch {
  return {
    deletedSessions: [],
    sessions: [],
    deletes: [],
    inserts: [],
    updates: [],
    inbound: [],
    retained: [],
    wills: [],
  };
}
