/**
 * The operator's plugin errors (issue 16, items 3 and 4), through real processes: a plugin with a
 * syntax error is reported with `file:line:column` (process and worker cages, REST and CLI);
 * `aviary plugins install PATH --grant net=host:port` grants exactly that (the plugin reaches
 * that address and nothing else); a start refused because the broker process lacks a permission
 * names the exact `--allow-*` flag (process cage through the CLI, worker cage in the log).
 */
import assert from "node:assert/strict";
import { hashSecret } from "../../server/admin/auth.ts";
import { aviary, freePort, spawnBroker, startBroker, type Started } from "./_operator.ts";

const KEY = "ops:pl-errors-key";
const BAD_JS = `export default {\n  name: "bad", version: "1.0.0", permissions: {},\n` +
  `  hooks: { "message.publish": (m) => { return m +; } },\n};\n`;
const BAD_TS = `export default { name: "badts", version: "1.0.0", permissions: {}, hooks: {} };\n` +
  `const x: number = ;\n`;
const probe = (inside: number, outside: number) =>
  `let results = {};
async function reach(port) {
  try {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    c.close();
    return "connected";
  } catch (e) {
    return e.name;
  }
}
export default {
  name: "netprobe", version: "1.0.0", permissions: { net: true }, hooks: {},
  async start() { results = { inside: await reach(${inside}), outside: await reach(${outside}) }; },
  healthCheck: () => ({ ok: true, message: JSON.stringify(results) }),
};
`;

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "aviary-op-" });
  const [mqtt, admin] = [freePort(), freePort()];
  await Deno.writeTextFile(`${dir}/bad.js`, BAD_JS);
  await Deno.writeTextFile(`${dir}/bad.ts`, BAD_TS);
  await Deno.writeTextFile(`${dir}/bad2.js`, BAD_JS);
  await Deno.writeTextFile(`${dir}/netprobe.js`, probe(mqtt, admin));
  await Deno.writeTextFile(
    `${dir}/aviary.yaml`,
    `listeners:
  default:
    type: tcp
    bind: 127.0.0.1:${mqtt}
auth:
  allow_anonymous: true
data_dir: state
admin:
  enable: true
  bind: 127.0.0.1:${admin}
  api_keys:
    - key_id: ops
      secret_hash: "${await hashSecret("pl-errors-key", 1000)}"
plugins:
  bad_proc:
    source: ./bad.js
    isolation: process
  bad_worker:
    source: ./bad.ts
    isolation: worker
`,
  );
  const env = { AVIARY_CONFIG: `${dir}/aviary.yaml`, AVIARY_API_KEY: KEY };
  return { dir, mqtt, admin, env };
}

async function rest(broker: Started, method: string, path: string, body?: unknown) {
  const res = await fetch(`${broker.admin}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("operator: a plugin syntax error says file:line:column, in both cages, through REST and the CLI", async () => {
  const { dir, env } = await setup();
  const broker = await startBroker(["-c", `${dir}/aviary.yaml`]);
  try {
    const proc = await aviary(["plugins", "describe", "bad_proc"], { env });
    assert.equal(proc.code, 0, proc.stderr);
    assert.match(
      JSON.parse(proc.stdout).error,
      new RegExp(`${dir}/bad\\.js:3:50: SyntaxError: Expression expected`),
    );
    assert.equal(JSON.parse(proc.stdout).isolation, "process");
    const worker = await rest(broker, "GET", "/plugins/bad_worker");
    assert.match(worker.body.error, new RegExp(`${dir}/bad\\.ts:2:19: SyntaxError`));
    assert.equal(worker.body.isolation, "worker");
    assert.match(broker.log(), /Plugin not running plugin=bad_proc .*bad\.js:3:50: SyntaxError/);

    const cli = await aviary(["plugins", "install", `${dir}/bad2.js`, "--yes"], { env });
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, new RegExp(`${dir}/bad2\\.js:3:50: SyntaxError: Expression expected`));
    const api = await rest(broker, "POST", "/plugins/install", {
      source: `${dir}/bad.ts`,
      alias: "bad3",
      grant: {},
    });
    assert.ok(api.status >= 400 && api.status < 500, JSON.stringify(api));
    assert.match(api.body.message, new RegExp(`${dir}/bad\\.ts:2:19: SyntaxError`));
  } finally {
    assert.equal(await broker.stop(), 0);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("operator: plugins install --grant net=host:port grants exactly that; a start the broker cannot grant names the flag", async () => {
  const { dir, mqtt, admin, env } = await setup();
  const broker = await startBroker(["-c", `${dir}/aviary.yaml`]);
  try {
    const grant = `net=127.0.0.1:${mqtt}`;
    const install = await aviary(["plugins", "install", `${dir}/netprobe.js`, "--grant", grant], {
      env,
    });
    assert.equal(install.code, 0, install.stderr);
    assert.match(install.stdout, new RegExp(`Granted net: 127\\.0\\.0\\.1:${mqtt}\\.`));
    const started = await aviary(["plugins", "start", "netprobe"], { env });
    assert.equal(started.code, 0, started.stderr);
    const view = JSON.parse((await aviary(["plugins", "describe", "netprobe"], { env })).stdout);
    assert.deepEqual(view.granted, { net: [`127.0.0.1:${mqtt}`] });
    assert.deepEqual(view.permissions, { net: true }, "it asked for all of net");
    const reached = JSON.parse(view.health.message);
    assert.deepEqual(reached, { inside: "connected", outside: "NotCapable" }, `admin ${admin}`);

    // The broker holds only its own addresses: a grant beyond them cannot be given.
    const far = await aviary(
      [
        "plugins",
        "install",
        `${dir}/netprobe.js`,
        "--alias",
        "far",
        "--grant",
        "net=203.0.113.7:443",
      ],
      { env },
    );
    assert.equal(far.code, 0, far.stderr);
    const refused = await aviary(["plugins", "start", "far"], { env });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /the broker lacks --allow-net=203\.0\.113\.7:443; restart the broker/,
    );
  } finally {
    assert.equal(await broker.stop(), 0);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("operator: a worker-caged plugin's grant the broker's flags lack names the exact flag (a stale service line)", async () => {
  const { dir } = await setup();
  const file = `${dir}/aviary.yaml`;
  const yaml = await Deno.readTextFile(file);
  await Deno.writeTextFile(file, yaml.replace(/plugins:[\s\S]*$/, ""));
  const printed = await aviary(["-c", file, "--print-command"]);
  assert.equal(printed.code, 0, printed.stderr);
  // The operator adds a plugin and its grant, and restarts with the old line.
  await Deno.writeTextFile(
    file,
    yaml.replace(/plugins:[\s\S]*$/, "") + `plugins:
  probe:
    source: ${dir}/state/netprobe.js
    isolation: worker
    permissions:
      net: [203.0.113.9:8443]
`,
  );
  // In data_dir: the old line lets the broker read there.
  await Deno.mkdir(`${dir}/state`, { recursive: true });
  await Deno.copyFile(`${dir}/netprobe.js`, `${dir}/state/netprobe.js`);
  const [command, ...args] = printed.stdout.trim().split(" ");
  const broker = await spawnBroker(command, args, { cwd: dir });
  try {
    await broker.waitFor(/Plugin not running plugin=probe/);
    assert.match(
      broker.log(),
      /Plugin not running plugin=probe .*isolation=worker .*the broker lacks --allow-net=203\.0\.113\.9:8443; restart the broker/,
    );
  } finally {
    assert.equal(await broker.stop(), 0);
  }
  await Deno.remove(dir, { recursive: true });
});
