/**
 * Reloading the config of a running broker (SIGHUP, like Mosquitto): the file is read and
 * validated again; every field that can change live is applied to the running config in place
 * (the core, the plugin host and the admin API read those sections at use), every other change is
 * logged as "needs a restart" by field path and left as it was. A file that cannot be read or is
 * invalid is refused with the usual error and the running config stays. One reload runs at a
 * time; reloads asked for meanwhile become one more reload after it. One log line per change.
 *
 * @module
 */
import type { Logger } from "../../lib/log.ts";
import type { PluginManager } from "../../plugins/host/mod.ts";
import { type ConfigChange, diffConfig } from "./reload_diff.ts";
import type { BrokerConfig, LogConfig } from "./types.ts";

/** What a reload changes: the running broker's parts. */
export interface ReloadTarget {
  /** The running config (the very object the broker was started with): updated in place. */
  readonly config: BrokerConfig;
  /** The plugin manager, when plugins run. */
  readonly manager?: Pick<PluginManager, "start" | "stop" | "setConfig">;
  /** Where the reload's lines go. */
  readonly log: Logger;
  /** Takes a new `log.level` / `log.format` (a {@linkcode SwitchableLogger}). */
  readonly logger?: { configure(log: Pick<LogConfig, "level" | "format">): void };
}

/** The outcome of one reload. */
export interface ReloadResult {
  /** Whether the file was read and valid. */
  ok: boolean;
  /** Fields applied. */
  applied: string[];
  /** Fields changed in the file but left as they were (they need a restart). */
  restart: string[];
  /** Fields whose live change failed (a plugin refused its config, ...). */
  failed: string[];
  /** Why the file was refused, when `ok` is false. */
  error?: string;
}

/** Values of these fields are secrets or long: their lines say "changed" only. */
const QUIET = /^(admin\.|plugins\.[^.]+\.config$)/;

function shown(change: ConfigChange): Record<string, unknown> {
  return QUIET.test(change.path) ? {} : { from: change.from, to: change.to };
}

/**
 * Reloads a running broker's config from `load` (which reads and validates the file, throwing a
 * `ConfigError` when it cannot).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger } from "../../lib/log.ts";
 * import { parseConfig } from "./load.ts";
 * import { Reloader } from "./reload.ts";
 * const config = parseConfig("mqtt:\n  max_keepalive: 60\n", "/etc/a.yaml");
 * let text = "mqtt:\n  max_keepalive: 30\ndata_dir: /var/lib/other\n";
 * const log = createLogger({ sink: () => {} });
 * const reloader = new Reloader({ config, log }, async () => parseConfig(text, "/etc/a.yaml"));
 * const result = await reloader.reload();
 * assert.deepEqual([result.applied, result.restart], [["mqtt.max_keepalive"], ["data_dir"]]);
 * assert.equal(config.mqtt.max_keepalive, 30);
 * text = "mqtt: [";
 * assert.equal((await reloader.reload()).ok, false);
 * assert.equal(config.mqtt.max_keepalive, 30);
 * ```
 */
export class Reloader {
  #target: ReloadTarget;
  #load: () => Promise<BrokerConfig>;
  #tail: Promise<unknown> = Promise.resolve();
  #queued: Promise<ReloadResult> | null = null;

  constructor(target: ReloadTarget, load: () => Promise<BrokerConfig>) {
    this.#target = target;
    this.#load = load;
  }

  /** Reloads after the reload running now, if any; asks made while one waits share it. */
  reload(): Promise<ReloadResult> {
    if (this.#queued) return this.#queued;
    const next = this.#tail.then(() => {
      this.#queued = null;
      return this.#once();
    });
    this.#queued = next;
    this.#tail = next.catch(() => {});
    return next;
  }

  async #once(): Promise<ReloadResult> {
    const { log } = this.#target;
    let next: BrokerConfig;
    try {
      next = await this.#load();
    } catch (err) {
      const error = (err as Error).message;
      log.error("Config reload refused; the running config stays", { error });
      return { ok: false, applied: [], restart: [], failed: [], error };
    }
    const result: ReloadResult = { ok: true, applied: [], restart: [], failed: [] };
    for (const change of diffConfig(this.#target.config, next)) {
      if (!change.live) {
        result.restart.push(change.path);
        log.warn("Config change needs a restart; not applied", {
          field: change.path,
          ...shown(change),
        });
        continue;
      }
      try {
        await this.#apply(change, next);
        result.applied.push(change.path);
        log.info("Config change applied", { field: change.path, ...shown(change) });
      } catch (err) {
        result.failed.push(change.path);
        log.error("Config change failed", { field: change.path, error: (err as Error).message });
      }
    }
    log.info("Config reloaded", {
      applied: result.applied.length,
      restart: result.restart.length,
      failed: result.failed.length,
    });
    return result;
  }

  async #apply(change: ConfigChange, next: BrokerConfig): Promise<void> {
    const [section, key, field] = change.path.split(".");
    const config = this.#target.config as unknown as Record<string, Record<string, unknown>>;
    if (section === "plugins") return await this.#applyPlugin(key, field, change.to);
    config[section][key] = change.to;
    if (section === "log") this.#target.logger?.configure(next.log);
  }

  async #applyPlugin(alias: string, field: string, to: unknown): Promise<void> {
    const manager = this.#target.manager;
    if (!manager) throw new Error("No plugin manager is running");
    if (field === "enabled") await (to ? manager.start(alias) : manager.stop(alias));
    else await manager.setConfig(alias, to);
    (this.#target.config.plugins[alias] as unknown as Record<string, unknown>)[field] = to;
  }
}

/**
 * Reloads on every SIGHUP until the returned function is called (POSIX only).
 *
 * @example
 * ```ts ignore
 * const stop = reloadOnHangup(new Reloader({ config, manager, log }, () => loadConfig(file)));
 * // kill -HUP <pid> reloads; later:
 * stop();
 * ```
 */
export function reloadOnHangup(reloader: Reloader): () => void {
  const listener = () => void reloader.reload();
  Deno.addSignalListener("SIGHUP", listener);
  return () => Deno.removeSignalListener("SIGHUP", listener);
}
