/**
 * One row of `PluginHost.status()`: what the admin API and `$SYS` show about a configured plugin.
 *
 * @module
 */

import type { HookpointName } from "../sdk/hookpoints.ts";
import type { HookMetrics } from "../sdk/stats.ts";
import type { PluginSlot } from "./instantiate.ts";
import type { PluginMetrics, PluginState } from "./runner.ts";

/** One row of `host.status()`. */
export interface PluginStatus {
  alias: string;
  name: string | null;
  version: string | null;
  state: PluginState;
  error?: string;
  /** How it runs (`auto` resolved). */
  isolation: "process" | "worker" | "none";
  priority: number;
  hooks: HookpointName[];
  /** Totals plus, per hookpoint, calls, errors, timeouts and latency (p50/p99, histogram). */
  metrics: PluginMetrics & { hooks: Record<string, HookMetrics> };
}

/**
 * The status row of one slot: `failed` when loading failed, else the runner's state and metrics.
 *
 * @example
 * ```ts
 * import { slotStatus } from "./host_status.ts";
 * import assert from "node:assert/strict";
 *
 * const row = slotStatus({
 *   alias: "acl",
 *   entry: { priority: 2 },
 *   runner: null,
 *   manifest: null,
 *   isolation: "worker",
 *   error: "not found",
 * });
 * assert.deepEqual([row.state, row.error, row.priority], ["failed", "not found", 2]);
 * ```
 */
export function slotStatus(
  s: Pick<PluginSlot, "alias" | "runner" | "manifest" | "isolation" | "error"> & {
    entry: { priority: number };
  },
): PluginStatus {
  const r = s.runner;
  const error = s.error ?? r?.error;
  return {
    alias: s.alias,
    name: s.manifest?.name ?? null,
    version: s.manifest?.version ?? null,
    state: s.error ? "failed" : r?.state ?? "failed",
    ...(error ? { error } : {}),
    isolation: s.isolation,
    priority: s.entry.priority,
    hooks: s.manifest?.hooks ?? [],
    metrics: {
      ...(r?.metrics ?? { calls: 0, errors: 0, timeouts: 0, restarts: 0 }),
      hooks: r?.hookMetrics.snapshot() ?? {},
    },
  };
}
