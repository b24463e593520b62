/**
 * The smallest built-in: logs connections and answers `$aviary/example/ping` publishes by
 * counting them. Exists so loading a built-in by name is tested.
 *
 * @module
 */

import { definePlugin } from "../sdk/plugin.ts";

/**
 * The example plugin.
 *
 * @example
 * ```yaml
 * plugins:
 *   hello: { source: example }
 * ```
 */
export default definePlugin({
  name: "example",
  version: "1.0.0",
  description: "Logs connections; counts publishes to $aviary/example/ping",
  hooks: {
    "client.connected": (e, ctx) =>
      ctx.log.info("client connected", { clientId: e.client.clientId }),
    "message.publish": async (msg, ctx) => {
      if (msg.topic !== "$aviary/example/ping") return;
      const n = ((await ctx.store.get("pings")) as number | undefined ?? 0) + 1;
      await ctx.store.set("pings", n);
      return { ...msg, properties: { ...msg.properties, userProperties: { pings: String(n) } } };
    },
  },
});
