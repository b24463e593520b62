/**
 * Plugins managed once for the whole cluster. The desired state lives in NATS (`plugin_desired.ts`:
 * KV `<prefix>_plugins`; packages in the object store `<prefix>_packages`, `plugin_packages.ts`);
 * every node follows it and converges its own {@linkcode PluginManager} (`plugin_converge.ts`),
 * then reports its state per plugin (`plugin_state.ts`). An admin action on any node applies to
 * this node first (so a refusal answers the request and writes nothing), then writes the desired
 * state with compare-and-set; the other nodes follow within a second. Plugins of a node's YAML
 * stay local, and actions on them stay local.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KvWatchEntry } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import type { Logger } from "../../lib/log.ts";
import type { PluginManager } from "../../plugins/host/mod.ts";
import { applyOrder, convergeOne, ManagedSet, removeDropped, stateOf } from "./plugin_converge.ts";
import {
  DesiredBucket,
  type DesiredPlugin,
  ORDER_KEY,
  parseDesired,
  parseOrder,
  recordKey,
} from "./plugin_desired.ts";
import { PackageStore } from "./plugin_packages.ts";
import { NodeStates, STATE_REFRESH_MS, STATE_TTL_MS } from "./plugin_state.ts";
import { followBucket } from "./_follow.ts";

/** What {@linkcode PluginSync.start} needs. */
export interface PluginSyncDeps {
  main: NatsConnection;
  prefix: string;
  /** Replicas of the buckets and the object store (`cluster.replicas`). */
  replicas: number;
  node: string;
  log: Logger;
  manager: PluginManager;
  /** Where `plugins/cluster.json` goes; null keeps it in memory. */
  dataDir: string | null;
}

/** How long a node waits for the bucket's current values at start. */

/** One node's side of the cluster's plugins: follows the bucket, converges, reports. */
export class PluginSync {
  readonly manager: PluginManager;
  readonly bucket: DesiredBucket;
  readonly packages: PackageStore;
  readonly states: NodeStates;
  readonly log: Logger;
  #managed: ManagedSet;
  #desired = new Map<string, DesiredPlugin>();
  #order: string[] = [];
  #revisions = new Map<string, number>();
  #restarts = new Map<string, number>();
  #failures = new Map<string, string>();
  #queue: Promise<unknown> = Promise.resolve();
  #pending = false;
  #closed = false;
  #watch: { stop(): void } | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    d: PluginSyncDeps,
    parts: {
      bucket: DesiredBucket;
      packages: PackageStore;
      states: NodeStates;
      managed: ManagedSet;
    },
  ) {
    this.manager = d.manager;
    this.log = d.log;
    this.bucket = parts.bucket;
    this.packages = parts.packages;
    this.states = parts.states;
    this.#managed = parts.managed;
  }

  /**
   * Opens the buckets, reads the desired state and converges once before resolving.
   *
   * @example
   * ```ts ignore
   * const sync = await PluginSync.start({
   *   main, prefix: "aviary", replicas: 1, node: "n1", log, manager, dataDir,
   * });
   * console.log(sync.nodesOf("prefixer"));
   * ```
   */
  static async start(d: PluginSyncDeps): Promise<PluginSync> {
    const kvm = new Kvm(d.main);
    const { prefix, replicas } = d;
    const bucket = new DesiredBucket(
      await kvm.create(`${prefix}_plugins`, { history: 1, replicas }),
    );
    const ttl = STATE_TTL_MS;
    const stateKv = await kvm.create(`${prefix}_plugin_state`, { history: 1, ttl, replicas });
    const os = await new Objm(d.main).create(`${prefix}_packages`, { replicas });
    const packages = new PackageStore(os);
    const states = new NodeStates(stateKv, d.node, d.log);
    const managed = await ManagedSet.open(d.dataDir);
    const sync = new PluginSync(d, { bucket, packages, states, managed });
    await states.start();
    await sync.#follow();
    await sync.serial(() => sync.#converge());
    sync.#timer = setInterval(() => sync.#schedule(true), STATE_REFRESH_MS);
    return sync;
  }

  /** Whether `alias` is one of the cluster's plugins. */
  has(alias: string): boolean {
    return this.#desired.has(alias);
  }

  /** The cluster's record of `alias`, if any. */
  desired(alias: string): DesiredPlugin | undefined {
    return this.#desired.get(alias);
  }

  /** The cluster's plugins, in the cluster's order. */
  aliases(): string[] {
    const rest = [...this.#desired.keys()].filter((a) => !this.#order.includes(a));
    return [...this.#order.filter((a) => this.#desired.has(a)), ...rest];
  }

  /** Every node's state of `alias`. */
  nodesOf(alias: string): Record<string, { state: string; error?: string }> {
    return this.states.of(alias);
  }

  /** Runs `op` after every earlier action and convergence. */
  serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op, op);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Notes a record this node wrote (its watch echo is then skipped). */
  know(alias: string, revision: number, d: DesiredPlugin | null): void {
    this.#revisions.set(recordKey(alias), revision);
    if (d) this.#desired.set(alias, d);
    else this.#desired.delete(alias);
    if (d) this.#restarts.set(alias, d.restarts);
  }

  /** Notes the order this node wrote. */
  knowOrder(order: string[]): void {
    this.#order = order;
  }

  /** Notes that `alias` is held here for the cluster (or no longer). */
  async hold(alias: string, held: boolean): Promise<void> {
    if (held) await this.#managed.add(alias);
    else await this.#managed.delete(alias);
  }

  /** Reports this node's state of `alias` now. */
  async report(alias: string): Promise<void> {
    if (!this.#desired.has(alias)) return void await this.states.forget(alias).catch(() => {});
    await this.states.report(alias, stateOf(this.manager, alias)).catch(() => {});
  }

  /** Stops following the cluster (the plugins keep running as they are). */
  stop(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#watch?.stop();
    this.states.stop();
    return this.#queue.then(() => {});
  }

  /** Watches the bucket; resolves once its current values are in. */
  async #follow(): Promise<void> {
    this.#watch = await followBucket(
      this.bucket.kv,
      (e) => {
        if (this.#apply(e) && e.delta === 0) this.#schedule(false);
      },
      (error) => this.log.warn("Cluster plugin watch ended", { error }),
    );
  }

  /** Takes one bucket change into the desired state; false when it changes nothing. */
  #apply(e: KvWatchEntry): boolean {
    if ((this.#revisions.get(e.key) ?? 0) >= e.revision) return false;
    this.#revisions.set(e.key, e.revision);
    const text = new TextDecoder().decode(e.value);
    if (e.key === ORDER_KEY) {
      this.#order = e.operation === "PUT" ? parseOrder(text) : [];
      return true;
    }
    const alias = e.key.startsWith("p.") ? e.key.slice(2) : null;
    if (alias === null) {
      this.log.warn("Cluster plugin record ignored: unknown key", { key: e.key });
      return false;
    }
    if (e.operation !== "PUT") {
      this.#desired.delete(alias);
      return true;
    }
    try {
      this.#desired.set(alias, parseDesired(e.key, text));
      return true;
    } catch (error) {
      this.log.warn("Cluster plugin record ignored", { key: e.key, error });
      return false;
    }
  }

  /** Queues one convergence (at most one waiting); `refresh` also rewrites the state records. */
  #schedule(refresh: boolean): void {
    if (this.#closed || this.#pending) return;
    this.#pending = true;
    void this.serial(async () => {
      this.#pending = false;
      if (this.#closed) return;
      await this.#converge();
      if (refresh) await this.states.refresh();
    }).catch((error) => this.log.warn("Cluster plugin convergence failed", { error }));
  }

  /** Converges every cluster plugin here, drops the removed ones, orders, reports. */
  async #converge(): Promise<void> {
    const deps = {
      manager: this.manager,
      packages: this.packages,
      managed: this.#managed,
      restarts: this.#restarts,
    };
    for (const alias of this.aliases()) {
      const state = await convergeOne(deps, this.#desired.get(alias)!);
      this.#noteFailure(alias, state.error);
      await this.states.report(alias, state).catch(() => {});
    }
    for (const alias of await removeDropped(deps, this.#desired)) {
      this.log.info("Cluster plugin removed here", { alias });
    }
    for (const alias of this.states.reported()) {
      if (!this.#desired.has(alias)) await this.states.forget(alias).catch(() => {});
    }
    await applyOrder(this.manager, this.aliases()).catch((error) =>
      this.log.warn("Cluster plugin order not applied", { error })
    );
  }

  /** Logs a plugin's failure here once per new reason. */
  #noteFailure(alias: string, error: string | undefined): void {
    if (error === undefined) return void this.#failures.delete(alias);
    if (this.#failures.get(alias) === error) return;
    this.#failures.set(alias, error);
    this.log.error(`Cluster plugin "${alias}" failed on this node: ${error}`);
  }
}
