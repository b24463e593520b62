/**
 * Reloading the config of a running broker, in process: real broker, real plugin manager, real
 * MQTT.js clients. (The SIGHUP path through the launcher is tests/operator/reload_test.ts.)
 */
import assert from "node:assert/strict";
import { createLogger } from "../../lib/log.ts";
import { connect, end, roundTrip } from "../../tests/helpers.ts";
import { startBroker } from "../server.ts";
import { parseConfig } from "./load.ts";
import { Reloader } from "./reload.ts";
import { diffConfig } from "./reload_diff.ts";

const PREFIXER = `export default {
  name: "prefixer", version: "1.0.0", permissions: {},
  hooks: { "message.publish": (m, ctx) => ({ ...m, topic: ctx.config.prefix + m.topic }) },
  configChanged(_previous, next) {
    if (next.prefix === "refuse/") throw new Error("prefix refuse/ is not allowed");
    return true;
  },
};`;

function yaml(opts: { prefix?: string; enabled?: boolean; anonymous?: boolean; bind?: string }) {
  return `listeners:
  default:
    type: tcp
    bind: ${opts.bind ?? "127.0.0.1:0"}
auth:
  allow_anonymous: ${opts.anonymous ?? true}
persistence:
  backend: memory
mqtt:
  max_keepalive: 60
plugins:
  prefixer:
    source: ./prefixer.js
    enabled: ${opts.enabled ?? true}
    config:
      prefix: "${opts.prefix ?? "a/"}"
`;
}

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "aviary-reload-" });
  await Deno.writeTextFile(`${dir}/prefixer.js`, PREFIXER);
  const file = `${dir}/aviary.yaml`;
  await Deno.writeTextFile(file, yaml({}));
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l) });
  const config = parseConfig(await Deno.readTextFile(file), file);
  config.data_dir = `${dir}/data`;
  const running = await startBroker(config, { log });
  const load = async () => {
    const next = parseConfig(await Deno.readTextFile(file), file);
    next.data_dir = `${dir}/data`;
    return next;
  };
  const reloader = new Reloader({ ...running, log }, load);
  const url = `mqtt://127.0.0.1:${running.listeners.get("default")!.port}`;
  const done = async () => {
    await running.close();
    await Deno.remove(dir, { recursive: true });
  };
  return { file, lines, running, reloader, url, done };
}

Deno.test("Reloader applies plugin config and enabled through the plugin manager; a refused config is reported, the rest applied", async () => {
  const t = await setup();
  try {
    assert.equal(await roundTrip(t.url, "x"), "a/x");
    await Deno.writeTextFile(t.file, yaml({ prefix: "b/" }));
    const r1 = await t.reloader.reload();
    assert.deepEqual(r1.applied, ["plugins.prefixer.config"]);
    assert.equal(await roundTrip(t.url, "x"), "b/x");
    await Deno.writeTextFile(t.file, yaml({ prefix: "refuse/", anonymous: false }));
    const r2 = await t.reloader.reload();
    assert.deepEqual([r2.applied, r2.failed], [["auth.allow_anonymous"], [
      "plugins.prefixer.config",
    ]]);
    assert.match(
      t.lines.join("\n"),
      /Config change failed field=plugins\.prefixer\.config.*refuse/,
    );
    await assert.rejects(connect(t.url), /Not authorized|Connection refused/);
    await Deno.writeTextFile(t.file, yaml({ prefix: "b/", enabled: false }));
    const r3 = await t.reloader.reload();
    assert.deepEqual(r3.applied.sort(), ["auth.allow_anonymous", "plugins.prefixer.enabled"]);
    assert.equal(t.running.manager!.list().find((p) => p.alias === "prefixer")!.state, "stopped");
    assert.equal(await roundTrip(t.url, "x"), "x");
  } finally {
    await t.done();
  }
});

Deno.test("Reloader leaves a listener change as it was and logs it by field path", async () => {
  const t = await setup();
  try {
    await Deno.writeTextFile(t.file, yaml({ bind: "127.0.0.1:1" }));
    const r = await t.reloader.reload();
    assert.deepEqual([r.ok, r.applied, r.restart], [true, [], ["listeners.default.bind"]]);
    assert.equal(t.running.config.listeners.default.bind, "127.0.0.1:0");
    assert.match(
      t.lines.join("\n"),
      /WARN +Config change needs a restart; not applied field=listeners\.default\.bind/,
    );
    assert.equal(await roundTrip(t.url, "x"), "a/x");
  } finally {
    await t.done();
  }
});

Deno.test("Reloader refuses an invalid file (field path and expected) and keeps the running config", async () => {
  const t = await setup();
  try {
    await Deno.writeTextFile(t.file, yaml({}).replace("max_keepalive: 60", "max_keepalive: lots"));
    const r = await t.reloader.reload();
    assert.equal(r.ok, false);
    assert.match(r.error!, /aviary\.yaml: mqtt\.max_keepalive: .*/);
    assert.equal(t.running.config.mqtt.max_keepalive, 60);
    assert.match(t.lines.join("\n"), /ERROR +Config reload refused; the running config stays/);
  } finally {
    await t.done();
  }
});

Deno.test("Reloader runs one reload at a time: a burst during a reload becomes one more reload", async () => {
  const config = parseConfig("", "a.yaml");
  let loads = 0;
  let active = 0;
  const load = async () => {
    loads++;
    active++;
    assert.equal(active, 1, "two reloads at once");
    await new Promise((r) => setTimeout(r, 30));
    active--;
    return parseConfig(`mqtt:\n  max_keepalive: ${100 + loads}\n`, "a.yaml");
  };
  const reloader = new Reloader({ config, log: createLogger({ sink: () => {} }) }, load);
  const first = reloader.reload();
  await new Promise((r) => setTimeout(r, 5));
  const burst = Array.from({ length: 10 }, () => reloader.reload());
  await Promise.all([first, ...burst]);
  assert.equal(loads, 2);
  assert.equal(config.mqtt.max_keepalive, 102);
});

Deno.test("diffConfig: plugins added or removed, sources and grants need a restart", () => {
  const a = parseConfig("plugins:\n  x:\n    source: /p/x.ts\n", "/etc/a.yaml");
  const b = parseConfig(
    "plugins:\n  x:\n    source: /p/y.ts\n    permissions:\n      net: true\n  z:\n    source: /p/z.ts\n",
    "/etc/a.yaml",
  );
  const changes = diffConfig(a, b).map((c) => `${c.path}:${c.live}`);
  assert.deepEqual(changes, [
    "plugins.x.source:false",
    "plugins.x.permissions.net:false",
    "plugins.z:false",
  ]);
});

Deno.test("a reload turns log.connections on and auth.allow_anonymous off for the next connections", async () => {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l) });
  const text = (on: boolean, anon: boolean) =>
    `listeners:\n  default:\n    type: tcp\n    bind: 127.0.0.1:0\npersistence:\n  backend: memory\n` +
    `log:\n  connections: ${on}\nauth:\n  allow_anonymous: ${anon}\n`;
  let current = text(false, true);
  const running = await startBroker(parseConfig(current, "a.yaml"), { log });
  const url = `mqtt://127.0.0.1:${running.listeners.get("default")!.port}`;
  const reloader = new Reloader(
    { ...running, log },
    () => Promise.resolve(parseConfig(current, "a.yaml")),
  );
  try {
    await end(await connect(url, { clientId: "quiet" }));
    current = text(true, true);
    await reloader.reload();
    await end(await connect(url, { clientId: "loud" }));
    current = text(true, false);
    await reloader.reload();
    await assert.rejects(connect(url, { clientId: "anon" }));
  } finally {
    await running.close();
  }
  const all = lines.join("\n");
  assert.doesNotMatch(all, /Client connected.*clientId=quiet/);
  assert.match(all, /Client connected.*clientId=loud/);
});

Deno.test("a reload changes which plugins authenticate (auth.plugins) for the next connections", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aviary-reload-" });
  const plugin = (name: string, result: string) =>
    `export default { name: "${name}", version: "1.0.0", permissions: {},
  hooks: { "client.authenticate": () => ({ result: "${result}" }) } };`;
  await Deno.writeTextFile(`${dir}/deny.js`, plugin("deny", "deny"));
  await Deno.writeTextFile(`${dir}/allow.js`, plugin("allow", "allow"));
  const text = (who: string) =>
    `listeners:\n  default:\n    type: tcp\n    bind: 127.0.0.1:0\npersistence:\n  backend: memory\n` +
    `data_dir: ${dir}/data\nauth:\n  allow_anonymous: false\n  plugins: [${who}]\n` +
    `plugins:\n  deny:\n    source: ${dir}/deny.js\n  allow:\n    source: ${dir}/allow.js\n`;
  let current = text("deny");
  const log = createLogger({ sink: () => {} });
  const running = await startBroker(parseConfig(current, "a.yaml"), { log });
  const url = `mqtt://127.0.0.1:${running.listeners.get("default")!.port}`;
  const reloader = new Reloader(
    { ...running, log },
    () => Promise.resolve(parseConfig(current, "a.yaml")),
  );
  try {
    await assert.rejects(connect(url, { username: "u", password: "p" }));
    current = text("allow");
    assert.deepEqual((await reloader.reload()).applied, ["auth.plugins"]);
    await new Promise((r) => setTimeout(r, 1100)); // the guard re-reads its lists each second
    await end(await connect(url, { username: "u", password: "p" }));
  } finally {
    await running.close();
    await Deno.remove(dir, { recursive: true });
  }
});
