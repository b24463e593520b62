/**
 * The file of a plugin store (store.ts): SQLite at `<data_dir>/plugins/<alias>/store.sqlite`, and
 * the one-time import of an old `store.json`.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

const MiB = 1024 * 1024;

/**
 * The SQLite file behind a store: opened when needed, one transaction per write.
 *
 * @example
 * ```ts ignore
 * const file = new SqliteFile(".data/plugins/acl/store.sqlite");
 * file.write([["k", "1"]]);
 * file.close();
 * ```
 */
export class SqliteFile {
  #db: DatabaseSync | null = null;

  constructor(readonly path: string) {}

  readAll(): [string, string][] {
    const rows = this.#open().prepare("SELECT key, value FROM kv").all();
    return rows.map((r) => [String(r.key), String(r.value)]);
  }

  write(batch: Iterable<[string, string | null]>): void {
    const db = this.#open();
    const put = db.prepare("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)");
    const del = db.prepare("DELETE FROM kv WHERE key = ?");
    db.exec("BEGIN");
    try {
      for (const [key, text] of batch) text === null ? del.run(key) : put.run(key, text);
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
  }

  close(): void {
    this.#db?.close();
    this.#db = null;
  }

  #open(): DatabaseSync {
    if (this.#db) return this.#db;
    const dir = this.path.slice(0, this.path.lastIndexOf("/"));
    if (dir) Deno.mkdirSync(dir, { recursive: true });
    const db = new DatabaseSync(this.path);
    db.exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; " +
        `PRAGMA journal_size_limit = ${4 * MiB}; ` +
        "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    );
    return this.#db = db;
  }
}

/**
 * Imports a `store.json` (an object of JSON values) into `file` and `data`, then renames it.
 *
 * @example
 * ```ts ignore
 * await migrate("store.json", file, data); // store.json is now store.json.migrated
 * ```
 */
export async function migrate(
  path: string,
  file: SqliteFile,
  data: Map<string, string>,
): Promise<void> {
  const obj = JSON.parse(await Deno.readTextFile(path));
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    throw new TypeError(`Cannot import ${path}: it is not a JSON object`);
  }
  const entries = Object.entries(obj).map(([k, v]) => [k, JSON.stringify(v)] as [string, string]);
  file.write(entries);
  for (const [k, v] of entries) data.set(k, v);
  await Deno.rename(path, `${path}.migrated`);
}

/**
 * Whether a file exists at `path`.
 *
 * @example
 * ```ts ignore
 * if (!exists(path)) return new Map();
 * ```
 */
export function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
