/**
 * Plugin HTTP endpoints (EMQX's `on_handle_api_call`): a plugin's default export may declare
 * `api`, a map from `"METHOD /path"` to a handler. The admin API serves them under
 * `/api/v1/plugin_api/{alias}/...` with its own authentication, the plugin's `timeout_ms`, bodies
 * of at most {@linkcode PLUGIN_API_MAX_BODY_BYTES}, inside the plugin's cage.
 *
 * A handler answers a {@linkcode PluginApiResponse} (plain data: `status`, `headers`, `body`) or a
 * web `Response`; either crosses back as plain data and is checked by the broker before it is
 * sent (status 200..599, legal header names and values, no hop-by-hop headers, no `Set-Cookie`).
 *
 * @example A plugin that reports how many messages it counted
 * ```ts
 * import assert from "node:assert/strict";
 * import { definePlugin } from "./mod.ts";
 * let seen = 0;
 * const plugin = definePlugin({
 *   name: "counter",
 *   version: "1.0.0",
 *   hooks: { "message.publish": (m) => void seen++ },
 *   api: {
 *     "GET /stats": () => ({ body: { seen } }),
 *     "GET /items/{id}": (req) => ({ status: 200, body: `item ${req.params.id}` }),
 *   },
 * });
 * assert.deepEqual(Object.keys(plugin.api!), ["GET /stats", "GET /items/{id}"]);
 * ```
 *
 * @module
 */

/** The methods a plugin endpoint may answer. */
export const PLUGIN_API_METHODS = ["GET", "POST", "PUT", "DELETE"] as const;

/** One method of {@linkcode PLUGIN_API_METHODS}. */
export type PluginApiMethod = typeof PLUGIN_API_METHODS[number];

/** The largest request or response body of a plugin endpoint (413 / 502 beyond). */
export const PLUGIN_API_MAX_BODY_BYTES = 1024 * 1024;

/** What a handler receives (built inside the cage from plain data). */
export interface PluginApiRequest {
  method: PluginApiMethod;
  /** The path below `/api/v1/plugin_api/{alias}`, starting with `/` (`/items/7`). */
  path: string;
  /** Values of the route's `{name}` segments, percent-decoded. */
  params: Record<string, string>;
  /** Query parameters (the first value of each name). */
  query: Record<string, string>;
  /** Request headers, lower case; `authorization` and `cookie` are never passed on. */
  headers: Record<string, string>;
  /** The raw body (JSON: POST and PUT only), null without one. */
  body: Uint8Array<ArrayBuffer> | null;
  /** The body as text ("" without one). */
  text(): string;
  /** The body parsed as JSON (undefined without one); throws a SyntaxError when it is not JSON. */
  json(): unknown;
}

/**
 * What a handler answers: `status` (default 200), `headers`, and a `body` that is text, bytes or
 * a JSON value (sent as `application/json`).
 */
export interface PluginApiResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array | number | boolean | null | unknown[] | { [key: string]: unknown };
}

/** One endpoint's handler; `Ctx` is the plugin's context (`PluginContext<Config>`). */
export type PluginApiHandler<Ctx> = (
  req: PluginApiRequest,
  ctx: Ctx,
) => PluginApiResponse | Response | Promise<PluginApiResponse | Response>;

/** The `api` map of a plugin: `"GET /stats"`, `"PUT /items/{id}"`, ... to handlers. */
export type PluginApi<Ctx> = {
  [route: `${PluginApiMethod} /${string}`]: PluginApiHandler<Ctx>;
};
