// SDK compatibility of plugin packages (release.json `compatibility.aviary_sdk`): hostile ranges,
// a future major, a newer minor and a package stating none, over the REST install; and the start
// check for a package installed before the host's SDK moved on.
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeTarGz } from "../../cli/_pack_tar.ts";
import { hashSecret } from "../../server/admin/mod.ts";
import { parseConfig } from "../../server/config/mod.ts";
import { startBroker } from "../../server/server.ts";
import { createLogger } from "../../lib/log.ts";
import { pinProblem } from "../../plugins/host/install.ts";
import { pinFiles } from "../../plugins/host/pins.ts";
import type { PluginRecord } from "../../plugins/host/registry.ts";
import { SDK_VERSION } from "../../plugins/sdk/version.ts";
import { api, PACKAGE_DIR, PASSWORD, USER } from "./helpers.ts";

const [MAJOR, MINOR] = SDK_VERSION.split(".").map(Number);
const PLUGIN = await Deno.readFile(`${PACKAGE_DIR}plugin.js`);
const GRANT = JSON.stringify({ env: ["PREFIXER_DEBUG"] });

function release(compatibility?: unknown): Record<string, unknown> {
  const r: Record<string, unknown> = { name: "prefixer", version: "1.0.0", main: "plugin.js" };
  if (compatibility !== undefined) r.compatibility = compatibility;
  return r;
}

async function pkg(compatibility?: unknown): Promise<FormData> {
  const json = new TextEncoder().encode(JSON.stringify(release(compatibility)));
  const gz = await writeTarGz({ "p/release.json": json, "p/plugin.js": PLUGIN });
  const form = new FormData();
  form.append("file", new File([gz as Uint8Array<ArrayBuffer>], "prefixer-1.0.0.tar.gz"));
  form.append("grant", GRANT);
  return form;
}

/** A broker with the admin API whose warnings are kept in `warnings`. */
async function start(dataDir: string) {
  const warnings: string[] = [];
  const log = createLogger({ level: "warn", sink: (l) => warnings.push(l) });
  const config = parseConfig(
    `listeners:\n  default: {type: tcp, bind: "127.0.0.1:0"}
auth: {allow_anonymous: true}
persistence: {backend: memory}
data_dir: ${JSON.stringify(dataDir)}
admin:
  enable: true
  bind: "127.0.0.1:0"
  users: [{username: ${USER}, password_hash: "${await hashSecret(PASSWORD, 1000)}"}]
`,
    "test.yaml",
  );
  const running = await startBroker(config, { log });
  return { running, api: running.admin!.url, warnings };
}

async function packagesLeft(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(dataDir, "plugins", "packages"))) out.push(e.name);
  return out;
}

Deno.test("REST install refuses malformed, future-major and newer-minor SDK ranges", async () => {
  const dir = await Deno.makeTempDir();
  const b = await start(`${dir}/data`);
  try {
    const malformed: unknown[] = [
      "1.0.0",
      ">=1.0.0",
      "^1",
      "^1.x",
      "^01.0.0",
      "^1.0.0-rc.1",
      "^1.0.0 || ^2.0.0",
      ` ^${SDK_VERSION}`,
      "^" + "9".repeat(400) + ".0.0",
      42,
      null,
      ["^1.0.0"],
      { min: "1.0.0" },
    ];
    for (const range of malformed) {
      const r = await api(b.api, "POST", "/plugins/install", await pkg({ aviary_sdk: range }));
      assert.equal(r.status, 400, JSON.stringify(range));
      assert.equal(r.body.code, "BAD_PACKAGE");
      assert.match(String(r.body.message), /compatibility\.aviary_sdk: SDK range .* must read/);
    }
    for (const compat of ["^1.0.0", ["aviary_sdk"], 7]) {
      const r = await api(b.api, "POST", "/plugins/install", await pkg(compat));
      assert.equal(r.status, 400);
      assert.match(String(r.body.message), /compatibility must be an object/);
    }
    const future = [`^${MAJOR + 1}.0.0`, `^${MAJOR}.${MINOR + 1}.0`, `^${MAJOR + 1}.0`];
    if (MAJOR > 0) future.push(`^${MAJOR - 1}.0.0`);
    for (const range of future) {
      const r = await api(b.api, "POST", "/plugins/install", await pkg({ aviary_sdk: range }));
      assert.equal(r.status, 422, range);
      assert.equal(r.body.code, "INCOMPATIBLE_SDK");
      assert.equal(r.body.required, range);
      assert.equal(r.body.sdk, SDK_VERSION);
      assert.ok(String(r.body.message).includes(range), String(r.body.message));
      assert.ok(String(r.body.message).includes(SDK_VERSION), String(r.body.message));
    }
    // Nothing was installed or left behind.
    assert.deepEqual((await api(b.api, "GET", "/plugins")).body, { data: [] });
    assert.deepEqual(await packagesLeft(`${dir}/data`), []);
  } finally {
    await b.running.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("REST install accepts a matching SDK range, and one stating none with a warning", async () => {
  const dir = await Deno.makeTempDir();
  const b = await start(`${dir}/data`);
  try {
    // Other fields are kept as they are; the patch is never compared.
    for (const range of [`^${MAJOR}.${MINOR}.99`, `^${MAJOR}.0`]) {
      const r = await api(
        b.api,
        "POST",
        "/plugins/install",
        await pkg({ aviary_sdk: range, emqx: "~> 5.0" }),
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal((await api(b.api, "DELETE", "/plugins/prefixer")).status, 204);
    }
    assert.equal(b.warnings.filter((l) => l.includes("aviary_sdk")).length, 0, b.warnings.join());

    for (const compat of [undefined, {}, { aviary: ">=0.1.0" }]) {
      let r = await api(b.api, "POST", "/plugins/install", await pkg(compat));
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const warned = b.warnings.filter((l) => l.includes("states no compatibility.aviary_sdk"));
      assert.equal(warned.length, 1, b.warnings.join("\n"));
      assert.ok(warned[0].includes(SDK_VERSION));
      b.warnings.length = 0;
      r = await api(b.api, "PUT", "/plugins/prefixer/start");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await api(b.api, "DELETE", "/plugins/prefixer");
    }
  } finally {
    await b.running.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("start refuses a package whose SDK range excludes the host's SDK", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const record = async (compatibility: unknown): Promise<PluginRecord> => {
      const bytes = new TextEncoder().encode(JSON.stringify(release(compatibility)));
      const files = [{ path: "release.json", bytes }, { path: "plugin.js", bytes: PLUGIN }];
      for (const f of files) await Deno.writeFile(join(dir, f.path), f.bytes);
      return {
        alias: "prefixer",
        origin: "install",
        entry: { source: join(dir, "plugin.js") },
        package: { name: "prefixer", version: "1.0.0", dir, files: await pinFiles(files) },
        schema: null,
        i18n: null,
        manifest: null,
        configVersion: 0,
      };
    };
    const why = await pinProblem(await record({ aviary_sdk: `^${MAJOR + 1}.0.0` }));
    assert.ok(why?.includes(`^${MAJOR + 1}.0.0`) && why.includes(SDK_VERSION), String(why));
    assert.equal(await pinProblem(await record({ aviary_sdk: `^${SDK_VERSION}` })), null);
    assert.equal(await pinProblem(await record(undefined)), null);
    // Edited after install: the pins speak first.
    const r = await record({ aviary_sdk: `^${SDK_VERSION}` });
    await Deno.writeTextFile(join(dir, "release.json"), JSON.stringify(release({})));
    assert.match(String(await pinProblem(r)), /release\.json/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
