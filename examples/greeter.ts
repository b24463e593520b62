// A complete plugin: run it with `deno task start --plugin ./examples/greeter.ts`.
// It asks for no permissions, so it needs no --grant.
import type { Plugin } from "../plugins/sdk/mod.ts";

export default {
  name: "greeter",
  version: "1.0.0",
  description: "greets v5 clients, drops messages on `secret`, refuses the user root",
  permissions: {},
  hooks: {
    "client.connack": (e) => ({
      ...e.properties,
      userProperties: { greeting: `hello ${e.client.clientId}` },
    }),
    "message.publish": (msg) => msg.topic === "secret" ? { drop: true } : msg,
    "client.authenticate": ({ client }) =>
      client.username === "root"
        ? { result: "deny", reason: "No root here" }
        : { result: "ignore" },
  },
} satisfies Plugin;
