/**
 * A running broker: the core plus its listeners, with one log line per listener and a clean
 * shutdown.
 *
 * @module
 */
import { Broker, type BrokerOptions } from "../broker/broker.ts";
import type { BrokerConfig } from "./config/types.ts";
import { createLogger } from "../lib/log.ts";
import { startPlugins } from "./plugins.ts";
import type { PluginHost, PluginManager } from "../plugins/host/mod.ts";
import { type AdminServer, startAdmin } from "./admin/mod.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Listener } from "../broker/transport/connection.ts";
import { formatAddr } from "../broker/transport/address.ts";
import { startListener } from "../broker/transport/listen.ts";

/** A started broker. */
export interface RunningBroker {
  readonly broker: Broker;
  /** The plugin host, when plugins are configured. */
  readonly plugins?: PluginHost;
  /** Plugin lifecycle (install, start, stop, config...), with the host. */
  readonly manager?: PluginManager;
  /** The admin REST API and dashboard, when `admin.enable`. */
  readonly admin?: AdminServer;
  /** Listeners by config name, with their real ports. */
  readonly listeners: Map<string, Listener>;
  /** Stops listening, disconnects clients (no wills sent; sessions kept) and waits. */
  close(): Promise<void>;
}

/**
 * Starts the broker and every configured listener. If one listener fails to start, the ones
 * already started are closed and the error is thrown.
 *
 * @example
 * ```ts ignore
 * const running = await startBroker(await loadConfig());
 * console.log(running.listeners.get("default")?.port);
 * await running.close();
 * ```
 */
export async function startBroker(
  config: BrokerConfig,
  opts: BrokerOptions = {},
): Promise<RunningBroker> {
  const log = opts.log ?? createLogger(config.log);
  const broker = new Broker(config, { ...opts, log });
  // Aliases named in auth.plugins must be asked (and fail closed) even with no plugins: map.
  const usesPlugins = Object.keys(config.plugins).length > 0 || config.topic_check.enable ||
    (config.auth.plugins?.length ?? 0) > 0 ||
    config.admin.enable || existsSync(join(config.data_dir, "plugins", "state.json"));
  const manager = usesPlugins && !opts.hooks ? await startPlugins(broker, config, log) : undefined;
  const host = manager?.host;
  let admin: AdminServer | undefined;
  const lifecycle = (
    hook: "broker.starting" | "broker.started" | "broker.stopping" | "broker.stopped",
  ) => {
    if (broker.hooks.has(hook)) broker.hooks.notify(hook, { at: Date.now() });
  };
  lifecycle("broker.starting");
  const listeners = new Map<string, Listener>();
  // The broker tracks every connection itself (close() waits for them all).
  const onConnection = (conn: Parameters<Broker["accept"]>[0]) => void broker.accept(conn);
  try {
    for (const [name, cfg] of Object.entries(config.listeners)) {
      const listener = await startListener(name, cfg, onConnection, {
        onError: (err) => log.warn("Listener error", { listener: name, error: err }),
      });
      listeners.set(name, listener);
      log.info("Listening", {
        listener: name,
        type: cfg.type,
        address: formatAddr(listener.hostname, listener.port),
      });
    }
    if (config.admin.enable) {
      admin = await startAdmin(config.admin, { broker, manager: manager ?? null, log });
      log.info("Admin API and dashboard", { url: admin.url });
    }
  } catch (err) {
    await Promise.all([...listeners.values()].map((l) => l.close()));
    await admin?.close();
    await host?.close();
    throw err;
  }
  lifecycle("broker.started");
  let closing: Promise<void> | undefined;
  return {
    broker,
    plugins: host,
    manager,
    admin,
    listeners,
    close: () =>
      closing ??= (async () => {
        // Clients first: closing a WebSocket listener also drops its sockets, before any
        // v5 DISCONNECT could reach them.
        lifecycle("broker.stopping");
        await admin?.close();
        await broker.close();
        await Promise.all([...listeners.values()].map((l) => l.close()));
        lifecycle("broker.stopped");
        await host?.close();
        log.info("Broker stopped");
      })(),
  };
}
