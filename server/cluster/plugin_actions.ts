/**
 * The admin actions on the cluster's plugins (what `/api/v1/plugins...` calls when the node is
 * in a cluster). Each applies to this node first through its {@linkcode PluginManager} (so a
 * refusal such as `BAD_CONFIG` or `GRANT_REQUIRED` answers the request and writes nothing), then
 * writes the desired state with compare-and-set and reports this node's state; the other nodes
 * converge from the bucket. An action on a plugin the cluster does not hold (a YAML plugin, one
 * installed before the cluster) stays local. In the cluster `enable` means start and `disable`
 * stop: the desired state is whether the plugin runs.
 *
 * @module
 */
import type {
  InstallRequest,
  PluginDetails,
  PluginManager,
  PluginView,
} from "../../plugins/host/mod.ts";
import { fetchInstallSource } from "../../plugins/host/install_source.ts";
import { type DesiredPlugin, moveIn } from "./plugin_desired.ts";
import { PluginSync, type PluginSyncDeps } from "./plugin_sync.ts";
import type { ClusterConfig } from "../config/types.ts";

/** A plugin as the API shows it in a cluster: this node's view plus every node's state. */
export type ClusterPluginView = Partial<Omit<PluginView, "state">> & {
  alias: string;
  state: string;
  nodes: Record<string, { state: string; error?: string }>;
};

/**
 * The plugin actions of the admin API, over the whole cluster.
 *
 * @example
 * ```ts ignore
 * const actions = new ClusterPluginActions(sync);
 * await actions.setConfig("prefixer", { prefix: "b/" }); // here first, then every node
 * console.log(actions.list().map((v) => [v.alias, v.nodes]));
 * ```
 */
export class ClusterPluginActions {
  readonly #sync: PluginSync;
  readonly #m: PluginManager;
  constructor(sync: PluginSync) {
    this.#sync = sync;
    this.#m = sync.manager;
  }

  /** Every plugin here, then the cluster's plugins that are not here, each with `nodes`. */
  list(): ClusterPluginView[] {
    const here = this.#m.list();
    const missing = this.#sync.aliases().filter((a) => !here.some((v) => v.alias === a));
    return [...here.map((v) => this.#withNodes(v)), ...missing.map((a) => this.#absent(a))];
  }

  /** One plugin with its config, health, history and `nodes`. */
  async describe(alias: string): Promise<PluginDetails | ClusterPluginView> {
    const here = this.#m.list().some((v) => v.alias === alias);
    if (!here && this.#sync.has(alias)) return this.#absent(alias);
    const d = await this.#m.describe(alias);
    return this.#sync.has(alias) ? { ...d, nodes: this.#sync.nodesOf(alias) } : d;
  }

  /** Installs here, stores the package and creates the cluster's record (stopped). */
  install(req: InstallRequest): Promise<ClusterPluginView> {
    return this.#sync.serial(async () => {
      const src = await fetchInstallSource(req, Deno.cwd());
      const view = await this.#m.install(
        src.bytes
          ? { bytes: src.bytes, alias: req.alias, grant: req.grant }
          : { source: src.module, alias: req.alias, grant: req.grant },
      );
      const alias = view.alias;
      try {
        const sha256 = src.bytes ? await this.#sync.packages.put(src.bytes) : null;
        const d: DesiredPlugin = {
          alias,
          sha256,
          source: sha256 ? null : src.module!,
          files: view.package?.files ?? null,
          grant: (view.granted ?? {}) as DesiredPlugin["grant"],
          enabled: false,
          config: this.#m.config(alias).config,
          configVersion: 0,
          restarts: 0,
        };
        this.#sync.know(alias, await this.#sync.bucket.create(d), d);
        await this.#sync.hold(alias, true);
        this.#sync.knowOrder(
          await this.#sync.bucket.updateOrder((o) => [...o.filter((a) => a !== alias), alias]),
        );
      } catch (err) {
        await this.#m.uninstall(alias).catch(() => {});
        throw err;
      }
      await this.#sync.report(alias);
      return this.#withNodes(view);
    });
  }

  /** start / stop / restart / enable / disable, for the whole cluster. */
  act(alias: string, action: "start" | "stop" | "restart" | "enable" | "disable") {
    return this.#sync.serial(async () => {
      const run = action === "enable" ? "start" : action === "disable" ? "stop" : action;
      if (!this.#sync.has(alias)) {
        if (action === "enable" || action === "disable") {
          return await this.#m.setEnabled(alias, action === "enable");
        }
        return await this.#m[run](alias);
      }
      const view = await this.#m[run](alias);
      await this.#write(
        alias,
        (d) =>
          run === "restart"
            ? { ...d, enabled: true, restarts: d.restarts + 1 }
            : { ...d, enabled: run === "start" },
      );
      return this.#withNodes(view);
    });
  }

  /** Sets the config here (checked), then for the whole cluster (its version counts up). */
  setConfig(alias: string, config: unknown) {
    return this.#sync.serial(async () => {
      const r = await this.#m.setConfig(alias, config);
      if (!this.#sync.has(alias)) return r;
      const d = await this.#write(alias, (d) => ({
        ...d,
        config: r.config,
        configVersion: d.configVersion + 1,
      }));
      return { ...r, clusterVersion: d.configVersion };
    });
  }

  /** Moves here, then in the cluster's order. */
  move(alias: string, position: string): Promise<PluginView[]> {
    return this.#sync.serial(async () => {
      const views = await this.#m.move(alias, position);
      if (this.#sync.has(alias)) {
        this.#sync.knowOrder(
          await this.#sync.bucket.updateOrder((o) => moveIn(o, alias, position)),
        );
      }
      return views;
    });
  }

  /** Uninstalls here and from the cluster (every node follows). */
  uninstall(alias: string): Promise<void> {
    return this.#sync.serial(async () => {
      if (!this.#sync.has(alias)) return await this.#m.uninstall(alias);
      const local = this.#m.list().find((v) => v.alias === alias);
      if (local?.origin === "install") await this.#m.uninstall(alias);
      await this.#sync.bucket.remove(alias);
      this.#sync.know(alias, 0, null);
      await this.#sync.hold(alias, false);
      this.#sync.knowOrder(
        await this.#sync.bucket.updateOrder((o) => o.filter((a) => a !== alias)),
      );
      await this.#sync.report(alias);
    });
  }

  async #write(alias: string, change: (d: DesiredPlugin) => DesiredPlugin): Promise<DesiredPlugin> {
    const { d, revision } = await this.#sync.bucket.update(alias, change);
    this.#sync.know(alias, revision, d);
    await this.#sync.report(alias);
    return d;
  }

  #withNodes(v: PluginView): ClusterPluginView {
    return this.#sync.has(v.alias)
      ? { ...v, nodes: this.#sync.nodesOf(v.alias) }
      : { ...v, nodes: {} };
  }

  #absent(alias: string): ClusterPluginView {
    const d = this.#sync.desired(alias)!;
    const mine = this.#sync.nodesOf(alias)[this.#sync.states.node];
    return {
      alias,
      origin: "install",
      enabled: d.enabled,
      configVersion: d.configVersion,
      state: mine?.state ?? "failed",
      ...(mine?.error ? { error: mine.error } : {}),
      nodes: this.#sync.nodesOf(alias),
    };
  }
}

/** A node's side of the cluster's plugins: the sync and the admin actions over it. */
export interface ClusterPlugins {
  sync: PluginSync;
  actions: ClusterPluginActions;
}

/**
 * Starts managing `manager`'s plugins with the cluster (`cluster.subject_prefix` names the
 * buckets, `cluster.replicas` their replicas); converges once before resolving.
 *
 * @example
 * ```ts ignore
 * const plugins = await startClusterPlugins({ main, config, node, log, manager, dataDir });
 * await plugins.sync.stop();
 * ```
 */
export async function startClusterPlugins(
  d: Omit<PluginSyncDeps, "prefix" | "replicas"> & { config: ClusterConfig },
): Promise<ClusterPlugins> {
  const { config, ...rest } = d;
  const sync = await PluginSync.start({
    ...rest,
    prefix: config.subject_prefix,
    replicas: config.replicas,
  });
  return { sync, actions: new ClusterPluginActions(sync) };
}
