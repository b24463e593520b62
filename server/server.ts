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
import { type BrokerHooks, defaultHooks, emit } from "../broker/hooks.ts";
import { gatedLogger } from "./config/reload_log.ts";
import { type ReadOnlyBroker, readOnlyBroker } from "./read_only_broker.ts";
import { startPlugins } from "./plugins.ts";
import type { PluginHost, PluginManager } from "../plugins/host/mod.ts";
import { type AdminServer, monitorOf, startAdmin } from "./admin/mod.ts";
import { brokerControl } from "./admin/broker_control.ts";
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
  /** The running config: the object a reload (`server/config/reload.ts`) updates in place. */
  readonly config: BrokerConfig;
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

/** The broker core over its persistence, restored from it. */
function openBroker(config: BrokerConfig, opts: StartOptions, log: Logger) {
  const { store, ...brokerOpts } = opts;
  const persistence = openPersistence(config, { log, store });
  const broker = new Broker(config, { ...persistence.brokerOptions, ...brokerOpts, log });
  try {
    persistence.restore(broker);
  } catch (err) {
    persistence.close();
    throw err;
  }
  return { broker, persistence };
}

/** The plugin manager; in a cluster its stores are shared and its installs cluster-wide. */
async function startManager(
  broker: Broker,
  config: BrokerConfig,
  deps: { log: Logger; view: ReadOnlyBroker },
  cluster: Cluster | undefined,
): Promise<PluginManager> {
  const manager = await startPlugins(broker, config, {
    ...deps,
    openStore: cluster?.openPluginStore,
  });
  await cluster?.managePlugins(manager, config.data_dir).catch((error) =>
    deps.log.error("Cluster plugins not managed: this node keeps its own", { error })
  );
  return manager;
}

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
  const { broker, persistence } = openBroker(config, opts, log);
  const cluster = await joinCluster(broker, config, log, () => persistence.close());
  const view = readOnlyBroker(broker);
  const manager = usesPlugins(config) && !opts.hooks
    ? await startManager(broker, config, { log, view }, cluster)
    : undefined;
  const host = manager?.host;
  broker.hooks = liveHooks(manager || opts.hooks ? broker.hooks : null, config, log);
  const lifecycle = (hook: LifecycleHook) => emit(broker.hooks, hook, () => ({ at: view.now() }));
  lifecycle("broker.starting");
  const listeners = new Map<string, Listener>();
  let closing: Promise<void> | undefined;
  let admin: AdminServer | undefined;
  try {
    await startListeners(broker, config, log, listeners);
    if (config.admin.enable) {
      const monitor = monitorOf(config, listeners, () => closing === undefined);
      const control = brokerControl(broker, config, listeners); // -> ctx.control
      const deps = { broker: view, manager: manager ?? null, log, cluster, monitor, control };
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
  return { broker, config, ...parts, listeners, close: () => closing ??= close() };
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
    config.admin.enable || config.cluster.enable ||
    existsSync(join(config.data_dir, "plugins", "state.json"));
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

/**
 * The core's hooks made to follow a config reload: `hooks` (null: the hooks without plugins,
 * reading `auth.allow_anonymous` at each CONNECT), with connection lines written while
 * `log.connections` is on.
 */
function liveHooks(hooks: BrokerHooks | null, config: BrokerConfig, log: Logger): BrokerHooks {
  const base = hooks ?? defaultHooks({
    get allowAnonymous() {
      return config.auth.allow_anonymous;
    },
  });
  return withConnectionLog(base, gatedLogger(log, () => config.log.connections));
}
