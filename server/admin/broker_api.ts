/**
 * `/api/v1/subscriptions`, `/stats`, `/listeners`: the broker's read-only view
 * ({@linkcode ReadOnlyBroker}, the one plugins get as `ctx.broker`), served as JSON; and the
 * paging every list route shares (`clients_api.ts`, `retained_api.ts`).
 *
 * @module
 */

import { AdminError } from "../../plugins/host/admin_errors.ts";
import type { ReadOnlyBroker } from "../read_only_broker.ts";
import { json } from "./http.ts";
import type { Route } from "./route.ts";

/** The most rows one page holds (`?limit=`, default 100). */
export const MAX_PAGE = 1000;

/** One page of a list: its rows, how many there are in all, and where it starts. */
export interface Page<T> {
  data: T[];
  total: number;
  offset: number;
  limit: number;
}

function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AdminError(
      "BAD_REQUEST",
      `Query parameter ${name} must be an integer from ${min} to ${max}, not "${raw}"`,
    );
  }
  return n;
}

/**
 * The page of `rows` that `?offset=` and `?limit=` (1 to {@linkcode MAX_PAGE}, default 100) ask
 * for, each row mapped by `map`; 400 BAD_REQUEST for a value out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pageOf } from "./broker_api.ts";
 * const page = pageOf([1, 2, 3, 4], new URL("http://x/?offset=1&limit=2"), (n) => n * 10);
 * assert.deepEqual(page, { data: [20, 30], total: 4, offset: 1, limit: 2 });
 * assert.throws(() => pageOf([], new URL("http://x/?limit=0")), /limit must be an integer/);
 * ```
 */
export function pageOf<T, R = T>(
  rows: T[],
  url: URL,
  map: (row: T) => R = (row) => row as unknown as R,
): Page<R> {
  const limit = intParam(url, "limit", 100, 1, MAX_PAGE);
  const offset = intParam(url, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
  return { data: rows.slice(offset, offset + limit).map(map), total: rows.length, offset, limit };
}

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

/** The broker routes. */
export const BROKER_ROUTES: Route[] = [
  {
    method: "GET",
    body: "none",
    path: "/subscriptions",
    handler: (ctx) => json({ data: ctx.broker.subscriptions() }),
  },
  {
    method: "GET",
    body: "none",
    path: "/listeners",
    handler: (ctx) => json({ data: ctx.control?.listeners() ?? [] }),
  },
  { method: "GET", body: "none", path: "/stats", handler: (ctx) => json(statsOf(ctx.broker)) },
];
