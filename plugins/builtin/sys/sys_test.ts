import assert from "node:assert/strict";
import { connect, end, startTestBroker, waitFor } from "../../../tests/helpers.ts";
import { assertRunning, builtinHarness } from "../_testing.ts";
import { LoadAverages } from "./load.ts";

Deno.test("LoadAverages: a steady rate converges to that rate per minute", () => {
  const load = new LoadAverages();
  for (let t = 0; t <= 7200; t += 10) load.update({ n: t * 2 }, t * 1000); // 2/s = 120/min
  assert.ok(Math.abs(load.get("n", "1min") - 120) < 0.01);
  assert.ok(Math.abs(load.get("n", "15min") - 120) < 2);
});

Deno.test("sys: $SYS/broker topics (Mosquitto names) and per-plugin metrics reach a subscriber, retained", async () => {
  const broker = await startTestBroker(`
topic_check: {enable: true, plugins: [taboo]}
plugins:
  sys: {source: sys, config: {interval: 0.2}}
  taboo: {source: topic_taboo, config: {otherwise: allow}}
`);
  const sub = await connect(broker.url, { protocolVersion: 5 });
  const pub = await connect(broker.url, { protocolVersion: 5 });
  try {
    assertRunning(broker);
    const got = new Map<string, string>();
    sub.on("message", (t, p) => got.set(t, new TextDecoder().decode(p)));
    await sub.subscribeAsync("$SYS/#", { qos: 0 });
    await pub.publishAsync("hello", "world", { qos: 1 }); // one authorize call for taboo
    await waitFor(
      () =>
        Number(got.get("$SYS/broker/clients/connected")) === 2 &&
        got.has("$SYS/broker/plugins/taboo/hooks/client.authorize/latency/p99"),
      "$SYS topics",
      5000,
    );
    assert.match(got.get("$SYS/broker/version")!, /^aviary version \d+\.\d+\.\d+/);
    assert.match(got.get("$SYS/broker/uptime")!, /^\d+ seconds$/);
    for (
      const t of [
        "clients/total",
        "clients/maximum",
        "clients/disconnected",
        "messages/received",
        "messages/sent",
        "bytes/received",
        "bytes/sent",
        "publish/messages/dropped",
        "subscriptions/count",
        "retained messages/count",
        "load/messages/received/1min",
        "load/bytes/sent/15min",
      ]
    ) assert.ok(got.has(`$SYS/broker/${t}`), t);
    assert.ok(Number(got.get("$SYS/broker/subscriptions/count")) >= 1);
    assert.equal(got.get("$SYS/broker/plugins/taboo/state"), "running");
    assert.ok(Number(got.get("$SYS/broker/plugins/taboo/hooks/client.authorize/calls")) >= 2);
    assert.match(got.get("$SYS/broker/plugins/taboo/hooks/client.authorize/latency/p50")!, /^\d/);
    // retained: a late subscriber gets them at once
    const late = await connect(broker.url, { protocolVersion: 5 });
    const first = new Promise<string>((r) => late.once("message", (t) => r(t)));
    await late.subscribeAsync("$SYS/broker/version");
    assert.equal(await first, "$SYS/broker/version");
    await end(late);
  } finally {
    await end(sub);
    await end(pub);
    await broker.close();
  }
});

Deno.test("sys: in its process cage (harness): $SYS topics reach a real client, retained", async () => {
  const h = await builtinHarness("sys", { config: { interval: 0.2 } });
  try {
    const sub = await h.connect();
    const got = new Map<string, string>();
    sub.on("message", (t, p) => got.set(t, new TextDecoder().decode(p)));
    await sub.subscribeAsync("$SYS/broker/#");
    await h.waitFor(() => got.has("$SYS/broker/version"), "$SYS/broker/version", 5000);
    assert.match(got.get("$SYS/broker/version")!, /^aviary version /);
    assert.equal(h.messages.filter((m) => m.topic.startsWith("$SYS")).length, 0); // MQTT-4.7.2-1
    assert.equal(h.status().state, "running");
  } finally {
    await h.close();
  }
});
