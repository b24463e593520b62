/**
 * `/api/v1/plugin_api/{alias}/...`: the HTTP endpoints plugins declare (`api` on their default
 * export, `plugins/sdk/api.ts`), served behind the admin API's own guard and authentication
 * (server.ts runs both before any route), inside the plugin's cage (`plugins/host/api_host.ts`).
 *
 * Here: the alias must name an installed plugin (404), the path below it must be plain
 * (no empty, `.` or `..` segments, no encoded slash, backslash, dot or NUL: 400), a body only on
 * POST and PUT, JSON, at most 1 MiB (413). `authorization` and `cookie` never reach the plugin.
 * `GET /plugin_api` lists every running plugin's endpoints as OpenAPI paths.
 *
 * @module
 */

import { AdminError } from "../../plugins/host/admin_errors.ts";
import { apiRunnerOf, callPluginApi, describePluginApi } from "../../plugins/host/api_host.ts";
import type { ApiCall } from "../../plugins/host/api_call.ts";
import type { PluginManager } from "../../plugins/host/mod.ts";
import { readCapped, tooLarge } from "../../plugins/host/package_limits.ts";
import { PLUGIN_API_MAX_BODY_BYTES, type PluginApiMethod } from "../../plugins/sdk/api.ts";
import { json } from "./http.ts";
import type { Route, RouteContext } from "./route.ts";

/** The route template every plugin endpoint is served under (`{path+}`: one or more segments). */
export const PLUGIN_API_PATH = "/plugin_api/{alias}/{path+}";
const MAX_PATH = 2048;
const UNSAFE = /%2f|%5c|%2e|%00|\\/i;
/** Request headers a plugin never sees: the admin's credentials. */
const PRIVATE_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

function managerOf(ctx: RouteContext): PluginManager {
  if (!ctx.manager) throw new AdminError("NO_PLUGIN_HOST", "The broker runs without plugins");
  return ctx.manager;
}

/** The raw path below `/api/v1/plugin_api/{alias}`, refused (400) when it is not plain. */
function endpointPath(pathname: string): string {
  const rest = pathname.split("/").slice(5);
  const path = `/${rest.join("/")}`;
  const bad = path.length > MAX_PATH || UNSAFE.test(path) ||
    rest.some((s) => s === "" || s === "." || s === "..");
  if (bad) {
    throw new AdminError(
      "BAD_REQUEST",
      `The endpoint path ${JSON.stringify(path.slice(0, 80))} must be plain segments ` +
        `(no empty, "." or ".." segment, encoded slash, backslash, dot or NUL; at most ${MAX_PATH})`,
    );
  }
  return path;
}

async function readBody(req: Request): Promise<Uint8Array<ArrayBuffer> | null> {
  if (req.method !== "POST" && req.method !== "PUT") return null;
  const what = "The request body";
  if (Number(req.headers.get("content-length") ?? 0) > PLUGIN_API_MAX_BODY_BYTES) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge(what, PLUGIN_API_MAX_BODY_BYTES);
  }
  const bytes = await readCapped(req.body, PLUGIN_API_MAX_BODY_BYTES, what);
  return new Uint8Array(bytes); // its own buffer: the cage gets exactly these bytes
}

function callOf(ctx: RouteContext, path: string, body: ApiCall["body"]): ApiCall {
  // fromEntries defines own properties: a `__proto__` name stays a name. First value wins.
  const query = Object.fromEntries([...ctx.url.searchParams].reverse());
  const headers = Object.fromEntries([...ctx.req.headers].filter(([k]) => !PRIVATE_HEADERS.has(k)));
  return { method: ctx.req.method as PluginApiMethod, path, query, headers, body };
}

async function serve(ctx: RouteContext): Promise<Response> {
  const manager = managerOf(ctx);
  const alias = ctx.params.alias;
  if (!manager.list().some((p) => p.alias === alias)) {
    throw new AdminError("NOT_FOUND", `No plugin "${alias}"`);
  }
  const path = endpointPath(ctx.url.pathname);
  const call = callOf(ctx, path, await readBody(ctx.req));
  return await callPluginApi(apiRunnerOf(manager.host.manifest(alias)), call);
}

/**
 * The endpoints of every running plugin as OpenAPI path items (`/plugin_api/{alias}/...`).
 *
 * @example
 * ```ts ignore
 * const paths = await pluginApiPaths(manager); // { "/plugin_api/stats/stats": { get: {...} } }
 * ```
 */
export async function pluginApiPaths(
  manager: PluginManager | null,
): Promise<Record<string, Record<string, unknown>>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { alias } of manager?.list() ?? []) {
    const routes = await describePluginApi(apiRunnerOf(manager!.host.manifest(alias)));
    for (const route of routes) {
      const [method, path] = route.split(" ", 2);
      const item = paths[`/plugin_api/${alias}${path}`] ??= {};
      item[method.toLowerCase()] = {
        tags: [`plugin:${alias}`],
        summary: `${route} of plugin "${alias}"`,
        responses: { "200": { description: "The plugin's answer" } },
      };
    }
  }
  return paths;
}

const endpoint = (method: Route["method"]): Route => ({
  method,
  path: PLUGIN_API_PATH,
  body: method === "POST" || method === "PUT" ? "json" : "none",
  handler: serve,
});

/** The plugin API routes: one per method, plus the listing. */
export const PLUGIN_API_ROUTES: Route[] = [
  endpoint("GET"),
  endpoint("POST"),
  endpoint("PUT"),
  endpoint("DELETE"),
  {
    method: "GET",
    path: "/plugin_api",
    body: "none",
    handler: async (ctx) => json({ paths: await pluginApiPaths(ctx.manager) }),
  },
];

const errorBody = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});
const endpointDoc = (method: string) => ({
  tags: ["plugin api"],
  summary: `${method} a plugin's endpoint (declared in its api map); see GET /plugin_api`,
  parameters: ["alias", "path+"].map((name) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
  })),
  responses: {
    "200": { description: "The plugin's answer (any status 200..599 it chose)" },
    "400": errorBody("BAD_REQUEST (a path with encoded slashes, dots or empty segments)"),
    "401": errorBody("UNAUTHORIZED"),
    "404": errorBody("NOT_FOUND (no such plugin or endpoint)"),
    "405": errorBody("METHOD_NOT_ALLOWED"),
    "413": errorBody("TOO_LARGE (a body over 1 MiB)"),
    "500": errorBody("PLUGIN_ERROR (the handler threw)"),
    "502": errorBody("BAD_PLUGIN_RESPONSE (an answer the broker refused)"),
    "503": errorBody("PLUGIN_UNAVAILABLE (the plugin is not running)"),
    "504": errorBody("PLUGIN_TIMEOUT (no answer within the plugin's timeout_ms)"),
  },
});

/** The OpenAPI path items of {@linkcode PLUGIN_API_ROUTES} (spread into openapi.ts). */
export const PLUGIN_API_OPENAPI = {
  "/plugin_api": {
    get: {
      tags: ["plugin api"],
      summary: "Every running plugin's endpoints, as OpenAPI paths",
      responses: { "200": { description: "{paths}" }, "401": errorBody("UNAUTHORIZED") },
    },
  },
  [PLUGIN_API_PATH]: {
    get: endpointDoc("GET"),
    post: endpointDoc("POST"),
    put: endpointDoc("PUT"),
    delete: endpointDoc("DELETE"),
  },
};
