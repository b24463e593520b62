/**
 * The admin listener: the REST API under `/api/v1/` (authenticated) and the dashboard's static
 * files at `/`. Refuses to start on a non-loopback address without credentials.
 *
 * @module
 */

import type { AdminConfig } from "../config/types.ts";
import { parseBind } from "../config/bind.ts";
import type { Logger } from "../../lib/log.ts";
import type { PluginManager } from "../../plugins/host/mod.ts";
import type { ReadOnlyBroker } from "../read_only_broker.ts";
import type { Cluster } from "../cluster/mod.ts";
import type { BrokerControl } from "./broker_control.ts";
import { checkRouteAlias } from "../../plugins/host/package_names.ts";
import { AdminAuth } from "./auth.ts";
import { type AdminSelf, adminSelf, checkHost, checkMediaType, checkOrigin } from "./guard.ts";
import { AdminError } from "../../plugins/host/admin_errors.ts";
import { errorResponse, json } from "./http.ts";
import { OPENAPI } from "./openapi.ts";
import { matchRoute, type Monitor, ROUTES } from "./routes.ts";
import { renderMetrics } from "./metrics.ts";
import { serveDashboard } from "./static.ts";

/** A running admin listener. */
export interface AdminServer {
  hostname: string;
  port: number;
  /** `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

/** What the admin API serves. */
export interface AdminDeps {
  /** The broker, read-only. */
  broker: ReadOnlyBroker;
  manager: PluginManager | null;
  log: Logger;
  /** This node's part in the cluster; undefined when it runs alone. */
  cluster?: Cluster;
  /** Listeners and store, for `/metrics` and `/api/v1/status`. */
  monitor?: Monitor;
  /** Kick, clear retained, listener list (`brokerControl()`); without it those routes answer 404. */
  control?: BrokerControl;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * Handles one request (exported for tests that need no socket). `self` names the listener's own
 * addresses: a request for another Host, or a cross-origin change, is refused (guard.ts).
 *
 * @example
 * ```ts ignore
 * const self = adminSelf(["127.0.0.1"], 18083);
 * const res = await handleAdmin(new Request("http://127.0.0.1:18083/api/v1/stats"), auth, deps, self);
 * ```
 */
export async function handleAdmin(
  req: Request,
  auth: AdminAuth,
  deps: AdminDeps,
  self: AdminSelf,
): Promise<Response> {
  const url = new URL(req.url);
  const path = url.pathname.slice("/api/v1".length);
  try {
    const host = checkHost(req, self);
    if (url.pathname === "/metrics") return await metrics(req, auth, deps);
    if (!url.pathname.startsWith("/api/v1/")) return await serveDashboard(url.pathname);
    checkOrigin(req, host);
    if (path === "/openapi.json" && req.method === "GET") return json(OPENAPI);
    await authorize(req, auth);
    const { route, params, allowed } = matchRoute(ROUTES, req.method, path);
    if (!route) {
      if (allowed.length > 0) {
        throw new AdminError("METHOD_NOT_ALLOWED", `Use ${allowed.join(" or ")} on ${path}`);
      }
      throw new AdminError("NOT_FOUND", `No route ${req.method} ${url.pathname}`);
    }
    if (params.alias !== undefined) checkRouteAlias(params.alias);
    checkMediaType(req, route.body, path);
    const { broker, manager, cluster, monitor, control } = deps;
    return await route.handler({ req, params, url, broker, manager, cluster, monitor, control });
  } catch (err) {
    const res = errorResponse(err);
    if (res.status >= 500) deps.log.error("Admin API error", { path, error: err });
    return res;
  }
}

async function authorize(req: Request, auth: AdminAuth): Promise<void> {
  if (auth.configured && !(await auth.check(req.headers.get("authorization")))) {
    throw new AdminError("UNAUTHORIZED", "Give a user (basic auth) or an API key");
  }
}

/** `GET /metrics` (Prometheus text), with the same credentials as the API. */
async function metrics(req: Request, auth: AdminAuth, deps: AdminDeps): Promise<Response> {
  if (req.method !== "GET") throw new AdminError("METHOD_NOT_ALLOWED", "Use GET on /metrics");
  await authorize(req, auth);
  const text = renderMetrics({
    broker: deps.broker,
    listeners: deps.monitor?.listeners ?? new Map(),
    plugins: deps.manager?.list() ?? [],
  });
  return new Response(text, {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
  });
}

/**
 * Starts the admin listener.
 *
 * @example
 * ```ts ignore
 * const admin = await startAdmin(config.admin, { broker: readOnlyBroker(broker), manager, log });
 * await fetch(`${admin.url}/api/v1/stats`); // admin.url is http://127.0.0.1:18083
 * await admin.close();
 * ```
 */
export async function startAdmin(config: AdminConfig, deps: AdminDeps): Promise<AdminServer> {
  const { hostname, port } = parseBind(config.bind);
  const auth = new AdminAuth(config);
  if (!auth.configured && !LOOPBACK.has(hostname)) {
    throw new TypeError(
      `Admin API on ${config.bind} needs admin.users or admin.api_keys (only loopback may run without)`,
    );
  }
  if (!auth.configured) {
    deps.log.warn("Admin API runs without credentials (loopback only)", { bind: config.bind });
  }
  const ready = Promise.withResolvers<Deno.NetAddr>();
  let self: AdminSelf | null = null;
  const server = Deno.serve({
    hostname,
    port,
    onListen: (addr) => ready.resolve(addr as Deno.NetAddr),
    onError: (err) => errorResponse(err),
  }, (req) => handleAdmin(req, auth, deps, self ?? adminSelf([], 0)));
  const addr = await ready.promise;
  self = adminSelf([hostname, addr.hostname], addr.port);
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    hostname: addr.hostname,
    port: addr.port,
    url: `http://${host}:${addr.port}`,
    close: () => server.shutdown(),
  };
}
