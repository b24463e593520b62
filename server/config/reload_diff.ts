/**
 * What a config reload changes: every field that differs between the running config and the new
 * one, by field path, each either applied live or left as it was until a restart.
 *
 * @module
 */
import type { BrokerConfig } from "./types.ts";

/** One field that differs between two configs. */
export interface ConfigChange {
  /** Dotted field path, such as `mqtt.max_keepalive` or `plugins.acl.config`. */
  path: string;
  /** Whether a reload applies it; false means it needs a restart. */
  live: boolean;
  /** The running value (undefined when the field is new). */
  from: unknown;
  /** The new value (undefined when the field is gone). */
  to: unknown;
}

/**
 * Fields a reload applies, as path patterns (`*` is one segment). Everything else needs a
 * restart: listeners, `data_dir`, persistence, cluster, the queue size of existing sessions,
 * `topic_check.enable`, plugin sources, grants, isolation, limits and priority, plugins added or
 * removed.
 */
export const LIVE_FIELDS: readonly string[] = [
  "log.level",
  "log.format",
  "log.connections",
  "mqtt.max_packet_size",
  "mqtt.max_keepalive",
  "mqtt.connect_timeout_ms",
  "mqtt.receive_maximum",
  "mqtt.max_inflight",
  "mqtt.topic_alias_maximum",
  "mqtt.max_session_expiry",
  "mqtt.allow_zero_length_clientid",
  "mqtt.retain_available",
  "auth.allow_anonymous",
  "auth.plugins",
  "topic_check.plugins",
  "admin.users",
  "admin.api_keys",
  "plugins.*.config",
  "plugins.*.enabled",
];

/** Fields compared as one value (a list of users is one field, not one per user). */
const WHOLE = ["admin.users", "admin.api_keys", "plugins.*.config", "auth.plugins"];

function matches(pattern: string, path: string): boolean {
  const p = pattern.split(".");
  const s = path.split(".");
  return p.length === s.length && p.every((part, i) => part === "*" || part === s[i]);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function walk(path: string, a: unknown, b: unknown, out: ConfigChange[]): void {
  const whole = WHOLE.some((p) => matches(p, path));
  if (!whole && isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      walk(path === "" ? key : `${path}.${key}`, a[key], b[key], out);
    }
    return;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const live = a !== undefined && b !== undefined && LIVE_FIELDS.some((p) => matches(p, path));
  out.push({ path, live, from: a, to: b });
}

/**
 * Every field of `next` that differs from `running`, in document order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "./load.ts";
 * import { diffConfig } from "./reload_diff.ts";
 * const a = parseConfig("mqtt:\n  max_keepalive: 60\n", "/etc/a.yaml");
 * const b = parseConfig(
 *   "mqtt:\n  max_keepalive: 30\nlisteners:\n  default:\n    type: tcp\n    bind: 127.0.0.1:1999\n",
 *   "/etc/a.yaml",
 * );
 * assert.deepEqual(diffConfig(a, b).map((c) => [c.path, c.live]), [
 *   ["listeners.default.bind", false],
 *   ["mqtt.max_keepalive", true],
 * ]);
 * ```
 */
export function diffConfig(running: BrokerConfig, next: BrokerConfig): ConfigChange[] {
  const out: ConfigChange[] = [];
  walk("", running, next, out);
  return out;
}
