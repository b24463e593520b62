/**
 * One node converging its {@linkcode PluginManager} to the cluster's desired plugins: installs
 * what is missing (package from the object store, pin checked), reinstalls a changed package,
 * applies the config, starts, stops or restarts, uninstalls what the cluster removed, and puts
 * the cluster's plugins in the cluster's order. A plugin that fails here is reported failed with
 * the reason; the others go on. Plugins from this node's YAML stay local: a cluster plugin of the
 * same alias fails here. Which aliases came from the cluster is kept in
 * `<data_dir>/plugins/cluster.json`, so a node that was down removes what the cluster removed.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import type { PluginManager, PluginView } from "../../plugins/host/mod.ts";
import type { DesiredPlugin } from "./plugin_desired.ts";
import type { PackageStore } from "./plugin_packages.ts";
import type { NodePluginState } from "./plugin_state.ts";

/**
 * The aliases this node holds for the cluster, kept in `<data_dir>/plugins/cluster.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManagedSet } from "./plugin_converge.ts";
 * const set = await ManagedSet.open(null);
 * await set.add("prefixer");
 * assert.deepEqual(set.list(), ["prefixer"]);
 * ```
 */
export class ManagedSet {
  readonly #path: string | null;
  readonly #set: Set<string>;
  private constructor(path: string | null, aliases: string[]) {
    this.#path = path;
    this.#set = new Set(aliases);
  }

  /** Reads the file (missing or unreadable: none). */
  static async open(dataDir: string | null): Promise<ManagedSet> {
    const path = dataDir === null ? null : join(dataDir, "plugins", "cluster.json");
    let aliases: string[] = [];
    if (path) {
      try {
        const v = JSON.parse(await Deno.readTextFile(path));
        if (Array.isArray(v?.managed)) {
          aliases = v.managed.filter((a: unknown) => typeof a === "string");
        }
      } catch {
        // none yet
      }
    }
    return new ManagedSet(path, aliases);
  }

  has(alias: string): boolean {
    return this.#set.has(alias);
  }

  list(): string[] {
    return [...this.#set];
  }

  async add(alias: string): Promise<void> {
    if (this.#set.has(alias)) return;
    this.#set.add(alias);
    await this.#save();
  }

  async delete(alias: string): Promise<void> {
    if (this.#set.delete(alias)) await this.#save();
  }

  async #save(): Promise<void> {
    if (!this.#path) return;
    await Deno.mkdir(join(this.#path, ".."), { recursive: true });
    await Deno.writeTextFile(this.#path, JSON.stringify({ managed: [...this.#set] }));
  }
}

/** What converging needs. */
export interface ConvergeDeps {
  manager: PluginManager;
  packages: PackageStore;
  managed: ManagedSet;
  /** The restart count applied last, by alias. */
  restarts: Map<string, number>;
}

const RUNNING = new Set(["running", "crashed", "starting"]);

/** The state to report for `alias` after converging (from the manager's live view). */
export function stateOf(manager: PluginManager, alias: string): NodePluginState {
  const v = manager.list().find((x) => x.alias === alias);
  if (!v) return { state: "absent" };
  return v.error ? { state: v.state, error: v.error } : { state: v.state };
}

/** The same package as the one the cluster pins (by its file pins, or the module source). */
function samePackage(v: PluginView, d: DesiredPlugin): boolean {
  if (v.origin !== "install") return false;
  if (d.sha256 === null) return v.package === null && v.source === d.source;
  return v.package !== null && isDeepStrictEqual(v.package.files ?? null, d.files);
}

/** Installs `d` here (replacing a different package of this alias installed for the cluster). */
async function ensureInstalled(deps: ConvergeDeps, d: DesiredPlugin): Promise<void> {
  const { manager, managed } = deps;
  const local = manager.list().find((v) => v.alias === d.alias);
  if (local?.origin === "config") {
    throw new Error(`alias "${d.alias}" is configured in this node's YAML, which stays local`);
  }
  if (local && samePackage(local, d)) return void await managed.add(d.alias);
  if (local) await manager.uninstall(d.alias);
  const req = d.sha256 === null
    ? { source: d.source!, alias: d.alias, grant: d.grant }
    : { bytes: await deps.packages.get(d.sha256), alias: d.alias, grant: d.grant };
  await manager.install(req);
  deps.restarts.set(d.alias, d.restarts);
  await managed.add(d.alias);
}

/** Applies config, running state and restarts of `d` (installed here). */
async function ensureRunning(deps: ConvergeDeps, d: DesiredPlugin): Promise<void> {
  const { manager } = deps;
  if (!isDeepStrictEqual(manager.config(d.alias).config, d.config)) {
    await manager.setConfig(d.alias, d.config);
  }
  const v = manager.list().find((x) => x.alias === d.alias)!;
  const restart = (deps.restarts.get(d.alias) ?? d.restarts) < d.restarts;
  deps.restarts.set(d.alias, d.restarts);
  if (d.enabled && (!RUNNING.has(v.state) || !v.enabled)) await manager.start(d.alias);
  else if (d.enabled && restart) await manager.restart(d.alias);
  else if (!d.enabled && (RUNNING.has(v.state) || v.enabled)) await manager.stop(d.alias);
}

/**
 * Converges one plugin; returns its state here (failed with the reason when a step refused).
 *
 * @example
 * ```ts ignore
 * const state = await convergeOne(deps, desired);
 * ```
 */
export async function convergeOne(deps: ConvergeDeps, d: DesiredPlugin): Promise<NodePluginState> {
  try {
    await ensureInstalled(deps, d);
    await ensureRunning(deps, d);
    return stateOf(deps.manager, d.alias);
  } catch (err) {
    return { state: "failed", error: (err as Error).message };
  }
}

/** Uninstalls the cluster's plugins held here that the cluster no longer has. */
export async function removeDropped(
  deps: ConvergeDeps,
  desired: ReadonlyMap<string, DesiredPlugin>,
): Promise<string[]> {
  const dropped: string[] = [];
  for (const alias of deps.managed.list()) {
    if (desired.has(alias)) continue;
    const local = deps.manager.list().find((v) => v.alias === alias);
    if (local?.origin === "install") await deps.manager.uninstall(alias);
    await deps.managed.delete(alias);
    deps.restarts.delete(alias);
    dropped.push(alias);
  }
  return dropped;
}

/** Puts the cluster's plugins held here in the cluster's relative order. */
export async function applyOrder(manager: PluginManager, order: string[]): Promise<void> {
  const here = new Set(manager.list().map((v) => v.alias));
  const wanted = order.filter((a) => here.has(a));
  const wantedSet = new Set(wanted);
  const now = manager.list().map((v) => v.alias).filter((a) => wantedSet.has(a));
  if (isDeepStrictEqual(now, wanted)) return;
  for (let i = 1; i < wanted.length; i++) {
    await manager.move(wanted[i], `after:${wanted[i - 1]}`);
  }
}
