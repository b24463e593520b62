// Issue 9 item 5(a): a web page on another origin, or a DNS-rebound name, cannot drive the admin
// API. State-changing requests need the admin's own origin (or no browser headers at all), every
// request needs the admin's own Host, and bodies must have the documented media type. A real MQTT
// client is served during and after every refused request.
import assert from "node:assert/strict";
import { adminSelf, handleAdmin } from "../../server/admin/mod.ts";
import { AdminAuth } from "../../server/admin/auth.ts";
import type { ReadOnlyBroker } from "../../server/read_only_broker.ts";
import { silentLogger } from "../../lib/log.ts";
import { BASIC, call, startAdminBroker, Watcher } from "./fixtures/admin_broker.ts";
import { prefixerPackage, rawHttp, upload } from "./fixtures/admin_tar.ts";

const EVIL = { origin: "http://evil.example" };
const GRANT = JSON.stringify({ env: ["PREFIXER_DEBUG"] });

async function withBroker(
  fn: (b: Awaited<ReturnType<typeof startAdminBroker>>, w: Watcher) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const b = await startAdminBroker(`${dir}/data`);
  const w = await Watcher.open(b.url);
  try {
    await fn(b, w);
    await w.assertServing("the end of the test");
  } finally {
    await w.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("Admin: a cross-origin page cannot install, start or stop a plugin (403)", async () => {
  await withBroker(async (b, w) => {
    const pkg = await prefixerPackage();
    // A non-browser client (no Origin, no Sec-Fetch-Site) on loopback without users may install.
    let r = await call(b.api, "POST", "/plugins/install", upload(pkg, { grant: GRANT }));
    assert.equal(r.status, 201, JSON.stringify(r.body));

    r = await call(
      b.api,
      "POST",
      "/plugins/install",
      upload(pkg, { alias: "evil", grant: GRANT }),
      EVIL,
    );
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.code, "CROSS_ORIGIN");
    assert.match(String(r.body.message), /evil\.example/);
    await w.assertServing("cross-origin install");

    r = await call(b.api, "PUT", "/plugins/prefixer/start", undefined, EVIL);
    assert.equal(r.status, 403);
    r = await call(b.api, "PUT", "/plugins/prefixer/config", { prefix: "x/" }, EVIL);
    assert.equal(r.status, 403);
    r = await call(b.api, "DELETE", "/plugins/prefixer", undefined, EVIL);
    assert.equal(r.status, 403);
    await w.assertServing("cross-origin start");

    r = await call(b.api, "GET", "/plugins");
    const rows = r.body.data as { alias: string; state: string }[];
    assert.deepEqual(rows.map((p) => [p.alias, p.state]), [["prefixer", "stopped"]]);

    // Started by a same-origin request (what the dashboard sends), a cross-origin stop fails.
    const self = { origin: b.api, "sec-fetch-site": "same-origin" };
    r = await call(b.api, "PUT", "/plugins/prefixer/start", undefined, self);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await call(b.api, "PUT", "/plugins/prefixer/stop", undefined, EVIL);
    assert.equal(r.status, 403);
    r = await call(b.api, "GET", "/plugins/prefixer");
    assert.equal(r.body.state, "running");
    r = await call(b.api, "PUT", "/plugins/prefixer/stop", undefined, { origin: "null" });
    assert.equal(r.status, 403, "an opaque origin is not the admin's origin");
    await w.assertServing("cross-origin stop");
  });
});

Deno.test("Admin: Sec-Fetch-Site other than same-origin/none is refused (403)", async () => {
  await withBroker(async (b, w) => {
    for (const site of ["cross-site", "same-site"]) {
      const r = await call(
        b.api,
        "POST",
        "/plugins/install",
        { source: "/nonexistent.tar.gz" },
        { "sec-fetch-site": site },
      );
      assert.equal(r.status, 403, site);
      assert.equal(r.body.code, "CROSS_ORIGIN");
      assert.match(String(r.body.message), new RegExp(site));
      await w.assertServing(`Sec-Fetch-Site: ${site}`);
    }
    // `none` (typed in the address bar) and same-origin pass the origin check.
    const r = await call(b.api, "POST", "/plugins/install", { source: "/nonexistent.tar.gz" }, {
      "sec-fetch-site": "none",
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
  });
});

Deno.test("Admin: form-encoded and text/plain bodies are refused (415)", async () => {
  await withBroker(async (b, w) => {
    const cases: [string, string, string, string][] = [
      ["POST", "/plugins/install", "application/x-www-form-urlencoded", "source=/tmp/x.tar.gz"],
      ["POST", "/plugins/install", "text/plain", '{"source":"/tmp/x.tar.gz"}'],
      ["PUT", "/plugins/prefixer/config", "text/plain", '{"prefix":"x/"}'],
      ["POST", "/plugins/prefixer/move", "application/x-www-form-urlencoded", "position=front"],
      ["PUT", "/plugins/prefixer/start", "text/plain", "go"],
    ];
    for (const [method, path, type, body] of cases) {
      const r = await call(b.api, method, path, body, { "content-type": type });
      assert.equal(r.status, 415, `${method} ${path} ${type}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, "UNSUPPORTED_MEDIA_TYPE");
      assert.match(String(r.body.message), /application\/json/);
      await w.assertServing(`${type} ${path}`);
    }
    const r = await call(b.api, "GET", "/plugins");
    assert.deepEqual(r.body.data, []);
  });
});

Deno.test("Admin: a wrong Host header is refused for every request, GET too (421)", async () => {
  await withBroker(async (b, w) => {
    const port = b.adminPort;
    for (const host of ["evil.example:18083", `evil.example:${port}`, `127.0.0.1:${port + 1}`]) {
      for (const path of ["/api/v1/plugins", "/api/v1/openapi.json", "/", "/app.js"]) {
        const r = await rawHttp(port, `GET ${path} HTTP/1.1\r\nHost: ${host}`);
        assert.equal(r.status, 421, `${host} ${path}`);
        if (path.startsWith("/api")) {
          const body = JSON.parse(r.body);
          assert.equal(body.code, "MISDIRECTED_REQUEST");
          assert.match(body.message, /Host/);
        }
      }
      await w.assertServing(`Host: ${host}`);
    }
    const r = await rawHttp(
      port,
      `POST /api/v1/plugins/install HTTP/1.1\r\nHost: evil.example:${port}\r\n` +
        "Content-Type: application/json",
      '{"source":"/tmp/x.tar.gz"}',
    );
    assert.equal(r.status, 421);
    // The loopback equivalents of the bind address are the admin's own names.
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`]) {
      const ok = await rawHttp(port, `GET /api/v1/plugins HTTP/1.1\r\nHost: ${host}`);
      assert.equal(ok.status, 200, host);
    }
  });
});

Deno.test("Admin: no CORS header ever widens access, preflights included", async () => {
  await withBroker(async (b, w) => {
    const res = await fetch(`${b.api}/api/v1/plugins/install`, {
      method: "OPTIONS",
      headers: {
        origin: "http://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    await res.body?.cancel();
    assert.ok(res.status >= 400, `preflight answered ${res.status}`);
    for (const r of [res, await fetch(`${b.api}/api/v1/plugins`, { headers: EVIL })]) {
      await r.body?.cancel();
      for (const [name] of r.headers) assert.ok(!name.startsWith("access-control-"), name);
    }
    await w.assertServing("preflight");
  });
});

Deno.test("Admin: an oversized JSON body is refused (413) without reading it all", async () => {
  await withBroker(async (b, w) => {
    const big = JSON.stringify({ source: "x".repeat(2 * 1024 * 1024) });
    const r = await call(b.api, "POST", "/plugins/install", big, {
      "content-type": "application/json",
    });
    assert.equal(r.status, 413);
    assert.equal(r.body.code, "TOO_LARGE");
    await w.assertServing("oversized JSON");
  });
});

Deno.test("Admin: valid credentials do not make a cross-origin change acceptable (403)", async () => {
  const dir = await Deno.makeTempDir();
  const b = await startAdminBroker(`${dir}/data`, { users: true });
  const w = await Watcher.open(b.url);
  try {
    const auth = { authorization: BASIC };
    let r = await call(b.api, "POST", "/plugins/install", { source: "/x.tar.gz" }, {
      ...auth,
      ...EVIL,
    });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, "CROSS_ORIGIN");
    r = await call(b.api, "POST", "/plugins/install", { source: "/x.tar.gz" }, {
      ...auth,
      "sec-fetch-site": "cross-site",
    });
    assert.equal(r.status, 403);
    await w.assertServing("credentialed cross-origin install");
    // The same request from the admin's own origin, or from the CLI, reaches the handler.
    r = await call(b.api, "POST", "/plugins/install", { source: "/x.tar.gz" }, {
      ...auth,
      origin: b.api,
    });
    assert.equal(r.body.code, "BAD_PACKAGE", JSON.stringify(r.body));
    r = await call(b.api, "POST", "/plugins/install", { source: "/x.tar.gz" }, auth);
    assert.equal(r.body.code, "BAD_PACKAGE");
    r = await call(b.api, "POST", "/plugins/install", { source: "/x.tar.gz" }, EVIL);
    assert.equal(r.status, 403, "the origin check comes before authentication");
  } finally {
    await w.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Admin: a wildcard bind answers to IP literals and loopback names, never a DNS name", async () => {
  const deps = { broker: {} as ReadOnlyBroker, manager: null, log: silentLogger };
  const auth = new AdminAuth({ users: [], api_keys: [] });
  const self = adminSelf(["0.0.0.0"], 18083);
  const get = (host: string) =>
    handleAdmin(
      new Request("http://127.0.0.1:18083/api/v1/openapi.json", { headers: { host } }),
      auth,
      deps,
      self,
    );
  for (const host of ["192.168.1.20:18083", "[fe80::1]:18083", "localhost:18083"]) {
    const res = await get(host);
    await res.body?.cancel();
    assert.equal(res.status, 200, host);
  }
  for (
    const host of ["rebind.evil.example:18083", "192.168.1.20:80", "192.168.1.20", "a@b:18083"]
  ) {
    const res = await get(host);
    assert.equal(res.status, 421, host);
    assert.equal((await res.json()).code, "MISDIRECTED_REQUEST");
  }
});
