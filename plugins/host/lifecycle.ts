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

import { join } from "node:path";
import { fetchInstallSource, type InstallRequest } from "./install_source.ts";
import { AdminError } from "./admin_errors.ts";
import { checkPluginConfig } from "./config_check.ts";
import { PluginHost, type PluginHostOptions, type PluginStatus } from "./host.ts";
import type { Manifest } from "./manifest.ts";
import { type PackageInfo, unpackPackage } from "./package.ts";
import { missingGrants, parsePermissions } from "./permissions.ts";
import { type PluginRecord, Registry } from "./registry.ts";
import type { HealthReport } from "./runner.ts";
import type { PluginPermissions } from "../sdk/plugin.ts";

export type { InstallRequest };

/** One plugin as management reports it. */
export interface PluginView extends Omit<PluginStatus, "name" | "version"> {
  name: string | null;
  version: string | null;
  description: string;
  origin: PluginRecord["origin"];
  enabled: boolean;
  source: string;
  /** What the plugin declares. */
  permissions: unknown;
  /** What the operator granted. */
  granted: unknown;
  package: PluginRecord["package"];
  configVersion: number;
}

/** `describe`: the view plus config, health and history. */
export interface PluginDetails extends PluginView {
  config: Record<string, unknown>;
  health: HealthReport | null;
  configHistory: number[];
}

const ALIAS = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NO_METRICS = { calls: 0, errors: 0, timeouts: 0, restarts: 0 };

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

  private constructor(host: PluginHost, registry: Registry, baseDir: string) {
    this.host = host;
    this.#registry = registry;
    this.#baseDir = baseDir;
  }

  /** Merges state.json with the YAML map and starts every enabled plugin. */
  static async open(opts: PluginHostOptions): Promise<PluginManager> {
    const registry = await Registry.open(opts.dataDir ?? null, opts.plugins);
    const plugins = Object.fromEntries(registry.list().map((r) => [r.alias, r.entry]));
    const host = await PluginHost.start({ ...opts, plugins });
    for (const r of registry.list()) r.manifest = host.manifest(r.alias) ?? r.manifest;
    return new PluginManager(host, registry, opts.baseDir ?? Deno.cwd());
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
      this.#registry.remove(alias);
      await this.#registry.save();
      const dir = this.#registry.dir;
      const shared = this.#registry.list().some((x) => x.package?.dir === r.package?.dir);
      if (r.package && !shared) await Deno.remove(r.package.dir, { recursive: true }).catch(noop);
      if (dir) await Deno.remove(join(dir, alias), { recursive: true }).catch(noop);
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
        if (!applied) {
          await this.host.unload(alias);
          await this.host.load(alias, { ...r.entry, config: value });
        }
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
    this.#queue = run.catch(noop);
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
      const list = errors.map((e) => `${e.path || "(config)"}: ${e.message}`).join("; ");
      throw new AdminError("BAD_CONFIG", `Invalid config for "${r.alias}": ${list}`, { errors });
    }
    return value;
  }

  async #start(alias: string, enable: boolean): Promise<PluginView> {
    const r = this.#registry.get(alias);
    const config = this.#checkConfig(r, r.entry.config ?? {});
    await this.host.unload(alias);
    const status = await this.host.load(alias, { ...r.entry, config });
    r.manifest = this.host.manifest(alias) ?? r.manifest;
    if (status.state === "failed") {
      throw new AdminError("START_FAILED", status.error ?? `Plugin "${alias}" failed to start`);
    }
    if (enable) r.entry = { ...r.entry, enabled: true };
    await this.#registry.save();
    return this.#view(r, status);
  }

  async #install(req: InstallRequest): Promise<PluginView> {
    let grant: PluginPermissions;
    try {
      grant = parsePermissions(req.grant ?? {});
    } catch (err) {
      throw new AdminError("BAD_REQUEST", `Bad grant: ${(err as Error).message}`);
    }
    if (req.alias !== undefined && !ALIAS.test(req.alias)) {
      throw new AdminError("BAD_REQUEST", `Alias "${req.alias}" must be letters, digits, _ . -`);
    }
    const { bytes, module } = await fetchInstallSource(req, this.#baseDir);
    const dir = this.#registry.dir;
    if (!dir) throw new AdminError("BAD_REQUEST", "Installing needs a data_dir");
    let pkg: PackageInfo | null = null;
    let staging: string | null = null;
    try {
      if (bytes) {
        staging = join(dir, "packages", `.staging-${crypto.randomUUID()}`);
        pkg = await unpackPackage(bytes, staging).catch((err) => {
          throw new AdminError("BAD_PACKAGE", `Bad package: ${(err as Error).message}`);
        });
      }
      const source = pkg?.main ?? module!;
      const alias = req.alias ?? pkg?.release.name ?? "";
      const manifest = await this.#probe(alias || "plugin", source);
      const finalAlias = alias || manifest.name;
      if (!ALIAS.test(finalAlias)) {
        throw new AdminError("BAD_REQUEST", `"${finalAlias}" is not a usable alias; give one`);
      }
      if (this.#registry.has(finalAlias)) {
        throw new AdminError("ALREADY_EXISTS", `Plugin "${finalAlias}" is already installed`);
      }
      const declared = parsePermissions(manifest.permissions);
      const missing = missingGrants(declared, grant);
      if (missing.length > 0) {
        throw new AdminError(
          "GRANT_REQUIRED",
          `Plugin "${finalAlias}" needs ${missing.join(", ")}; grant them to install`,
          { permissions: declared, missing, name: manifest.name, version: manifest.version },
        );
      }
      let entrySource = source;
      let packageRef: PluginRecord["package"] = null;
      if (pkg && staging) {
        const target = join(
          dir,
          "packages",
          `${pkg.release.name}-${pkg.release.version}-${finalAlias}`,
        );
        await Deno.remove(target, { recursive: true }).catch(noop);
        await Deno.rename(staging, target);
        staging = null;
        entrySource = pkg.main.replace(/^.*\.staging-[^/]+/, target);
        packageRef = { name: pkg.release.name, version: pkg.release.version, dir: target };
      }
      const record: PluginRecord = {
        alias: finalAlias,
        origin: "install",
        entry: { source: entrySource, permissions: grant, enabled: false, config: {} },
        package: packageRef,
        schema: pkg?.schema ?? null,
        i18n: pkg?.i18n ?? null,
        manifest,
        configVersion: 0,
      };
      record.entry.config = defaultsOf(record);
      this.#registry.put(record);
      await this.#registry.save();
      return this.#view(record, undefined);
    } finally {
      if (staging) await Deno.remove(staging, { recursive: true }).catch(noop);
    }
  }

  async #probe(alias: string, source: string): Promise<Manifest> {
    try {
      return await this.host.probe(alias, { source });
    } catch (err) {
      throw new AdminError("BAD_PACKAGE", (err as Error).message);
    }
  }

  #view(r: PluginRecord, row: PluginStatus | undefined): PluginView {
    const m = r.manifest;
    return {
      alias: r.alias,
      name: row?.name ?? m?.name ?? null,
      version: row?.version ?? m?.version ?? null,
      description: m?.description ?? "",
      origin: r.origin,
      enabled: r.entry.enabled !== false,
      source: r.entry.source,
      state: row?.state ?? "stopped",
      ...(row?.error ? { error: row.error } : {}),
      isolation: r.entry.isolation ?? "worker",
      priority: r.entry.priority ?? 0,
      hooks: row?.hooks ?? m?.hooks ?? [],
      metrics: row?.metrics ?? { ...NO_METRICS, hooks: {} },
      permissions: m?.permissions ?? {},
      granted: r.entry.permissions ?? {},
      package: r.package,
      configVersion: r.configVersion,
    };
  }
}

/** The config an installed plugin starts with: its defaults, schema defaults filled when valid. */
function defaultsOf(r: PluginRecord): Record<string, unknown> {
  const schema = r.schema ?? r.manifest?.config.schema ?? null;
  const { value, errors } = checkPluginConfig(schema, r.manifest?.config.defaults ?? {}, {});
  return errors.length === 0 ? value : { ...r.manifest?.config.defaults };
}

function noop(): void {}
