/**
 * A running broker: the core plus its listeners, with one log line per listener and a clean
 * shutdown.
 *
 * @module
 */
import { Broker, type BrokerOptions } from "../broker/broker.ts";
import type { BrokerConfig } from "./config/types.ts";
import { createLogger, type Logger } from "../lib/log.ts";
import { withConnectionLog } from "./connection_log.ts";
import { emit } from "../broker/hooks.ts";
import { readOnlyBroker } from "./read_only_broker.ts";
import { startPlugins } from "./plugins.ts";
import type { PluginHost, PluginManager } from "../plugins/host/mod.ts";
import { type AdminServer, monitorOf, startAdmin } from "./admin/mod.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Listener } from "../broker/transport/connection.ts";
import { formatAddr } from "../broker/transport/address.ts";
import { startListener } from "../broker/transport/listen.ts";
import type { DurableStore } from "../broker/session/durable_store.ts";
import { openPersistence } from "./persistence/mod.ts";
import { type Cluster, startCluster } from "./cluster/mod.ts";

/** Options of {@linkcode startBroker}: the core's, and a durable store to use instead of the file. */
export interface StartOptions extends BrokerOptions {
  /** Replaces the SQLite file of `persistence:` (tests, other backends). */
  store?: DurableStore;
}

/** A started broker. */
export interface RunningBroker {
  /** The MQTT core. */
  readonly broker: Broker;
  /** The plugin host, when plugins are configured. */
  readonly plugins?: PluginHost;
  /** Plugin lifecycle (install, start, stop, config...), with the host. */
  readonly manager?: PluginManager;
  /** The admin REST API and dashboard, when `admin.enable`. */
  readonly admin?: AdminServer;
  /** This node's part in a cluster, when `cluster.enable`. */
  readonly cluster?: Cluster;
  /** Listeners by config name, with their real ports. */
  readonly listeners: Map<string, Listener>;
  /** Stops listening, disconnects clients (no wills sent; sessions kept) and waits. */
  close(): Promise<void>;
}

/** A broker lifecycle notification. */
type LifecycleHook = "broker.starting" | "broker.started" | "broker.stopping" | "broker.stopped";

/**
 * Starts the broker and every configured listener. If one listener fails to start, the ones
 * already started are closed and the error is thrown.
 *
 * @example
 * ```ts ignore
 * const running = await startBroker(await loadConfig());
 * const port = running.listeners.get("default")?.port; // the real port of a `port: 0` listener
 * await running.close();
 * ```
 */
export async function startBroker(
  config: BrokerConfig,
  opts: StartOptions = {},
): Promise<RunningBroker> {
  const log = opts.log ?? createLogger(config.log);
  const { store, ...brokerOpts } = opts;
  const persistence = openPersistence(config, { log, store });
  const broker = new Broker(config, { ...persistence.brokerOptions, ...brokerOpts, log });
  try {
    persistence.restore(broker);
  } catch (err) {
    persistence.close();
    throw err;
  }
  const cluster = await joinCluster(broker, config, log, () => persistence.close());
  const view = readOnlyBroker(broker);
  const manager = usesPlugins(config) && !opts.hooks
    ? await startPlugins(broker, config, { log, view })
    : undefined;
  const host = manager?.host;
  if (config.log.connections) broker.hooks = withConnectionLog(broker.hooks, log);
  const lifecycle = (hook: LifecycleHook) => emit(broker.hooks, hook, () => ({ at: view.now() }));
  lifecycle("broker.starting");
  const listeners = new Map<string, Listener>();
  let closing: Promise<void> | undefined;
  let admin: AdminServer | undefined;
  try {
    await startListeners(broker, config, log, listeners);
    if (config.admin.enable) {
      const monitor = monitorOf(config, listeners, () => closing === undefined);
      const deps = { broker: view, manager: manager ?? null, log, cluster, monitor };
      admin = await startAdmin(config.admin, deps);
      log.info("Admin API and dashboard", { url: admin.url });
    }
  } catch (err) {
    await Promise.all([...listeners.values()].map((l) => l.close()));
    await admin?.close();
    await host?.close();
    await cluster?.close();
    persistence.close();
    throw err;
  }
  lifecycle("broker.started");
  const close = async () => {
    // Clients first: closing a WebSocket listener also drops its sockets, before any
    // v5 DISCONNECT could reach them.
    lifecycle("broker.stopping");
    await admin?.close();
    await cluster?.close();
    await broker.close();
    persistence.close(); // commits what is pending
    await Promise.all([...listeners.values()].map((l) => l.close()));
    lifecycle("broker.stopped");
    await host?.close();
    log.info("Broker stopped");
  };
  const parts = { plugins: host, manager, admin, cluster };
  return { broker, ...parts, listeners, close: () => closing ??= close() };
}

/** Joins the cluster when `cluster.enable`; calls `onFail` before a failure is thrown. */
async function joinCluster(
  broker: Broker,
  config: BrokerConfig,
  log: Logger,
  onFail: () => void,
): Promise<Cluster | undefined> {
  if (!config.cluster.enable) return undefined;
  return await startCluster(broker, config.cluster, log).catch((err) => {
    onFail();
    throw err;
  });
}

/**
 * Whether the plugin host starts: with plugins, topic checks or the admin API configured, or a
 * runtime plugin state on disk. Aliases named in `auth.plugins` must be asked (and fail closed)
 * even with an empty `plugins:` map.
 */
function usesPlugins(config: BrokerConfig): boolean {
  return Object.keys(config.plugins).length > 0 || config.topic_check.enable ||
    (config.auth.plugins?.length ?? 0) > 0 ||
    config.admin.enable || existsSync(join(config.data_dir, "plugins", "state.json"));
}

/** Starts every configured listener into `listeners` (by name), one log line each. */
async function startListeners(
  broker: Broker,
  config: BrokerConfig,
  log: Logger,
  listeners: Map<string, Listener>,
): Promise<void> {
  // The broker tracks every connection itself (close() waits for them all).
  const onConnection = (conn: Parameters<Broker["accept"]>[0]) => void broker.accept(conn);
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
}
