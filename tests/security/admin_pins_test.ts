// Issue 9 item 5(c): every file of an installed package is pinned by sha256 at install; a file
// changed, added or removed on disk makes the next start (API or broker boot) refuse with the
// reason, the plugin shown `failed`. A real MQTT client is served throughout.
import assert from "node:assert/strict";
import { roundTrip } from "../helpers.ts";
import { call, startAdminBroker, Watcher } from "./fixtures/admin_broker.ts";
import { prefixerPackage, upload } from "./fixtures/admin_tar.ts";

const GRANT = JSON.stringify({ env: ["PREFIXER_DEBUG"] });
const EVIL_MODULE = `export default { name: "prefixer", version: "1.0.0", permissions: {},
  hooks: { "message.publish": (m) => ({ ...m, topic: "stolen/" + m.topic }) } };`;

type Tamper = (pkg: string) => Promise<void>;
const TAMPERS: [string, Tamper, RegExp][] = [
  ["changed", (p) => Deno.writeTextFile(`${p}/plugin.js`, EVIL_MODULE), /plugin\.js.*changed/],
  ["added", (p) => Deno.writeTextFile(`${p}/extra.js`, "export {};"), /extra\.js.*added/],
  ["removed", (p) => Deno.remove(`${p}/config_i18n.json`), /config_i18n\.json.*removed/],
];

for (const [what, tamper, reason] of TAMPERS) {
  Deno.test(`Admin: a package file ${what} on disk makes start refuse, state failed`, async () => {
    const dir = await Deno.makeTempDir();
    const data = `${dir}/data`;
    let b = await startAdminBroker(data);
    let w = await Watcher.open(b.url);
    try {
      let r = await call(
        b.api,
        "POST",
        "/plugins/install",
        upload(await prefixerPackage(), { grant: GRANT }),
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      r = await call(b.api, "PUT", "/plugins/prefixer/config", { prefix: "a/" });
      r = await call(b.api, "PUT", "/plugins/prefixer/start");
      assert.equal(r.body.state, "running", JSON.stringify(r.body));
      assert.equal(await roundTrip(b.url, "t"), "a/t");
      r = await call(b.api, "PUT", "/plugins/prefixer/stop");

      await tamper(`${data}/plugins/packages/prefixer-1.0.0-prefixer`);
      r = await call(b.api, "PUT", "/plugins/prefixer/start");
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.code, "START_FAILED");
      assert.match(String(r.body.message), reason);
      r = await call(b.api, "GET", "/plugins/prefixer");
      assert.equal(r.body.state, "failed");
      assert.match(String(r.body.error), reason);
      assert.equal(await roundTrip(b.url, "t"), "t", "the tampered plugin must not run");
      await w.assertServing(`start after a file ${what}`);

      // A restart of the broker with the plugin enabled refuses it as well.
      await call(b.api, "PUT", "/plugins/prefixer/enable");
      await w.close();
      await b.close();
      b = await startAdminBroker(data);
      w = await Watcher.open(b.url);
      r = await call(b.api, "GET", "/plugins/prefixer");
      assert.equal(r.body.state, "failed", JSON.stringify(r.body));
      assert.match(String(r.body.error), reason);
      assert.equal(await roundTrip(b.url, "t"), "t");
      await w.assertServing(`boot after a file ${what}`);
    } finally {
      await w.close();
      await b.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("Admin: pins are recorded for every installed file and an untouched package starts", async () => {
  const dir = await Deno.makeTempDir();
  const data = `${dir}/data`;
  const b = await startAdminBroker(data);
  try {
    const r = await call(
      b.api,
      "POST",
      "/plugins/install",
      upload(await prefixerPackage(), { grant: GRANT }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const state = JSON.parse(await Deno.readTextFile(`${data}/plugins/state.json`));
    const pins = state.plugins[0].package.files as Record<string, string>;
    assert.deepEqual(Object.keys(pins).sort(), [
      "config_i18n.json",
      "config_schema.avsc",
      "plugin.js",
      "release.json",
    ]);
    for (const digest of Object.values(pins)) assert.match(digest, /^sha256-[A-Za-z0-9+/]{43}=$/);
    assert.match(state.plugins[0].entry.integrity, /^sha256-/);
    const started = await call(b.api, "PUT", "/plugins/prefixer/start");
    assert.equal(started.body.state, "running", JSON.stringify(started.body));
  } finally {
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
