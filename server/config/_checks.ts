// Private: checks that the Avro schema cannot express, run on a config that passed the schema.

import { checkCluster } from "../cluster/config.ts";
import { parseBind } from "./bind.ts";
import type { ConfigIssue } from "./errors.ts";
import type { BrokerConfig, ListenerConfig } from "./types.ts";

type Range = readonly [path: string, min: number, max: number];

const INT_MAX = 2147483647;

/** The ranges of the fields of one section, as {@linkcode Range}s under `prefix`. */
function within(prefix: string, ranges: Record<string, readonly [number, number]>): Range[] {
  return Object.entries(ranges).map(([field, [min, max]]) => [`${prefix}.${field}`, min, max]);
}

/** Numeric limits; `*` stands for every listener name or plugin alias. */
const RANGES: readonly Range[] = [
  ...within("listeners.*", { max_connections: [0, Number.MAX_SAFE_INTEGER] }),
  ...within("mqtt", {
    max_packet_size: [20, 268435460],
    max_keepalive: [0, 65535],
    connect_timeout_ms: [1, INT_MAX],
    receive_maximum: [1, 65535],
    max_inflight: [1, 65535],
    topic_alias_maximum: [0, 65535],
    max_queued_messages: [0, INT_MAX],
    max_session_expiry: [0, 4294967295],
  }),
  ...within("plugins.*", {
    timeout_ms: [1, INT_MAX],
    "limits.memory_mb": [16, 65536],
    "limits.store_mb": [1, 65536],
    "limits.publish_per_second": [0, 1000000],
  }),
];

const INTEGRITY = /^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$/;

/** Every semantic problem of a schema-valid config. */
export function checkConfig(cfg: BrokerConfig): ConfigIssue[] {
  return [
    ...checkListeners(cfg.listeners),
    ...checkRanges(cfg),
    ...checkAliases(cfg, "auth", cfg.auth.plugins),
    ...checkAliases(cfg, "topic_check", cfg.topic_check.plugins),
    ...checkCluster(cfg.cluster),
    ...Object.entries(cfg.plugins).flatMap(([alias, p]) =>
      p.integrity === null || INTEGRITY.test(p.integrity) ? [] : [{
        path: `plugins.${alias}.integrity`,
        message: `"${p.integrity}" is not sha256-<base64> (or sha384-, sha512-)`,
      }]
    ),
  ];
}

function checkListeners(listeners: Record<string, ListenerConfig>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const used = new Map<string, string>();
  for (const [name, listener] of Object.entries(listeners)) {
    const at = `listeners.${name}`;
    try {
      const { hostname, port } = parseBind(listener.bind);
      const key = `${hostname}|${port}`;
      if (port !== 0 && used.has(key)) {
        issues.push({
          path: `${at}.bind`,
          message: `${listener.bind} is already used by listener "${used.get(key)}"`,
        });
      }
      used.set(key, name);
    } catch (error) {
      const reason = error instanceof RangeError ? "port is not 0-65535" : "expected host:port";
      issues.push({ path: `${at}.bind`, message: `"${listener.bind}" is invalid: ${reason}` });
    }
    const secure = listener.type === "tls" || listener.type === "wss";
    for (const file of ["cert", "key"] as const) {
      if (secure && listener[file] === null) {
        issues.push({ path: `${at}.${file}`, message: `required for a ${listener.type} listener` });
      }
    }
    if (listener.require_client_cert && listener.ca === null) {
      issues.push({ path: `${at}.ca`, message: "required when require_client_cert is true" });
    }
    if (listener.require_client_cert && !secure) {
      issues.push({
        path: `${at}.require_client_cert`,
        message: `needs a tls or wss listener, not ${listener.type}`,
      });
    }
    if (!listener.path.startsWith("/")) {
      issues.push({ path: `${at}.path`, message: `"${listener.path}" does not start with "/"` });
    }
  }
  return issues;
}

function checkRanges(cfg: BrokerConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [pattern, min, max] of RANGES) {
    for (const [path, value] of lookup(cfg, pattern.split("."), "")) {
      if (typeof value === "number" && (value < min || value > max)) {
        issues.push({ path, message: `${value} is out of range (${min} to ${max})` });
      }
    }
  }
  return issues;
}

function lookup(node: unknown, keys: string[], path: string): [string, unknown][] {
  if (keys.length === 0) return [[path, node]];
  if (node === null || typeof node !== "object") return [];
  const [key, ...rest] = keys;
  const record = node as Record<string, unknown>;
  const names = key === "*" ? Object.keys(record) : [key];
  return names.flatMap((name) =>
    lookup(record[name], rest, path === "" ? name : `${path}.${name}`)
  );
}

function checkAliases(cfg: BrokerConfig, section: string, aliases: string[] | null): ConfigIssue[] {
  return (aliases ?? []).flatMap((alias, i) =>
    Object.hasOwn(cfg.plugins, alias) ? [] : [{
      path: `${section}.plugins[${i}]`,
      message: `"${alias}" is not a plugin alias defined under plugins`,
    }]
  );
}
