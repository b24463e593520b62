/**
 * What a plugin sees of the broker's effective configuration (aMQTT's `BaseContext.config`):
 * `await ctx.broker.config()` answers a deep-frozen copy of the config with every secret replaced
 * by {@linkcode REDACTED} — password and secret hashes, admin users and API keys, TLS private
 * key paths, NATS credentials — and with no other plugin's entry: `plugins` is gone and `plugin`
 * is the caller's own entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { definePlugin, REDACTED } from "./mod.ts";
 * const plugin = definePlugin({
 *   name: "limits",
 *   version: "1.0.0",
 *   hooks: {},
 *   start: async (ctx) => {
 *     const view = await ctx.broker.config();
 *     ctx.log.info("limits", { max_packet_size: view.mqtt.max_packet_size });
 *     assert.ok(Object.isFrozen(view.mqtt));
 *   },
 * });
 * assert.equal(REDACTED, "[redacted]");
 * assert.equal(typeof plugin.start, "function");
 * ```
 *
 * @module
 */

/** What replaces a secret's value in the view. */
export const REDACTED = "[redacted]";

/** One listener (its TLS private key path redacted). */
export interface ListenerView {
  type: "tcp" | "tls" | "ws" | "wss";
  bind: string;
  cert: string | null;
  /** Always {@linkcode REDACTED} when set. */
  key: string | null;
  ca: string | null;
  require_client_cert: boolean;
  path: string;
  max_connections: number;
  socket: "deno" | "node";
}

/** The `mqtt:` limits. */
export interface MqttLimitsView {
  max_packet_size: number;
  max_keepalive: number;
  connect_timeout_ms: number;
  receive_maximum: number;
  max_inflight: number;
  topic_alias_maximum: number;
  max_queued_messages: number;
  max_session_expiry: number;
  allow_zero_length_clientid: boolean;
  retain_available: boolean;
}

/** The caller's own entry under `plugins:` (its config included). */
export interface PluginEntryView {
  alias: string;
  source: string;
  permissions: Record<string, boolean | string[]>;
  config: Record<string, unknown>;
  priority: number;
  timeout_ms: number;
  isolation: string;
  limits: { memory_mb: number; store_mb: number; publish_per_second: number };
  on_error: string;
  on_timeout: string;
}

/** The broker's effective config as a plugin sees it. */
export interface BrokerConfigView {
  listeners: Record<string, ListenerView>;
  mqtt: MqttLimitsView;
  /** Who may connect: `allow_anonymous` and the aliases that take part in authentication. */
  auth: { allow_anonymous: boolean; plugins: string[] | null };
  /** Topic checks: whether they run and the aliases that take part. */
  topic_check: { enable: boolean; plugins: string[] | null };
  log: { level: string; format: string; connections: boolean };
  /** Every other section (`persistence`, `admin`, `cluster`, ...), secrets redacted. */
  [section: string]: unknown;
  /** The caller's own entry. */
  plugin: PluginEntryView;
}
