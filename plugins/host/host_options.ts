/**
 * What `PluginHost.start` takes, and the dependencies it hands to each plugin's instantiation
 * (defaults filled).
 *
 * @module
 */

import { BUILTIN_PLUGINS } from "./builtins.ts";
import type { AuthConfig, PluginEntryInput, TopicCheckConfig } from "./entry.ts";
import type { InstantiateDeps } from "./instantiate.ts";
import type { Logger } from "./runner.ts";
import type { BrokerServices } from "./services.ts";
import { KvStore, type PluginStoreOpener } from "./store.ts";

/** Everything `PluginHost.start` needs. */
export interface PluginHostOptions {
  /** The `plugins:` map; key order is config order (breaks priority ties). */
  plugins: Record<string, PluginEntryInput>;
  auth?: AuthConfig;
  topicCheck?: TopicCheckConfig;
  /** Plugin stores go to `<dataDir>/plugins/<alias>/store.json`; null keeps them in memory. */
  dataDir?: string | null;
  /** Directory relative `source` paths resolve against (the config file's); default cwd. */
  baseDir?: string;
  log: Logger;
  services: BrokerServices;
  /** Built-in name -> module URL; default builtins.ts. */
  builtins?: Readonly<Record<string, string>>;
  /** Watchdog ping period, ms (default 1000). A worker silent for its `timeout_ms` is restarted. */
  watchdogIntervalMs?: number;
  /** Limit for import + setup + start, ms (default 10000). */
  startTimeoutMs?: number;
  /** Restart backoff after a crash (default 500 ms doubling to 30 s). */
  restartBackoff?: { initialMs: number; maxMs: number };
  /** Opens each plugin's `ctx.store` (a cluster shares them through NATS); default local. */
  openStore?: PluginStoreOpener;
}

/**
 * The instantiation dependencies of `opts`, defaults filled: cwd as base dir, stores in memory,
 * the built-in plugin table, a 10 s start limit, restart backoff from 500 ms to 30 s.
 *
 * @example
 * ```ts
 * import { instantiateDeps } from "./host_options.ts";
 * import assert from "node:assert/strict";
 *
 * const log = { debug() {}, info() {}, warn() {}, error() {} };
 * // deno-lint-ignore no-explicit-any
 * const deps = instantiateDeps({ plugins: {}, log, services: {} as any });
 * assert.deepEqual([deps.dataDir, deps.startTimeoutMs], [null, 10_000]);
 * ```
 */
export function instantiateDeps(opts: PluginHostOptions): InstantiateDeps {
  return {
    baseDir: opts.baseDir ?? Deno.cwd(),
    dataDir: opts.dataDir ?? null,
    builtins: opts.builtins ?? BUILTIN_PLUGINS,
    services: opts.services,
    log: opts.log,
    startTimeoutMs: opts.startTimeoutMs ?? 10_000,
    backoff: opts.restartBackoff ?? { initialMs: 500, maxMs: 30_000 },
    openStore: opts.openStore ?? ((_alias, path, o) => KvStore.open(path, o)),
  };
}
