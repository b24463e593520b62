// The whole lifecycle of one plugin over the REST API, observed by a real MQTT client; then a
// broker restart on the same data_dir keeps installed plugins, order, state and config.
import assert from "node:assert/strict";
import { roundTrip } from "../helpers.ts";
import { adminSelf, handleAdmin, OPENAPI, ROUTES, startAdmin } from "../../server/admin/mod.ts";
import { AdminAuth } from "../../server/admin/auth.ts";
import { silentLogger } from "../../lib/log.ts";
import type { ReadOnlyBroker } from "../../server/read_only_broker.ts";
import {
  api,
  buildPackage,
  hostileTarGz,
  KEY_ID,
  KEY_SECRET,
  startAdminBroker,
} from "./helpers.ts";

function upload(bytes: Uint8Array, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.append("file", new File([bytes as Uint8Array<ArrayBuffer>], "prefixer-1.0.0.tar.gz"));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return form;
}

Deno.test("REST: install, configure, start, reorder, stop, restart the broker, uninstall", async () => {
  const dir = await Deno.makeTempDir();
  const pkgPath = await buildPackage(dir);
  const pkg = await Deno.readFile(pkgPath);
  const dataDir = `${dir}/data`;
  let b = await startAdminBroker(dataDir);
  try {
    // Authentication: nothing, wrong password, API key as bearer.
    let res = await fetch(`${b.api}/api/v1/plugins`);
    assert.equal(res.status, 401);
    assert.equal((await res.json()).code, "UNAUTHORIZED");
    res = await fetch(`${b.api}/api/v1/plugins`, {
      headers: { authorization: `Bearer ${KEY_ID}:${KEY_SECRET}` },
    });
    assert.deepEqual(await res.json(), { data: [] });

    // A tar entry escaping the install dir is refused.
    let r = await api(b.api, "POST", "/plugins/install", upload(await hostileTarGz("../evil.js")));
    assert.equal(r.status, 400);
    assert.equal(r.body.code, "BAD_PACKAGE");
    assert.match(String(r.body.message), /escapes the install directory/);

    // A malformed grant is refused by the server with the dashboard's rules; nothing installed.
    for (const bad of ['{"net": ["::::"]}', '{"env": ["<img>"]}', '["env"]', '{"nope": true}']) {
      r = await api(b.api, "POST", "/plugins/install", upload(pkg, { grant: bad }));
      assert.equal(r.status, 400, bad);
      assert.match(String(r.body.message), /^Bad grant: /, bad);
    }

    // Without a grant: 403 listing what the plugin asks for; nothing installed.
    r = await api(b.api, "POST", "/plugins/install", upload(pkg));
    assert.equal(r.status, 403);
    assert.equal(r.body.code, "GRANT_REQUIRED");
    assert.deepEqual(r.body.permissions, { env: ["PREFIXER_DEBUG"] });
    const grant = JSON.stringify(r.body.permissions);
    r = await api(b.api, "POST", "/plugins/install", upload(pkg, { grant }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.alias, "prefixer");
    assert.equal(r.body.state, "stopped");

    // Schema with $ui hints and i18n labels.
    r = await api(b.api, "GET", "/plugins/prefixer/schema");
    const fields =
      (r.body.schema as { fields: { name: string; $ui?: { label: string } }[] }).fields;
    assert.equal(fields[0].$ui?.label, "$prefix_label");
    assert.equal(
      (r.body.i18n as Record<string, Record<string, string>>).$prefix_label.en,
      "Topic prefix",
    );

    // Bad config: field errors, nothing changes.
    r = await api(b.api, "PUT", "/plugins/prefixer/config", { prefix: "Bad Prefix", max_len: "x" });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, "BAD_CONFIG");
    const paths = (r.body.errors as { path: string }[]).map((e) => e.path).sort();
    assert.deepEqual(paths, ["max_len", "prefix"]);
    r = await api(b.api, "PUT", "/plugins/prefixer/config", { prefix: "a/" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((r.body.config as Record<string, unknown>).mode, "on"); // default filled

    // Start: the MQTT client sees the rewritten topic.
    r = await api(b.api, "PUT", "/plugins/prefixer/start");
    assert.equal(r.body.state, "running", JSON.stringify(r.body));
    assert.equal(await roundTrip(b.url, "t/1"), "a/t/1");

    // configChanged refuses; the old config stays. A live change applies without restart.
    r = await api(b.api, "PUT", "/plugins/prefixer/config", { prefix: "refuse/" });
    assert.equal(r.body.code, "CONFIG_REFUSED");
    assert.match(String(r.body.message), /not allowed/);
    assert.equal(await roundTrip(b.url, "t/2"), "a/t/2");
    r = await api(b.api, "PUT", "/plugins/prefixer/config", { prefix: "b/" });
    assert.equal(r.body.version, 2);
    assert.equal(await roundTrip(b.url, "t/3"), "b/t/3");
    r = await api(b.api, "GET", "/plugins/prefixer");
    assert.deepEqual(r.body.health, { ok: true, message: "prefix b/" });
    assert.deepEqual(r.body.configHistory, [2, 1]);

    // A second copy from a path, JSON body; order decides among equal priorities.
    r = await api(b.api, "POST", "/plugins/install", {
      source: pkgPath,
      alias: "second",
      grant: { env: ["PREFIXER_DEBUG"] },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await api(b.api, "PUT", "/plugins/second/config", { prefix: "c/" });
    r = await api(b.api, "PUT", "/plugins/second/start");
    assert.equal(r.body.state, "running");
    assert.equal(await roundTrip(b.url, "t"), "c/b/t");
    r = await api(b.api, "POST", "/plugins/second/move", { position: "front" });
    assert.deepEqual((r.body.data as { alias: string }[]).map((p) => p.alias), [
      "second",
      "prefixer",
    ]);
    assert.equal(await roundTrip(b.url, "t"), "b/c/t");
    r = await api(b.api, "POST", "/plugins/second/move", { position: "before:nobody" });
    assert.equal(r.body.code, "BAD_POSITION");

    // Stop drains and terminates; the other keeps running.
    r = await api(b.api, "PUT", "/plugins/prefixer/stop");
    assert.equal(r.body.state, "stopped");
    assert.equal(await roundTrip(b.url, "t"), "c/t");

    // Broker views.
    r = await api(b.api, "GET", "/stats");
    assert.ok((r.body.messagesReceived as number) >= 6);
    r = await api(b.api, "GET", "/clients");
    assert.deepEqual(r.body.data, []);
    r = await api(b.api, "GET", "/nope");
    assert.equal(r.body.code, "NOT_FOUND");
    r = await api(b.api, "DELETE", "/stats");
    assert.equal(r.status, 405);

    // Restart on the same data_dir: order, enabled state and config come back.
    await b.close();
    b = await startAdminBroker(dataDir);
    r = await api(b.api, "GET", "/plugins");
    const rows = r.body.data as { alias: string; state: string; enabled: boolean }[];
    assert.deepEqual(rows.map((p) => [p.alias, p.state, p.enabled]), [
      ["second", "running", true],
      ["prefixer", "stopped", false],
    ]);
    assert.equal(await roundTrip(b.url, "t"), "c/t");
    r = await api(b.api, "GET", "/plugins/prefixer/config");
    assert.equal((r.body.config as Record<string, unknown>).prefix, "b/");
    await api(b.api, "PUT", "/plugins/prefixer/start");
    assert.equal(await roundTrip(b.url, "t"), "b/c/t");

    // Uninstall removes the plugin and its package files.
    r = await api(b.api, "DELETE", "/plugins/second");
    assert.equal(r.status, 204);
    assert.equal(await roundTrip(b.url, "t"), "b/t");
    const left = [...Deno.readDirSync(`${dataDir}/plugins/packages`)].map((e) => e.name);
    assert.deepEqual(left, ["prefixer-1.0.0-prefixer"]);
    r = await api(b.api, "DELETE", "/plugins/second");
    assert.equal(r.status, 404);
  } finally {
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("OpenAPI document lists every route and nothing else", () => {
  const documented = Object.entries(OPENAPI.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)
  ).sort();
  const served = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
  assert.deepEqual(documented, served);
});

Deno.test("Admin API refuses a non-loopback bind without credentials", async () => {
  const deps = { broker: {} as ReadOnlyBroker, manager: null, log: silentLogger };
  await assert.rejects(
    () => startAdmin({ enable: true, bind: "0.0.0.0:0", users: [], api_keys: [] }, deps),
    /needs admin.users or admin.api_keys/,
  );
  const res = await handleAdmin(
    new Request("http://127.0.0.1:18083/api/v1/openapi.json"),
    new AdminAuth({ users: [], api_keys: [] }),
    deps,
    adminSelf(["127.0.0.1"], 18083),
  );
  assert.equal((await res.json()).openapi, "3.0.3");
});
