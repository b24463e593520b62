/**
 * The admin API's route table: every route the server answers, in one place (the OpenAPI
 * document is tested against it). Paths are relative to `/api/v1`.
 *
 * @module
 */

import type { Broker } from "../../broker/broker.ts";
import type { PluginManager } from "../../plugins/host/mod.ts";
import { PLUGIN_ROUTES } from "./plugins_api.ts";
import { BROKER_ROUTES } from "./broker_api.ts";
import type { BodyKind } from "./guard.ts";
import { ApiError } from "./http.ts";

/** What a handler gets. */
export interface RouteContext {
  req: Request;
  params: Record<string, string>;
  url: URL;
  broker: Broker;
  /** Null when the broker runs without a plugin host. */
  manager: PluginManager | null;
}

/** One route: method, path template (`{name}` segments), the body it takes, and handler. */
export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /** Anything else is refused with 415 (guard.ts). */
  body: BodyKind;
  handler(ctx: RouteContext): Promise<Response> | Response;
}

/** Every API route. */
export const ROUTES: Route[] = [...PLUGIN_ROUTES, ...BROKER_ROUTES];

/**
 * Finds the route for a method and path; `allowed` lists the methods of a path that matched
 * with another method (for 405).
 *
 * @example
 * ```ts
 * import { matchRoute, ROUTES } from "./routes.ts";
 * console.log(matchRoute(ROUTES, "GET", "/plugins/acl").params); // { alias: "acl" }
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
    if (tpl.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = tpl.every((t, i) => {
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
    throw new ApiError(400, "BAD_REQUEST", `Path segment "${part}" is not valid percent-encoding`);
  }
}
