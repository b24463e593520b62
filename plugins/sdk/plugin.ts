/**
 * The plugin contract: what a plugin module's default export looks like, and the context
 * every hook receives.
 *
 * @module
 */

import type { ClientInfo, Message, MessageProperties } from "./events.ts";
import type { BrokerStats, PluginStatusView } from "./stats.ts";
import type { PluginApi } from "./api.ts";
import type { BrokerConfigView } from "./config_view.ts";
import { SDK_VERSION } from "./version.ts";
import type {
  DecideHookpoint,
  EventOf,
  HookpointName,
  Hookpoints,
  NotifyHookpoint,
  TransformHookpoint,
  TransformValue,
} from "./hookpoints.ts";

/** A value or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** Deno permission names a plugin may declare (the keys of a Worker's `deno.permissions`). */
export const PERMISSION_NAMES = [
  "net",
  "read",
  "write",
  "env",
  "run",
  "ffi",
  "sys",
  "import",
] as const;

/** One Deno permission name. */
export type PermissionName = typeof PERMISSION_NAMES[number];

/** What a plugin asks for: `true` = unscoped, a list = only these hosts / paths / names. */
export type PluginPermissions = Partial<Record<PermissionName, boolean | string[]>>;

/** The answer of a decide hook in its explicit form. */
export type Decision =
  | { result: "allow"; superuser?: boolean }
  | { result: "deny"; reasonCode?: number; reason?: string }
  | { result: "ignore" };

/** What a decide hook may return: `true` = allow, `false` = deny, nothing = ignore (aMQTT). */
export type DecideReturn = Decision | boolean | null | undefined | void;

/** Returned by a `droppable` transform hook to drop the message. */
export interface Drop {
  drop: true;
  reason?: string;
}

/** Options of `ctx.publish`. */
export interface PublishOptions {
  qos?: 0 | 1 | 2;
  retain?: boolean;
  properties?: MessageProperties;
}

/** Values the plugin store keeps (persisted as JSON). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Logger tagged with the plugin alias. */
export interface PluginLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A key-value store private to one plugin alias. */
export interface PluginStore {
  get(key: string): Promise<JsonValue | undefined>;
  set(key: string, value: JsonValue): Promise<void>;
  /** Resolves true when the key existed. */
  delete(key: string): Promise<boolean>;
  /** Keys starting with `prefix` (all keys without it), sorted. */
  list(prefix?: string): Promise<string[]>;
}

/** Read-only views of the broker. */
export interface BrokerView {
  clients(): Promise<ClientInfo[]>;
  /** Retained messages matching a topic filter. */
  retained(topicFilter: string): Promise<Message[]>;
  /** Broker-wide counters and gauges (what `$SYS/broker/...` publishes). */
  stats(): Promise<BrokerStats>;
  /** Every configured plugin with its state and call metrics (the host status). */
  plugins(): Promise<PluginStatusView[]>;
  /** The effective broker config, deep-frozen, secrets and other plugins' entries redacted. */
  config(): Promise<BrokerConfigView>;
}

/** What setup/start/stop and every hook receive as their context argument. */
export interface PluginContext<Config = Record<string, unknown>> {
  /** The alias this instance runs under (key under `plugins:`). */
  alias: string;
  /** The plugin's config, validated against its schema, defaults filled. */
  config: Config;
  log: PluginLogger;
  /** Publish into the broker; the message's `from.clientId` is `$plugin/<alias>`. */
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions): Promise<void>;
  broker: BrokerView;
  store: PluginStore;
}

type HookFn<E, R, C> = (event: E, ctx: PluginContext<C>) => Awaitable<R>;

type TransformReturn<H extends TransformHookpoint> =
  | TransformValue<H>
  | (Hookpoints[H]["droppable"] extends true ? Drop : never)
  | null
  | undefined
  | void;

/**
 * What a `client.enhanced_auth` hook may answer besides a decision: another round (`continue`,
 * with data for the client's AUTH packet and a state the broker keeps for the next round), or
 * `allow` with the final data.
 */
export type EnhancedAuthReturn =
  | DecideReturn
  | { result: "continue"; authData?: Uint8Array; state?: unknown }
  | { result: "allow"; authData?: Uint8Array; superuser?: boolean };

/** The hook function type of one hookpoint (a `call` hookpoint answers any JSON-able value). */
export type HookOf<H extends HookpointName, C = Record<string, unknown>> = H extends
  "client.enhanced_auth" ? HookFn<EventOf<H>, EnhancedAuthReturn, C>
  : H extends DecideHookpoint ? HookFn<EventOf<H>, DecideReturn, C>
  : H extends TransformHookpoint ? HookFn<EventOf<H>, TransformReturn<H>, C>
  : H extends NotifyHookpoint ? HookFn<EventOf<H>, void, C>
  : HookFn<EventOf<H>, unknown, C>;

/** The hook map: keyed by hookpoint name, so a misspelled hook does not compile. */
export type Hooks<C = Record<string, unknown>> = { [H in HookpointName]?: HookOf<H, C> };

/** An Avro record schema (as JSON), as EMQX's `config_schema.avsc`. */
export type AvroSchema = Record<string, unknown>;

/** A plugin module's default export. */
export interface Plugin<Config = Record<string, unknown>> {
  name: string;
  version: string;
  description?: string;
  /** What the plugin needs; the operator must grant at least this, the worker gets exactly this. */
  permissions?: PluginPermissions;
  /** Avro schema of the config plus defaults; the host validates the operator's config with it. */
  config?: { schema: AvroSchema; defaults: Config };
  hooks: Hooks<Config>;
  /** Runs once per worker before any hook; throwing marks the plugin `failed`. */
  setup?(ctx: PluginContext<Config>): Awaitable<void>;
  /** Runs after setup; throwing marks the plugin `failed`. */
  start?(ctx: PluginContext<Config>): Awaitable<void>;
  /** Runs when the host closes. */
  stop?(ctx: PluginContext<Config>): Awaitable<void>;
  /**
   * Called when the operator submits a new config at run time (admin API), after it passed the
   * schema: return false (or throw) to refuse it and keep the previous config. A plugin without
   * this method is restarted with the new config instead.
   */
  configChanged?(
    previous: Config,
    next: Config,
    ctx: PluginContext<Config>,
  ): Awaitable<boolean | void>;
  /** Health probe, called when the admin API asks for the plugin's health. */
  healthCheck?(ctx: PluginContext<Config>): Awaitable<{ ok: boolean; message?: string }>;
  /** HTTP endpoints served at `/api/v1/plugin_api/{alias}/...` (api.ts). */
  api?: PluginApi<PluginContext<Config>>;
  /**
   * The SDK version the plugin was built with, stamped by {@linkcode definePlugin}; the host
   * refuses a plugin whose SDK it is not compatible with (version.ts).
   */
  readonly sdk?: string;
}

/**
 * Declares a plugin: TypeScript infers the config type and checks the hook map (a misspelled
 * hookpoint is a compile error). Returns a copy stamped with this SDK's version (`sdk`), which
 * the host checks before it starts the plugin.
 *
 * @example A plugin that denies publishing under `secret/`
 * ```ts
 * import { definePlugin } from "./plugin.ts";
 * import { SDK_VERSION } from "./version.ts";
 * import assert from "node:assert/strict";
 *
 * const plugin = definePlugin({
 *   name: "no-secrets",
 *   version: "1.0.0",
 *   hooks: {
 *     "client.authorize": (e) => e.action === "publish" && e.topic.startsWith("secret/") ? false : undefined,
 *   },
 * });
 * assert.deepEqual(Object.keys(plugin.hooks), ["client.authorize"]);
 * assert.equal(plugin.sdk, SDK_VERSION);
 * // A plugin module ends with `export default plugin;`
 * ```
 */
export function definePlugin<Config = Record<string, unknown>>(
  plugin: Plugin<Config>,
): Plugin<Config> {
  return { ...plugin, sdk: SDK_VERSION };
}
