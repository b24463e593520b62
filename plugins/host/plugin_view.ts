/**
 * How management shows a plugin: the registry record (what was installed, granted, configured)
 * merged with the host's live status row.
 *
 * @module
 */

import type { PluginStatus } from "./host.ts";
import type { PluginRecord } from "./registry.ts";
import type { HealthReport } from "./runner.ts";

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

const NO_METRICS = { calls: 0, errors: 0, timeouts: 0, restarts: 0 };

/**
 * One plugin as management reports it: the registry record merged with the host's status row
 * (absent when not loaded); `refusal` is why the manager kept it from starting (shown `failed`).
 *
 * @example
 * ```ts ignore
 * const view = viewOf(record, host.status().find((s) => s.alias === record.alias), undefined);
 * ```
 */
export function viewOf(
  r: PluginRecord,
  row: PluginStatus | undefined,
  refusal: string | undefined,
): PluginView {
  const m = r.manifest;
  return {
    alias: r.alias,
    name: row?.name ?? m?.name ?? null,
    version: row?.version ?? m?.version ?? null,
    description: m?.description ?? "",
    origin: r.origin,
    enabled: r.entry.enabled !== false,
    source: r.entry.source,
    state: row?.state ?? (refusal ? "failed" : "stopped"),
    ...(row?.error ?? refusal ? { error: row?.error ?? refusal } : {}),
    isolation: row?.isolation ??
      (r.entry.isolation === "none"
        ? "none"
        : r.entry.isolation === "worker"
        ? "worker"
        : "process"),
    priority: r.entry.priority ?? 0,
    hooks: row?.hooks ?? m?.hooks ?? [],
    metrics: row?.metrics ?? { ...NO_METRICS, hooks: {} },
    permissions: m?.permissions ?? {},
    granted: r.entry.permissions ?? {},
    package: r.package,
    configVersion: r.configVersion,
  };
}
