// README "Embedding": the example application of examples/embed/ (the files the README shows),
// copied to a temporary folder outside the repository and run as a real `deno run` subprocess;
// a real MQTT.js client sees both its plugins act: the plugin object in the application's
// process and the module named in the application's deno.json, caged in its own process.
import assert from "node:assert/strict";
import { connect, end, nextMessage, subscribe } from "../helpers.ts";

const EXAMPLE = new URL("../../examples/embed/", import.meta.url);
const MOD = new URL("../../mod.ts", import.meta.url).href;

/** Copies the example, pointing `@aviary/broker` at this checkout's mod.ts. */
async function copyExample(dir: string): Promise<void> {
  for await (const e of Deno.readDir(EXAMPLE)) {
    let text = await Deno.readTextFile(new URL(e.name, EXAMPLE));
    if (e.name === "deno.json") {
      const json = JSON.parse(text);
      json.imports["@aviary/broker"] = MOD;
      text = JSON.stringify(json, null, 2);
    }
    await Deno.writeTextFile(`${dir}/${e.name}`, text);
  }
}

/** Reads the child's stdout until `listening on PORT`. */
async function portOf(child: Deno.ChildProcess): Promise<{ port: number; rest: Promise<void> }> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  for (let i = 0; i < 1000; i++) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the application ended before listening: ${seen}`);
    seen += value;
    const m = /listening on (\d+)/.exec(seen);
    if (m) {
      const drain = async () => {
        while (!(await reader.read()).done) { /* keep the pipe flowing */ }
      };
      return { port: Number(m[1]), rest: drain() };
    }
  }
  throw new Error(`no "listening on" line: ${seen}`);
}

Deno.test("embedding: the README example runs and both of its plugins act on a real client", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aviary-embed-app-" });
  await copyExample(dir);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-write",
      "--allow-run=deno",
      "--allow-env",
      "--allow-sys",
      "app.ts",
      "0",
    ],
    cwd: dir,
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  try {
    const { port, rest } = await portOf(child);
    const url = `mqtt://127.0.0.1:${port}`;
    const watcher = await connect(url, { clientId: "watcher" });
    try {
      await subscribe(watcher, "welcome/visitor");
      await subscribe(watcher, "pong");
      const welcome = nextMessage(watcher);
      const visitor = await connect(url, { clientId: "visitor" });
      const got = await welcome;
      assert.equal(got.topic, "welcome/visitor");
      assert.equal(got.payload.toString(), "hello visitor");
      const pong = nextMessage(watcher);
      await visitor.publishAsync("ping", "1");
      assert.equal((await pong).topic, "pong", "the deno.json plugin rewrote ping");
      await end(visitor);
    } finally {
      await end(watcher);
    }
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    await rest;
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already ended */ }
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("embedding refuses a deno.json namespace that is not a map of aliases to plugins", async () => {
  const { startBroker } = await import("../../mod.ts");
  const dir = await Deno.makeTempDir({ prefix: "aviary-embed-bad-" });
  try {
    const cases: [unknown, RegExp][] = [
      [["./p.ts"], /"aviary\.plugins" in .* must map aliases to plugins, got object/],
      [{ p: 3 }, /"aviary\.plugins\.p" in .* must be a module path or an entry/],
      [{ p: { config: {} } }, /"aviary\.plugins\.p" in .* must be a module path or an entry/],
    ];
    for (const [plugins, why] of cases) {
      await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ aviary: { plugins } }));
      await assert.rejects(startBroker({ denoJson: `${dir}/deno.json` }), why);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
