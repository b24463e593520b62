/**
 * Counting and logging what the broker refused from plugins. A client can trigger a plugin fault
 * on every PUBLISH (a long topic through a prefixing transform), so lines are rate limited per
 * kind: at most one a second, with how many were suppressed since the last one. Counters are
 * never limited.
 *
 * @module
 */
import type { Logger } from "../lib/log.ts";
import type { Stats } from "../broker/stats.ts";

/** How often one kind of fault may be logged. */
const LOG_EVERY_MS = 1000;

/**
 * Rate-limited fault reports.
 *
 * @example
 * ```ts
 * import { PluginFaults } from "./plugin_faults.ts";
 * import { newStats } from "../broker/stats.ts";
 * const lines: string[] = [];
 * const log = { warn: (m: string) => lines.push(m) } as never;
 * const faults = new PluginFaults(log, newStats());
 * faults.outputRefused("message.publish", () => ["p"], new TypeError("bad topic"));
 * faults.outputRefused("message.publish", () => ["p"], new TypeError("bad topic"));
 * if (lines.length !== 1) throw new Error("not rate limited");
 * ```
 */
export class PluginFaults {
  #log: Logger;
  #stats: Stats;
  #last = new Map<string, { at: number; suppressed: number }>();

  /**
   * @param log where lines go
   * @param stats the broker's counters (`pluginOutputRefused`)
   */
  constructor(log: Logger, stats: Stats) {
    this.#log = log;
    this.#stats = stats;
  }

  /**
   * A value from the plugins at `hook` was refused (never sent); counted, and logged with the
   * aliases `plugins()` names (asked only when the line is not rate limited).
   */
  outputRefused(hook: string, plugins: () => readonly string[], err: Error): void {
    this.#stats.pluginOutputRefused++;
    this.warn(`refused:${hook}`, "Plugin output refused", () => ({
      hook,
      plugins: plugins().join(","),
      error: err.message,
    }));
  }

  /** Logs `msg` unless a line of the same `key` went out less than a second ago. */
  warn(
    key: string,
    msg: string,
    fields: Record<string, unknown> | (() => Record<string, unknown>),
  ): void {
    const now = Date.now();
    const last = this.#last.get(key);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.#last.set(key, { at: now, suppressed: 0 });
    const all = typeof fields === "function" ? fields() : fields;
    this.#log.warn(msg, suppressed > 0 ? { ...all, suppressed } : all);
  }
}
