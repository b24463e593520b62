/**
 * The broker configuration after validation and defaults: what the rest of the broker reads.
 *
 * The YAML shape is declared in `schema/broker.avsc` (the `BROKER_SCHEMA` constant of
 * `schema/broker_schema.ts`); this type mirrors it. Reference: `broker/config/REFERENCE.md`.
 *
 * @module
 */

/** One listener, keyed by name under `listeners:`. */
export interface ListenerConfig {
  /** `tcp`, `tls`, `ws` (WebSocket) or `wss` (secure WebSocket). */
  type: "tcp" | "tls" | "ws" | "wss";
  /** `host:port` to bind, for example `127.0.0.1:1883`. */
  bind: string;
  /** PEM certificate chain file (tls, wss), resolved against the config file's directory. */
  cert: string | null;
  /** PEM private key file (tls, wss), resolved against the config file's directory. */
  key: string | null;
  /** PEM CA file used to verify client certificates (tls, wss), resolved like `cert`. */
  ca: string | null;
  /** Require a client certificate signed by `ca`. */
  require_client_cert: boolean;
  /** HTTP path of the WebSocket endpoint (ws, wss). */
  path: string;
  /** Maximum simultaneous connections on this listener; 0 = unlimited. */
  max_connections: number;
}

/** MQTT protocol limits and behaviour. */
export interface MqttConfig {
  /** Largest packet accepted from a client, in bytes (whole packet). */
  max_packet_size: number;
  /** Largest keep alive a client may ask for, in seconds; v5 clients asking for more get Server Keep Alive. */
  max_keepalive: number;
  /** Time a new connection has to complete its CONNECT, in milliseconds, counted from accept (bytes arriving do not extend it). */
  connect_timeout_ms: number;
  /** QoS 1/2 PUBLISHes a client may have in flight to the broker (v5 Receive Maximum). */
  receive_maximum: number;
  /** Outbound QoS 1/2 messages in flight per client when the client sets no Receive Maximum. */
  max_inflight: number;
  /** Topic aliases a v5 client may use towards the broker. */
  topic_alias_maximum: number;
  /** Messages queued per client (offline session or slow consumer) before dropping. */
  max_queued_messages: number;
  /** Largest session expiry the broker grants, in seconds; also caps MQTT 3.1.1 persistent sessions. */
  max_session_expiry: number;
  /** Whether clients may send an empty client id and get one assigned. */
  allow_zero_length_clientid: boolean;
  /** Whether retained messages are supported. */
  retain_available: boolean;
}

/** Logging. */
export interface LogConfig {
  /** `debug`, `info`, `warn` or `error`. */
  level: "debug" | "info" | "warn" | "error";
  /** `text` or `json` lines. */
  format: "text" | "json";
}

/** The whole broker configuration. */
export interface BrokerConfig {
  /** Listeners by name; without the key, one tcp listener on 127.0.0.1:1883. */
  listeners: Record<string, ListenerConfig>;
  /** MQTT protocol limits and behaviour. */
  mqtt: MqttConfig;
  /** Logging. */
  log: LogConfig;
  /** Authentication (aMQTT style). */
  auth: AuthConfig;
  /** Topic authorization (aMQTT style). */
  topic_check: TopicCheckConfig;
  /** Plugins by alias, in config order. */
  plugins: Record<string, PluginEntryConfig>;
  /** Where sessions, installed plugins and plugin stores live (relative to the working dir). */
  data_dir: string;
  /** The admin REST API and dashboard. */
  admin: AdminConfig;
}

/** The admin listener: REST API under `/api/v1/` and the dashboard at `/`. */
export interface AdminConfig {
  /** Whether the admin listener runs. */
  enable: boolean;
  /** `host:port`; a non-loopback address needs users or api_keys. */
  bind: string;
  /** Basic-auth users; `password_hash` as printed by `aviary admin hash-password`. */
  users: { username: string; password_hash: string }[];
  /** API keys (`Bearer <key_id>:<secret>`); `secret_hash` hashed like passwords. */
  api_keys: { key_id: string; secret_hash: string }[];
}

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
