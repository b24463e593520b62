/**
 * The SQLite database file: its identity (application id, schema version), its tables, and the
 * checks that refuse a corrupt or foreign file with an error naming it.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** `PRAGMA application_id` of an Aviary database ("AvMQ"). */
export const APPLICATION_ID = 0x41764d51;
/** `PRAGMA user_version`: the schema this code writes. */
export const SCHEMA_VERSION = 1;

const MESSAGE =
  "topic TEXT NOT NULL, payload BLOB, qos INTEGER NOT NULL, retain INTEGER NOT NULL, " +
  "props TEXT, expires_at INTEGER, origin TEXT";

const TABLES = `
CREATE TABLE sessions (client_id TEXT PRIMARY KEY, expiry INTEGER NOT NULL, subs TEXT NOT NULL,
  expires_at INTEGER) WITHOUT ROWID;
CREATE TABLE deliveries (seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL, ${MESSAGE},
  out_qos INTEGER NOT NULL, out_retain INTEGER NOT NULL, sub_ids TEXT, packet_id INTEGER,
  state INTEGER NOT NULL);
CREATE TABLE inbound (client_id TEXT NOT NULL, packet_id INTEGER NOT NULL,
  PRIMARY KEY (client_id, packet_id)) WITHOUT ROWID;
CREATE TABLE retained (${MESSAGE.replace("topic TEXT NOT NULL", "topic TEXT PRIMARY KEY")})
  WITHOUT ROWID;
CREATE TABLE wills (client_id TEXT PRIMARY KEY, at INTEGER NOT NULL, expiry_seconds INTEGER,
  ${MESSAGE}) WITHOUT ROWID;
`;

/** A database file that cannot be used: corrupt, foreign, or from a newer Aviary. */
export class PersistenceError extends Error {
  override name = "PersistenceError";
}

/**
 * Checks the file's identity and creates the tables of a new (empty) database; throws a
 * {@linkcode PersistenceError} naming `file` for anything else.
 */
export function prepareSchema(db: DatabaseSync, file: string): void {
  let appId: number, version: number, tables: number;
  try {
    appId = pragma(db, "application_id");
    version = pragma(db, "user_version");
    tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number }).n;
  } catch (error) {
    throw new PersistenceError(`${file} is not a readable SQLite database: ${message(error)}`);
  }
  if (appId === 0 && tables === 0) return create(db);
  if (appId !== APPLICATION_ID) {
    throw new PersistenceError(
      `${file} is not an Aviary database (application id ${appId}); move it away or set ` +
        "persistence.file to another path",
    );
  }
  if (version > SCHEMA_VERSION) {
    throw new PersistenceError(
      `${file} was written by a newer Aviary (schema ${version}, this one reads ${SCHEMA_VERSION})`,
    );
  }
  const check = db.prepare("PRAGMA quick_check(1)").get() as Record<string, string>;
  const verdict = Object.values(check)[0];
  if (verdict !== "ok") throw new PersistenceError(`${file} is corrupt: ${verdict}`);
}

function create(db: DatabaseSync): void {
  db.exec("PRAGMA auto_vacuum = INCREMENTAL"); // before the first table: compaction in steps
  db.exec("BEGIN");
  db.exec(TABLES);
  db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  db.exec("COMMIT");
}

function pragma(db: DatabaseSync, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, number>;
  return Object.values(row)[0];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
