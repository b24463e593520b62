/**
 * A plugin's `ctx.store` shared by every node of the cluster: the node's own
 * {@linkcode KvStore} (limits, JSON checks, reads, the SQLite copy) kept in step with the KV
 * bucket `<prefix>_plugin_store`, keys `<alias>.<base64url of the key>`. A write is checked and
 * applied here first, then put to the bucket (the call resolves once NATS has it); every node
 * applies the bucket's changes in the bucket's order, so all end with the last write. Reads are
 * local: a node sees its own writes at once and the others' within the watch delay. At open the
 * bucket wins for its keys; keys only in the local file (written alone) are put to the bucket.
 *
 * @module
 */
import { type KV, Kvm, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { JsonValue } from "../../plugins/sdk/plugin.ts";
import { KvStore, type KvStoreOptions } from "../../plugins/host/store.ts";
import type { Logger } from "../../lib/log.ts";

const b64 = (key: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(key)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64 = (text: string) =>
  new TextDecoder().decode(
    Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)),
  );

/**
 * One plugin's store, shared through the cluster.
 *
 * @example
 * ```ts ignore
 * const kv = await new Kvm(nc).create("aviary_plugin_store", { history: 1 });
 * const store = await ClusterKvStore.open(kv, "counter", null, {}, log);
 * await store.set("hits", 1); // every node's store of "counter" reads 1 soon after
 * await store.close();
 * ```
 */
export class ClusterKvStore {
  readonly #local: KvStore;
  readonly #kv: KV;
  readonly #alias: string;
  readonly #log: Logger;
  /** Last bucket revision applied, by bucket key. */
  readonly #applied = new Map<string, number>();
  /** Writes of this node not yet in the bucket, by plugin key. */
  readonly #pending = new Map<string, number>();
  /** Keys whose bucket changes arrived during such a write (re-read after it). */
  readonly #skipped = new Set<string>();
  #watch: { stop(): void } | undefined;

  private constructor(local: KvStore, kv: KV, alias: string, log: Logger) {
    this.#local = local;
    this.#kv = kv;
    this.#alias = alias;
    this.#log = log;
  }

  /** Opens the local store at `path` (null: memory), takes the bucket's keys, then follows it. */
  static async open(
    kv: KV,
    alias: string,
    path: string | null,
    opts: KvStoreOptions,
    log: Logger,
  ): Promise<ClusterKvStore> {
    const store = new ClusterKvStore(await KvStore.open(path, opts), kv, alias, log);
    const seen = await store.#follow();
    for (const key of await store.#local.list()) {
      if (!seen.has(key)) await store.#put(key, (await store.#local.get(key))!);
    }
    return store;
  }

  /** Bytes held here (UTF-8 keys plus JSON values). */
  get bytes(): number {
    return this.#local.bytes;
  }

  /** The value of `key` (a fresh copy), or undefined. */
  get(key: string): Promise<JsonValue | undefined> {
    return this.#local.get(key);
  }

  /** Keys starting with `prefix`, sorted. */
  list(prefix = ""): Promise<string[]> {
    return this.#local.list(prefix);
  }

  /** Checks and stores `value` here, then in the bucket; rejects over a limit or for non-JSON. */
  async set(key: string, value: JsonValue): Promise<void> {
    await this.#local.set(key, value);
    await this.#put(key, value);
  }

  /** Removes `key` here and in the bucket; resolves true when it existed here. */
  async delete(key: string): Promise<boolean> {
    const existed = await this.#local.delete(key);
    await this.#write(key, () => this.#kv.delete(`${this.#alias}.${b64(key)}`));
    return existed;
  }

  /** Writes the local copy to disk (the store stays usable). */
  flush(): Promise<void> {
    return this.#local.flush();
  }

  /** Stops following the bucket and flushes the local copy. */
  close(): Promise<void> {
    this.#watch?.stop();
    return this.#local.close();
  }

  #put(key: string, value: JsonValue): Promise<void> {
    const text = JSON.stringify(value);
    return this.#write(key, () => this.#kv.put(`${this.#alias}.${b64(key)}`, text).then(() => {}));
  }

  /** Runs a bucket write for `key`, its echoes held back meanwhile. */
  async #write(key: string, op: () => Promise<void>): Promise<void> {
    this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
    try {
      await op();
    } finally {
      const n = this.#pending.get(key)! - 1;
      if (n > 0) this.#pending.set(key, n);
      else this.#pending.delete(key);
      if (n === 0 && this.#skipped.delete(key)) await this.#reread(key);
    }
  }

  /** Takes the bucket's latest value of `key` (after changes were held back for a write). */
  async #reread(key: string): Promise<void> {
    const e = await this.#kv.get(`${this.#alias}.${b64(key)}`).catch(() => null);
    if (e) await this.#apply(e);
  }

  /** Watches this alias's keys; resolves with the keys present once the current values are in. */
  async #follow(): Promise<Set<string>> {
    const seen = new Set<string>();
    const watch = this.#watch = await this.#kv.watch({ key: `${this.#alias}.>` });
    let ready = () => {};
    const initialized = new Promise<void>((resolve) => ready = resolve);
    const timer = setTimeout(ready, 5000);
    let initial = true;
    (async () => {
      for await (const e of watch) {
        const key = await this.#apply(e);
        if (initial && key !== null && e.operation === "PUT") seen.add(key);
        if (e.delta === 0) {
          initial = false;
          ready();
        }
      }
    })().catch((error) => this.#log.warn("Cluster plugin store watch ended", { error }));
    // an alias with no keys yet: no entry comes, the first write's echo will
    const count = await this.#kv.keys(`${this.#alias}.>`).then(async (it) => {
      for await (const _ of it) return 1;
      return 0;
    }).catch(() => 0);
    if (count === 0) ready();
    await initialized;
    clearTimeout(timer);
    return seen;
  }

  /** Applies one bucket change here, in bucket order; returns the plugin key (null: skipped). */
  async #apply(e: Pick<KvWatchEntry, "key" | "revision" | "operation" | "value">) {
    if ((this.#applied.get(e.key) ?? 0) >= e.revision) return null;
    let key: string;
    try {
      key = unb64(e.key.slice(this.#alias.length + 1));
      if (this.#pending.has(key)) {
        this.#skipped.add(key); // re-read once this node's write is in
        return key;
      }
      this.#applied.set(e.key, e.revision);
      if (e.operation !== "PUT") {
        await this.#local.delete(key);
        return key;
      }
      await this.#local.set(key, JSON.parse(new TextDecoder().decode(e.value)));
      return key;
    } catch (error) {
      this.#log.warn("Cluster plugin store change ignored", { key: e.key, error });
      return null;
    }
  }
}

/** Opens plugin stores shared through the cluster (what the plugin host calls per plugin). */
export type PluginStoreOpener = (
  alias: string,
  path: string | null,
  opts: KvStoreOptions,
) => Promise<ClusterKvStore>;

/**
 * The opener of this node's cluster-wide plugin stores: the bucket `<prefix>_plugin_store` is
 * created on first use.
 *
 * @example
 * ```ts ignore
 * const open = pluginStoreOpener({ main, prefix: "aviary", replicas: 1, log });
 * const store = await open("counter", "/data/plugins/counter/store.sqlite", {});
 * ```
 */
export function pluginStoreOpener(
  d: { main: NatsConnection; prefix: string; replicas: number; log: Logger },
): PluginStoreOpener {
  let bucket: Promise<KV> | undefined;
  return async (alias, path, opts) => {
    bucket ??= new Kvm(d.main).create(`${d.prefix}_plugin_store`, {
      history: 1,
      replicas: d.replicas,
    }).catch((err) => {
      bucket = undefined; // tried again at the next open
      throw err;
    });
    return await ClusterKvStore.open(await bucket, alias, path, opts, d.log);
  };
}
