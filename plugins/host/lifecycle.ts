/**
 * Plugin management on a running broker: install (package or module, with an explicit grant of
 * the declared permissions), start, stop, restart, enable, disable, uninstall, move, describe,
 * config get/set. Wraps a {@linkcode PluginHost}; what it changes is persisted by registry.ts.
 *
 * Semantics (EMQX's): `start` runs the plugin now and marks it enabled; `stop` drains and stops it
 * and marks it disabled; `enable`/`disable` only set whether it starts with the broker; `move`
 * changes the order, which decides among plugins of equal priority.
 *
 * @module
 */

import type { InstallRequest } from "./install_source.ts";
import { AdminError } from "./admin_errors.ts";
import { SDK_VERSION } from "../sdk/version.ts";
import { checkPluginConfig, describeConfigIssues } from "./config_check.ts";
import {
  type PluginEntryInput,
  PluginHost,
  type PluginHostOptions,
  type PluginStatus,
} from "./host.ts";
import { installPlugin, pinProblem, removeInstalled } from "./install.ts";
import type { Manifest } from "./manifest.ts";
import { type PluginDetails, type PluginView, viewOf } from "./plugin_view.ts";
import { type PluginRecord, Registry } from "./registry.ts";

export type { InstallRequest, PluginDetails, PluginView };

/**
 * The plugin manager.
 *
 * @example
 * ```ts ignore
 * const manager = await PluginManager.open({ plugins: config.plugins, dataDir, log, services });
 * const view = await manager.install({ source: "./prefixer-1.0.0.tar.gz", grant: {} });
 * await manager.setConfig(view.alias, { prefix: "b/" });
 * await manager.start(view.alias);
 * ```
 */
export class PluginManager {
  readonly host: PluginHost;
  #registry: Registry;
  #baseDir: string;
  #queue: Promise<unknown> = Promise.resolve();
  /** Plugins refused before reaching the host (package files changed), with the reason. */
  #refused: Map<string, string>;
  /** Logs why an install was accepted with a doubt. */
  #warn: (message: string) => void;

  private constructor(
    host: PluginHost,
    registry: Registry,
    baseDir: string,
    refused: Map<string, string>,
    warn: (message: string) => void,
  ) {
    this.host = host;
    this.#registry = registry;
    this.#baseDir = baseDir;
    this.#refused = refused;
    this.#warn = warn;
  }

  /**
   * Merges state.json with the YAML map and starts every enabled plugin; an installed package
   * whose files no longer match their pins is not started and shows `failed` with the reason.
   */
  static async open(opts: PluginHostOptions): Promise<PluginManager> {
    const registry = await Registry.open(opts.dataDir ?? null, opts.plugins);
    const refused = new Map<string, string>();
    const plugins: Record<string, PluginEntryInput> = {};
    for (const r of registry.list()) {
      const why = r.entry.enabled === false ? null : await pinProblem(r);
      if (why) {
        refused.set(r.alias, why);
        opts.log.error(`Plugin "${r.alias}" not started: ${why}`);
      }
      plugins[r.alias] = why ? { ...r.entry, enabled: false } : r.entry;
    }
    const host = await PluginHost.start({ ...opts, plugins });
    for (const r of registry.list()) r.manifest = host.manifest(r.alias) ?? r.manifest;
    const warn = (m: string) => opts.log.warn(m);
    return new PluginManager(host, registry, opts.baseDir ?? Deno.cwd(), refused, warn);
  }

  /** Every plugin, in order. */
  list(): PluginView[] {
    const rows = new Map(this.host.status().map((s) => [s.alias, s]));
    return this.#registry.list().map((r) => this.#view(r, rows.get(r.alias)));
  }

  /** One plugin with its config, health and config history. */
  async describe(alias: string): Promise<PluginDetails> {
    const r = this.#registry.get(alias);
    const row = this.host.status().find((s) => s.alias === alias);
    return {
      ...this.#view(r, row),
      config: r.entry.config ?? {},
      health: await this.host.health(alias),
      configHistory: await this.#registry.configHistory(alias),
    };
  }

  /** The effective config schema (package `config_schema.avsc`, else the module's), i18n, defaults. */
  schema(alias: string): {
    schema: Record<string, unknown> | null;
    i18n: PluginRecord["i18n"];
    defaults: Record<string, unknown>;
  } {
    const r = this.#registry.get(alias);
    const schema = r.schema ?? r.manifest?.config.schema ?? null;
    return { schema, i18n: r.i18n, defaults: r.manifest?.config.defaults ?? {} };
  }

  /** The current config and its version number. */
  config(alias: string): { config: Record<string, unknown>; version: number } {
    const r = this.#registry.get(alias);
    return { config: r.entry.config ?? {}, version: r.configVersion };
  }

  /** Installs (stopped, disabled); GRANT_REQUIRED lists the permissions when the grant falls short. */
  install(req: InstallRequest): Promise<PluginView> {
    return this.#serial(() => this.#install(req));
  }

  /** Starts now and marks enabled; START_FAILED with the reason when it does not come up. */
  start(alias: string): Promise<PluginView> {
    return this.#serial(() => this.#start(alias, true));
  }

  /** Drains, stops now and marks disabled. */
  stop(alias: string): Promise<PluginView> {
    return this.#serial(async () => {
      const r = this.#registry.get(alias);
      await this.host.unload(alias);
      this.#refused.delete(alias);
      r.entry = { ...r.entry, enabled: false };
      await this.#registry.save();
      return this.#view(r, undefined);
    });
  }

  /** Stops and starts again (the enabled flag is kept). */
  restart(alias: string): Promise<PluginView> {
    return this.#serial(() => this.#start(alias, false));
  }

  /** Sets whether the plugin starts with the broker (no immediate effect). */
  setEnabled(alias: string, enabled: boolean): Promise<PluginView> {
    return this.#serial(async () => {
      const r = this.#registry.get(alias);
      r.entry = { ...r.entry, enabled };
      await this.#registry.save();
      return this.list().find((v) => v.alias === alias)!;
    });
  }

  /** Moves a plugin: `front`, `rear`, `before:<alias>`, `after:<alias>`. */
  move(alias: string, position: string): Promise<PluginView[]> {
    return this.#serial(async () => {
      this.#registry.move(alias, position);
      this.host.reorder(this.#registry.list().map((r) => r.alias));
      await this.#registry.save();
      return this.list();
    });
  }

  /** Stops and forgets an installed plugin, deleting its package and config history. */
  uninstall(alias: string): Promise<void> {
    return this.#serial(async () => {
      const r = this.#registry.get(alias);
      if (r.origin === "config") {
        throw new AdminError(
          "IN_CONFIG_FILE",
          `Plugin "${alias}" comes from the config file; remove it there`,
        );
      }
      await this.host.unload(alias);
      this.#refused.delete(alias);
      this.#registry.remove(alias);
      await this.#registry.save();
      await removeInstalled(this.#registry, r);
    });
  }

  /**
   * Validates and applies a new config: BAD_CONFIG with field errors, CONFIG_REFUSED when the
   * plugin's `configChanged` says no (the old config stays). A running plugin without
   * `configChanged` is restarted with the new config.
   */
  setConfig(
    alias: string,
    config: unknown,
  ): Promise<{ config: Record<string, unknown>; version: number }> {
    return this.#serial(async () => {
      const r = this.#registry.get(alias);
      if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new AdminError("BAD_REQUEST", "The config must be a JSON object");
      }
      const value = this.#checkConfig(r, config as Record<string, unknown>);
      if (this.#running(alias)) {
        let applied: boolean;
        try {
          ({ applied } = await this.host.reconfigure(alias, value));
        } catch (err) {
          throw new AdminError(
            "CONFIG_REFUSED",
            `Plugin "${alias}" refused the config: ${(err as Error).message}`,
          );
        }
        if (!applied) await this.#load(r, value);
      }
      const version = await this.#registry.saveConfig(alias, value);
      return { config: value, version };
    });
  }

  /** Stops every plugin. */
  close(): Promise<void> {
    return this.host.close();
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op, op);
    this.#queue = run.catch(() => {});
    return run;
  }

  #running(alias: string): boolean {
    const s = this.host.status().find((x) => x.alias === alias)?.state;
    return s === "running" || s === "crashed";
  }

  #checkConfig(r: PluginRecord, config: Record<string, unknown>): Record<string, unknown> {
    const { schema, defaults } = this.schema(r.alias);
    const { value, errors } = checkPluginConfig(schema, defaults, config);
    if (errors.length > 0) {
      const list = describeConfigIssues(errors);
      throw new AdminError("BAD_CONFIG", `Invalid config for "${r.alias}": ${list}`, { errors });
    }
    return value;
  }

  /**
   * Stops the plugin and loads it again with `config`, after checking its package's file pins;
   * START_FAILED (plugin shown `failed`) when they do not match.
   */
  async #load(r: PluginRecord, config: Record<string, unknown>): Promise<PluginStatus> {
    await this.host.unload(r.alias);
    const why = await pinProblem(r);
    if (why) {
      this.#refused.set(r.alias, why);
      throw new AdminError("START_FAILED", `Plugin "${r.alias}" refused to start: ${why}`);
    }
    this.#refused.delete(r.alias);
    const status = await this.host.load(r.alias, { ...r.entry, config });
    r.manifest = this.host.manifest(r.alias) ?? r.manifest;
    return status;
  }

  async #start(alias: string, enable: boolean): Promise<PluginView> {
    const r = this.#registry.get(alias);
    const config = this.#checkConfig(r, r.entry.config ?? {});
    const status = await this.#load(r, config);
    if (status.state === "failed") {
      throw new AdminError("START_FAILED", status.error ?? `Plugin "${alias}" failed to start`);
    }
    if (enable) r.entry = { ...r.entry, enabled: true };
    await this.#registry.save();
    return this.#view(r, status);
  }

  async #install(req: InstallRequest): Promise<PluginView> {
    const record = await installPlugin({
      registry: this.#registry,
      baseDir: this.#baseDir,
      probe: (alias, source) => this.#probe(alias, source),
      warn: this.#warn,
    }, req);
    this.#registry.put(record);
    await this.#registry.save();
    return this.#view(record, undefined);
  }

  async #probe(alias: string, source: string): Promise<Manifest> {
    try {
      return await this.host.probe(alias, { source });
    } catch (err) {
      const msg = (err as Error).message, sdk = /is built for SDK/.test(msg);
      if (!sdk) throw new AdminError("BAD_PACKAGE", msg);
      throw new AdminError("INCOMPATIBLE_SDK", `Cannot install: ${msg}`, { sdk: SDK_VERSION });
    }
  }

  #view(r: PluginRecord, row: PluginStatus | undefined): PluginView {
    return viewOf(r, row, this.#refused.get(r.alias));
  }
}
