/**
 * Command-line overrides applied on top of a loaded config.
 *
 * @module
 */

import { BROKER_SCHEMA, validateAvro } from "../../schema/mod.ts";
import { formatBind, parseBind } from "./bind.ts";
import { listenerConfig } from "./defaults.ts";
import { ConfigError } from "./errors.ts";
import type { BrokerConfig, ListenerConfig, LogConfig } from "./types.ts";

/** What the CLI may override. */
export interface ConfigOverrides {
  /** `--host`: host of the first tcp listener. */
  host?: string;
  /** `--port`: port of the first tcp listener. */
  port?: number;
  /** `--ws-port`: port of the first ws listener (added if none), on the tcp listener's host. */
  wsPort?: number;
  /** `--log-level`. */
  logLevel?: LogConfig["level"];
}

const SOURCE = "(command line)";

/**
 * Returns a copy of `cfg` with the CLI overrides applied. `host`/`port` replace the bind of the
 * first tcp listener (adding one named `default` on 127.0.0.1:1883 if there is none); `wsPort`
 * replaces the port of the first ws listener, or adds one named `ws`, on the same host as the
 * tcp listener.
 *
 * @throws {ConfigError} (file `(command line)`) for a port outside 0-65535 or an unknown level.
 * @example
 * ```ts
 * import { loadConfig } from "./load.ts";
 * import { applyOverrides } from "./overrides.ts";
 * import assert from "node:assert/strict";
 *
 * const cfg = applyOverrides(await loadConfig(), { host: "0.0.0.0", wsPort: 8080 });
 * assert.equal(cfg.listeners.default.bind, "0.0.0.0:1883");
 * assert.equal(cfg.listeners.ws.bind, "0.0.0.0:8080");
 * ```
 */
export function applyOverrides(cfg: BrokerConfig, overrides: ConfigOverrides): BrokerConfig {
  const { host, port, wsPort, logLevel } = overrides;
  checkOverrides(overrides);
  const out = structuredClone(cfg);
  if (logLevel !== undefined) out.log.level = logLevel;
  let tcpHost = host ?? "127.0.0.1";
  const tcp = firstOfType(out, "tcp");
  if (tcp) {
    const current = parseBind(tcp.bind);
    tcpHost = host ?? current.hostname;
    tcp.bind = formatBind(tcpHost, port ?? current.port);
  } else if (host !== undefined || port !== undefined) {
    out.listeners[freeName(out, "default")] = listenerConfig({
      type: "tcp",
      bind: formatBind(tcpHost, port ?? 1883),
    });
  }
  if (wsPort !== undefined) {
    const ws = firstOfType(out, "ws");
    if (ws) ws.bind = formatBind(tcpHost, wsPort);
    else {out.listeners[freeName(out, "ws")] = listenerConfig({
        type: "ws",
        bind: formatBind(tcpHost, wsPort),
      });}
  }
  return out;
}

function checkOverrides({ port, wsPort, logLevel }: ConfigOverrides): void {
  const issues = [];
  for (const [flag, value] of [["--port", port], ["--ws-port", wsPort]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= 65535)) {
      issues.push({ path: flag, message: `${value} is not a port (0 to 65535)` });
    }
  }
  if (logLevel !== undefined) {
    const { errors } = validateAvro(BROKER_SCHEMA, { log: { level: logLevel } });
    issues.push(...errors.map(({ message }) => ({ path: "--log-level", message })));
  }
  if (issues.length > 0) throw new ConfigError(SOURCE, issues);
}

function firstOfType(cfg: BrokerConfig, type: ListenerConfig["type"]): ListenerConfig | undefined {
  return Object.values(cfg.listeners).find((l) => l.type === type);
}

function freeName(cfg: BrokerConfig, wanted: string): string {
  let name = wanted;
  for (let i = 2; Object.hasOwn(cfg.listeners, name); i++) name = `${wanted}${i}`;
  return name;
}
