// The cage under attack (issue items 1, 2, 3 and the shared-state / npm holes of item 8): each
// hostile plugin is loaded into a running broker while a real MQTT.js client keeps talking to it.
import { strict as assert } from "node:assert";
import type { MqttClient } from "mqtt";
import {
  connect,
  delay,
  end,
  nextMessage,
  startTestBroker,
  subscribe,
  type TestBroker,
  waitFor,
} from "../helpers.ts";
import { api, startAdminBroker } from "../admin/helpers.ts";
import { assertServes, logged, startLoggedBroker } from "./broker_helpers.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** What the `cage_shared_state.js` fixture answers for `topic` (its reason string). */
function askProbe(b: TestBroker, topic: string) {
  const client = { clientId: "c", username: null };
  return b.plugins!.authorize({ client, action: "publish", topic, qos: 0, retain: false } as never);
}

function status(b: TestBroker, alias: string) {
  const row = b.plugins!.status().find((s) => s.alias === alias);
  assert.ok(row, `plugin ${alias} is listed`);
  return row;
}

/** A copy of a fixture with `prelude` in front, in a temp dir the test removes. */
async function variant(name: string, prelude: string): Promise<{ path: string; dir: string }> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, prelude + (await Deno.readTextFile(fixture(name))));
  return { path, dir };
}

for (const isolation of ["process", "worker"] as const) {
  Deno.test(`cage (${isolation}): a malformed frame from a plugin is its fault: logged, counted, restarted; the broker serves on`, async () => {
    const b = await startTestBroker(`
plugins:
  bad: {source: "${fixture("cage_bad_frame.js")}", isolation: ${isolation}}
`);
    let watcher: MqttClient | null = null;
    try {
      assert.equal(status(b, "bad").state, "running");
      watcher = await connect(b.url); // connected across the attack
      await waitFor(() => status(b, "bad").metrics.restarts >= 1, "a restart", 10_000);
      assert.match(b.plugins!.status()[0].error ?? "", /protocol violation/);
      assert.ok(status(b, "bad").metrics.errors >= 1);
      assert.ok(watcher.connected, "a client connected during the attack stays connected");
      await assertServes(b);
    } finally {
      if (watcher) await end(watcher);
      await b.close();
    }
  });
}

Deno.test("cage: a malformed frame at top level fails only the install probe (POST /plugins/install)", async () => {
  const data = await Deno.makeTempDir();
  const { path, dir } = await variant("cage_bad_frame.js", "const FORGE_AT_TOP_LEVEL = true;\n");
  const b = await startAdminBroker(data);
  try {
    const watcher = await connect(b.url);
    const r = await api(b.api, "POST", "/plugins/install", { source: path, alias: "bad" });
    assert.ok(r.status >= 400 && r.status < 500, `refused: ${JSON.stringify(r.body)}`);
    assert.match(String(r.body.message), /protocol violation|bad frame/);
    assert.ok(watcher.connected);
    await end(watcher);
    await assertServes(b);
  } finally {
    await b.close();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("cage (process): a plugin exhausting its heap (limits.memory_mb) ends alone, shown crashed with the reason, restarted", async () => {
  const b = await startTestBroker(`
plugins:
  hog: {source: "${fixture("cage_memory_hog.js")}", timeout_ms: 20000, limits: {memory_mb: 48}}
`);
  const sub = await connect(b.url);
  const pub = await connect(b.url);
  try {
    assert.equal(status(b, "hog").isolation, "process");
    await subscribe(sub, "#");
    pub.publish("t", "boom"); // the hook never answers: the plugin runs out of memory
    await waitFor(
      () => /out of memory/.test(status(b, "hog").error ?? ""),
      "the OOM report",
      30_000,
    );
    await waitFor(() => status(b, "hog").state === "running", "the restart", 10_000);
    assert.ok(status(b, "hog").metrics.restarts >= 1);
    assert.ok(sub.connected && pub.connected, "clients connected during the attack stay connected");
    const got = nextMessage(sub, 5000);
    await pub.publishAsync("t", "fine");
    assert.equal((await got).payload, "fine");
    await assertServes(b);
  } finally {
    await end(pub);
    await end(sub);
    await b.close();
  }
});

for (const isolation of ["process", "worker"] as const) {
  Deno.test(`cage (${isolation}): top-level code runs with no permissions in the probe, whatever the operator granted`, async () => {
    const secretDir = await Deno.makeTempDir();
    const secret = `${secretDir}/key.pem`;
    await Deno.writeTextFile(secret, "PRIVATE-KEY-MATERIAL");
    const { path, dir } = await variant(
      "cage_probe_thief.js",
      `const SECRET_PATH = ${JSON.stringify(secret)};\n`,
    );
    const data = await Deno.makeTempDir();
    const b = await startAdminBroker(data); // a broker with a plugin host and nothing loaded
    const watcher = await connect(b.url);
    try {
      await subscribe(watcher, "#");
      const seen: string[] = [];
      watcher.on("message", (_t, p) => seen.push(new TextDecoder().decode(p)));
      const entry = { source: path, isolation, permissions: { read: [secretDir] } };
      const row = await b.plugins!.load("thief", entry);
      assert.equal(row.state, "running", row.error ?? "");
      await waitFor(() => seen.some((s) => s.startsWith("start:")), "the start() message");
      await delay(200);
      assert.ok(!seen.some((s) => s.includes("PRIVATE-KEY")), `secret leaked: ${seen}`);
      // Once each from the running plugin; the probe's forged request was refused.
      assert.deepEqual(seen.sort(), [
        "start: refused: NotCapable",
        "top-level: refused: NotCapable",
      ]);
      await assertServes(b);
    } finally {
      await end(watcher);
      await b.close();
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(secretDir, { recursive: true });
      await Deno.remove(data, { recursive: true });
    }
  });
}

for (const isolation of ["process", "worker"] as const) {
  Deno.test(`cage (${isolation}): no Cache API or Web Storage shared between plugins`, async () => {
    const b = await startTestBroker(`
topic_check: {enable: true}
plugins:
  probe: {source: "${fixture("cage_shared_state.js")}", isolation: ${isolation}}
`);
    try {
      const out = await askProbe(b, "probe/globals");
      assert.equal(out.reason, "undefined|undefined");
      await assertServes(b);
    } finally {
      await b.close();
    }
  });
}

Deno.test("cage (process): an npm: import computed at hook time is refused and asks no registry", async () => {
  // Plugin processes inherit the broker's environment: point npm at a local registry that counts.
  let asked = 0;
  const registry = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    asked++;
    return new Response("{}", { status: 404 });
  });
  const before = Deno.env.get("NPM_CONFIG_REGISTRY");
  Deno.env.set("NPM_CONFIG_REGISTRY", `http://127.0.0.1:${registry.addr.port}/`);
  const b = await startTestBroker(`
topic_check: {enable: true}
plugins:
  probe: {source: "${fixture("cage_shared_state.js")}"}
`);
  try {
    const out = await askProbe(b, "probe/npm");
    assert.match(out.reason ?? "", /^refused: /);
    assert.equal(asked, 0, "the registry was asked for a package name chosen at run time");
    await assertServes(b);
  } finally {
    await b.close();
    if (before === undefined) Deno.env.delete("NPM_CONFIG_REGISTRY");
    else Deno.env.set("NPM_CONFIG_REGISTRY", before);
    await registry.shutdown();
  }
});

Deno.test("cage (process): a plugin flooding the log is held to its message rate, the rest counted; the broker serves on", async () => {
  const b = await startLoggedBroker(`
plugins:
  flood: {source: "${fixture("cage_log_flood.js")}"}
`);
  try {
    await waitFor(() => logged(b.lines, "over the rate").length > 0, "the drop warning", 10_000);
    await delay(300);
    const flood = b.lines.filter((l) => /^flood \d+$/.test(l.msg)).length;
    assert.ok(flood >= 100 && flood < 5_000, `${flood} of 100,000 flood lines logged`);
    await assertServes(b);
  } finally {
    await b.close();
  }
});
