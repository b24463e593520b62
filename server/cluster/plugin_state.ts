/**
 * Each node's state of each cluster plugin, in the KV bucket `<prefix>_plugin_state` under
 * `<node>.<alias>`: `{state, error?}` as that node's plugin manager reports it. Every node writes
 * its own keys and follows everyone's, so `/api/v1/plugins` on any node shows the state per node.
 * Records expire with the bucket's TTL unless rewritten (a node gone for good drops out).
 *
 * @module
 */
import type { KV, KvWatchEntry } from "@nats-io/kv";
import type { Logger } from "../../lib/log.ts";

/** One node's state of one plugin. */
export interface NodePluginState {
  state: string;
  error?: string;
}

/** How long a node's record lives without being rewritten. */
export const STATE_TTL_MS = 60_000;
/** How often a node rewrites its records. */
export const STATE_REFRESH_MS = 10_000;

/**
 * The per-node states: this node writes its own, reads everyone's.
 *
 * @example
 * ```ts ignore
 * const states = new NodeStates(kv, "n1", log);
 * await states.start();
 * await states.report("prefixer", { state: "running" });
 * console.log(states.of("prefixer")); // { n1: { state: "running" }, n2: ... }
 * ```
 */
export class NodeStates {
  #kv: KV;
  /** This node's name. */
  readonly node: string;
  #log: Logger;
  /** alias → node → state. */
  #all = new Map<string, Map<string, NodePluginState>>();
  /** What this node wrote last, as JSON, by alias. */
  #mine = new Map<string, string>();
  #watch: { stop(): void } | undefined;

  constructor(kv: KV, node: string, log: Logger) {
    this.#kv = kv;
    this.node = node;
    this.#log = log;
  }

  /** Follows the bucket. */
  async start(): Promise<void> {
    const watch = await this.#kv.watch();
    this.#watch = watch;
    (async () => {
      for await (const e of watch) this.#apply(e);
    })().catch((error) => this.#log.warn("Cluster plugin state watch ended", { error }));
  }

  /** Stops following the bucket. */
  stop(): void {
    this.#watch?.stop();
  }

  /** Writes this node's state of `alias` (only when it changed, unless `refresh`). */
  async report(alias: string, s: NodePluginState, refresh = false): Promise<void> {
    const value = JSON.stringify(s.error === undefined ? { state: s.state } : s);
    if (!refresh && this.#mine.get(alias) === value) return;
    this.#mine.set(alias, value);
    this.#set(alias, this.node, JSON.parse(value));
    await this.#kv.put(`${this.node}.${alias}`, value);
  }

  /** Rewrites every record of this node (keeps them from expiring). */
  async refresh(): Promise<void> {
    for (const [alias, value] of this.#mine) {
      await this.report(alias, JSON.parse(value), true);
    }
  }

  /** Removes this node's record of `alias`. */
  async forget(alias: string): Promise<void> {
    if (!this.#mine.delete(alias)) return;
    this.#all.get(alias)?.delete(this.node);
    await this.#kv.delete(`${this.node}.${alias}`);
  }

  /** The aliases this node reports on. */
  reported(): string[] {
    return [...this.#mine.keys()];
  }

  /** Every node's state of `alias`, by node name. */
  of(alias: string): Record<string, NodePluginState> {
    return Object.fromEntries([...this.#all.get(alias) ?? []].sort(([a], [b]) => a < b ? -1 : 1));
  }

  #set(alias: string, node: string, s: NodePluginState | null): void {
    let nodes = this.#all.get(alias);
    if (!nodes) this.#all.set(alias, nodes = new Map());
    if (s) nodes.set(node, s);
    else nodes.delete(node);
  }

  #apply(e: KvWatchEntry): void {
    const dot = e.key.indexOf(".");
    if (dot < 0) return;
    const node = e.key.slice(0, dot);
    const alias = e.key.slice(dot + 1);
    if (e.operation !== "PUT") return this.#set(alias, node, null);
    try {
      const v = JSON.parse(new TextDecoder().decode(e.value));
      if (typeof v?.state !== "string") throw new TypeError("no state");
      const error = typeof v.error === "string" ? v.error : undefined;
      this.#set(alias, node, error === undefined ? { state: v.state } : { state: v.state, error });
    } catch (error) {
      this.#log.warn("Cluster plugin state record ignored", { key: e.key, error });
    }
  }
}
