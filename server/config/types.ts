/**
 * The broker configuration after validation and defaults: what the rest of the broker reads.
 *
 * The YAML shape is declared in `schema/broker.avsc` (the `BROKER_SCHEMA` constant of
 * `schema/broker_schema.ts`). These types, and the sections they take from `broker/` and
 * `plugins/host/entry.ts`, are written by hand with their docs; `types_test.ts` checks at compile
 * time that each equals the type read out of the schema (`AvroValue`), field by field.
 * Reference: `server/config/REFERENCE.md`.
 *
 * @module
 */

import type { MqttConfig } from "../../broker/options.ts";
import type { ListenerConfig } from "../../broker/transport/options.ts";
import type { AuthConfig, PluginEntryConfig, TopicCheckConfig } from "../../plugins/host/entry.ts";

export type { MqttConfig } from "../../broker/options.ts";
export type { ListenerConfig } from "../../broker/transport/options.ts";
export type {
  AuthConfig,
  FallbackDecision,
  Isolation,
  PermissionGrant,
  PluginEntryConfig,
  PluginLimits,
  TopicCheckConfig,
} from "../../plugins/host/entry.ts";

/** Logging. */
export interface LogConfig {
  /** `debug`, `info`, `warn` or `error`. */
  level: "debug" | "info" | "warn" | "error";
  /** `text` or `json` lines. */
  format: "text" | "json";
  /** One info line per client connected and disconnected. */
  connections: boolean;
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
  /** Durable sessions and messages (on by default: SQLite in `data_dir`). */
  persistence: PersistenceConfig;
  /** The admin REST API and dashboard. */
  admin: AdminConfig;
  /** Several nodes serving one MQTT space over NATS JetStream (off by default). */
  cluster: ClusterConfig;
}

/** The `cluster:` section. */
export interface ClusterConfig {
  /** Whether this node joins a cluster; without it, no NATS connection is made. */
  enable: boolean;
  /** This node's name, unique in the cluster; null = the host name and the process id. */
  node: string | null;
  /** First token of every NATS subject and bucket name of this cluster. */
  subject_prefix: string;
  /** Copies NATS keeps of each cluster bucket and stream (1-5). */
  replicas: number;
  /** How this node reaches NATS. */
  nats: {
    /** NATS server URLs, tried in turn. */
    servers: string[];
    /** A NATS `.creds` file; null = none. */
    credentials: string | null;
    /** CA certificate (PEM file) to verify the NATS servers; null = system. */
    tls_ca: string | null;
    /** Client certificate (PEM file); null = none. */
    tls_cert: string | null;
    /** Client certificate's key (PEM file); null = none. */
    tls_key: string | null;
  };
}

/** The `persistence:` section. */
export interface PersistenceConfig {
  /** `sqlite` (a database file in `data_dir`, loaded at start) or `memory` (lost on restart). */
  backend: "sqlite" | "memory";
  /** `process`: survives a killed process; `power`: also survives power loss (fsync per commit). */
  sync: "process" | "power";
  /** The SQLite database file, relative to `data_dir`. */
  file: string;
  /** Most messages stored for offline and slow sessions together; 0 = no limit. */
  max_messages: number;
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
