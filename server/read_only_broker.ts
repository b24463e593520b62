/**
 * The broker, read-only: the one view both readers of a running broker get. Plugins reach it as
 * `ctx.broker` (through the plugin host's services: `stats()`, `clients()`, `retained()`), the
 * admin API serves it (`/api/v1/stats`, `/clients`, `/subscriptions`, `/retained`). Every call
 * reads the broker afresh and returns plain data; nothing here changes the broker.
 *
 * @module
 */
import type { Broker } from "../broker/broker.ts";
import type { ClientConnection } from "../broker/core_types.ts";
import { toPluginMessage } from "../broker/message.ts";
import type { Stats } from "../broker/stats.ts";
import { VERSION } from "../broker/version.ts";
import type { BrokerStats, ClientInfo, Message } from "../plugins/sdk/mod.ts";

/** A connected client as the operator sees it: the plugin view plus connection details. */
export interface ConnectedClient extends ClientInfo {
  /** Milliseconds since the epoch when the connection was accepted. */
  connectedAt: number | undefined;
  /** Subscriptions its session holds. */
  subscriptions: number;
}

/** One subscription of one session. */
export interface SubscriptionRow {
  /** The session's client identifier. */
  clientId: string;
  /** The topic filter, as subscribed (`$share/<group>/...` included). */
  topic: string;
  /** Granted maximum QoS. */
  qos: number;
}

/** What a running broker shows to plugins and to the operator. */
export interface ReadOnlyBroker {
  /** The time the readings are taken at (the broker's clock), ms since the epoch. */
  now(): number;
  /** Broker-wide figures (`ctx.broker.stats()`, `$SYS`, `/api/v1/stats`). */
  stats(): BrokerStats;
  /** Every counter, including the ones {@linkcode ReadOnlyBroker.stats} leaves out. */
  counters(): Stats;
  /** Connected clients (`ctx.broker.clients()`). */
  clients(): ClientInfo[];
  /** Connected clients with their connection details (`/api/v1/clients`). */
  connections(): ConnectedClient[];
  /** Subscriptions of every session, connected or not. */
  subscriptions(): SubscriptionRow[];
  /** Retained messages matching a topic filter, not yet expired. */
  retained(filter: string): Message[];
}

/**
 * The read-only view of `broker`, read at the time of the broker's own clock.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Broker } from "../broker/broker.ts";
 * import { parseConfig } from "./config/mod.ts";
 * import { readOnlyBroker } from "./read_only_broker.ts";
 * const broker = new Broker(parseConfig("", "empty.yaml"));
 * const view = readOnlyBroker(broker);
 * assert.equal(view.stats().clientsConnected, 0);
 * assert.deepEqual(view.retained("#"), []);
 * await broker.close();
 * ```
 */
export function readOnlyBroker(broker: Broker): ReadOnlyBroker {
  const clock = broker.clock;
  const connected = () => [...broker.clients.values()];
  return {
    now: () => clock.now(),
    stats: () => brokerStats(broker, clock.now()),
    counters: () => ({ ...broker.stats }),
    clients: () => connected().map((c) => c.info()),
    connections: () =>
      connected().map((c) => ({
        ...c.info(),
        connectedAt: connectedAt(c),
        subscriptions: broker.sessions.get(c.info().clientId)?.subscriptions.size ?? 0,
      })),
    subscriptions: () =>
      [...broker.sessions.all()].flatMap((session) =>
        [...session.subscriptions].map(([topic, opts]) => ({
          clientId: session.clientId,
          topic,
          qos: opts.qos,
        }))
      ),
    retained: (filter) => broker.retained.match(filter, clock.now()).map(toPluginMessage),
  };
}

/**
 * When `c` was accepted. The broker's `Client` records it, but the core's narrow connection
 * type does not declare it (yet): read it without widening that type.
 */
function connectedAt(c: ClientConnection): number | undefined {
  return (c as { readonly connectedAt?: number }).connectedAt;
}

/** The broker's counters and gauges as plain data, read at `now`. */
function brokerStats(broker: Broker, now: number): BrokerStats {
  const s = broker.stats;
  const connected = broker.clients.size;
  return {
    version: VERSION,
    startedAt: broker.startedAt,
    uptime: Math.floor((now - broker.startedAt) / 1000),
    clientsConnected: connected,
    clientsDisconnected: Math.max(0, broker.sessions.size - connected),
    clientsTotal: s.clientsTotal,
    clientsMaximum: s.clientsMaximum,
    subscriptions: broker.subscriptions.size,
    retained: broker.retained.size,
    messagesReceived: s.messagesReceived,
    messagesSent: s.messagesSent,
    bytesReceived: s.bytesReceived,
    bytesSent: s.bytesSent,
    packetsReceived: s.packetsReceived,
    publishDropped: s.publishDropped,
    deliveryDropped: s.deliveryDropped,
  };
}
