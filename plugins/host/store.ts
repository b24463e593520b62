/**
 * A plugin's own key-value store: JSON values, kept in memory and, when a path is given, written
 * to `<data_dir>/plugins/<alias>/store.json` (writes coalesced, atomic rename).
 *
 * @module
 */

import type { JsonValue } from "../sdk/plugin.ts";

/**
 * Key-value store of one plugin alias.
 *
 * @example In memory
 * ```ts
 * import { KvStore } from "./store.ts";
 * const s = await KvStore.open(null);
 * await s.set("a", 1);
 * console.log(await s.get("a"), await s.list()); // 1 [ "a" ]
 * ```
 */
export class KvStore {
  #data: Map<string, JsonValue>;
  #path: string | null;
  #dirty = false;
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string | null, data: Map<string, JsonValue>) {
    this.#path = path;
    this.#data = data;
  }

  /** Opens (or creates) the store at `path`; null keeps it in memory only. */
  static async open(path: string | null): Promise<KvStore> {
    const data = new Map<string, JsonValue>();
    if (path) {
      try {
        const obj = JSON.parse(await Deno.readTextFile(path)) as Record<string, JsonValue>;
        for (const [k, v] of Object.entries(obj)) data.set(k, v);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    }
    return new KvStore(path, data);
  }

  get(key: string): Promise<JsonValue | undefined> {
    return Promise.resolve(structuredClone(this.#data.get(String(key))));
  }

  set(key: string, value: JsonValue): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`store value for "${key}" is not JSON`);
    this.#data.set(String(key), JSON.parse(text));
    return this.#scheduleWrite();
  }

  async delete(key: string): Promise<boolean> {
    const had = this.#data.delete(String(key));
    if (had) await this.#scheduleWrite();
    return had;
  }

  list(prefix = ""): Promise<string[]> {
    return Promise.resolve([...this.#data.keys()].filter((k) => k.startsWith(prefix)).sort());
  }

  /** Waits for pending writes. */
  flush(): Promise<void> {
    return this.#writing;
  }

  #scheduleWrite(): Promise<void> {
    if (!this.#path || this.#dirty) return this.#writing;
    this.#dirty = true;
    const path = this.#path;
    this.#writing = this.#writing.then(async () => {
      this.#dirty = false;
      const dir = path.slice(0, path.lastIndexOf("/"));
      await Deno.mkdir(dir, { recursive: true });
      const tmp = `${path}.tmp`;
      await Deno.writeTextFile(tmp, JSON.stringify(Object.fromEntries(this.#data)));
      await Deno.rename(tmp, path);
    });
    return this.#writing;
  }
}
