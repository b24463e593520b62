/**
 * The host side of plugin HTTP endpoints: which runner serves an alias's endpoints, and one call
 * from an admin API request to an HTTP response.
 *
 * The runner of a loaded plugin is found through its manifest: `instantiate()` records the pair
 * when the plugin starts, and `PluginHost.manifest(alias)` answers the manifest of the slot that
 * is loaded now (a stopped or replaced plugin's manifest is gone with its slot, so its runner is
 * never found). A weak map: nothing here keeps a stopped plugin alive.
 *
 * Outcomes: the plugin not running 503 `PLUGIN_UNAVAILABLE`; no answer within its `timeout_ms`
 * 504 `PLUGIN_TIMEOUT`; the handler threw 500 `PLUGIN_ERROR`; an answer refused by
 * `api_reply.ts` 502 `BAD_PLUGIN_RESPONSE`. Failures count as the plugin's faults.
 *
 * @module
 */

import type { HookpointName } from "../sdk/hookpoints.ts";
import { API_HOOK, type ApiCall } from "./api_call.ts";
import { readApiReply, replyResponse } from "./api_reply.ts";
import type { Manifest } from "./manifest.ts";
import type { Runner } from "./runner.ts";

const runners = new WeakMap<Manifest, Runner>();

/** The reserved hook name, typed for `Runner.call` (never in a chain: no manifest lists it). */
const HOOK = API_HOOK as HookpointName;

/** Records the runner of a started plugin (called by `instantiate()`). */
export function recordApiRunner(manifest: Manifest, runner: Runner): void {
  runners.set(manifest, runner);
}

/** The runner serving the endpoints of the plugin whose loaded manifest this is. */
export function apiRunnerOf(manifest: Manifest | null): Runner | null {
  return manifest ? runners.get(manifest) ?? null : null;
}

/** An error answer of the plugin API: `{code, message}`. */
export function apiError(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ code, message }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/**
 * Calls one endpoint of a running plugin and answers the HTTP response.
 *
 * @example
 * ```ts ignore
 * const runner = apiRunnerOf(manager.host.manifest("stats"));
 * const res = await callPluginApi(runner, { method: "GET", path: "/stats", query: {}, headers: {}, body: null });
 * ```
 */
export async function callPluginApi(runner: Runner | null, call: ApiCall): Promise<Response> {
  const what = `${call.method} ${call.path}`;
  if (!runner || runner.state !== "running") {
    const state = runner?.state ?? "stopped";
    return apiError(503, "PLUGIN_UNAVAILABLE", `The plugin is ${state}; it cannot answer ${what}`);
  }
  const out = await runner.call(HOOK, call);
  const who = `Plugin "${runner.alias}"`;
  if (!out.ok) {
    if (out.reason === "timeout") {
      const ms = runner.entry.timeout_ms;
      return apiError(504, "PLUGIN_TIMEOUT", `${who} did not answer ${what} within ${ms} ms`);
    }
    if (out.reason === "unavailable") {
      return apiError(503, "PLUGIN_UNAVAILABLE", `${who} cannot answer ${what}: ${out.message}`);
    }
    return apiError(500, "PLUGIN_ERROR", `${who} failed on ${what}: ${out.message}`);
  }
  try {
    return replyResponse(readApiReply(out.value));
  } catch (err) {
    const message = `${who} answered ${what} with a bad response: ${(err as Error).message}`;
    runner.fault(API_HOOK, "error", message);
    return apiError(502, "BAD_PLUGIN_RESPONSE", message);
  }
}

/** The routes (`"GET /stats"`, ...) a running plugin declares; empty when it is not running. */
export async function describePluginApi(runner: Runner | null): Promise<string[]> {
  if (!runner || runner.state !== "running") return [];
  const out = await runner.call(HOOK, { describe: true });
  if (!out.ok || !Array.isArray(out.value)) return [];
  return out.value.filter((k): k is string =>
    typeof k === "string" && /^(GET|POST|PUT|DELETE) \/[^\s]{0,256}$/.test(k)
  ).slice(0, 256);
}
