/**
 * What the host needs from a running plugin, whatever its isolation, plus the shared bookkeeping
 * (state, metrics, fault logging).
 *
 * @module
 */

import type { PluginEntryConfig } from "../../broker/config/types.ts";
import type { HookpointName } from "../sdk/hookpoints.ts";
import type { Manifest } from "./manifest.ts";

/** Life of a plugin as `host.status()` reports it. */
export type PluginState = "starting" | "running" | "crashed" | "failed" | "stopped";

/** How one hook call went. */
export type CallOutcome =
  | { ok: true; value: unknown }
  | { ok: false; reason: "error" | "timeout" | "unavailable"; message: string };

/** Counters per plugin. */
export interface PluginMetrics {
  /** Hook calls and notifications sent. */
  calls: number;
  /** Hooks that threw, bad results, uncaught errors in the plugin. */
  errors: number;
  /** Hook calls that did not answer within `timeout_ms`. */
  timeouts: number;
  /** Worker restarts after a crash. */
  restarts: number;
}

/** The host's logger: `{debug, info, warn, error}(msg, fields?)`. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** One loaded plugin instance. */
export interface Runner {
  readonly alias: string;
  readonly entry: PluginEntryConfig;
  readonly state: PluginState;
  readonly error: string | undefined;
  readonly metrics: PluginMetrics;
  /** Imports the module and returns its manifest (nothing of the plugin runs but its top level). */
  load(): Promise<Manifest>;
  /** Runs setup and start with the validated config. */
  start(config: Record<string, unknown>): Promise<void>;
  call(hook: HookpointName, event: unknown): Promise<CallOutcome>;
  notify(hook: HookpointName, event: unknown): void;
  /** Watchdog tick. */
  tick(now: number): void;
  close(): Promise<void>;
  /** Marks the plugin failed for good (logged). */
  fail(reason: string): void;
  /** Counts and logs a hook problem. */
  fault(hook: string | null, kind: "error" | "timeout", message: string): CallOutcome;
}

/**
 * State and metrics shared by runners; `fault` logs with plugin and hookpoint and counts.
 *
 * @example
 * ```ts ignore
 * class MyRunner extends RunnerBase { ... }
 * ```
 */
export abstract class RunnerBase {
  readonly metrics: PluginMetrics = { calls: 0, errors: 0, timeouts: 0, restarts: 0 };
  state: PluginState = "starting";
  error: string | undefined;

  constructor(
    readonly alias: string,
    readonly entry: PluginEntryConfig,
    protected readonly log: Logger,
  ) {}

  /** Marks the plugin failed for good. */
  fail(reason: string): void {
    this.state = "failed";
    this.error = reason;
    this.log.error(`Plugin "${this.alias}" failed: ${reason}`, { plugin: this.alias });
  }

  /** Counts and logs a hook problem. */
  fault(hook: string | null, kind: "error" | "timeout", message: string): CallOutcome {
    if (kind === "timeout") this.metrics.timeouts++;
    else this.metrics.errors++;
    this.log.warn(`Plugin hook ${kind === "timeout" ? "timed out" : "failed"}`, {
      plugin: this.alias,
      hook,
      error: message,
    });
    return { ok: false, reason: kind, message };
  }
}
