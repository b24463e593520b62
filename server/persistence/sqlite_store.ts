/**
 * The SQLite backend (`node:sqlite`, built in): one database file in `data_dir`, WAL mode, one
 * transaction per batch. `sync: process` (`synchronous=NORMAL`) survives a killed process;
 * `sync: power` (`synchronous=FULL`) also survives power loss, at the cost of an fsync per commit.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { QoS, SubscriptionOptions } from "../../broker/message.ts";
import type {
  Batch,
  DurableStore,
  StoredDelivery,
  StoredState,
} from "../../broker/session/durable_store.ts";
import { DeliveryWriter, STATES } from "./sqlite_bulk.ts";
import { MESSAGE_COLUMNS, messageFromRow, messageParams, type Row } from "./sqlite_codec.ts";
import { PersistenceError, prepareSchema } from "./sqlite_schema.ts";

/** How hard a commit is made durable. */
export type SyncMode = "process" | "power";

const SQL = {
  deleteSession: "DELETE FROM sessions WHERE client_id = ?",
  deleteInboundOf: "DELETE FROM inbound WHERE client_id = ?",
  deleteWill: "DELETE FROM wills WHERE client_id = ?",
  upsertSession: "INSERT OR REPLACE INTO sessions (client_id, expiry, subs, expires_at) " +
    "VALUES (?, ?, ?, ?)",
  updateDelivery: "UPDATE deliveries SET packet_id = ?, state = ? WHERE seq = ?",
  holdInbound: "INSERT OR IGNORE INTO inbound (client_id, packet_id) VALUES (?, ?)",
  releaseInbound: "DELETE FROM inbound WHERE client_id = ? AND packet_id = ?",
  setRetained: `INSERT OR REPLACE INTO retained (${MESSAGE_COLUMNS}) VALUES (?,?,?,?,?,?,?)`,
  clearRetained: "DELETE FROM retained WHERE topic = ?",
  setWill: `INSERT OR REPLACE INTO wills (client_id, at, expiry_seconds, ${MESSAGE_COLUMNS}) ` +
    "VALUES (?,?,?,?,?,?,?,?,?,?)",
} as const;

type Statements = Record<keyof typeof SQL, StatementSync>;

/**
 * Stored state in a SQLite file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyBatch } from "../../broker/session/durable_store.ts";
 * import { SqliteStore } from "./sqlite_store.ts";
 * const store = new SqliteStore(":memory:", "process");
 * store.commit({ ...emptyBatch(), sessions: [{ clientId: "c", expiryInterval: 9, subscriptions: [], expiresAt: null }] });
 * assert.equal(store.load().sessions[0].expiryInterval, 9);
 * store.close();
 * ```
 */
export class SqliteStore implements DurableStore {
  readonly name: string;
  #db: DatabaseSync;
  #sql: Statements;
  #deliveries: DeliveryWriter;

  /**
   * Opens (or creates) `file`; throws a {@linkcode PersistenceError} naming it when it is not an
   * Aviary database.
   */
  constructor(file: string, sync: SyncMode) {
    this.name = file;
    try {
      this.#db = new DatabaseSync(file);
    } catch (error) {
      throw new PersistenceError(`Cannot open ${file}: ${(error as Error).message}`);
    }
    try {
      prepareSchema(this.#db, file);
      this.#db.exec("PRAGMA journal_mode = WAL");
      this.#db.exec(`PRAGMA synchronous = ${sync === "power" ? "FULL" : "NORMAL"}`);
    } catch (error) {
      this.#db.close();
      throw error;
    }
    const prepared: Partial<Statements> = {};
    for (const [key, sql] of Object.entries(SQL)) {
      prepared[key as keyof Statements] = this.#db.prepare(sql);
    }
    this.#sql = prepared as Statements;
    this.#deliveries = new DeliveryWriter(this.#db);
  }

  load(): StoredState {
    try {
      return this.#load();
    } catch (error) {
      throw new PersistenceError(`${this.name} cannot be read: ${(error as Error).message}`);
    }
  }

  #load(): StoredState {
    const rows = (sql: string) => this.#db.prepare(sql).all() as Row[];
    const sessions = rows("SELECT * FROM sessions").map((r) => ({
      clientId: r.client_id as string,
      expiryInterval: r.expiry as number,
      subscriptions: JSON.parse(r.subs as string) as [string, SubscriptionOptions][],
      expiresAt: r.expires_at as number | null,
    }));
    const deliveries = rows("SELECT * FROM deliveries ORDER BY seq").map(deliveryFromRow);
    const inbound = rows("SELECT * FROM inbound").map((r) => ({
      clientId: r.client_id as string,
      packetId: r.packet_id as number,
    }));
    const retained = rows("SELECT * FROM retained").map(messageFromRow);
    const wills = rows("SELECT * FROM wills").map((r) => ({
      clientId: r.client_id as string,
      at: r.at as number,
      expirySeconds: (r.expiry_seconds as number | null) ?? undefined,
      msg: messageFromRow(r),
    }));
    return { sessions, deliveries, inbound, retained, wills };
  }

  commit(batch: Batch): void {
    this.#db.exec("BEGIN");
    try {
      this.#apply(batch);
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Gives back up to `pages` free pages to the file system (a short step; call it often). */
  compact(pages = 256): void {
    this.#db.exec(`PRAGMA incremental_vacuum(${pages})`);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #apply(b: Batch): void {
    const s = this.#sql;
    for (const id of b.deletedSessions) {
      s.deleteSession.run(id);
      s.deleteInboundOf.run(id);
      s.deleteWill.run(id);
    }
    for (const x of b.sessions) {
      s.upsertSession.run(
        x.clientId,
        x.expiryInterval,
        JSON.stringify(x.subscriptions),
        x.expiresAt,
      );
    }
    this.#deliveries.delete(b.deletes);
    this.#deliveries.insert(b.inserts);
    for (const u of b.updates) {
      s.updateDelivery.run(u.packetId ?? null, STATES.indexOf(u.state), u.seq);
    }
    for (const { clientId, packetId, held } of b.inbound) {
      (held ? s.holdInbound : s.releaseInbound).run(clientId, packetId);
    }
    for (const { topic, msg } of b.retained) {
      if (msg) s.setRetained.run(...messageParams(msg));
      else s.clearRetained.run(topic);
    }
    for (const { clientId, will } of b.wills) {
      if (!will) s.deleteWill.run(clientId);
      else s.setWill.run(clientId, will.at, will.expirySeconds ?? null, ...messageParams(will.msg));
    }
  }
}

function deliveryFromRow(r: Row): StoredDelivery {
  const d: StoredDelivery = {
    seq: r.seq as number,
    clientId: r.client_id as string,
    msg: messageFromRow(r),
    qos: r.out_qos as QoS,
    retain: r.out_retain === 1,
    state: STATES[r.state as number],
  };
  if (r.sub_ids !== null) d.subscriptionIds = JSON.parse(r.sub_ids as string);
  if (r.packet_id !== null) d.packetId = r.packet_id as number;
  return d;
}
