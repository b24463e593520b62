// Faults (throw, hang, infinite loop, uncaught errors, setup failure), pipelining, context services.
import { deepEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import { client, fixture, message, startHost, until } from "./helpers.ts";
import { KvStore } from "../../plugins/host/store.ts";

const ev = (topic: string) => ({
  client: client(),
  action: "publish" as const,
  topic,
  qos: 0 as const,
  retain: false,
});
const hostile = (over = {}) => ({ source: fixture("hostile.ts"), timeout_ms: 200, ...over });

Deno.test("a throwing decide hook fails closed (on_error), is logged with plugin and hook, and counted", async () => {
  const { host, lines } = await startHost({
    plugins: { h: hostile(), lenient: hostile({ on_error: "ignore" }) },
    topicCheck: { enable: true, plugins: ["h"] },
  });
  const out = await host.authorize(ev("throw"));
  assertEquals([out.result, out.by], ["deny", "h"]);
  assertMatch(out.reason!, /plugin error: boom/);
  assertEquals((await host.authorize(ev("garbage"))).result, "deny");
  assert(lines.some((l) => l.fields?.plugin === "h" && l.fields?.hook === "client.authorize"));
  assertEquals(host.status()[0].metrics.errors, 2);
  await host.close();
  const r = await startHost({
    plugins: { lenient: hostile({ on_error: "ignore" }) },
    topicCheck: { enable: true, plugins: null },
  });
  assertEquals(
    await r.host.authorize(ev("throw")),
    { result: "deny", by: null },
    "ignored, then all-abstain deny",
  );
  await r.host.close();
});

Deno.test("a hook slower than timeout_ms takes on_timeout", async () => {
  const { host } = await startHost({
    plugins: { h: hostile({ on_timeout: "allow" }) },
    topicCheck: { enable: true, plugins: null },
  });
  const t0 = Date.now();
  assertEquals((await host.authorize(ev("hang"))).result, "allow");
  assert(Date.now() - t0 < 1000);
  assertEquals(host.status()[0].metrics.timeouts, 1);
  assertEquals(host.status()[0].state, "running", "a pending promise is not a hang");
  await host.close();
});

Deno.test("an infinite loop: the worker is terminated, shown crashed, and restarted", async () => {
  const { host, lines } = await startHost({
    plugins: { h: hostile() },
    topicCheck: { enable: true, plugins: null },
    restartBackoff: { initialMs: 300, maxMs: 1000 },
  });
  assertEquals((await host.authorize(ev("loop"))).result, "deny"); // on_timeout default
  await until(() => host.status()[0].state === "crashed");
  assertMatch(host.status()[0].error!, /unresponsive/);
  assertEquals(
    (await host.authorize(ev("read|/x"))).reason,
    "plugin unavailable: plugin is crashed",
  );
  await until(() => host.status()[0].state === "running");
  assertEquals(host.status()[0].metrics.restarts, 1);
  assertMatch((await host.authorize(ev("env|HOME"))).reason!, /NotCapable/);
  assert(lines.some((l) => l.level === "error" && /crashed, restarting in 300 ms/.test(l.msg)));
  await host.close();
});

Deno.test("a notify hook looping forever is caught by the watchdog too", async () => {
  const { host } = await startHost({ plugins: { h: hostile() } });
  host.notify("client.connected", { client: client({ clientId: "loop" }) });
  await until(() => host.status()[0].state === "crashed");
  await until(() => host.status()[0].state === "running");
  await host.close();
});

Deno.test("notify errors and uncaught errors are counted, never propagated", async () => {
  const { host } = await startHost({
    plugins: { h: hostile() },
    topicCheck: { enable: true, plugins: null },
  });
  for (let i = 0; i < 3; i++) host.notify("client.connected", { client: client() });
  await host.authorize(ev("uncaught"));
  await until(() => host.status()[0].metrics.errors === 4);
  assertEquals(host.status()[0].state, "running");
  await host.close();
});

Deno.test("setup throwing marks the plugin failed; its decide hook fails closed; others keep working", async () => {
  const { host } = await startHost({
    plugins: {
      bad: { source: fixture("bad_setup.ts") },
      good: { source: fixture("tagger.ts"), config: { prefix: "g/" } },
    },
    topicCheck: { enable: true, plugins: null },
  });
  const [bad, good] = host.status();
  assertEquals(bad.state, "failed");
  assertMatch(bad.error!, /setup\/start failed: cannot reach the database/);
  assertEquals(good.state, "running");
  assertEquals((await host.authorize(ev("a"))).result, "deny");
  assertEquals((await host.transform("message.publish", message("a")))?.topic, "g/a");
  await host.close();
});

Deno.test("pipelining: 1000 concurrent caged calls complete", async () => {
  const { host } = await startHost({
    plugins: { c: { source: fixture("counter.js") } },
    topicCheck: { enable: true, plugins: null },
  });
  const results = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => host.transform("message.publish", message(`m/${i}`))),
  );
  assert(results.every((m, i) => m?.topic === `m/${i}/counted`));
  const decisions = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => host.authorize(ev(i % 2 ? "ok/x" : "no/x"))),
  );
  assertEquals(decisions.filter((d) => d.result === "allow").length, 500);
  assertEquals(host.status()[0].metrics.calls, 2000);
  await host.close();
});

Deno.test("context services: publish, store, broker views and tagged logs reach the host", async () => {
  const dataDir = await Deno.makeTempDir();
  const { host, lines, published } = await startHost({
    plugins: { s: { source: fixture("services.ts") } },
    topicCheck: { enable: true, plugins: null },
    dataDir,
  });
  await host.authorize(ev("t/1"));
  const out = await host.authorize(ev("t/2"));
  assertEquals(out.reason, "n=2 clients=2 retained=1 keys=count");
  assertEquals(published[0].topic, "audit/c1");
  assertEquals(new TextDecoder().decode(published[0].payload), "seen t/1");
  assertEquals([published[0].qos, published[0].from.clientId], [1, "$plugin/s"]);
  assert(
    lines.some((l) =>
      l.msg === "authorize" && l.fields?.plugin === "s" && l.fields?.topic === "t/1"
    ),
  );
  await host.close();
  const saved = await KvStore.open(`${dataDir}/plugins/s/store.sqlite`);
  assertEquals(await saved.get("count"), 2);
  await saved.close();
  await Deno.remove(dataDir, { recursive: true });
});
