// Chain rules, priority order and aMQTT auth/topic_check semantics, run in-process (no workers).
import { deepEqual as assertEquals } from "node:assert/strict";
import type { PluginEntryInput } from "../../plugins/host/mod.ts";
import { client, fixture, message, startHost } from "./helpers.ts";

const vote = (answer: string, over: Partial<PluginEntryInput> = {}): PluginEntryInput => ({
  source: fixture("vote.ts"),
  isolation: "none",
  config: { answer },
  ...over,
});

Deno.test("decide: the first non-ignore answer in priority order wins; ties keep config order", async () => {
  const { host } = await startHost({
    plugins: {
      low: vote("allow", { priority: 1 }),
      abstain: vote("ignore", { priority: 9 }),
      first: vote("deny", { priority: 5 }),
      tie: vote("allow", { priority: 5 }),
    },
    topicCheck: { enable: true, plugins: null },
  });
  const out = await host.authorize({
    client: client(),
    action: "publish",
    topic: "a",
    qos: 0,
    retain: false,
  });
  assertEquals(out, { result: "deny", reason: "vote says no", reasonCode: 135, by: "first" });
  await host.close();
});

Deno.test("decide: true/false answers and superuser on authenticate", async () => {
  const { host } = await startHost({
    plugins: {
      a: vote("true"),
      b: vote("allow", { config: { answer: "allow", superuser: true } }),
    },
    auth: { allow_anonymous: false, plugins: ["b"] },
  });
  assertEquals(await host.authenticate({ client: client() }), {
    result: "allow",
    superuser: true,
    by: "b",
  });
  await host.close();
});

Deno.test("authenticate: all ignore follows allow_anonymous (aMQTT roles)", async () => {
  const cases: [boolean, string | null, boolean, string][] = [
    // allow_anonymous, username, has an auth plugin, expected
    [true, null, true, "allow"],
    [false, null, true, "deny"],
    [true, "bob", true, "deny"], // a username nobody vouched for
    [true, "bob", false, "allow"], // nobody checks credentials at all
    [false, "bob", false, "deny"],
  ];
  for (const [allow_anonymous, username, withPlugin, expected] of cases) {
    const { host } = await startHost({
      plugins: withPlugin ? { v: vote("ignore") } : {},
      auth: { allow_anonymous, plugins: null },
    });
    const out = await host.authenticate({ client: client({ username }) });
    assertEquals(out.result, expected, JSON.stringify({ allow_anonymous, username, withPlugin }));
    await host.close();
  }
});

Deno.test("authenticate: only aliases under auth.plugins are consulted", async () => {
  const { host } = await startHost({
    plugins: { yes: vote("allow", { priority: 10 }), no: vote("deny") },
    auth: { allow_anonymous: false, plugins: ["no"] },
  });
  assertEquals((await host.authenticate({ client: client() })).by, "no");
  await host.close();
});

Deno.test("authorize: topic_check disabled allows without calling; enabled and all abstain denies", async () => {
  const ev = {
    client: client(),
    action: "subscribe" as const,
    topic: "a/#",
    qos: 1 as const,
    retain: false,
  };
  let r = await startHost({
    plugins: { v: vote("deny") },
    topicCheck: { enable: false, plugins: ["v"] },
  });
  assertEquals(await r.host.authorize(ev), { result: "allow", by: null });
  assertEquals(r.host.status()[0].metrics.calls, 0);
  await r.host.close();
  r = await startHost({
    plugins: { v: vote("ignore") },
    topicCheck: { enable: true, plugins: ["v"] },
  });
  assertEquals(await r.host.authorize(ev), { result: "deny", by: null });
  await r.host.close();
  r = await startHost({ plugins: {}, topicCheck: { enable: true, plugins: ["missing"] } });
  assertEquals((await r.host.authorize(ev)).result, "deny", "named but not loaded: fail closed");
  await r.host.close();
  r = await startHost({ plugins: {}, topicCheck: { enable: true, plugins: null } });
  assertEquals((await r.host.authorize(ev)).result, "allow", "nobody checks topics");
  await r.host.close();
});

Deno.test("transform: each plugin sees the previous output, priority first; drop ends the chain", async () => {
  const { host } = await startHost({
    plugins: {
      second: vote("ignore", { priority: 1 }),
      tag: {
        source: fixture("tagger.ts"),
        isolation: "none",
        priority: 2,
        config: { prefix: "p/" },
      },
    },
  });
  assertEquals((await host.transform("message.publish", message("x")))?.topic, "p/x/second");
  assertEquals(await host.transform("message.publish", message("drop/x")), null);
  const filters = await host.transform("client.subscribe", {
    client: client(),
    filters: [{ topic: "#", qos: 0 }, { topic: "a", qos: 1 }],
  });
  assertEquals(filters, [{ topic: "a", qos: 1 }]);
  assertEquals(host.has("message.publish"), true);
  assertEquals(host.has("message.delivered"), false);
  await host.close();
});

Deno.test("config: schema defaults filled, bad fields named by path", async () => {
  const { host } = await startHost({
    plugins: {
      ok: { source: fixture("tagger.ts"), isolation: "none", config: {} },
      bad: { source: fixture("tagger.ts"), isolation: "none", config: { limits: { max: "lots" } } },
    },
  });
  const [ok, bad] = host.status();
  assertEquals([ok.state, ok.name, ok.version], ["running", "tagger", "1.2.3"]);
  assertEquals(bad.state, "failed");
  assertEquals(
    bad.error,
    'Cannot load plugin "bad": invalid config: limits.max: "lots" is not an integer',
  );
  await host.close();
});

Deno.test("in-process plugins are logged as full trust", async () => {
  const { host, lines } = await startHost({ plugins: { v: vote("ignore") } });
  assertEquals(lines.some((l) => l.level === "warn" && /full trust/.test(l.msg)), true);
  await host.close();
});
