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

import type { JsonValue } from "../sdk/plugin.ts";
import { exists, migrate, SqliteFile } from "./_store_file.ts";
import { JsonWalk, utf8Length } from "./_store_json.ts";

const MiB = 1024 * 1024;
/** Default size of one plugin's store (`limits.store_mb`). */
export const STORE_DEFAULT_QUOTA_BYTES: number = 16 * MiB;
/** Longest key, in UTF-8 bytes. */
export const STORE_KEY_MAX_BYTES = 1024;
/** Largest single value, in UTF-8 bytes of its JSON text (capped by the quota too). */
export const STORE_VALUE_MAX_BYTES: number = MiB;
/** Most bytes written in one transaction before yielding to the event loop. */
export const STORE_SLICE_BYTES: number = 256 * 1024;
/** Delay before retrying after a failed write. */
const RETRY_MS = 1000;

/** What a plugin's store must offer: a {@linkcode KvStore}, or a cluster-wide one built on it. */
export type PluginStore = Pick<KvStore, "get" | "set" | "delete" | "list" | "flush" | "close">;

/** Opens a plugin's store; the default is {@linkcode KvStore.open}. */
export type PluginStoreOpener = (
  alias: string,
  path: string | null,
  opts: KvStoreOptions,
) => Promise<PluginStore>;

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
 * import assert from "node:assert/strict";
 * import { KvStore } from "./store.ts";
 * const s = await KvStore.open(null, { quotaBytes: 64 });
 * await s.set("a", 1);
 * assert.equal(await s.get("a"), 1);
 * await assert.rejects(s.set("b", "x".repeat(100)), RangeError);
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

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [unit, div] = bytes < MiB ? ["KiB", 1024] : ["MiB", MiB];
  return `${(bytes / div).toFixed(1).replace(/\.0$/, "")} ${unit}`;
}

function shown(key: string): string {
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
}
