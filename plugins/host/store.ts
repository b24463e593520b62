/**
 * A plugin's own key-value store (`ctx.store`): JSON values, kept in memory and, when a path is
 * given, persisted in SQLite at `<data_dir>/plugins/<alias>/store.sqlite`.
 *
 * Limits: keys are non-empty strings of at most {@linkcode STORE_KEY_MAX_BYTES} UTF-8 bytes; one
 * value is at most {@linkcode STORE_VALUE_MAX_BYTES} of JSON (or the quota if smaller); the whole
 * store (UTF-8 bytes of keys plus JSON values) is at most the quota (`limits.store_mb`, default
 * 16 MiB). A write over a limit is refused with a `RangeError` and changes nothing; a value JSON
 * cannot hold exactly (functions, cycles, BigInt, NaN, Infinity, `undefined`, class instances) is
 * refused with a `TypeError`.
 *
 * Writes never rewrite the whole store and never wait for the disk: `set`/`delete` change the
 * in-memory map and queue the key; a timer writes queued keys in one transaction per slice of at
 * most {@linkcode STORE_SLICE_BYTES}, yielding to the event loop between slices. `flush()` writes
 * the rest and releases the file. An old `store.json` is imported once and renamed
 * `store.json.migrated`.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { JsonValue } from "../sdk/plugin.ts";

const MiB = 1024 * 1024;
/** Default size of one plugin's store (`limits.store_mb`). */
export const STORE_DEFAULT_QUOTA_BYTES: number = 16 * MiB;
/** Longest key, in UTF-8 bytes. */
export const STORE_KEY_MAX_BYTES = 1024;
/** Largest single value, in UTF-8 bytes of its JSON text (capped by the quota too). */
export const STORE_VALUE_MAX_BYTES: number = MiB;
/** Most bytes written in one transaction before yielding to the event loop. */
export const STORE_SLICE_BYTES: number = 256 * 1024;
/** Deepest nesting accepted in a value. */
const DEPTH_MAX = 64;
/** Delay before retrying after a failed write. */
const RETRY_MS = 1000;

/** Options of {@linkcode KvStore.open}. */
export interface KvStoreOptions {
  /** Size limit in bytes (keys plus JSON values); default 16 MiB. */
  quotaBytes?: number;
}

/**
 * Key-value store of one plugin alias.
 *
 * @example In memory
 * ```ts
 * import { KvStore } from "./store.ts";
 * const s = await KvStore.open(null, { quotaBytes: 64 });
 * await s.set("a", 1);
 * if (await s.get("a") !== 1) throw new Error("not stored");
 * const refused = await s.set("b", "x".repeat(100)).catch((e) => e);
 * if (!(refused instanceof RangeError)) throw new Error("quota not enforced");
 * ```
 */
export class KvStore {
  /** Key → JSON text and the entry's size (UTF-8 bytes of key plus text). */
  #data = new Map<string, { text: string; bytes: number }>();
  #bytes = 0;
  #quota: number;
  #file: SqliteFile | null;
  #pending = new Map<string, string | null>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failure: Error | null = null;

  private constructor(file: SqliteFile | null, data: Map<string, string>, quota: number) {
    this.#file = file;
    this.#quota = quota;
    for (const [key, text] of data) {
      const bytes = utf8Length(key) + utf8Length(text);
      this.#data.set(key, { text, bytes });
      this.#bytes += bytes;
    }
  }

  /**
   * Opens (or creates) the store at `path` (`store.sqlite`; a `store.json` path means its
   * `store.sqlite` sibling, importing the JSON file once); null keeps it in memory only.
   */
  static async open(path: string | null, opts: KvStoreOptions = {}): Promise<KvStore> {
    const quota = opts.quotaBytes ?? STORE_DEFAULT_QUOTA_BYTES;
    if (!Number.isSafeInteger(quota) || quota <= 0) {
      throw new RangeError(`Store quota must be a positive number of bytes, got ${quota}`);
    }
    if (!path) return new KvStore(null, new Map(), quota);
    const dbPath = path.endsWith(".json") ? path.slice(0, -5) + ".sqlite" : path;
    const legacy = dbPath.endsWith(".sqlite") ? dbPath.slice(0, -7) + ".json" : null;
    const file = new SqliteFile(dbPath);
    try {
      const data = new Map(exists(dbPath) ? file.readAll() : []);
      if (legacy && exists(legacy)) await migrate(legacy, file, data);
      return new KvStore(file, data, quota);
    } finally {
      file.close();
    }
  }

  /** Bytes held (UTF-8 keys plus JSON values). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The value of `key` (a fresh copy), or undefined. */
  get(key: string): Promise<JsonValue | undefined> {
    const entry = this.#data.get(key);
    return Promise.resolve(entry === undefined ? undefined : JSON.parse(entry.text));
  }

  /** Stores `value` under `key`; rejects (changing nothing) over a limit or for non-JSON. */
  set(key: string, value: JsonValue): Promise<void> {
    try {
      this.#set(checkKey(key), value);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Removes `key`; resolves true when it existed. */
  delete(key: string): Promise<boolean> {
    const old = this.#data.get(key);
    if (old === undefined) return Promise.resolve(false);
    this.#data.delete(key);
    this.#bytes -= old.bytes;
    this.#queue(key, null);
    return Promise.resolve(true);
  }

  /** Keys starting with `prefix`, sorted. */
  list(prefix = ""): Promise<string[]> {
    if (typeof prefix !== "string") {
      return Promise.reject(new TypeError("Store prefix must be a string"));
    }
    return Promise.resolve([...this.#data.keys()].filter((k) => k.startsWith(prefix)).sort());
  }

  /** Writes every queued change now and releases the file; rejects if the disk refused. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      this.#write(Infinity);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    } finally {
      this.#file?.close();
    }
  }

  /** Same as {@linkcode KvStore.flush}: the store may still be used and reopens its file. */
  close(): Promise<void> {
    return this.flush();
  }

  #set(key: string, value: JsonValue): void {
    if (this.#failure) throw this.#failure;
    const valueMax = Math.min(this.#quota, STORE_VALUE_MAX_BYTES);
    const text = jsonText(value, key, valueMax);
    const valueBytes = text.length > valueMax ? Infinity : utf8Length(text);
    if (valueBytes > valueMax) throw valueTooLarge(key, valueMax, text.length);
    const bytes = utf8Length(key) + valueBytes;
    const next = this.#bytes - (this.#data.get(key)?.bytes ?? 0) + bytes;
    if (next > this.#quota && next > this.#bytes) {
      throw new RangeError(
        `Cannot set store key ${shown(key)}: limits.store_mb is ${size(this.#quota)} and ` +
          `the store would grow to ${next} bytes`,
      );
    }
    this.#data.set(key, { text, bytes });
    this.#bytes = next;
    this.#queue(key, text);
  }

  #queue(key: string, text: string | null): void {
    if (!this.#file) return;
    this.#pending.set(key, text);
    this.#timer ??= setTimeout(() => this.#slice(), 0);
  }

  /** Timer: writes one slice, then schedules the next one (or a retry after a failure). */
  #slice(): void {
    this.#timer = undefined;
    try {
      this.#write(STORE_SLICE_BYTES);
      this.#failure = null;
    } catch (err) {
      this.#failure = new Error(`Cannot write the plugin store: ${(err as Error)?.message}`, {
        cause: err,
      });
      this.#timer = setTimeout(() => this.#slice(), RETRY_MS);
      return;
    }
    if (this.#pending.size > 0) this.#timer = setTimeout(() => this.#slice(), 0);
  }

  /** Writes queued changes, oldest first, up to about `maxBytes`, in one transaction. */
  #write(maxBytes: number): void {
    if (!this.#file || this.#pending.size === 0) return;
    const batch: [string, string | null][] = [];
    let bytes = 0;
    for (const entry of this.#pending) {
      if (batch.length > 0 && bytes >= maxBytes) break;
      batch.push(entry);
      bytes += entry[0].length + (entry[1]?.length ?? 0);
    }
    this.#file.write(batch);
    for (const [key, text] of batch) {
      if (this.#pending.get(key) === text) this.#pending.delete(key);
    }
  }
}

/** The SQLite file behind a store: opened when needed, one transaction per write. */
class SqliteFile {
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

/** Imports a `store.json` (an object of JSON values) into `file` and `data`, then renames it. */
async function migrate(path: string, file: SqliteFile, data: Map<string, string>): Promise<void> {
  const obj = JSON.parse(await Deno.readTextFile(path));
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    throw new TypeError(`Cannot import ${path}: it is not a JSON object`);
  }
  const entries = Object.entries(obj).map(([k, v]) => [k, JSON.stringify(v)] as [string, string]);
  file.write(entries);
  for (const [k, v] of entries) data.set(k, v);
  await Deno.rename(path, `${path}.migrated`);
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

function checkKey(key: unknown): string {
  if (typeof key !== "string" || key === "") {
    throw new TypeError("Store key must be a non-empty string");
  }
  const bytes = key.length > STORE_KEY_MAX_BYTES ? Infinity : utf8Length(key);
  if (bytes > STORE_KEY_MAX_BYTES) {
    throw new RangeError(
      `Store key ${shown(key)} is over the limit of ${STORE_KEY_MAX_BYTES} UTF-8 bytes`,
    );
  }
  return key;
}

/**
 * The JSON text of `value`, refusing (TypeError) anything JSON would change or lose: functions,
 * symbols, `undefined`, BigInt, non-finite numbers, cycles, class instances, deep nesting. A value
 * whose strings alone exceed `max` is refused (RangeError) before it is serialized.
 */
function jsonText(value: unknown, key: string, max: number): string {
  const walk = new JsonWalk();
  const atLeast = walk.check(value, 0);
  if (atLeast > max) throw valueTooLarge(key, max, atLeast);
  return JSON.stringify(value);
}

function valueTooLarge(key: string, max: number, bytes: number): RangeError {
  return new RangeError(
    `Cannot set store key ${shown(key)}: one value may hold ${size(max)} of JSON, ` +
      `this one holds ${size(bytes)} or more`,
  );
}

/** One validation walk: the path and the parents of the node being checked. */
class JsonWalk {
  #path: (string | number)[] = [];
  #parents: object[] = [];

  /** Checks `v`; returns a lower bound of its JSON length. */
  check(v: unknown, depth: number): number {
    switch (typeof v) {
      case "string":
        return v.length + 2;
      case "boolean":
        return 4;
      case "number":
        return Number.isFinite(v) ? 1 : this.#refuse(`${v} is not a finite number`);
      case "object":
        return v === null ? 4 : this.#object(v, depth);
      default:
        return this.#refuse(`${typeof v === "bigint" ? "BigInt" : typeof v} is not a JSON type`);
    }
  }

  #object(v: object, depth: number): number {
    if (this.#parents.includes(v)) this.#refuse("it contains itself (a cycle)");
    if (depth >= DEPTH_MAX) this.#refuse(`nested deeper than ${DEPTH_MAX} levels`);
    const proto = Object.getPrototypeOf(v);
    const array = Array.isArray(v);
    if (!array && proto !== Object.prototype && proto !== null) {
      this.#refuse(`a ${proto?.constructor?.name ?? "class"} instance is not a plain object`);
    }
    this.#parents.push(v);
    let n = 2;
    const entries: [string | number, unknown][] = array
      ? Array.from(v as unknown[], (x, i) => [i, x])
      : Object.entries(v);
    for (const [k, x] of entries) {
      this.#path.push(k);
      n += this.check(x, depth + 1) + (array ? 1 : String(k).length + 4);
      this.#path.pop();
    }
    this.#parents.pop();
    return n;
  }

  #refuse(why: string): never {
    const at = this.#path.map((k) => typeof k === "number" ? `[${k}]` : `.${k}`).join("");
    throw new TypeError(`Store value${at} is not JSON: ${why}`);
  }
}

/** Scratch space for measuring: 3 bytes per UTF-16 unit of the longest string measured. */
const scratch = new Uint8Array(3 * STORE_VALUE_MAX_BYTES + 3);
const encoder = new TextEncoder();

/** UTF-8 length of `s` (a lone surrogate counts as U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  if (s.length > STORE_VALUE_MAX_BYTES) return encoder.encode(s).length; // imported data only
  return encoder.encodeInto(s, scratch).written;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [unit, div] = bytes < MiB ? ["KiB", 1024] : ["MiB", MiB];
  return `${(bytes / div).toFixed(1).replace(/\.0$/, "")} ${unit}`;
}

function shown(key: string): string {
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
}
