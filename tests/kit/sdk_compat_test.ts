// `compatibility.aviary_sdk` from project to package: the scaffold states this SDK, `pack` fills
// the range from the vendored sdk/version.ts and refuses hostile ranges, writing nothing.
import assert from "node:assert/strict";
import { newPluginProject } from "../../cli/plugins_new.ts";
import { packPlugin } from "../../cli/plugins_pack.ts";
import { renderProject } from "../../cli/_templates/render.ts";
import { SDK_VERSION, sdkSatisfies } from "../../plugins/sdk/version.ts";

const PLUGIN = `export default { name: "p", version: "1.0.0", hooks: {} };`;

async function project(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "aviary-sdk-compat-" });
  await Deno.mkdir(`${dir}/sdk`);
  for (const [path, text] of Object.entries({ "plugin.js": PLUGIN, ...files })) {
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  return dir;
}

async function packed(files: Record<string, string>): Promise<Record<string, unknown>> {
  const dir = await project(files);
  try {
    return (await packPlugin(dir)).release.compatibility as Record<string, unknown>;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function refused(files: Record<string, string>, message: RegExp): Promise<void> {
  const dir = await project(files);
  try {
    await assert.rejects(packPlugin(dir), message);
    await assert.rejects(Deno.stat(`${dir}/dist`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the scaffold's release.json states this SDK, which satisfies itself", () => {
  const links = { testing: "file:///t.ts", main: "file:///m.ts", imports: {} };
  const release = JSON.parse(renderProject("p", "auth", links)["release.json"]);
  assert.deepEqual(release.compatibility, { aviary_sdk: `^${SDK_VERSION}` });
  assert.equal(sdkSatisfies(release.compatibility.aviary_sdk), true);
});

Deno.test("pack fills aviary_sdk from the vendored SDK over what release.json states", async () => {
  const vendored = 'export const SDK_VERSION = "7.3.1";\n';
  const stated = JSON.stringify({ compatibility: { aviary_sdk: "^1.0.0", emqx: "~> 5.0" } });
  assert.deepEqual(await packed({ "sdk/version.ts": vendored, "release.json": stated }), {
    aviary_sdk: "^7.3.1",
    emqx: "~> 5.0",
  });
  // No vendored SDK: a well-formed stated range is kept; none stays none.
  assert.deepEqual(await packed({ "release.json": stated }), {
    aviary_sdk: "^1.0.0",
    emqx: "~> 5.0",
  });
  assert.deepEqual(await packed({}), {});
});

Deno.test("pack refuses a malformed SDK range, vendored version or compatibility", async () => {
  for (const range of [">=1.0.0", "^1", "1.0.0", "^1.0.0-beta", 3, null]) {
    const stated = JSON.stringify({ compatibility: { aviary_sdk: range } });
    await refused({ "release.json": stated }, /compatibility\.aviary_sdk: SDK range .* must read/);
  }
  await refused({ "release.json": '{"compatibility": "^1.0.0"}' }, /must be an object/);
  await refused({ "sdk/version.ts": "export const VERSION = 1;" }, /declares no SDK_VERSION/);
  await refused(
    { "sdk/version.ts": 'export const SDK_VERSION = "1.0";' },
    /sdk\/version\.ts: SDK version "1\.0" must read MAJOR\.MINOR\.PATCH/,
  );
});

Deno.test("plugins new vendors sdk/version.ts and its pack states this SDK", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "aviary-sdk-compat-" });
  try {
    const dir = await newPluginProject("tagger", "transform", `${tmp}/tagger`);
    const text = await Deno.readTextFile(`${dir}/sdk/version.ts`);
    assert.ok(text.includes(`export const SDK_VERSION = "${SDK_VERSION}"`));
    const { release } = await packPlugin(dir);
    assert.deepEqual(release.compatibility, { aviary_sdk: `^${SDK_VERSION}` });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
