/**
 * The life of one plugin up to `running`: grant check, source load (integrity), import in a probe
 * (manifest), declared-vs-granted check, config validation, then the real start.
 *
 * @module
 */

import {
  ENTRY_DEFAULTS,
  type Isolation,
  type PluginEntryConfig,
  type PluginLimits,
} from "./entry.ts";
import { PluginLoadError } from "./errors.ts";
import { loadSource } from "./loader.ts";
import type { Manifest } from "./manifest.ts";
import { missingGrants, parsePermissions } from "./permissions.ts";
import { resolveConfig } from "./config_check.ts";
import { InProcessRunner } from "./inprocess_runner.ts";
import type { Logger, Runner } from "./runner.ts";
import { type BrokerServices, PluginServices } from "./services.ts";
import { KvStore, type PluginStore, type PluginStoreOpener } from "./store.ts";

const MiB = 1024 * 1024;
import { CagedRunner } from "./caged_runner.ts";
import type { Cage } from "./cage.ts";
import type { LoadedSource } from "./loader.ts";
import { prepareDependencies, ProcessCage } from "./process_cage.ts";
import { WorkerCage } from "./worker_cage.ts";
import { recordApiRunner } from "./api_host.ts";

/** Defaults of `limits` (the schema's, for entries made in code). */
export const ENTRY_LIMITS: PluginLimits = ENTRY_DEFAULTS.limits;

/** One configured plugin as the host keeps it. */
export interface PluginSlot {
  alias: string;
  entry: PluginEntryConfig;
  /** Null when loading failed before a runner existed. */
  runner: Runner | null;
  /** Null when loading failed before the module was imported. */
  manifest: Manifest | null;
  store: PluginStore | null;
  /** How it runs: `auto` resolved (see {@linkcode effectiveIsolation}). */
  isolation: Exclude<Isolation, "auto">;
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
  /** Opens a plugin's `ctx.store`. */
  openStore: PluginStoreOpener;
}

/**
 * `auto` resolved: built-ins (our own code) run in a Worker, everything else in its own process.
 *
 * @example
 * ```ts
 * import { effectiveIsolation } from "./instantiate.ts";
 * if (effectiveIsolation("auto", "./p.ts", {}) !== "process") throw new Error("not caged");
 * ```
 */
export function effectiveIsolation(
  isolation: Isolation | undefined,
  source: string,
  builtins: Readonly<Record<string, string>>,
): Exclude<Isolation, "auto"> {
  if (isolation && isolation !== "auto") return isolation;
  return Object.hasOwn(builtins, source) ? "worker" : "process";
}

/** The cage of a plugin; a process cage first resolves the plugin's npm and remote imports. */
async function makeCage(
  alias: string,
  entry: PluginEntryConfig,
  isolation: "process" | "worker",
  source: LoadedSource,
  log: Logger,
): Promise<Cage> {
  if (isolation === "worker") return new WorkerCage(alias, source);
  await prepareDependencies(alias, source);
  const memoryMb = entry.limits?.memory_mb ?? ENTRY_LIMITS.memory_mb;
  return new ProcessCage(alias, source, { memoryMb, log });
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
 * if (!slot.runner) log.error("Plugin not loaded", { error: slot.error });
 * ```
 */
export async function instantiate(
  alias: string,
  entry: PluginEntryConfig,
  deps: InstantiateDeps,
): Promise<PluginSlot> {
  const isolation = effectiveIsolation(entry.isolation, entry.source, deps.builtins);
  const slot: PluginSlot = { alias, entry, isolation, runner: null, manifest: null, store: null };
  try {
    const grant = parsePermissions(entry.permissions);
    const source = await loadSource(alias, entry, deps);
    const storePath = deps.dataDir ? `${deps.dataDir}/plugins/${alias}/store.sqlite` : null;
    const limits = { ...ENTRY_LIMITS, ...entry.limits };
    slot.store = await deps.openStore(alias, storePath, { quotaBytes: limits.store_mb * MiB });
    const services = new PluginServices(alias, deps.services, slot.store, deps.log, limits, {
      ...entry,
    });
    const opts = { services, log: deps.log, startTimeoutMs: deps.startTimeoutMs };
    const runner = isolation === "none"
      ? new InProcessRunner(alias, entry, { ...opts, source })
      : new CagedRunner(alias, entry, {
        ...opts,
        cage: await makeCage(alias, entry, isolation, source, deps.log),
        backoff: deps.backoff,
      });
    slot.runner = runner;
    const manifest = await runner.load();
    const missing = missingGrants(parsePermissions(manifest.permissions), grant);
    if (missing.length > 0) {
      const s = missing.length > 1 ? "s" : "";
      throw new PluginLoadError(alias, `permission${s} ${missing.join(", ")} not granted`);
    }
    const config = resolveConfig(manifest.config.schema, manifest.config.defaults, entry.config);
    slot.manifest = manifest;
    recordApiRunner(manifest, runner);
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
 * Imports a plugin in a throwaway cage with no permissions and returns its manifest, without
 * running setup or start: what an install shows the operator before the grant. The cage is the one
 * the plugin will run in (`process` unless the entry says otherwise), never in-process.
 *
 * @example
 * ```ts ignore
 * const manifest = await probeManifest("p", { source: "/tmp/p.js" }, deps);
 * const asked = manifest.permissions; // what the operator must grant
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
  const isolation = effectiveIsolation(entry.isolation, entry.source, deps.builtins);
  const kind = isolation === "worker" ? "worker" : "process";
  try {
    const runner = new CagedRunner(alias, { ...entry, permissions: {} }, {
      cage: await makeCage(alias, entry, kind, source, deps.log),
      services,
      log: deps.log,
      startTimeoutMs: deps.startTimeoutMs,
      backoff: deps.backoff,
    });
    return await runner.load();
  } catch (err) {
    throw loadError(alias, err);
  }
}
