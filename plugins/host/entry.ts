/**
 * How the operator configures one plugin and the plugins' roles (the `plugins:`, `auth:` and
 * `topic_check:` sections of the broker config): owned by the plugin host, re-exported by the
 * broker config.
 *
 * @module
 */

/** What an operator grants a plugin; mirrors Deno's worker permission keys. */
export interface PermissionGrant {
  net: boolean | string[];
  read: boolean | string[];
  write: boolean | string[];
  env: boolean | string[];
  run: boolean | string[];
  ffi: boolean | string[];
  sys: boolean | string[];
  import: boolean | string[];
}

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
