// Cost of a caged hook call: `deno bench --allow-read tests/plugins/host_bench.ts`.
// Each iteration: 1000 concurrent authorize calls into one worker, and 1000 one at a time.
import { PluginHost } from "../../plugins/host/mod.ts";
import { client, fakeServices, fixture } from "./helpers.ts";

const nolog = { debug() {}, info() {}, warn() {}, error() {} };
const host = await PluginHost.start({
  plugins: { c: { source: fixture("counter.js") } },
  topicCheck: { enable: true, plugins: null },
  log: nolog,
  services: fakeServices().services,
});
const ev = {
  client: client(),
  action: "publish" as const,
  topic: "ok/x",
  qos: 0 as const,
  retain: false,
};
const inProcess = await PluginHost.start({
  plugins: { c: { source: fixture("counter.js"), isolation: "none" } },
  topicCheck: { enable: true, plugins: null },
  log: nolog,
  services: fakeServices().services,
});

Deno.bench("caged authorize, 1000 in flight", { n: 50 }, async () => {
  await Promise.all(Array.from({ length: 1000 }, () => host.authorize(ev)));
});
Deno.bench("caged authorize, one at a time x1000", { n: 10 }, async () => {
  for (let i = 0; i < 1000; i++) await host.authorize(ev);
});
Deno.bench("in-process authorize, 1000 in flight", { n: 50 }, async () => {
  await Promise.all(Array.from({ length: 1000 }, () => inProcess.authorize(ev)));
});
Deno.bench("host.has() on an unregistered hookpoint", () => {
  host.has("message.delivered");
});
globalThis.addEventListener("unload", () => {
  host.close();
  inProcess.close();
});
