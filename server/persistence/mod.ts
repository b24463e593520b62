/**
 * The broker's persistence, chosen by the `persistence:` config section: SQLite in `data_dir`
 * (the default) or memory (today's behaviour, said so in the log). Opens the store, gives the
 * broker journaled stores, loads the stored state back, compacts in small steps, and commits what
 * is pending on close.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Broker, BrokerOptions } from "../../broker/broker.ts";
import { MemoryRetainStore } from "../../broker/retain.ts";
import { BatchingJournal } from "../../broker/session/batching_journal.ts";
import type { DurableStore } from "../../broker/session/durable_store.ts";
import { MemorySessionStore } from "../../broker/session/store.ts";
import type { Logger } from "../../lib/log.ts";
import type { BrokerConfig } from "../config/types.ts";
import { type Restored, restoreState } from "./restore.ts";
import { SqliteStore } from "./sqlite_store.ts";
import { type DatabaseLock, lockDatabase } from "./lock.ts";

export { PersistenceError } from "./sqlite_schema.ts";
export { DatabaseLockedError } from "./lock.ts";

/** How often the SQLite file gives free pages back (a few hundred pages per step). */
const COMPACT_EVERY_MS = 30_000;

/** An opened persistence backend. */
export interface Persistence {
  /** The stores and journal to build the broker with (empty for the memory backend). */
  readonly brokerOptions: Pick<BrokerOptions, "sessions" | "retained" | "journal">;
  /** The journal (its counters), when durable. */
  readonly journal?: BatchingJournal;
  /** Loads the stored state into `broker` (built with {@linkcode Persistence.brokerOptions}). */
  restore(broker: Broker): Restored | undefined;
  /** Commits what is pending and closes the store. */
  close(): void;
}

/**
 * Opens the backend `config.persistence` names; `store` replaces the SQLite file (tests, other
 * backends). Throws `PersistenceError` naming the file when it is corrupt or foreign, and
 * `DatabaseLockedError` naming the lock file when another running broker uses the database.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "../config/mod.ts";
 * import { openPersistence } from "./mod.ts";
 * const config = parseConfig("persistence: {backend: memory}", "a.yaml");
 * const persistence = openPersistence(config);
 * assert.deepEqual(persistence.brokerOptions, {});
 * ```
 */
export function openPersistence(
  config: BrokerConfig,
  opts: { log?: Logger; store?: DurableStore } = {},
): Persistence {
  const { log } = opts;
  const settings = config.persistence;
  if (settings.backend === "memory" && !opts.store) {
    log?.warn("Persistence: memory backend: sessions and messages are lost on restart");
    return { brokerOptions: {}, restore: () => undefined, close: () => {} };
  }
  const { store, lock } = opts.store ? { store: opts.store, lock: undefined } : openSqlite(config);
  const journal = new BatchingJournal(store, { maxMessages: settings.max_messages, log });
  const brokerOptions = {
    journal,
    sessions: new MemorySessionStore({ maxQueued: config.mqtt.max_queued_messages, journal }),
    retained: new MemoryRetainStore(journal),
  };
  const compact = store instanceof SqliteStore ? startCompaction(store, log) : undefined;
  return {
    brokerOptions,
    journal,
    restore(broker) {
      const started = performance.now();
      const restored = restoreState(broker, store.load(), journal);
      const ms = Math.round(performance.now() - started);
      log?.info("Persistence: state loaded", { store: store.name, ms, ...restored });
      return restored;
    },
    close() {
      if (compact !== undefined) clearInterval(compact);
      try {
        journal.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/** Locks the database (one broker per file), then opens it. */
function openSqlite(config: BrokerConfig): { store: SqliteStore; lock?: DatabaseLock } {
  const { file, sync } = config.persistence;
  const path = isAbsolute(file) ? file : join(config.data_dir, file);
  if (path === ":memory:") return { store: new SqliteStore(path, sync) };
  mkdirSync(join(path, ".."), { recursive: true });
  const lock = lockDatabase(path);
  try {
    return { store: new SqliteStore(path, sync), lock };
  } catch (error) {
    lock.release();
    throw error;
  }
}

function startCompaction(store: SqliteStore, log?: Logger): number {
  const timer: number = setInterval(() => {
    try {
      store.compact();
    } catch (error) {
      log?.warn("Persistence: compaction step failed", { store: store.name, error });
    }
  }, COMPACT_EVERY_MS) as unknown as number;
  Deno.unrefTimer(timer);
  return timer;
}
