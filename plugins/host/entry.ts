/**
 * How the operator configures one plugin and the plugins' roles (the `plugins:`, `auth:` and
 * `topic_check:` sections of the broker config): owned by the plugin host, re-exported by the
 * broker config. The types mirror `BROKER_SCHEMA` (checked at compile time by
 * `server/config/types_test.ts`); the defaults are read from it.
 *
 * @module
 */

import { type AvroValue, BROKER_SCHEMA, validateAvro } from "../../schema/mod.ts";
import type { PermissionName } from "../sdk/plugin.ts";

/** What an operator grants a plugin, per Deno permission (the SDK's `PERMISSION_NAMES`). */
export type PermissionGrant = Record<PermissionName, boolean | string[]>;

/** What a plugin's decide hook falls back to when it throws or times out. */
export type FallbackDecision = "allow" | "deny" | "ignore";

/**
 * How a plugin is caged: `process` (own Deno process with permission flags and a heap limit),
 * `worker` (a Worker with Deno permissions, no heap limit), `none` (in-process, full trust).
 */
export type Isolation = "auto" | "process" | "worker" | "none";

/** Resource limits of one plugin. */
export interface PluginLimits {
  /** JavaScript heap limit in MiB (`process` isolation); a breach ends only the plugin. */
  memory_mb: number;
  /** Size limit of `ctx.store`, in MiB (keys plus JSON values). */
  store_mb: number;
  /** `ctx.publish` calls per second (burst of the same size). */
  publish_per_second: number;
}

/** One plugin, keyed by alias under `plugins:`. */
export interface PluginEntryConfig {
  /** Path, `file://` or `http(s)://` URL, `npm:` specifier, or a built-in name. */
  source: string;
  /** What the operator grants; a plugin declaring more is refused. Missing keys = not granted. */
  permissions: Partial<PermissionGrant>;
  /** The plugin's own config, validated later against the plugin's own schema. */
  config: Record<string, unknown>;
  /** Higher runs first; ties keep config order. */
  priority: number;
  /** A disabled plugin is not loaded. */
  enabled: boolean;
  /** Per hook call, in milliseconds. */
  timeout_ms: number;
  /** `sha256-<base64>` pin of the source bytes. */
  integrity: string | null;
  /** How the plugin is caged; `auto` = `worker` for built-ins, `process` for everything else. */
  isolation: Isolation;
  /** Resource limits. */
  limits: PluginLimits;
  /** What a decide hook answers when it throws. */
  on_error: FallbackDecision;
  /** What a decide hook answers when it times out. */
  on_timeout: FallbackDecision;
  /** Whether the messages it publishes go through the plugins' `message.publish` hooks. */
  transform_plugin_messages: boolean;
}

/** aMQTT-style authentication roles. */
export interface AuthConfig {
  /** Let clients without credentials in when no plugin decides. */
  allow_anonymous: boolean;
  /** Aliases taking part in authentication; null = every plugin with an authenticate hook. */
  plugins: string[] | null;
}

/** aMQTT-style topic checks. */
export interface TopicCheckConfig {
  /** Whether topic checks run at all. */
  enable: boolean;
  /** Aliases taking part; null = every plugin with an authorize hook. */
  plugins: string[] | null;
}

/** A `plugins:` entry given in code; omitted fields take the schema's defaults. */
export type PluginEntryInput = Partial<PluginEntryConfig> & { source: string };

/** The schema's answer for a config naming one plugin and nothing else: every default filled. */
const SCHEMA_DEFAULTS = validateAvro<AvroValue<typeof BROKER_SCHEMA>>(BROKER_SCHEMA, {
  plugins: { _: { source: "" } },
}).value;

/**
 * The permissions actually granted: keys the config left `null` (not granted) are dropped.
 *
 * @example
 * ```ts
 * import { grantedOnly } from "./entry.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(grantedOnly({ net: ["example.com"], env: null, read: false }), {
 *   net: ["example.com"],
 *   read: false,
 * });
 * ```
 */
export function grantedOnly(
  permissions: Partial<Record<PermissionName, boolean | string[] | null>>,
): Partial<PermissionGrant> {
  return Object.fromEntries(Object.entries(permissions).filter(([, v]) => v !== null));
}

const { source: _source, permissions, ...entryDefaults } = SCHEMA_DEFAULTS.plugins._;

/**
 * Defaults of a plugin entry, read from the schema (`plugins.<alias>.*` in `BROKER_SCHEMA`).
 *
 * @example
 * ```ts
 * import { ENTRY_DEFAULTS } from "./entry.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ENTRY_DEFAULTS.timeout_ms, 5000);
 * assert.deepEqual(ENTRY_DEFAULTS.permissions, {});
 * ```
 */
export const ENTRY_DEFAULTS: Readonly<Omit<PluginEntryConfig, "source">> = {
  ...entryDefaults,
  permissions: grantedOnly(permissions),
};

/** Defaults of the `auth:` section, read from the schema. */
export const AUTH_DEFAULTS: Readonly<AuthConfig> = SCHEMA_DEFAULTS.auth;

/** Defaults of the `topic_check:` section, read from the schema. */
export const TOPIC_CHECK_DEFAULTS: Readonly<TopicCheckConfig> = SCHEMA_DEFAULTS.topic_check;

/**
 * A full plugin entry: `entry` over {@linkcode ENTRY_DEFAULTS}.
 *
 * @example
 * ```ts
 * import { withEntryDefaults } from "./entry.ts";
 * import assert from "node:assert/strict";
 *
 * const entry = withEntryDefaults({ source: "sys", priority: 5 });
 * assert.deepEqual([entry.priority, entry.enabled, entry.isolation], [5, true, "auto"]);
 * ```
 */
export function withEntryDefaults(entry: PluginEntryInput): PluginEntryConfig {
  return { ...ENTRY_DEFAULTS, ...entry };
}
