/**
 * The Avro schema of the broker's YAML config, as a TypeScript constant so that `deno compile`
 * embeds it. `schema/broker.avsc` is the same schema as a JSON file for tools and readers;
 * `broker_schema_test.ts` fails when the two drift apart (regenerate the file with
 * `deno run --allow-write schema/_write_avsc.ts`).
 *
 * Avro has no "any" type: `plugins.<alias>.config` is declared as
 * `{"type": "string", "logicalType": "json-object"}` (a JSON object, stored as JSON text in Avro
 * binary). {@linkcode validateAvro} accepts any JSON object there and leaves its content to the
 * plugin's own schema.
 *
 * @module
 */

import type { AvroSchema } from "./validate.ts";

const NS = "aviary.config";

/** `boolean | string[]` or missing, for one Deno permission key. */
const permission = (what: string): AvroSchema => ({
  name: what,
  type: ["null", "boolean", { type: "array", items: "string" }],
  default: null,
  doc:
    `Deno \`${what}\` permission: true, false or a list of allowed values; missing = not granted.`,
});

const aliases = (doc: string): AvroSchema => ({
  name: "plugins",
  type: ["null", { type: "array", items: "string" }],
  default: null,
  doc,
});

const LISTENER: AvroSchema = {
  type: "record",
  name: "Listener",
  doc: "One listener, keyed by name under `listeners:`.",
  fields: [
    {
      name: "type",
      type: { type: "enum", name: "ListenerType", symbols: ["tcp", "tls", "ws", "wss"] },
      doc: "Transport: `tcp`, `tls`, `ws` (WebSocket) or `wss` (secure WebSocket).",
    },
    { name: "bind", type: "string", doc: "`host:port` to listen on, e.g. `127.0.0.1:1883`." },
    {
      name: "cert",
      type: ["null", "string"],
      default: null,
      doc: "PEM certificate chain file (tls, wss; required there), relative to the config file.",
    },
    {
      name: "key",
      type: ["null", "string"],
      default: null,
      doc: "PEM private key file (tls, wss; required there), relative to the config file.",
    },
    {
      name: "ca",
      type: ["null", "string"],
      default: null,
      doc: "PEM CA file that verifies client certificates (tls, wss), relative to the config file.",
    },
    {
      name: "require_client_cert",
      type: "boolean",
      default: false,
      doc: "Require a client certificate signed by `ca`.",
    },
    {
      name: "path",
      type: "string",
      default: "/mqtt",
      doc: "HTTP path of the WebSocket endpoint (ws, wss).",
    },
    {
      name: "max_connections",
      type: "int",
      default: 0,
      doc: "Maximum simultaneous connections on this listener; 0 = unlimited.",
    },
  ],
};

const MQTT: AvroSchema = {
  type: "record",
  name: "Mqtt",
  doc: "MQTT protocol limits and behaviour.",
  fields: [
    {
      name: "max_packet_size",
      type: "int",
      default: 1048576,
      doc: "Largest packet accepted from a client, in bytes (whole packet).",
    },
    {
      name: "max_keepalive",
      type: "int",
      default: 65535,
      doc:
        "Largest keep alive a client may ask for, in seconds (v5 clients get Server Keep Alive).",
    },
    {
      name: "connect_timeout_ms",
      type: "int",
      default: 10000,
      doc:
        "Time a new connection has to complete its CONNECT, in milliseconds, counted from accept (bytes arriving do not extend it).",
    },
    {
      name: "receive_maximum",
      type: "int",
      default: 100,
      doc: "QoS 1/2 PUBLISHes a client may have in flight towards the broker (v5 Receive Maximum).",
    },
    {
      name: "max_inflight",
      type: "int",
      default: 100,
      doc:
        "Outbound QoS 1/2 messages in flight per client when the client sets no Receive Maximum.",
    },
    {
      name: "topic_alias_maximum",
      type: "int",
      default: 10,
      doc: "Topic aliases a v5 client may use towards the broker; 0 = none.",
    },
    {
      name: "max_queued_messages",
      type: "int",
      default: 1000,
      doc: "Messages queued per client (offline session or slow consumer) before dropping.",
    },
    {
      name: "max_session_expiry",
      type: "long",
      default: 604800,
      doc:
        "Largest session expiry the broker grants, in seconds (default 7 days); also how long an MQTT 3.1/3.1.1 persistent session (CleanSession=0) outlives its connection.",
    },
    {
      name: "allow_zero_length_clientid",
      type: "boolean",
      default: true,
      doc: "Let clients send an empty client id and get one assigned.",
    },
    {
      name: "retain_available",
      type: "boolean",
      default: true,
      doc: "Whether retained messages are supported.",
    },
  ],
};

const LOG: AvroSchema = {
  type: "record",
  name: "Log",
  doc: "Logging.",
  fields: [
    {
      name: "level",
      type: { type: "enum", name: "LogLevel", symbols: ["debug", "info", "warn", "error"] },
      default: "info",
      doc: "Lowest level written: `debug`, `info`, `warn` or `error`.",
    },
    {
      name: "format",
      type: { type: "enum", name: "LogFormat", symbols: ["text", "json"] },
      default: "text",
      doc: "`text` or `json` lines.",
    },
  ],
};

const PLUGIN: AvroSchema = {
  type: "record",
  name: "PluginEntry",
  doc: "One plugin, keyed by alias under `plugins:`.",
  fields: [
    {
      name: "source",
      type: "string",
      doc: "Path, `file://` or `http(s)://` URL, `npm:` specifier, or a built-in name.",
    },
    {
      name: "permissions",
      type: {
        type: "record",
        name: "Permissions",
        doc: "What the operator grants; a plugin declaring more is refused.",
        fields: ["net", "read", "write", "env", "run", "ffi", "sys", "import"].map(permission),
      },
      default: {},
      doc: "What the operator grants the plugin; missing keys are not granted.",
    },
    {
      name: "config",
      type: { type: "string", logicalType: "json-object" },
      default: "{}",
      doc: "The plugin's own config (any object), validated later against the plugin's schema.",
    },
    {
      name: "priority",
      type: "int",
      default: 0,
      doc: "Higher runs first; ties keep config order.",
    },
    { name: "enabled", type: "boolean", default: true, doc: "A disabled plugin is not loaded." },
    { name: "timeout_ms", type: "int", default: 5000, doc: "Per hook call, in milliseconds." },
    {
      name: "integrity",
      type: ["null", "string"],
      default: null,
      doc: "`sha256-<base64>` pin of the source bytes; null = not checked.",
    },
    {
      name: "isolation",
      type: { type: "enum", name: "Isolation", symbols: ["auto", "process", "worker", "none"] },
      default: "auto",
      doc:
        "`process` (own Deno process: permissions, heap limit, crash isolation), `worker` (a Worker: permissions, no heap limit), `none` (in-process, full trust); `auto` = `worker` for built-ins, `process` otherwise.",
    },
    {
      name: "limits",
      type: {
        type: "record",
        name: "PluginLimits",
        doc: "Resource limits of one plugin.",
        fields: [
          {
            name: "memory_mb",
            type: "int",
            default: 128,
            doc:
              "JavaScript heap limit in MiB (`process` isolation); a breach ends only the plugin.",
          },
          {
            name: "store_mb",
            type: "int",
            default: 16,
            doc: "Size limit of the plugin's `ctx.store`, in MiB (keys plus JSON values).",
          },
          {
            name: "publish_per_second",
            type: "int",
            default: 1000,
            doc:
              "`ctx.publish` calls per second (burst of the same size); over it they are refused.",
          },
        ],
      },
      default: {},
      doc: "Resource limits of the plugin.",
    },
    {
      name: "on_error",
      type: { type: "enum", name: "FallbackDecision", symbols: ["allow", "deny", "ignore"] },
      default: "deny",
      doc: "What a decide hook answers when it throws: `allow`, `deny` or `ignore`.",
    },
    {
      name: "on_timeout",
      type: "FallbackDecision",
      default: "deny",
      doc: "What a decide hook answers when it times out: `allow`, `deny` or `ignore`.",
    },
  ],
};

/**
 * The Avro schema of the whole broker config (`BrokerConfig` in `server/config/types.ts`).
 *
 * @example Validate a config object
 * ```ts
 * import { BROKER_SCHEMA, validateAvro } from "./mod.ts";
 *
 * const { errors } = validateAvro(BROKER_SCHEMA, { log: { level: "info" } });
 * if (errors.length !== 0) throw new Error("unexpected");
 * ```
 */
const ADMIN: AvroSchema = {
  type: "record",
  name: "Admin",
  doc: "The admin REST API and dashboard (EMQX-shaped, under /api/v1/).",
  fields: [
    { name: "enable", type: "boolean", default: false, doc: "Whether the admin listener runs." },
    {
      name: "bind",
      type: "string",
      default: "127.0.0.1:18083",
      doc: "`host:port` of the admin listener; non-loopback needs users or api_keys.",
    },
    {
      name: "users",
      type: {
        type: "array",
        items: {
          type: "record",
          name: "AdminUser",
          fields: [
            { name: "username", type: "string", doc: "Login name (HTTP basic auth)." },
            {
              name: "password_hash",
              type: "string",
              doc: "`$pbkdf2-sha512$i=<iterations>$<salt>$<hash>`: `aviary admin hash-password`.",
            },
          ],
        },
      },
      default: [],
      doc: "Dashboard and API users (basic auth).",
    },
    {
      name: "api_keys",
      type: {
        type: "array",
        items: {
          type: "record",
          name: "ApiKey",
          fields: [
            { name: "key_id", type: "string", doc: "Public key id." },
            { name: "secret_hash", type: "string", doc: "Hash of the secret, as password_hash." },
          ],
        },
      },
      default: [],
      doc: "API keys: `Authorization: Bearer <key_id>:<secret>` or basic auth.",
    },
  ],
};

export const BROKER_SCHEMA: AvroSchema = {
  type: "record",
  name: "BrokerConfig",
  namespace: NS,
  doc: "The whole Aviary broker configuration.",
  fields: [
    {
      name: "listeners",
      type: { type: "map", values: LISTENER },
      default: { default: { type: "tcp", bind: "127.0.0.1:1883" } },
      doc: "Listeners by name; default: one tcp listener on 127.0.0.1:1883.",
    },
    { name: "mqtt", type: MQTT, default: {}, doc: "MQTT protocol limits and behaviour." },
    { name: "log", type: LOG, default: {}, doc: "Logging." },
    {
      name: "auth",
      type: {
        type: "record",
        name: "Auth",
        doc: "Authentication (aMQTT style).",
        fields: [
          {
            name: "allow_anonymous",
            type: "boolean",
            default: false,
            doc: "Let clients without credentials in when no plugin decides.",
          },
          aliases("Aliases taking part in authentication; null = every plugin with the hook."),
        ],
      },
      default: {},
      doc: "Authentication (aMQTT style).",
    },
    {
      name: "topic_check",
      type: {
        type: "record",
        name: "TopicCheck",
        doc: "Topic authorization (aMQTT style).",
        fields: [
          { name: "enable", type: "boolean", default: false, doc: "Whether topic checks run." },
          aliases("Aliases taking part in topic checks; null = every plugin with the hook."),
        ],
      },
      default: {},
      doc: "Topic authorization (aMQTT style).",
    },
    {
      name: "plugins",
      type: { type: "map", values: PLUGIN },
      default: {},
      doc: "Plugins by alias.",
    },
    {
      name: "data_dir",
      type: "string",
      default: ".data",
      doc:
        "Where sessions, installed plugins and plugin stores live (relative to the working dir).",
    },
    { name: "admin", type: ADMIN, default: {}, doc: "The admin REST API and dashboard." },
  ],
};
