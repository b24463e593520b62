/**
 * The cluster: several Aviary nodes serving one MQTT space over NATS JetStream. Started by
 * `startBroker()` when `cluster.enable` is set; a node without it makes no NATS connection and
 * routes exactly as alone.
 *
 * What crosses NATS: messages, by interest (`routing.ts`, subjects in `subjects.ts`), MQTT 5
 * shared subscriptions as NATS queue groups, retained messages in a KV bucket (`retained.ts`),
 * each node's heartbeat (`nodes.ts`), sessions (`sessions.ts`, `owners.ts`, `session_mirror.ts`),
 * messages for offline sessions (`offline_capture.ts`), and plugins installed at run time with
 * their stores (`plugin_sync.ts`, `plugin_store.ts`); YAML plugins stay per node. A node that loses NATS says so and serves its local clients alone (shared groups
 * locally too); when NATS is back it resumes routing and reloads the retained messages.
 *
 * @module
 */
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import type { Broker } from "../../broker/broker.ts";
import type { Logger } from "../../lib/log.ts";
import type { ClusterConfig } from "../config/types.ts";
import { nodeName } from "./config.ts";
import { loadMeter, NODE_TTL_MS, type NodeRecord, NodeRegistry } from "./nodes.ts";
import { RetainedSync } from "./retained.ts";
import { ClusterRouting } from "./routing.ts";
import { SessionMirror } from "./session_mirror.ts";
import { SessionOwnership } from "./sessions.ts";
import { OfflineCapture } from "./offline_capture.ts";
import type { PluginManager } from "../../plugins/host/mod.ts";
import {
  type ClusterPluginActions,
  type ClusterPlugins,
  startClusterPlugins,
} from "./plugin_actions.ts";
import { type PluginStoreOpener, pluginStoreOpener } from "./plugin_store.ts";

export type { NodeRecord } from "./nodes.ts";

/** A node's part in the cluster. */
export interface Cluster {
  /** This node's name. */
  readonly node: string;
  /** Whether NATS is reachable now (otherwise the node serves its local clients alone). */
  readonly connected: boolean;
  /** Every node heard from lately (`/api/v1/cluster`). */
  nodes(): Promise<NodeRecord[]>;
  /** Resolves once NATS has every subscription and message this node sent so far. */
  flush(): Promise<void>;
  /** Offline durable sessions known cluster-wide (their QoS 1/2 messages are captured). */
  readonly offlineSessions: number;
  /** Leaves the cluster: stops routing through NATS and closes the connections. */
  close(): Promise<void>;
  /** The admin actions on the cluster's plugins, once {@linkcode Cluster.managePlugins} ran. */
  readonly plugins?: ClusterPluginActions;
  /**
   * Manages `manager`'s plugins with the whole cluster (`plugin_sync.ts`): converges to the
   * cluster's plugins before resolving, then follows them.
   */
  managePlugins(manager: PluginManager, dataDir: string | null): Promise<void>;
  /** Opens a plugin's `ctx.store` shared through the cluster (`plugin_store.ts`). */
  readonly openPluginStore: PluginStoreOpener;
}

/**
 * Joins the cluster: connects to NATS, loads the retained messages, then routes through NATS.
 *
 * @throws when NATS cannot be reached at start (a node that loses it later keeps serving)
 * @example
 * ```ts ignore
 * const cluster = await startCluster(broker, config.cluster, log);
 * console.log(await cluster.nodes());
 * await cluster.close();
 * ```
 */
export async function startCluster(
  broker: Broker,
  config: ClusterConfig,
  log: Logger,
): Promise<Cluster> {
  const node = nodeName(config.node);
  const main = await natsConnect(config, `${node} main`, true);
  const queues = await natsConnect(config, `${node} queues`, false).catch(async (error) => {
    await main.close();
    throw error;
  });
  const closeAll = () => Promise.all([main.drain(), queues.drain()]).then(() => {});
  try {
    const parts = await join(broker, config, log, { node, main, queues });
    const state = followConnections(broker, log, node, { main, queues }, parts);
    let plugins: ClusterPlugins | undefined;
    log.info("Cluster joined", {
      node,
      servers: config.nats.servers.join(","),
      prefix: config.subject_prefix,
    });
    return {
      node,
      get connected() {
        return state.connected;
      },
      get offlineSessions() {
        return parts.capture.sessions;
      },
      nodes: () => parts.registry.list(),
      flush: () => Promise.all([main.flush(), queues.flush()]).then(() => {}),
      get plugins() {
        return plugins?.actions;
      },
      openPluginStore: pluginStoreOpener({
        main,
        prefix: config.subject_prefix,
        replicas: config.replicas,
        log,
      }),
      managePlugins: async (manager, dataDir) => {
        plugins = await startClusterPlugins({ main, config, node, log, manager, dataDir });
      },
      close: async () => {
        await plugins?.sync.stop();
        await leave(broker, parts);
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Stops routing through NATS and following the buckets (the connections stay open). */
async function leave(broker: Broker, parts: Parts): Promise<void> {
  broker.remote = undefined;
  parts.routing.stop();
  parts.ownership.stop();
  parts.capture.stop();
  parts.retained.stop();
  await parts.registry.stop();
}

interface Parts {
  routing: ClusterRouting;
  retained: RetainedSync;
  registry: NodeRegistry;
  ownership: SessionOwnership;
  capture: OfflineCapture;
}

/** Opens the buckets, loads the retained messages, starts routing and the heartbeat. */
async function join(
  broker: Broker,
  config: ClusterConfig,
  log: Logger,
  { node, main, queues }: { node: string; main: NatsConnection; queues: NatsConnection },
): Promise<Parts> {
  const instance = `${node}-${crypto.randomUUID().slice(0, 8)}`;
  const prefix = config.subject_prefix;
  const kvm = new Kvm(main);
  const replicas = config.replicas;
  const retainedKv = await kvm.create(`${prefix}_retained`, { history: 1, replicas });
  const nodesKv = await kvm.create(`${prefix}_nodes`, { history: 1, ttl: NODE_TTL_MS, replicas });
  const retained = new RetainedSync(retainedKv, broker.retained, log, instance);
  await retained.start();
  const { ownership, capture } = await ownSessions(broker, log, {
    node,
    main,
    instance,
    prefix,
    kvm,
    replicas,
  });
  const routing = new ClusterRouting({
    broker,
    log,
    main,
    queues,
    instance,
    prefix,
    onRetained: (msg) => retained.write(msg),
    onQos: (msg, frame) => capture.capture(msg, frame),
  });
  routing.start();
  broker.remote = routing;
  const registry = new NodeRegistry(nodesKv, loadMeter(broker, node));
  await registry.start();
  return { routing, retained, registry, ownership, capture };
}

/**
 * Mirrors the sessions to `<prefix>_sessions`, claims them in `<prefix>_owners` and captures
 * what offline sessions miss (`offline_capture.ts`).
 */
async function ownSessions(
  broker: Broker,
  log: Logger,
  d: {
    node: string;
    main: NatsConnection;
    instance: string;
    prefix: string;
    kvm: Kvm;
    replicas: number;
  },
): Promise<{ ownership: SessionOwnership; capture: OfflineCapture }> {
  const { replicas } = d;
  const sessions = await d.kvm.create(`${d.prefix}_sessions`, { history: 1, replicas });
  const owners = await d.kvm.create(`${d.prefix}_owners`, { history: 1, replicas });
  const maxAgeSeconds = broker.config.mqtt.max_session_expiry;
  const capture = await OfflineCapture.open({ ...d, log, maxAgeSeconds });
  const mirror = SessionMirror.install(broker, sessions, log);
  mirror.onPresence = (id, away) => capture.offline(id, away);
  const ownership = new SessionOwnership({ ...d, broker, log, owners, sessions, mirror, capture });
  await ownership.start();
  mirror.markAll(broker); // after start() read what the mirror held of them
  return { ownership, capture };
}

/**
 * Routes through the cluster only while both connections are up: when one drops, routing is
 * local (and logged); when both are back, it goes through the cluster again and resyncs.
 */
function followConnections(
  broker: Broker,
  log: Logger,
  node: string,
  conns: { main: NatsConnection; queues: NatsConnection },
  parts: Parts,
): { readonly connected: boolean } {
  const up = new Set([conns.main, conns.queues]);
  const state = {
    get connected() {
      return up.size === 2;
    },
  };
  const on = {
    lost: (conn: NatsConnection) => {
      const was = state.connected;
      up.delete(conn);
      if (!was) return;
      broker.remote = undefined;
      log.warn("Cluster: NATS connection lost; serving local clients only", { node });
    },
    back: (conn: NatsConnection) => {
      up.add(conn);
      if (!state.connected) return;
      broker.remote = parts.routing;
      log.info("Cluster: NATS connection back; routing through the cluster again", { node });
      parts.retained.resync().catch((error) => log.warn("Cluster resync failed", { error }));
    },
  };
  void follow(conns.main, on);
  void follow(conns.queues, on);
  return state;
}

/** Tells `on` when `conn` goes away and comes back. */
async function follow(
  conn: NatsConnection,
  on: { lost(conn: NatsConnection): void; back(conn: NatsConnection): void },
): Promise<void> {
  for await (const status of conn.status()) {
    if (status.type === "disconnect") on.lost(conn);
    else if (status.type === "reconnect") on.back(conn);
  }
}

async function natsConnect(
  config: ClusterConfig,
  name: string,
  noEcho: boolean,
): Promise<NatsConnection> {
  const { servers, credentials, tls_ca, tls_cert, tls_key } = config.nats;
  const tls = tls_ca || tls_cert
    ? {
      caFile: tls_ca ?? undefined,
      certFile: tls_cert ?? undefined,
      keyFile: tls_key ?? undefined,
    }
    : undefined;
  return await connect({
    servers,
    name,
    noEcho,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    tls,
    authenticator: credentials ? credsAuthenticator(await Deno.readFile(credentials)) : undefined,
  });
}
