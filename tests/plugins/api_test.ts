// Plugin HTTP endpoints (`api` on a plugin's default export), served at
// /api/v1/plugin_api/{alias}/... by a real broker's admin API to real fetch() calls, with the
// plugin in its process cage and in a Worker. Hostile: handlers that throw, hang, answer junk,
// huge bodies, forbidden headers, path tricks, no credentials, another origin.
import assert from "node:assert/strict";
import { hashSecret } from "../../server/admin/mod.ts";
import { connect, end, startTestBroker, type TestBroker } from "../helpers.ts";
import { fixture } from "./helpers.ts";

const USER = "admin";
const PASSWORD = "s3cret-pass";
const AUTH = { authorization: `Basic ${btoa(`${USER}:${PASSWORD}`)}` };

type Isolation = "process" | "worker" | "none";

async function start(isolation: Isolation): Promise<TestBroker & { api: string }> {
  // Its own data_dir: a stop is recorded in <data_dir>/plugins/state.json.
  const dataDir = await Deno.makeTempDir({ prefix: "aviary-plugin-api-" });
  const yaml = `data_dir: ${JSON.stringify(dataDir)}
admin:
  enable: true
  bind: "127.0.0.1:0"
  users: [{username: ${USER}, password_hash: "${await hashSecret(PASSWORD, 1000)}"}]
plugins:
  stats:
    source: ${JSON.stringify(fixture("api_endpoints.ts"))}
    isolation: ${isolation}
    timeout_ms: 500
    config: {}
  other:
    source: ${JSON.stringify(fixture("tagger.ts"))}
    isolation: worker
    config: {secret_token: "other-plugin-secret"}
    enabled: false
`;
  const b = await startTestBroker(yaml);
  const close = async () => {
    await b.close();
    await Deno.remove(dataDir, { recursive: true });
  };
  return { ...b, close, api: `${b.admin!.url}/api/v1/plugin_api` };
}

async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; text: string; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, headers: { ...AUTH, ...init.headers } });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, body };
}

for (const isolation of ["process", "worker", "none"] as const) {
  Deno.test(`plugin api (${isolation}): endpoints answer, with params, query and bodies`, async () => {
    const b = await start(isolation);
    try {
      const pub = await connect(b.url);
      await pub.publishAsync("a/b", "1");
      await end(pub);
      let r = await call(`${b.api}/stats/stats`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body, { seen: 1 });
      assert.equal(r.headers.get("content-type"), "application/json");
      r = await call(`${b.api}/stats/items/a%20b?x=1&x=2&__proto__=p`, {
        headers: { cookie: "s=1" },
      });
      assert.equal(r.body.id, "a b");
      assert.deepEqual(r.body.query, JSON.parse('{"__proto__": "p", "x": "1"}'));
      const seenHeaders = r.body.headers as Record<string, string>;
      assert.equal(seenHeaders.authorization, undefined, "credentials never reach the plugin");
      assert.equal(seenHeaders.cookie, undefined);
      const json = { "content-type": "application/json" };
      r = await call(`${b.api}/stats/items/7`, { method: "PUT", headers: json, body: '{"n":3}' });
      assert.equal(r.status, 201);
      assert.deepEqual(r.body, { id: "7", got: { n: 3 } });
      r = await call(`${b.api}/stats/echo`, { method: "POST", headers: json, body: "[1,2]" });
      assert.equal(r.status, 202);
      assert.equal(r.text, "[1,2]");
      r = await call(`${b.api}/stats/items/7`, { method: "DELETE" });
      assert.equal(r.status, 204);
      r = await call(`${b.api}/stats/nope`);
      assert.equal(r.status, 404);
      assert.equal(r.body.code, "NOT_FOUND");
      r = await call(`${b.api}/stats/stats`, { method: "DELETE" });
      assert.equal(r.status, 405);
      assert.match(String(r.body.message), /Use GET on \/stats/);
    } finally {
      await b.close();
    }
  });

  Deno.test(`plugin api (${isolation}): a handler that throws is a 500 and a counted fault; MQTT goes on`, async () => {
    const b = await start(isolation);
    try {
      const r = await call(`${b.api}/stats/throw`);
      assert.equal(r.status, 500);
      assert.equal(r.body.code, "PLUGIN_ERROR");
      assert.match(String(r.body.message), /handler exploded/);
      const row = b.plugins!.status().find((s) => s.alias === "stats")!;
      assert.equal(row.metrics.errors, 1);
      assert.equal(row.state, "running");
      const c = await connect(b.url);
      await c.publishAsync("still/serving", "x");
      await end(c);
    } finally {
      await b.close();
    }
  });
}

Deno.test("plugin api: a handler that never answers is a 504 after the plugin's timeout_ms", async () => {
  const b = await start("worker");
  try {
    const t0 = performance.now();
    const pending = call(`${b.api}/stats/hang`);
    const c = await connect(b.url); // the broker serves MQTT while the endpoint hangs
    await c.publishAsync("during/hang", "x");
    await end(c);
    const r = await pending;
    assert.equal(r.status, 504);
    assert.equal(r.body.code, "PLUGIN_TIMEOUT");
    assert.match(String(r.body.message), /within 500 ms/);
    assert.ok(performance.now() - t0 < 3000);
    assert.equal(b.plugins!.status().find((s) => s.alias === "stats")!.metrics.timeouts, 1);
  } finally {
    await b.close();
  }
});

Deno.test("plugin api: junk answers are 502 with the reason; forbidden headers never go out", async () => {
  const b = await start("process");
  try {
    const cases: [string, RegExp][] = [
      ["junk", /answered a number, not \{status, headers, body\}/],
      ["bad-status", /status must be an integer from 200 to 599, got 1000/],
      ["cookie", /header "set-cookie" may not be set/],
      ["crlf", /header "x-a" value has control characters/],
      ["hop", /header "transfer-encoding" may not be set/],
      ["cors", /header "access-control-allow-origin" may not be set/],
      ["huge", /response body is over the limit of 1048576 bytes/],
    ];
    for (const [path, why] of cases) {
      const r = await call(`${b.api}/stats/${path}`);
      assert.equal(r.status, 502, path);
      assert.equal(r.body.code, "BAD_PLUGIN_RESPONSE", path);
      assert.match(String(r.body.message), why, path);
      assert.equal(r.headers.get("set-cookie"), null);
    }
    const faults = b.plugins!.status().find((s) => s.alias === "stats")!.metrics.errors;
    assert.equal(faults, cases.length);
    const html = await call(`${b.api}/stats/html`);
    assert.equal(html.status, 200);
    assert.equal(html.headers.get("content-security-policy"), "sandbox; default-src 'none'");
    assert.equal(html.headers.get("x-content-type-options"), "nosniff");
  } finally {
    await b.close();
  }
});

Deno.test("plugin api: oversize request bodies are 413; non-JSON bodies 415", async () => {
  const b = await start("worker");
  try {
    const json = { "content-type": "application/json" };
    const big = `"${"x".repeat(1024 * 1024)}"`;
    let r = await call(`${b.api}/stats/echo`, { method: "POST", headers: json, body: big });
    assert.equal(r.status, 413);
    assert.equal(r.body.code, "TOO_LARGE");
    const form = { "content-type": "application/x-www-form-urlencoded" };
    r = await call(`${b.api}/stats/echo`, { method: "POST", headers: form, body: "a=1" });
    assert.equal(r.status, 415);
  } finally {
    await b.close();
  }
});

Deno.test("plugin api: path tricks in the alias and the path are refused", async () => {
  const b = await start("worker");
  try {
    const base = b.admin!.url;
    const tries: [string, number][] = [
      ["/api/v1/plugin_api/stats/items%2F..%2F..%2Fplugins", 400],
      ["/api/v1/plugin_api/stats/items/%2e%2e%2fx", 400],
      ["/api/v1/plugin_api/stats/a%5Cb", 400],
      ["/api/v1/plugin_api/stats//stats", 400],
      ["/api/v1/plugin_api/stats/x%00", 400],
      ["/api/v1/plugin_api/st%2Fats/stats", 400],
      ["/api/v1/plugin_api/..%2Fstats/stats", 400],
      ["/api/v1/plugin_api/nobody/stats", 404],
    ];
    for (const [path, status] of tries) {
      const r = await call(`${base}${path}`);
      assert.equal(r.status, status, `${path}: ${r.text}`);
    }
    // `..` segments are resolved by the URL parser before routing: they never reach a plugin.
    const r = await call(`${base}/api/v1/plugin_api/stats/../../plugins`);
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.body.data), "resolved to /api/v1/plugins, not into the plugin");
  } finally {
    await b.close();
  }
});

Deno.test("plugin api: no credentials is 401; another origin's change is 403", async () => {
  const b = await start("worker");
  try {
    let res = await fetch(`${b.api}/stats/stats`);
    assert.equal(res.status, 401);
    await res.body?.cancel();
    res = await fetch(`${b.api}/stats/echo`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json", origin: "http://evil.example" },
      body: "{}",
    });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).code, "CROSS_ORIGIN");
  } finally {
    await b.close();
  }
});

Deno.test("plugin api: a stopped plugin is 503; the listing and OpenAPI name the endpoints", async () => {
  const b = await start("worker");
  try {
    let r = await call(`${b.api}`);
    assert.equal(r.status, 200);
    const paths = r.body.paths as Record<string, Record<string, unknown>>;
    assert.ok(paths["/plugin_api/stats/stats"].get);
    assert.ok(paths["/plugin_api/stats/items/{id}"].put);
    r = await call(`${b.admin!.url}/api/v1/openapi.json`);
    assert.ok((r.body.paths as Record<string, unknown>)["/plugin_api/{alias}/{path+}"]);
    await b.manager!.stop("stats");
    r = await call(`${b.api}/stats/stats`);
    assert.equal(r.status, 503);
    assert.equal(r.body.code, "PLUGIN_UNAVAILABLE");
    r = await call(`${b.api}/other/stats`);
    assert.equal(r.status, 503, "installed but not running");
  } finally {
    await b.close();
  }
});

Deno.test("ctx.broker.config(): the plugin sees limits and its own entry, never secrets", async () => {
  const b = await start("process");
  try {
    const r = await call(`${b.api}/stats/config`);
    assert.equal(r.status, 200, r.text);
    const view = r.body as Record<string, Record<string, unknown>>;
    assert.equal(view.mqtt.max_packet_size, b.config.mqtt.max_packet_size);
    assert.equal(view.plugin.alias, "stats");
    assert.equal(view.plugin.timeout_ms, 500);
    assert.equal(view.admin.users, "[redacted]");
    assert.equal(view.plugins, undefined);
    assert.ok(!r.text.includes("other-plugin-secret"), "another plugin's config leaks");
    assert.ok(!r.text.includes("pbkdf2") && !r.text.includes("$"), "a password hash leaks");
  } finally {
    await b.close();
  }
});
