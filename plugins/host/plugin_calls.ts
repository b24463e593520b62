/**
 * What a runner does to a plugin object, the same in a cage (worker_bootstrap.ts) and in the
 * broker's isolate (inprocess_runner.ts): call one of its hooks, offer it a new config.
 *
 * @module
 */

import type { HookpointName } from "../sdk/hookpoints.ts";
import type { Plugin, PluginContext } from "../sdk/plugin.ts";
import type { ConfigureAnswer } from "./protocol.ts";

/**
 * Calls the plugin's hook for `hook` with an event of that hookpoint. Throws a TypeError when the
 * plugin has no such hook.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { callHook } from "./plugin_calls.ts";
 * const plugin = { name: "p", version: "1", hooks: { "client.authorize": () => false } };
 * assert.equal(await callHook(plugin, "client.authorize", {}, {} as never), false);
 * ```
 */
export function callHook(
  plugin: Plugin,
  hook: HookpointName,
  event: unknown,
  ctx: PluginContext,
): unknown {
  const fn = plugin.hooks[hook];
  if (typeof fn !== "function") throw new TypeError(`plugin has no ${hook} hook`);
  // The event is the hookpoint's own: the host built it for this very hookpoint.
  return (fn as (event: unknown, ctx: PluginContext) => unknown)(event, ctx);
}

/**
 * Offers `next` to the plugin's `configChanged`: a `false` return or a throw refuses it (the
 * message reaches the operator); otherwise `ctx.config` becomes `next`. Without the hook nothing
 * changes and `applied` is false (the host restarts the plugin instead).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure } from "./plugin_calls.ts";
 * const plugin = { name: "p", version: "1", hooks: {}, configChanged: () => true };
 * const ctx = { config: { prefix: "a/" } } as never;
 * assert.deepEqual(await configure(plugin, ctx, { prefix: "b/" }), { applied: true });
 * ```
 */
export async function configure(
  plugin: Plugin | null,
  ctx: PluginContext | null,
  next: Record<string, unknown>,
): Promise<ConfigureAnswer> {
  if (!plugin || !ctx) throw new Error("configure before start");
  if (!plugin.configChanged) return { applied: false };
  const answer = await plugin.configChanged(ctx.config, next, ctx);
  if (answer === false) throw new Error("the plugin refused the new config");
  ctx.config = next;
  return { applied: true };
}
