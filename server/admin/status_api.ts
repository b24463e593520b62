/**
 * `GET /api/v1/status`: liveness and readiness. Ready means every configured listener is up,
 * every enabled plugin is running and the durable store is open; the answer is 200 when ready
 * and 503 when not. `?probe=live` answers 200 whenever the process serves requests.
 *
 * @module
 */

import type { PluginView } from "../../plugins/host/mod.ts";
import { json } from "./http.ts";
import type { Listener } from "../../broker/transport/connection.ts";
import type { BrokerConfig } from "../config/types.ts";
import type { Monitor, Route, RouteContext } from "./route.ts";

/** One readiness check: whether it passes and what it saw. */
export interface StatusCheck {
  /** Whether this part is ready. */
  ok: boolean;
  /** What is not ready, by name (empty when ok). */
  failing: string[];
}

/** The `/api/v1/status` body. */
export interface StatusBody {
  /** Always true: the process answered. */
  live: boolean;
  /** Every check passes. */
  ready: boolean;
  /** Listeners, plugins and store. */
  checks: { listeners: StatusCheck; plugins: StatusCheck; store: StatusCheck };
}

const check = (failing: string[]): StatusCheck => ({ ok: failing.length === 0, failing });

/**
 * The readiness of what `ctx` shows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusOf } from "./status_api.ts";
 * const body = statusOf({ expected: ["default"], listeners: new Map(), plugins: [], store: true });
 * assert.equal(body.ready, false);
 * assert.deepEqual(body.checks.listeners.failing, ["default"]);
 * ```
 */
export function statusOf(parts: {
  expected: readonly string[];
  listeners: ReadonlyMap<string, unknown>;
  plugins: readonly Pick<PluginView, "alias" | "enabled" | "state">[];
  store: boolean;
}): StatusBody {
  const checks = {
    listeners: check(parts.expected.filter((name) => !parts.listeners.has(name))),
    plugins: check(
      parts.plugins.filter((p) => p.enabled && p.state !== "running").map((p) => p.alias),
    ),
    store: check(parts.store ? [] : ["store"]),
  };
  return { live: true, ready: Object.values(checks).every((c) => c.ok), checks };
}

function status(ctx: RouteContext): Response {
  const monitor = ctx.monitor;
  const body = statusOf({
    expected: monitor?.expectedListeners ?? [],
    listeners: monitor?.listeners ?? new Map(),
    plugins: ctx.manager?.list() ?? [],
    store: monitor?.storeOpen() ?? true,
  });
  if (ctx.url.searchParams.get("probe") === "live") return json(body);
  return json(body, body.ready ? 200 : 503);
}

/**
 * What `/status` and `/metrics` watch of a broker started with `config`: the listeners map it
 * fills and whether its store is open.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "../config/mod.ts";
 * import { monitorOf } from "./status_api.ts";
 * const m = monitorOf(parseConfig("", "a.yaml"), new Map(), () => true);
 * assert.deepEqual(m.expectedListeners, ["default"]);
 * ```
 */
export function monitorOf(
  config: Pick<BrokerConfig, "listeners">,
  listeners: ReadonlyMap<string, Listener>,
  storeOpen: () => boolean,
): Monitor {
  return { expectedListeners: Object.keys(config.listeners), listeners, storeOpen };
}

/** The status route. */
export const STATUS_ROUTES: Route[] = [
  { method: "GET", body: "none", path: "/status", handler: status },
];
