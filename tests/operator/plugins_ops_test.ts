/**
 * The operator's plugin and log items (issue 16, items 3 and 5): grants narrowed per `--plugin`,
 * connection log lines, and messages plugins publish routed as published (not rewritten by a
 * topic-prefixing plugin) unless the operator says `transform_plugin_messages: true`.
 */
import assert from "node:assert/strict";
import { configFromArgs } from "../../cli/serve.ts";
import { connect, end } from "../helpers.ts";
import { startBroker } from "./_operator.ts";

const PREFIXER = `export default {
  name: "prefixer", version: "1.0.0", permissions: {},
  hooks: { "message.publish": (m) => ({ ...m, topic: "dash/" + m.topic }) },
};`;
const TICKER = `let timer;
export default {
  name: "ticker", version: "1.0.0", permissions: {},
  start(ctx) { timer = setInterval(() => ctx.publish("tick/now", "t").catch(() => {}), 100); },
  stop() { clearInterval(timer); },
  hooks: {},
};`;

async function setup(transform: boolean): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "aviary-op-" });
  await Deno.writeTextFile(`${dir}/prefixer.js`, PREFIXER);
  await Deno.writeTextFile(`${dir}/ticker.js`, TICKER);
  await Deno.writeTextFile(
    `${dir}/aviary.yaml`,
    `listeners:
  default:
    type: tcp
    bind: 127.0.0.1:0
auth:
  allow_anonymous: true
data_dir: state
plugins:
  prefixer:
    source: ./prefixer.js
  ticker:
    source: ./ticker.js
    transform_plugin_messages: ${transform}
`,
  );
  return dir;
}

async function firstTopics(url: string, n: number): Promise<string[]> {
  const c = await connect(url, { clientId: "watcher" });
  const topics: string[] = [];
  const got = new Promise<void>((done) =>
    c.on("message", (t: string) => {
      topics.push(t);
      if (topics.length >= n) done();
    })
  );
  await c.subscribeAsync("#");
  const pub = await connect(url);
  await pub.publishAsync("client/x", "c");
  await got;
  await end(pub);
  await end(c);
  return topics;
}

Deno.test("operator: a plugin's ctx.publish is not rewritten by a prefixing plugin; connections are logged", async () => {
  const dir = await setup(false);
  const broker = await startBroker(["-c", `${dir}/aviary.yaml`]);
  try {
    const topics = await firstTopics(`mqtt://${broker.mqtt}`, 4);
    assert.ok(topics.includes("tick/now"), `plugin message as published: ${topics}`);
    assert.ok(!topics.includes("dash/tick/now"));
    assert.ok(topics.includes("dash/client/x"), "client messages still go through the hook");
  } finally {
    assert.equal(await broker.stop(), 0);
  }
  assert.match(broker.log(), /Client connected.*clientId=watcher.*remote=127\.0\.0\.1:\d+/);
  assert.match(broker.log(), /Client disconnected.*clientId=watcher.*reason=normal/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("operator: transform_plugin_messages: true lets the prefixing plugin rewrite them", async () => {
  const dir = await setup(true);
  const broker = await startBroker(["-c", `${dir}/aviary.yaml`]);
  try {
    const topics = await firstTopics(`mqtt://${broker.mqtt}`, 3);
    assert.ok(topics.includes("dash/tick/now"), `rewritten: ${topics}`);
    assert.ok(!topics.includes("tick/now"));
  } finally {
    assert.equal(await broker.stop(), 0);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("operator: --grant ALIAS:net=host:port narrows one --plugin; a bare --grant is for all", async () => {
  const config = await configFromArgs([
    "--plugin",
    "./a.ts",
    "--plugin",
    "./b.ts",
    "--grant",
    "a:net=api.example.com:443,db.example.com:5432",
    "--grant",
    "env=TZ",
  ]);
  assert.deepEqual(config!.plugins.a.permissions, {
    net: ["api.example.com:443", "db.example.com:5432"],
    env: ["TZ"],
  });
  assert.deepEqual(config!.plugins.b.permissions, { env: ["TZ"] });
  await assert.rejects(
    () => configFromArgs(["--plugin", "./a.ts", "--grant", "nope:net=x:1"]),
    /no --plugin has the alias "nope"/,
  );
});
