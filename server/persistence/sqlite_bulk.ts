/**
 * Writing many delivery rows in few statements: inserts go in chunks of
 * {@linkcode INSERT_CHUNK} rows per statement, and deletes as ranges of consecutive row numbers
 * (a message's deliveries to many subscribers get consecutive rows and are usually acknowledged
 * together), so a batch of thousands of rows costs tens of calls into SQLite, not thousands.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Message } from "../../broker/message.ts";
import type { DeliveryState, StoredDelivery } from "../../broker/session/durable_store.ts";
import { MESSAGE_COLUMNS, messageParams, type SqlValue } from "./sqlite_codec.ts";

/** Rows per multi-row INSERT (14 values a row: far below SQLite's 32,766 bound values). */
export const INSERT_CHUNK = 32;

/** The order of `deliveries.state` values. */
export const STATES: DeliveryState[] = ["queued", "publish", "pubrel"];

const ROW = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/**
 * Sorted, consecutive row numbers merged into inclusive `[first, last]` ranges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seqRanges } from "./sqlite_bulk.ts";
 * assert.deepEqual(seqRanges([7, 3, 4, 5, 9, 8, 12]), [[3, 5], [7, 9], [12, 12]]);
 * assert.deepEqual(seqRanges([]), []);
 * ```
 */
export function seqRanges(seqs: readonly number[]): [number, number][] {
  const sorted = Float64Array.from(seqs).sort();
  const out: [number, number][] = [];
  for (const seq of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && (seq === last[1] || seq === last[1] + 1)) last[1] = seq;
    else out.push([seq, seq]);
  }
  return out;
}

/** The delivery rows' writer of one database. */
export class DeliveryWriter {
  #insertMany: StatementSync;
  #insertOne: StatementSync;
  #deleteRange: StatementSync;

  /** Prepares the statements on `db` (whose `deliveries` table exists). */
  constructor(db: DatabaseSync) {
    this.#insertOne = db.prepare(insertSql(1));
    this.#insertMany = db.prepare(insertSql(INSERT_CHUNK));
    this.#deleteRange = db.prepare("DELETE FROM deliveries WHERE seq BETWEEN ? AND ?");
  }

  /** Deletes the rows `seqs`. */
  delete(seqs: readonly number[]): void {
    for (const [first, last] of seqRanges(seqs)) this.#deleteRange.run(first, last);
  }

  /** Inserts (or replaces) `rows`; a message's columns are computed once for all its rows. */
  insert(rows: readonly StoredDelivery[]): void {
    const cache = new Map<Message, SqlValue[]>();
    const params = (d: StoredDelivery) => {
      let msg = cache.get(d.msg);
      if (msg === undefined) cache.set(d.msg, msg = messageParams(d.msg));
      return deliveryParams(d, msg);
    };
    let at = 0;
    for (; at + INSERT_CHUNK <= rows.length; at += INSERT_CHUNK) {
      const values: SqlValue[] = [];
      for (let i = at; i < at + INSERT_CHUNK; i++) values.push(...params(rows[i]));
      this.#insertMany.run(...values);
    }
    for (; at < rows.length; at++) this.#insertOne.run(...params(rows[at]));
  }
}

function insertSql(rows: number): string {
  return `INSERT OR REPLACE INTO deliveries (seq, client_id, ${MESSAGE_COLUMNS}, out_qos, ` +
    `out_retain, sub_ids, packet_id, state) VALUES ${Array(rows).fill(ROW).join(",")}`;
}

function deliveryParams(d: StoredDelivery, msg: SqlValue[]): SqlValue[] {
  const subIds = d.subscriptionIds?.length ? JSON.stringify(d.subscriptionIds) : null;
  return [
    d.seq,
    d.clientId,
    ...msg,
    d.qos,
    d.retain ? 1 : 0,
    subIds,
    d.packetId ?? null,
    STATES.indexOf(d.state),
  ];
}
