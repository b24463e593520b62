// Private: the `listeners`, `mqtt` and `log` sections of the broker config schema.

import type { AvroSchema } from "./types.ts";

/** One `listeners:` entry. */
export const LISTENER_SCHEMA = {
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
    {
      name: "socket",
      type: { type: "enum", name: "ListenerSocket", symbols: ["deno", "node"] },
      default: "deno",
      doc:
        "Sockets of a `tcp` listener: `deno` (fastest CONNECTs and least CPU per packet) or `node` (`node:net`: no pending read per idle connection, about 30% less memory each; for many mostly idle devices).",
    },
  ],
} as const satisfies AvroSchema;

/** The `mqtt:` section. */
export const MQTT_SCHEMA = {
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
} as const satisfies AvroSchema;

/** The `log:` section. */
export const LOG_SCHEMA = {
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
    {
      name: "connections",
      type: "boolean",
      default: true,
      doc: "One info line per client connected and disconnected (client id, address, reason).",
    },
  ],
} as const satisfies AvroSchema;
