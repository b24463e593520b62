// `aviary plugins new` then the generated project's own `deno task test` and `deno task pack`
// as real subprocesses; the package installed on a running broker over REST and seen working
// by a real MQTT.js client.
import assert from "node:assert/strict";
import { connect, end, nextMessage, subscribe } from "../helpers.ts";
import { api, startAdminBroker } from "../admin/helpers.ts";
import { TEMPLATES } from "../../cli/_templates/kinds.ts";
import { aviaryPlugins, deno } from "./_kit.ts";

function upload(bytes: Uint8Array, grant: unknown): FormData {
  const form = new FormData();
  form.append("file", new File([bytes as Uint8Array<ArrayBuffer>], "p.tar.gz"));
  form.append("grant", JSON.stringify(grant));
  return form;
}

Deno.test("plugins new: transform project tests, packs, installs over REST and works", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "aviary-kit-" });
  const b = await startAdminBroker(`${tmp}/data`);
  try {
    let r = await aviaryPlugins(["new", "tagger", "proj"], tmp);
    assert.equal(r.code, 0, r.out);
    const proj = `${tmp}/proj`;
    assert.ok((await Deno.stat(`${proj}/sdk/mod.ts`)).isFile, "the SDK is vendored");
    r = await deno(["task", "test"], proj);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /1 passed/);
    r = await deno(["task", "pack"], proj);
    assert.equal(r.code, 0, r.out);
    const file = `${proj}/dist/tagger-0.1.0.tar.gz`;
    const bytes = await Deno.readFile(file);
    const sum = (await Deno.readTextFile(`${file}.sha256`)).split(" ")[0];
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    assert.equal(sum, [...digest].map((x) => x.toString(16).padStart(2, "0")).join(""));

    let res = await api(b.api, "POST", "/plugins/install", upload(bytes, {}));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    res = await api(b.api, "GET", "/plugins/tagger/schema");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    res = await api(b.api, "PUT", "/plugins/tagger/config", { prefix: "tagged/" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    res = await api(b.api, "PUT", "/plugins/tagger/start");
    assert.equal(res.body.state, "running", JSON.stringify(res.body));

    const sub = await connect(b.url);
    const pub = await connect(b.url, { protocolVersion: 5 });
    try {
      await subscribe(sub, "#");
      const got = nextMessage(sub);
      await pub.publishAsync("room/1", "21");
      assert.equal((await got).topic, "tagged/room/1");
    } finally {
      await end(pub);
      await end(sub);
    }
  } finally {
    await b.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("plugins new: every template's project passes its own tests at once", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "aviary-kit-" });
  try {
    for (const kind of Object.keys(TEMPLATES).filter((k) => k !== "transform")) {
      let r = await aviaryPlugins(["new", `my-${kind}`, "--template", kind, kind], tmp);
      assert.equal(r.code, 0, r.out);
      r = await deno(["task", "test"], `${tmp}/${kind}`);
      assert.equal(r.code, 0, `${kind}: ${r.out}`);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("plugins new refuses a bad name, an unknown template and a non-empty folder", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "aviary-kit-" });
  try {
    let r = await aviaryPlugins(["new", "../evil"], tmp);
    assert.equal(r.code, 1);
    assert.match(r.out, /plugin name "\.\.\/evil" must be/);
    r = await aviaryPlugins(["new", "x", "--template", "nope"], tmp);
    assert.match(r.out, /unknown template "nope" \(transform, auth, acl, webhook, bridge\)/);
    await Deno.writeTextFile(`${tmp}/keep.txt`, "mine");
    r = await aviaryPlugins(["new", "x", tmp], tmp);
    assert.match(r.out, /exists and is not empty/);
    assert.equal(await Deno.readTextFile(`${tmp}/keep.txt`), "mine");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
