// definePlugin() stamps SDK_VERSION on the plugin; the host refuses a plugin loaded by path
// (config, or installed from a path over REST) whose stamp names an incompatible SDK, with the
// wording a package's release.json range is refused with. Real broker, real cage.
import assert from "node:assert/strict";
import { definePlugin, SDK_VERSION } from "../../plugins/sdk/mod.ts";
import { startTestBroker } from "../helpers.ts";
import { api, startAdminBroker } from "../admin/helpers.ts";

const stamped = (sdk: string) =>
  `export default { name: "old", version: "1.0.0", hooks: {}, sdk: ${JSON.stringify(sdk)} };`;
const WHY = /plugin "old" 1\.0\.0 is built for SDK \^2\.0\.0; this host's SDK is 1\.\d+\.\d+/;

Deno.test("definePlugin() stamps this SDK's version on a copy", () => {
  const given = { name: "p", version: "1.0.0", hooks: {} };
  const plugin = definePlugin(given);
  assert.equal(plugin.sdk, SDK_VERSION);
  assert.equal("sdk" in given, false);
});

for (const isolation of ["process", "worker"] as const) {
  Deno.test(`a plugin stamped for another SDK major is refused at load (${isolation})`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "aviary-sdk-stamp-" });
    try {
      await Deno.writeTextFile(`${dir}/old.js`, stamped("2.0.0"));
      await Deno.writeTextFile(`${dir}/ok.js`, stamped(SDK_VERSION).replace('"old"', '"ok"'));
      const b = await startTestBroker(`plugins:
  old: {source: ${JSON.stringify(`${dir}/old.js`)}, isolation: ${isolation}}
  ok: {source: ${JSON.stringify(`${dir}/ok.js`)}, isolation: ${isolation}}
`);
      try {
        const rows = Object.fromEntries(b.plugins!.status().map((s) => [s.alias, s]));
        assert.equal(rows.old.state, "failed");
        assert.match(rows.old.error!, WHY);
        assert.equal(rows.ok.state, "running");
      } finally {
        await b.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("installing a stamped plugin from a path is refused with the same reason", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aviary-sdk-stamp-" });
  const b = await startAdminBroker(`${dir}/data`);
  try {
    await Deno.writeTextFile(`${dir}/old.js`, stamped("2.0.0"));
    const res = await api(b.api, "POST", "/plugins/install", { source: `${dir}/old.js` });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, "INCOMPATIBLE_SDK");
    assert.match(String(res.body.message), WHY);
  } finally {
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
