/**
 * `/api/v1/clients`, `/subscriptions`, `/retained`, `/stats`: the broker's read-only view
 * ({@linkcode ReadOnlyBroker}, the one plugins get as `ctx.broker`), served as JSON.
 *
 * @module
 */

import type { ReadOnlyBroker } from "../read_only_broker.ts";
import { json } from "./http.ts";
import type { Route } from "./route.ts";

const text = new TextDecoder();

/**
 * The `/api/v1/stats` body: every counter, then the gauges under the names the dashboard reads
 * (`clients`, `sessions`, `subscriptions`, `retained`, `uptimeMs`) and the reading time `at`,
 * all derived from the view's figures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Broker } from "../../broker/broker.ts";
 * import { parseConfig } from "../config/mod.ts";
 * import { readOnlyBroker } from "../read_only_broker.ts";
 * import { statsOf } from "./broker_api.ts";
 * const broker = new Broker(parseConfig("", "empty.yaml"));
 * const stats = statsOf(readOnlyBroker(broker));
 * assert.equal(stats.clients, 0);
 * assert.equal(stats.messagesReceived, 0);
 * await broker.close();
 * ```
 */
export function statsOf(broker: ReadOnlyBroker): Record<string, number> {
  const s = broker.stats();
  const at = broker.now();
  return {
    ...broker.counters(),
    clients: s.clientsConnected,
    sessions: s.clientsConnected + s.clientsDisconnected,
    subscriptions: s.subscriptions,
    retained: s.retained,
    uptimeMs: at - s.startedAt,
    at,
  };
}

function retained(broker: ReadOnlyBroker, filter: string) {
  return broker.retained(filter).map((m) => ({
    topic: m.topic,
    qos: m.qos,
    payload: text.decode(m.payload),
  }));
}

/** The broker routes. */
export const BROKER_ROUTES: Route[] = [
  {
    method: "GET",
    body: "none",
    path: "/clients",
    handler: (ctx) => json({ data: ctx.broker.connections() }),
  },
  {
    method: "GET",
    body: "none",
    path: "/subscriptions",
    handler: (ctx) => json({ data: ctx.broker.subscriptions() }),
  },
  {
    method: "GET",
    body: "none",
    path: "/retained",
    handler: (ctx) =>
      json({ data: retained(ctx.broker, ctx.url.searchParams.get("topic") ?? "#") }),
  },
  { method: "GET", body: "none", path: "/stats", handler: (ctx) => json(statsOf(ctx.broker)) },
];
