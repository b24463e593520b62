// Hostile projects for `aviary plugins pack`: each refusal names what is wrong; nothing is written.
import assert from "node:assert/strict";
import { packPlugin } from "../../cli/plugins_pack.ts";
import { readTarGz } from "../../plugins/host/tar.ts";

const SCHEMA = '{ type: "record", name: "C", fields: [{ name: "n", type: "int", default: 1 }] }';

async function project(plugin: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "aviary-pack-test-" });
  await Deno.writeTextFile(`${dir}/plugin.js`, plugin);
  return dir;
}

async function refused(plugin: string, message: RegExp): Promise<void> {
  const dir = await project(plugin);
  try {
    await assert.rejects(packPlugin(dir), message);
    await assert.rejects(Deno.stat(`${dir}/dist`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("pack refuses a default config that does not validate against the schema", async () => {
  await refused(
    `export default { name: "p", version: "1.0.0", hooks: {},
      config: { schema: ${SCHEMA}, defaults: { n: "many" } } };`,
    /default config does not validate against the schema: n: "many" is not an integer/,
  );
});

Deno.test("pack refuses a module that does not load in an empty cage", async () => {
  await refused(
    `const home = Deno.env.get("HOME");\nexport default { name: "p", version: "1", hooks: {} };`,
    /does not load in an empty cage: .*env/i,
  );
  await refused(`export default { name: "p", version: "1", hooks: { "x.y": () => {} } };`, /x\.y/);
});

Deno.test("pack refuses malformed declared permissions and a bad package name", async () => {
  await refused(
    `export default { name: "p", version: "1", permissions: { nett: true }, hooks: {} };`,
    /declared permissions are malformed: unknown permission "nett"/,
  );
  await refused(`export default { name: "../p", version: "1", hooks: {} };`, /name/);
});

Deno.test("pack writes release.json with EMQX's fields, the bundle, schema and i18n", async () => {
  const dir = await project(
    `export default { name: "p", version: "1.2.0", description: "d", permissions: { env: ["X"] },
      hooks: {}, config: { schema: ${SCHEMA}, defaults: { n: 2 } } };`,
  );
  try {
    await Deno.writeTextFile(`${dir}/release.json`, '{"authors": ["A"], "repo": "r"}');
    await Deno.writeTextFile(`${dir}/config_i18n.json`, '{"$n": {"en": "N"}}');
    const { file, release } = await packPlugin(dir);
    assert.ok(file.endsWith("/dist/p-1.2.0.tar.gz"));
    assert.deepEqual(release, {
      name: "p",
      version: "1.2.0",
      description: "d",
      authors: ["A"],
      repo: "r",
      functionality: [],
      compatibility: {},
      permissions: { env: ["X"] },
      main: "plugin.js",
      with_config_schema: true,
    });
    const files = await readTarGz(await Deno.readFile(file));
    assert.deepEqual(files.map((f) => f.path).sort(), [
      "p-1.2.0/config_i18n.json",
      "p-1.2.0/config_schema.avsc",
      "p-1.2.0/plugin.js",
      "p-1.2.0/release.json",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
