/**
 * What a runner does to a plugin object, the same in a cage (worker_bootstrap.ts) and in the
 * broker's isolate (inprocess_runner.ts): call one of its hooks, offer it a new config.
 *
 * @module
 */

import type { HookpointName } from "../sdk/hookpoints.ts";
import type { Plugin, PluginContext } from "../sdk/plugin.ts";
import type { ConfigureAnswer, HookAnswer } from "./protocol.ts";
import { API_HOOK, type ApiCall, callApi } from "./api_call.ts";

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
  // Plugin HTTP endpoints travel as hook calls under a reserved name (api_call.ts).
  if ((hook as string) === API_HOOK) return callApi(plugin, event as ApiCall, ctx);
  const fn = plugin.hooks[hook];
  if (typeof fn !== "function") throw new TypeError(`plugin has no ${hook} hook`);
  // The event is the hookpoint's own: the host built it for this very hookpoint.
  return (fn as (event: unknown, ctx: PluginContext) => unknown)(event, ctx);
}

/**
 * Calls the plugin's hook once per event of a batch: one answer per event, in order. A hook that
 * throws (or rejects) for one event fails only that event's answer; the batch waits only when a
 * hook answered with a promise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { callHooks } from "./plugin_calls.ts";
 * const plugin = {
 *   name: "p",
 *   version: "1",
 *   hooks: { "message.publish": (m: { topic: string }) => { if (m.topic === "x") throw new Error("no x"); } },
 * };
 * const answers = await callHooks(plugin as never, "message.publish", [{ topic: "a" }, { topic: "x" }], {} as never);
 * assert.deepEqual(answers, [{ v: undefined }, { error: "no x" }]);
 * ```
 */
export function callHooks(
  plugin: Plugin,
  hook: HookpointName,
  events: unknown[],
  ctx: PluginContext,
): HookAnswer[] | Promise<HookAnswer[]> {
  const answers: HookAnswer[] = new Array(events.length);
  let waits: Promise<void>[] | undefined;
  for (let i = 0; i < events.length; i++) {
    const fail = (err: unknown) => void (answers[i] = { error: errorText(err) });
    try {
      const r = callHook(plugin, hook, events[i], ctx);
      if (r instanceof Promise) (waits ??= []).push(r.then((v) => void (answers[i] = { v }), fail));
      else answers[i] = { v: r };
    } catch (err) {
      fail(err);
    }
  }
  return waits ? Promise.all(waits).then(() => answers) : answers;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
