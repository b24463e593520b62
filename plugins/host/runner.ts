/**
 * What the host needs from a running plugin, whatever its isolation, plus the shared bookkeeping
 * (state, metrics, fault logging).
 *
 * @module
 */

import type { PluginEntryConfig } from "./entry.ts";
import type { HookpointName } from "../sdk/hookpoints.ts";
import type { PluginLogger } from "../sdk/plugin.ts";
import type { Manifest } from "./manifest.ts";
import { HookMetricsRecorder } from "./metrics.ts";
import type { ConfigureAnswer, HealthReport } from "./protocol.ts";

export type { HealthReport } from "./protocol.ts";

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

/** The host's logger: `{debug, info, warn, error}(msg, fields?)`, the shape a plugin's has. */
export type Logger = PluginLogger;

/** One loaded plugin instance. */
export interface Runner {
  readonly alias: string;
  readonly entry: PluginEntryConfig;
  readonly state: PluginState;
  readonly error: string | undefined;
  readonly metrics: PluginMetrics;
  /** Calls, errors, timeouts and latency per hookpoint (metrics.ts). */
  readonly hookMetrics: HookMetricsRecorder;
  /** Imports the module and returns its manifest (nothing of the plugin runs but its top level). */
  load(): Promise<Manifest>;
  /** Runs setup and start with the validated config. */
  start(config: Record<string, unknown>): Promise<void>;
  call(hook: HookpointName, event: unknown): Promise<CallOutcome>;
  /**
   * One transform hook over many events (one crossing for a caged plugin): one outcome per event,
   * in order. A timeout or a lost plugin fails every event; a hook that throws only its own.
   */
  callBatch(hook: HookpointName, events: unknown[]): Promise<CallOutcome[]>;
  /** Offers a new config to `configChanged`; rejects with its refusal. `applied: false` = no hook. */
  configure(config: Record<string, unknown>): Promise<ConfigureAnswer>;
  /** Runs `healthCheck`; null when the plugin has none. */
  health(): Promise<HealthReport | null>;
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
  readonly hookMetrics: HookMetricsRecorder = new HookMetricsRecorder();
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

  /** Counts and logs a hook problem (`n` events of one batch: counted each, logged once). */
  fault(hook: string | null, kind: "error" | "timeout", message: string, n = 1): CallOutcome {
    if (kind === "timeout") this.metrics.timeouts += n;
    else this.metrics.errors += n;
    this.hookMetrics.fault(hook, kind, n);
    this.log.warn(`Plugin hook ${kind === "timeout" ? "timed out" : "failed"}`, {
      plugin: this.alias,
      hook,
      error: message,
      ...(n > 1 ? { events: n } : {}),
    });
    return { ok: false, reason: kind, message };
  }

  /** Runs one hook call, recording it per hookpoint with its latency (unless it timed out). */
  protected async measure(hook: string, run: () => Promise<CallOutcome>): Promise<CallOutcome> {
    const t0 = performance.now();
    const out = await run();
    if (!out.ok && out.reason === "unavailable") return out;
    const answered = out.ok || out.reason === "error";
    this.hookMetrics.call(hook, answered ? performance.now() - t0 : undefined);
    return out;
  }
}
