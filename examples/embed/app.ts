// An application that embeds Aviary: `deno run --allow-net --allow-read --allow-write
// --allow-run=deno --allow-env --allow-sys app.ts [PORT]`.
import { definePlugin, startBroker } from "@aviary/broker";

// A plugin object: runs in this process (full trust), next to the application's own code.
const welcome = definePlugin({
  name: "welcome",
  version: "1.0.0",
  hooks: {
    "client.connected": async ({ client }, ctx) => {
      await ctx.publish(`welcome/${client.clientId}`, `hello ${client.clientId}`);
    },
  },
});

const broker = await startBroker({
  config: {
    listeners: { tcp: { type: "tcp", bind: `127.0.0.1:${Deno.args[0] ?? "1883"}` } },
    persistence: { backend: "memory" },
    auth: { allow_anonymous: true }, // this example has no authenticator
  },
  plugins: { welcome },
  // Plugins the application names by alias in its own deno.json, under "aviary.plugins".
  denoJson: new URL("./deno.json", import.meta.url),
  namespace: "aviary.plugins",
});
console.log(`listening on ${broker.listeners.get("tcp")!.port}`);

Deno.addSignalListener("SIGTERM", async () => {
  await broker.close();
  Deno.exit(0);
});
