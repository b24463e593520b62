/**
 * The life of one plugin up to `running`: grant check, source load (integrity), import in a probe
 * (manifest), declared-vs-granted check, config validation, then the real start.
 *
 * @module
 */

import type { PluginEntryConfig } from "../../broker/config/types.ts";
import { PluginLoadError } from "./errors.ts";
import { loadSource } from "./loader.ts";
import type { Manifest } from "./manifest.ts";
import { missingGrants, parsePermissions } from "./permissions.ts";
import { resolveConfig } from "./config.ts";
import { InProcessRunner } from "./inprocess_runner.ts";
import type { Logger, Runner } from "./runner.ts";
import { type BrokerServices, PluginServices } from "./services.ts";
import { KvStore } from "./store.ts";
import { WorkerRunner } from "./worker_runner.ts";

/** One configured plugin as the host keeps it. */
export interface PluginSlot {
  alias: string;
  entry: PluginEntryConfig;
  /** Null when loading failed before a runner existed. */
  runner: Runner | null;
  /** Null when loading failed before the module was imported. */
  manifest: Manifest | null;
  store: KvStore | null;
  /** Load failure (the runner keeps its own later errors). */
  error?: string;
}

/** What instantiation needs from the host. */
export interface InstantiateDeps {
  baseDir: string;
  dataDir: string | null;
  builtins: Readonly<Record<string, string>>;
  services: BrokerServices;
  log: Logger;
  startTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number };
}

function loadError(alias: string, err: unknown): PluginLoadError {
  if (err instanceof PluginLoadError) return err;
  return new PluginLoadError(alias, (err as Error)?.message ?? String(err), { cause: err });
}

/**
 * Loads and starts one plugin; never throws: failures end in a slot whose runner is missing or
 * `failed`, with the reason logged.
 *
 * @example
 * ```ts ignore
 * const slot = await instantiate("acl", entry, deps);
 * console.log(slot.runner?.state ?? slot.error);
 * ```
 */
export async function instantiate(
  alias: string,
  entry: PluginEntryConfig,
  deps: InstantiateDeps,
): Promise<PluginSlot> {
  const slot: PluginSlot = { alias, entry, runner: null, manifest: null, store: null };
  try {
    const grant = parsePermissions(entry.permissions);
    const source = await loadSource(alias, entry, deps);
    const storePath = deps.dataDir ? `${deps.dataDir}/plugins/${alias}/store.json` : null;
    slot.store = await KvStore.open(storePath);
    const services = new PluginServices(alias, deps.services, slot.store, deps.log);
    const opts = { source, services, log: deps.log, startTimeoutMs: deps.startTimeoutMs };
    const runner = entry.isolation === "none"
      ? new InProcessRunner(alias, entry, opts)
      : new WorkerRunner(alias, entry, { ...opts, backoff: deps.backoff });
    slot.runner = runner;
    const manifest = await runner.load();
    const missing = missingGrants(parsePermissions(manifest.permissions), grant);
    if (missing.length > 0) {
      const s = missing.length > 1 ? "s" : "";
      throw new PluginLoadError(alias, `permission${s} ${missing.join(", ")} not granted`);
    }
    const config = resolveConfig(manifest.config.schema, manifest.config.defaults, entry.config);
    slot.manifest = manifest;
    try {
      await runner.start(config);
      deps.log.info(`Plugin "${alias}" started`, {
        plugin: alias,
        name: manifest.name,
        version: manifest.version,
        hooks: manifest.hooks,
      });
    } catch (err) {
      runner.fail(`setup/start failed: ${(err as Error)?.message ?? err}`);
      await runner.close();
    }
  } catch (err) {
    const e = loadError(alias, err);
    slot.error = e.message;
    if (slot.runner) {
      slot.runner.fail(e.reason);
      await slot.runner.close();
    } else {
      deps.log.error(e.message, { plugin: alias });
    }
  }
  return slot;
}

/**
 * Imports a plugin in a throwaway worker with no permissions and returns its manifest, without
 * running setup or start: what an install shows the operator before the grant.
 *
 * @example
 * ```ts ignore
 * const manifest = await probeManifest("p", { source: "/tmp/p.js" }, deps);
 * console.log(manifest.permissions);
 * ```
 */
export async function probeManifest(
  alias: string,
  entry: PluginEntryConfig,
  deps: InstantiateDeps,
): Promise<Manifest> {
  const source = await loadSource(alias, entry, deps);
  const store = await KvStore.open(null);
  const services = new PluginServices(alias, deps.services, store, deps.log);
  const probe = { ...entry, permissions: {}, isolation: "worker" as const };
  const runner = new WorkerRunner(alias, probe, {
    source,
    services,
    log: deps.log,
    startTimeoutMs: deps.startTimeoutMs,
    backoff: deps.backoff,
  });
  try {
    return await runner.load();
  } catch (err) {
    throw loadError(alias, err);
  }
}
