// The worker cage: sources (path, file URL, http, npm, built-in), integrity, grants, and escape
// attempts through Deno APIs and through `import`.
import { deepEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { sriSha256 } from "../../plugins/host/mod.ts";
const toFileUrl = (p: string): URL => new URL(`file://${p}`);
import { client, fixture, message, startHost } from "./helpers.ts";

const FIXTURE_DIR = fixture("");
const ev = (topic: string) => ({
  client: client(),
  action: "publish" as const,
  topic,
  qos: 0 as const,
  retain: false,
});

/** Serves `routes` on 127.0.0.1; JS/TS by path. */
function serve(routes: Record<string, string>) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (!(path in routes)) return new Response("not found", { status: 404 });
    return new Response(routes[path], { headers: { "content-type": "application/javascript" } });
  });
  return { server, base: `http://127.0.0.1:${server.addr.port}` };
}

Deno.test("loads from a relative path, a file URL and a built-in name", async () => {
  const { host } = await startHost({
    baseDir: FIXTURE_DIR,
    plugins: {
      rel: { source: "./tagger.ts", config: { prefix: "rel/" }, priority: 2 },
      url: { source: toFileUrl(fixture("vote.ts")).href, priority: 1 },
      builtin: { source: "example" },
    },
  });
  assertEquals(host.status().map((s) => [s.alias, s.state, s.name, s.error]), [
    ["rel", "running", "tagger", undefined],
    ["url", "running", "vote", undefined],
    ["builtin", "running", "example", undefined],
  ]);
  const out = await host.transform("message.publish", message("$aviary/example/ping"));
  assertEquals(out?.topic, "rel/$aviary/example/ping/url");
  await host.close();
});

Deno.test("built-in runs in a worker and uses its store", async () => {
  const { host } = await startHost({ plugins: { ex: { source: "example" } } });
  const out = await host.transform("message.publish", message("$aviary/example/ping"));
  assertEquals(out?.properties?.userProperties, { pings: "1" });
  await host.close();
});

Deno.test("loads over http, with a matching integrity pin, and refuses a mismatch", async () => {
  const code = await Deno.readTextFile(fixture("counter.js"));
  const { server, base } = serve({ "/counter.js": code });
  const good = await sriSha256(new TextEncoder().encode(code));
  const bad = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  const { host } = await startHost({
    plugins: {
      plain: { source: `${base}/counter.js` },
      pinned: { source: `${base}/counter.js`, integrity: good },
      tampered: { source: `${base}/counter.js`, integrity: bad },
      missing: { source: `${base}/nope.js` },
    },
  });
  const [plain, pinned, tampered, missing] = host.status();
  assertEquals([plain.state, pinned.state, tampered.state, missing.state], [
    "running",
    "running",
    "failed",
    "failed",
  ]);
  assertEquals(
    tampered.error,
    `Cannot load plugin "tampered": integrity mismatch (expected ${bad}, got ${good})`,
  );
  assertMatch(missing.error!, /Cannot load plugin "missing": cannot read .*HTTP 404/);
  await host.close();
  await server.shutdown();
});

Deno.test("an npm: source is resolved and imported inside the worker", async () => {
  // No npm package exports an Aviary plugin; avsc (cached, pure JS) proves resolution+import in a
  // permission-less worker, then fails the plugin-shape check.
  const { host } = await startHost({ plugins: { n: { source: "npm:avsc@5.7.9" } } });
  assertEquals(
    host.status()[0].error,
    'Cannot load plugin "n": plugin name must be a non-empty string',
  );
  await host.close();
});

Deno.test("permissions: declared beyond the grant is refused, a typo is refused, a grant loads", async () => {
  const { host } = await startHost({
    plugins: {
      refused: { source: fixture("needs_net.ts") },
      partial: { source: fixture("needs_net.ts"), permissions: { net: ["other.org"] } },
      granted: {
        source: fixture("needs_net.ts"),
        permissions: { net: ["example.com"], env: true },
      },
      typo: { source: fixture("typo_permission.ts"), permissions: { net: true } },
      grantTypo: { source: fixture("needs_net.ts"), permissions: { nett: true } as never },
    },
  });
  const s = Object.fromEntries(host.status().map((x) => [x.alias, x]));
  assertEquals(
    s.refused.error,
    'Cannot load plugin "refused": permission net ["example.com"] not granted',
  );
  assertEquals(
    s.partial.error,
    'Cannot load plugin "partial": permission net ["example.com"] not granted',
  );
  assertEquals(s.granted.state, "running");
  assertMatch(s.typo.error!, /unknown permission "nett"/);
  assertMatch(s.grantTypo.error!, /unknown permission "nett"/);
  await host.close();
});

Deno.test("escape attempts through Deno APIs and import are NotCapable; the host keeps serving", async () => {
  const { server, base } = serve({ "/x.js": "export default 'remote code'" });
  const tmp = await Deno.makeTempFile();
  const { host } = await startHost({
    plugins: { h: { source: fixture("hostile.ts"), timeout_ms: 2000 } },
    topicCheck: { enable: true, plugins: null },
  });
  const attacks: [string, RegExp][] = [
    ["read|/etc/passwd", /^NotCapable: Requires read access/],
    [`read|${tmp}`, /^NotCapable: Requires read access/],
    [`write|${tmp}`, /^NotCapable: Requires write access/],
    [`fetch|${base}/x.js`, /^NotCapable: Requires net access to "127.0.0.1:\d+"/],
    ["env|HOME", /^NotCapable: Requires env access/],
    ["run|id", /^NotCapable: Requires run access/],
    ["import-text|file:///etc/passwd", /Requires read access to "\/etc\/passwd"/],
    [`import|${toFileUrl(fixture("counter.js")).href}`, /Requires read access/],
    // A plugin process runs --cached-only: a remote module nobody resolved at load is refused
    // before any permission check, so nothing leaves the machine.
    [`import|${base}/x.js`, /Requires import access to "127.0.0.1:\d+"|not found in cache/],
  ];
  for (const [topic, expected] of attacks) {
    const out = await host.authorize(ev(topic));
    assertEquals(out.result, "deny", `${topic}: ${out.reason}`);
    assertMatch(out.reason!, expected, topic);
  }
  assertEquals(host.status()[0].state, "running");
  await host.close();
  await server.shutdown();
  await Deno.remove(tmp);
});

Deno.test("escape through static imports is refused at load", async () => {
  const { server, base } = serve({ "/x.js": "export default 'remote code'" });
  const dir = await Deno.makeTempDir();
  const sources: Record<string, string> = {
    text:
      `import s from "file:///etc/passwd" with { type: "text" }; export default { name: "a", version: "1", hooks: {}, s };`,
    json: `import s from ${
      JSON.stringify(toFileUrl(Deno.cwd() + "/deno.json").href)
    } with { type: "json" }; export default { name: "a", version: "1", hooks: {}, s };`,
    http: `import s from "${base}/x.js"; export default { name: "a", version: "1", hooks: {}, s };`,
    relative:
      `import s from "./sibling.js"; export default { name: "a", version: "1", hooks: {}, s };`,
  };
  const plugins: Record<string, { source: string }> = {};
  for (const [name, code] of Object.entries(sources)) {
    await Deno.writeTextFile(`${dir}/${name}.js`, code);
    plugins[name] = { source: `${dir}/${name}.js` };
  }
  await Deno.writeTextFile(`${dir}/sibling.js`, "export default 1;");
  const { host } = await startHost({ plugins });
  const s = Object.fromEntries(host.status().map((x) => [x.alias, x.error]));
  assertMatch(s.text!, /Cannot load plugin "text": .*Requires read access to "\/etc\/passwd"/);
  assertMatch(s.json!, /Requires read access to ".*deno.json"/);
  assertMatch(s.http!, /Requires import access to "127.0.0.1:\d+"|not found in cache/);
  assertMatch(s.relative!, /relative imports cannot resolve: bundle the plugin/);
  await host.close();
  await server.shutdown();
  await Deno.remove(dir, { recursive: true });
});
