/**
 * The plugin side of plugin HTTP endpoints (`api` on a plugin's default export, see
 * `plugins/sdk/api.ts`): runs inside the cage (or in-process), reached through the `hook` request
 * with the reserved name {@linkcode API_HOOK} (`plugin_calls.ts` dispatches it here), so an
 * endpoint gets what every hook call gets: the plugin's `timeout_ms`, error and timeout counts,
 * and `unavailable` when the plugin is not running.
 *
 * It matches the route (exact method and path, `{name}` segments), answers 404 / 405 itself,
 * builds the {@linkcode PluginApiRequest} and turns what the handler returned into plain data
 * ({@linkcode ApiReply}); the host checks that reply (`api_reply.ts`) before anything is sent.
 *
 * @module
 */

import {
  PLUGIN_API_MAX_BODY_BYTES,
  PLUGIN_API_METHODS,
  type PluginApiHandler,
  type PluginApiMethod,
  type PluginApiRequest,
} from "../sdk/api.ts";
import type { Plugin, PluginContext } from "../sdk/plugin.ts";

/** The reserved hook name plugin endpoint calls travel under (never a hookpoint: `$`). */
export const API_HOOK = "$api";

/** One endpoint call as it crosses into the cage: plain data. */
export interface ApiCall {
  method: PluginApiMethod;
  /** Below `/api/v1/plugin_api/{alias}`, starting with `/`, percent-encoded as sent. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | null;
}

/** Asks the plugin which endpoints it declares (for the OpenAPI document). */
export interface ApiDescribe {
  describe: true;
}

/**
 * The answer as it crosses back: plain data, checked by the host before it is sent; `kind` alone
 * when the handler answered something that is neither an object nor a `Response`.
 */
export type ApiReply = { status: unknown; headers: unknown; body: unknown } | { kind: string };

/** A route of the `api` map matched against a call. */
export type RouteMatch =
  | { key: string; params: Record<string, string> }
  | { key: null; allowed: PluginApiMethod[] };

/**
 * Finds the route for `method` and `path` among `keys` (`"GET /items/{id}"`): segments compare
 * exactly, `{name}` takes one segment (percent-decoded). No route: `allowed` lists the methods
 * of the path (405 when not empty, 404 otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matchApiRoute } from "./api_call.ts";
 * const keys = ["GET /items/{id}", "PUT /items/{id}", "GET /stats"];
 * assert.deepEqual(matchApiRoute(keys, "GET", "/items/a%20b"), { key: "GET /items/{id}", params: { id: "a b" } });
 * assert.deepEqual(matchApiRoute(keys, "DELETE", "/items/7"), { key: null, allowed: ["GET", "PUT"] });
 * assert.deepEqual(matchApiRoute(keys, "GET", "/stats/x"), { key: null, allowed: [] });
 * ```
 */
export function matchApiRoute(keys: string[], method: string, path: string): RouteMatch {
  const parts = path.split("/").slice(1);
  const allowed: PluginApiMethod[] = [];
  for (const key of keys) {
    const [m, template = ""] = key.split(" ", 2);
    const tpl = template.split("/").slice(1);
    if (tpl.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = tpl.every((t, i) => {
      if (!/^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(t)) return t === parts[i];
      params[t.slice(1, -1)] = decodeURIComponent(parts[i]);
      return parts[i] !== "";
    });
    if (!ok) continue;
    if (m === method) return { key, params };
    if ((PLUGIN_API_METHODS as readonly string[]).includes(m)) allowed.push(m as PluginApiMethod);
  }
  return { key: null, allowed };
}

/**
 * Runs one endpoint call, or answers the declared route keys for `{describe: true}`. A handler
 * that throws rejects (the host answers 500 and counts the fault).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { callApi } from "./api_call.ts";
 * const plugin = { name: "p", version: "1", hooks: {}, api: { "GET /hi": () => ({ body: { hi: 1 } }) } };
 * const call = { method: "GET", path: "/hi", query: {}, headers: {}, body: null } as const;
 * const reply = await callApi(plugin, call, {} as never) as { status: number; body: Uint8Array };
 * assert.equal(reply.status, 200);
 * assert.equal(new TextDecoder().decode(reply.body), '{"hi":1}');
 * assert.deepEqual(await callApi(plugin, { describe: true }, {} as never), ["GET /hi"]);
 * ```
 */
export async function callApi(
  plugin: Plugin,
  call: ApiCall | ApiDescribe,
  ctx: PluginContext,
): Promise<ApiReply | string[]> {
  const api = (plugin.api ?? {}) as Record<string, PluginApiHandler<PluginContext>>;
  const keys = Object.keys(api).filter((k) => typeof api[k] === "function");
  if ("describe" in call) return keys;
  const match = matchApiRoute(keys, call.method, call.path);
  if (match.key === null) {
    const code = match.allowed.length > 0 ? 405 : 404;
    const message = code === 405
      ? `Use ${match.allowed.join(" or ")} on ${call.path}`
      : `No endpoint ${call.method} ${call.path}`;
    return jsonReply(code, { code: code === 405 ? "METHOD_NOT_ALLOWED" : "NOT_FOUND", message });
  }
  const answer = await api[match.key](request(call, match.params), ctx);
  return answer instanceof Response ? await fromResponse(answer) : fromPlain(answer);
}

function request(call: ApiCall, params: Record<string, string>): PluginApiRequest {
  const text = () => call.body ? new TextDecoder().decode(call.body) : "";
  return {
    method: call.method,
    path: call.path,
    params,
    query: { ...call.query },
    headers: { ...call.headers },
    body: call.body,
    text,
    json: () => call.body ? JSON.parse(text()) : undefined,
  };
}

function jsonReply(status: number, value: unknown): ApiReply {
  const body = new TextEncoder().encode(JSON.stringify(value));
  return { status, headers: [["content-type", "application/json"]], body };
}

/** A handler's `Response`, its body read up to one byte over the limit (the host refuses it). */
async function fromResponse(res: Response): Promise<ApiReply> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  while (reader && size <= PLUGIN_API_MAX_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader?.cancel().catch(() => {});
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return { status: res.status, headers: [...res.headers], body };
}

/** A plain answer; anything that is not an object crosses as it is and is refused by the host. */
function fromPlain(answer: unknown): ApiReply {
  if (answer === null || typeof answer !== "object" || Array.isArray(answer)) {
    return { kind: answer === null ? "null" : Array.isArray(answer) ? "an array" : typeof answer };
  }
  const { status = 200, headers = {}, body } = answer as Record<string, unknown>;
  const list = headers !== null && typeof headers === "object"
    ? Object.entries(headers).map(([k, v]) => [k, typeof v === "string" ? v : null])
    : headers;
  if (body === undefined) return { status, headers: list, body: new Uint8Array() };
  if (body instanceof Uint8Array) return { status, headers: list, body };
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const type = typeof body === "string" ? "text/plain; charset=utf-8" : "application/json";
  const typed = Array.isArray(list) && !list.some(([k]) => /^content-type$/i.test(k))
    ? [...list, ["content-type", type]]
    : list;
  return { status, headers: typed, body: new TextEncoder().encode(text ?? "") };
}
