/**
 * `/api/v1/clients`: connected clients, searched and paged; one client with its subscriptions;
 * and the kick (`DELETE /clients/{id}`: MQTT 5 DISCONNECT 0x98 Administrative action).
 *
 * @module
 */

import { AdminError } from "../../plugins/host/admin_errors.ts";
import type { ConnectedClient, ReadOnlyBroker } from "../read_only_broker.ts";
import { pageOf } from "./broker_api.ts";
import { json } from "./http.ts";
import type { Route, RouteContext } from "./route.ts";

/**
 * Whether `client` matches the search `q` (case-insensitive, on client id, user and address);
 * an empty search matches every client.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientMatches } from "./clients_api.ts";
 * const c = { clientId: "Sensor-1", username: null, remoteAddr: "127.0.0.1:5000" };
 * assert.equal(clientMatches(c, "sensor"), true);
 * assert.equal(clientMatches(c, "127.0.0.1"), true);
 * assert.equal(clientMatches(c, "alice"), false);
 * ```
 */
export function clientMatches(
  client: Pick<ConnectedClient, "clientId" | "username" | "remoteAddr">,
  q: string,
): boolean {
  const needle = q.trim().toLowerCase();
  if (needle === "") return true;
  return [client.clientId, client.username ?? "", client.remoteAddr]
    .some((field) => field.toLowerCase().includes(needle));
}

function list(ctx: RouteContext): Response {
  const q = ctx.url.searchParams.get("q") ?? "";
  const all = ctx.broker.connections()
    .filter((c) => clientMatches(c, q))
    .sort((a, b) => a.clientId.localeCompare(b.clientId));
  return json(pageOf(all, ctx.url));
}

function find(broker: ReadOnlyBroker, id: string): ConnectedClient {
  const client = broker.connections().find((c) => c.clientId === id);
  if (!client) throw new AdminError("NOT_FOUND", `No connected client "${id}"`);
  return client;
}

function describe(ctx: RouteContext): Response {
  const client = find(ctx.broker, ctx.params.id);
  const subscriptions = ctx.broker.subscriptions()
    .filter((s) => s.clientId === client.clientId)
    .map(({ topic, qos }) => ({ topic, qos }));
  return json({ ...client, subscriptionList: subscriptions });
}

function kick(ctx: RouteContext): Response {
  const id = ctx.params.id;
  if (!ctx.control?.kick(id)) throw new AdminError("NOT_FOUND", `No connected client "${id}"`);
  return new Response(null, { status: 204 });
}

/** The client routes. */
export const CLIENT_ROUTES: Route[] = [
  { method: "GET", body: "none", path: "/clients", handler: list },
  { method: "GET", body: "none", path: "/clients/{id}", handler: describe },
  { method: "DELETE", body: "none", path: "/clients/{id}", handler: kick },
];
