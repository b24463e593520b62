// Publishes every `message.puback` event it receives to `log/puback` (QoS 0), as JSON.
import type { Plugin } from "../../../plugins/sdk/mod.ts";

export default {
  name: "puback_log",
  version: "0.0.1",
  hooks: {
    "message.puback": async (event, ctx) => {
      const { client, ...rest } = event;
      await ctx.publish("log/puback", JSON.stringify({ clientId: client.clientId, ...rest }));
    },
  },
} satisfies Plugin;
