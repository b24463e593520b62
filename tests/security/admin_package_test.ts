// Issue 9 item 5(b): a package's name, version or alias cannot steer the install out of its own
// folder, and an install never replaces another plugin's files. The victim "webhook" plugin's
// bytes are compared after every attack; a real MQTT client is served throughout.
import assert from "node:assert/strict";
import { call, startAdminBroker, Watcher } from "./fixtures/admin_broker.ts";
import { gzip, listDir, prefixerPackage, snapshot, tar, upload } from "./fixtures/admin_tar.ts";

const GRANT = JSON.stringify({ env: ["PREFIXER_DEBUG"] });

Deno.test("Admin: hostile package names, versions and aliases are refused (400), nothing replaced", async () => {
  const dir = await Deno.makeTempDir();
  const data = `${dir}/data`;
  const b = await startAdminBroker(data);
  const w = await Watcher.open(b.url);
  try {
    let r = await call(
      b.api,
      "POST",
      "/plugins/install",
      upload(await prefixerPackage(), { alias: "webhook", grant: GRANT }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const victim = `${data}/plugins/packages/prefixer-1.0.0-webhook`;
    const before = await snapshot(victim);
    const packages = listDir(`${data}/plugins/packages`);

    const attacks: [string, Record<string, unknown>, Record<string, string>][] = [
      ["version y/../webhook", { version: "y/../webhook" }, {}],
      ["version 1..2", { version: "1..2" }, { alias: "v2" }],
      ["version with a backslash", { version: "1\\..\\x" }, { alias: "v3" }],
      ["name with a slash", { name: "a/b" }, { alias: "n1" }],
      ["name ..", { name: ".." }, { alias: "n2" }],
      ["name upper case", { name: "Prefixer" }, { alias: "n3" }],
      ["alias ..", {}, { alias: ".." }],
      ["alias ../webhook", {}, { alias: "../prefixer-1.0.0-webhook" }],
      ["alias with a slash", {}, { alias: "a/b" }],
      ["version not a string", { version: 7 }, { alias: "v4" }],
      ["empty version", { version: "" }, { alias: "v5" }],
      ["long name", { name: "a".repeat(65) }, { alias: "n4" }],
    ];
    for (const [label, release, fields] of attacks) {
      r = await call(
        b.api,
        "POST",
        "/plugins/install",
        upload(await prefixerPackage(release), { grant: GRANT, ...fields }),
      );
      assert.equal(r.status, 400, `${label}: ${JSON.stringify(r.body)}`);
      assert.match(String(r.body.code), /^BAD_(PACKAGE|REQUEST)$/, label);
      assert.match(String(r.body.message), /name|version|alias/i, label);
      await w.assertServing(label);
    }
    // JSON installs go through the same check.
    r = await call(b.api, "POST", "/plugins/install", { source: "/x.tar.gz", alias: "../x" });
    assert.equal(r.status, 400);
    // Route parameters too.
    r = await call(b.api, "PUT", `/plugins/${encodeURIComponent("../webhook")}/start`);
    assert.equal(r.status, 400, JSON.stringify(r.body));

    assert.deepEqual(await snapshot(victim), before, "the victim's files changed");
    assert.deepEqual(listDir(`${data}/plugins/packages`), packages);
    r = await call(b.api, "GET", "/plugins");
    assert.deepEqual((r.body.data as { alias: string }[]).map((p) => p.alias), ["webhook"]);
  } finally {
    await w.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Admin: an install never removes or overwrites another alias's folder (409)", async () => {
  const dir = await Deno.makeTempDir();
  const data = `${dir}/data`;
  const b = await startAdminBroker(data);
  const w = await Watcher.open(b.url);
  try {
    // "p" 1 as alias "x-y" and "p" 1-x as alias "y" both spell p-1-x-y.
    let r = await call(
      b.api,
      "POST",
      "/plugins/install",
      upload(await prefixerPackage({ name: "p", version: "1" }), { alias: "x-y", grant: GRANT }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const victim = `${data}/plugins/packages/p-1-x-y`;
    const before = await snapshot(victim);
    const evil = await prefixerPackage({ name: "p", version: "1-x", description: "evil" });
    r = await call(b.api, "POST", "/plugins/install", upload(evil, { alias: "y", grant: GRANT }));
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.code, "ALREADY_EXISTS");
    assert.match(String(r.body.message), /p-1-x-y/);
    assert.deepEqual(await snapshot(victim), before);
    await w.assertServing("colliding folder");
  } finally {
    await w.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Admin: tar entries with ../, absolute paths, symlinks and hard links are refused", async () => {
  const dir = await Deno.makeTempDir();
  const data = `${dir}/data`;
  const b = await startAdminBroker(data);
  const w = await Watcher.open(b.url);
  try {
    const release = JSON.stringify({ name: "evil", version: "1.0.0", main: "plugin.js" });
    const base = [
      { name: "release.json", content: release },
      { name: "plugin.js", content: "export default { name: 'evil', hooks: {} };" },
    ];
    const cases: [string, Parameters<typeof tar>[0], RegExp][] = [
      ["../ entry", [...base, { name: "../escape.js", content: "x" }], /escapes/],
      ["nested ../", [...base, { name: "a/../../escape.js", content: "x" }], /escapes/],
      ["absolute path", [...base, { name: "/tmp/escape.js", content: "x" }], /escapes/],
      ["symlink", [...base, { name: "link", type: "2", linkname: "/etc/passwd" }], /link/],
      ["hard link", [...base, { name: "hard", type: "1", linkname: "../../state.json" }], /link/],
      ["symlink main", [{ name: "release.json", content: release }, {
        name: "plugin.js",
        type: "2",
        linkname: "../webhook/plugin.js",
      }], /link/],
      ["../ directory", [...base, { name: "../dir/", type: "5" }], /escapes/],
    ];
    for (const [label, entries, why] of cases) {
      const r = await call(b.api, "POST", "/plugins/install", upload(await gzip(tar(entries))));
      assert.equal(r.status, 400, `${label}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, "BAD_PACKAGE", label);
      assert.match(String(r.body.message), why, label);
      await w.assertServing(label);
    }
    assert.deepEqual(listDir(`${data}/plugins/packages`), []);
    await assert.rejects(() => Deno.lstat(`${data}/plugins/escape.js`), Deno.errors.NotFound);
  } finally {
    await w.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
