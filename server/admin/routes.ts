/**
 * The admin API's route table: every route the server answers, in one place (the OpenAPI
 * document is tested against it). Paths are relative to `/api/v1`.
 *
 * @module
 */

import { AdminError } from "../../plugins/host/admin_errors.ts";
import { BROKER_ROUTES } from "./broker_api.ts";
import { CLIENT_ROUTES } from "./clients_api.ts";
import { RETAINED_ROUTES } from "./retained_api.ts";
import { CLUSTER_ROUTES } from "./cluster_api.ts";
import { PLUGIN_ROUTES } from "./plugins_api.ts";
import { PLUGIN_API_ROUTES } from "./plugin_api_routes.ts";
import type { Route } from "./route.ts";
import { STATUS_ROUTES } from "./status_api.ts";

export type { Monitor, Route, RouteContext } from "./route.ts";

/** Every API route. */
export const ROUTES: Route[] = [
  ...PLUGIN_ROUTES,
  ...BROKER_ROUTES,
  ...CLIENT_ROUTES,
  ...RETAINED_ROUTES,
  ...CLUSTER_ROUTES,
  ...STATUS_ROUTES,
  ...PLUGIN_API_ROUTES,
];

/**
 * Finds the route for a method and path; `allowed` lists the methods of a path that matched
 * with another method (for 405).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matchRoute, ROUTES } from "./routes.ts";
 * assert.deepEqual(matchRoute(ROUTES, "GET", "/plugins/acl").params, { alias: "acl" });
 * assert.deepEqual(matchRoute(ROUTES, "DELETE", "/stats").allowed, ["GET"]);
 * assert.deepEqual(matchRoute(ROUTES, "GET", "/plugin_api/s/a/b").params, { alias: "s", path: "a/b" });
 * ```
 */
export function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { route?: Route; params: Record<string, string>; allowed: string[] } {
  const parts = path.split("/").filter(Boolean);
  const allowed: string[] = [];
  for (const route of routes) {
    const tpl = route.path.split("/").filter(Boolean);
    // A last segment `{name+}` takes one or more segments (plugin_api_routes.ts).
    const tail = tpl.at(-1)?.endsWith("+}") === true;
    if (tail ? parts.length < tpl.length : tpl.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = tpl.every((t, i) => {
      if (tail && i === tpl.length - 1) {
        params[t.slice(1, -2)] = parts.slice(i).map(decodeParam).join("/");
        return true;
      }
      if (t.startsWith("{")) {
        params[t.slice(1, -1)] = decodeParam(parts[i]);
        return true;
      }
      return t === parts[i];
    });
    if (!ok) continue;
    if (route.method === method) return { route, params, allowed };
    allowed.push(route.method);
  }
  return { params: {}, allowed };
}

function decodeParam(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new AdminError("BAD_REQUEST", `Path segment "${part}" is not valid percent-encoding`);
  }
}
