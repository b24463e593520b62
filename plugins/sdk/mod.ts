/**
 * Aviary plugin SDK: the only module plugin authors import. It imports nothing from the broker.
 *
 * @example A complete plugin
 * ```ts
 * import { definePlugin } from "./mod.ts";
 * export default definePlugin({
 *   name: "tagger",
 *   version: "0.1.0",
 *   config: { schema: { type: "record", name: "C", fields: [{ name: "tag", type: "string" }] }, defaults: { tag: "x" } },
 *   hooks: {
 *     "message.publish": (msg, ctx) => ({ ...msg, topic: `${ctx.config.tag}/${msg.topic}` }),
 *   },
 * });
 * ```
 *
 * @module
 */

export * from "./api.ts";
export * from "./config_view.ts";
export * from "./events.ts";
export type { HookpointKind, HookpointSpec } from "./hookpoint_spec.ts";
export {
  type CallHookpoint,
  type DecideHookpoint,
  type EventOf,
  HOOKPOINT_NAMES,
  type HookpointName,
  type HookpointOfKind,
  HOOKPOINTS,
  type Hookpoints,
  isHookpoint,
  type NotifyHookpoint,
  type TransformHookpoint,
  type TransformValue,
} from "./hookpoints.ts";
export * from "./plugin.ts";
export * from "./stats.ts";
export * from "./topics.ts";
export * from "./version.ts";
