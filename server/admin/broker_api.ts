/**
 * `/api/v1/clients`, `/subscriptions`, `/retained`, `/stats`: read-only views of the broker.
 *
 * @module
 */

import type { Broker } from "../../broker/broker.ts";
import { json } from "./http.ts";
import type { Route } from "./routes.ts";

const text = new TextDecoder();

/** Broker counters plus gauges, as `/api/v1/stats` returns them. */
export function statsOf(broker: Broker): Record<string, number> {
  return {
    ...broker.stats,
    clients: broker.clients.size,
    sessions: broker.sessions.size,
    subscriptions: broker.subscriptions.size,
    retained: broker.retained.size,
    uptimeMs: Date.now() - broker.startedAt,
    at: Date.now(),
  };
}

function clients(broker: Broker) {
  return [...broker.clients.values()].map((c) => ({
    ...c.info(),
    connectedAt: c.connectedAt,
    subscriptions: broker.sessions.get(c.info().clientId)?.subscriptions.size ?? 0,
  }));
}

function subscriptions(broker: Broker) {
  const out = [];
  for (const session of broker.sessions.all()) {
    for (const [topic, opts] of session.subscriptions) {
      out.push({ clientId: session.clientId, topic, qos: opts.qos });
    }
  }
  return out;
}

function retained(broker: Broker, filter: string) {
  return broker.retained.match(filter, Date.now()).map((m) => ({
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
    handler: (ctx) => json({ data: clients(ctx.broker) }),
  },
  {
    method: "GET",
    body: "none",
    path: "/subscriptions",
    handler: (ctx) => json({ data: subscriptions(ctx.broker) }),
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
