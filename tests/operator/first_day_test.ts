/**
 * The operator's first day (issue 16): a config outside the checkout started with the documented
 * `deno task start -c FILE` and least privilege, errors that say what to do, the `aviary plugins`
 * CLI finding its broker, and monitoring (`/metrics` in the Prometheus text format,
 * `/api/v1/status`).
 */
import assert from "node:assert/strict";
import { hashSecret } from "../../server/admin/auth.ts";
import { connect, end, nextMessage } from "../helpers.ts";
import { aviary, parsePrometheus, startBroker, startTask } from "./_operator.ts";

const KEY = "prom:s3cret-scrape-key";

async function configDir(yaml: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "aviary-op-" });
  await Deno.writeTextFile(`${dir}/aviary.yaml`, yaml);
  return dir;
}

const BASE = `listeners:
  default:
    type: tcp
    bind: 127.0.0.1:0
auth:
  allow_anonymous: true
data_dir: state
admin:
  enable: true
  bind: 127.0.0.1:0
  api_keys:
    - key_id: prom
      secret_hash: "${await hashSecret("s3cret-scrape-key", 1000)}"
`;

Deno.test("operator: deno task start -c <config outside the checkout> runs with only what it needs", async () => {
  const dir = await configDir(BASE);
  const broker = await startBroker(["-c", `${dir}/aviary.yaml`]);
  try {
    const flags = broker.log().match(/starting the broker with (.*)/)![1];
    assert.match(flags, new RegExp(`--allow-read=\\S*${dir}/aviary.yaml`));
    assert.match(
      flags,
      new RegExp(`--allow-write=${dir}/state( |$)`),
      "data_dir is relative to the config",
    );
    assert.doesNotMatch(flags, /--allow-(net|read|write|env)( |$)/, "nothing unscoped");
    const sub = await connect(`mqtt://${broker.mqtt}`);
    const pub = await connect(`mqtt://${broker.mqtt}`, { protocolVersion: 5 });
    await sub.subscribeAsync("op/#");
    const got = nextMessage(sub);
    await pub.publishAsync("op/x", "first day");
    assert.equal((await got).payload, "first day");
    await end(pub);
    await end(sub);
  } finally {
    assert.equal(await broker.stop(), 0);
  }
  assert.ok((await Deno.stat(`${dir}/state`)).isDirectory);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("operator: a missing certificate exits 78 before any listener opens", async () => {
  const dir = await configDir(`listeners:
  plain:
    type: tcp
    bind: 127.0.0.1:0
  secure:
    type: tls
    bind: 127.0.0.1:0
    cert: certs/missing.pem
    key: certs/missing.key
auth:
  allow_anonymous: true
`);
  const out = await startTask(["-c", `${dir}/aviary.yaml`]);
  assert.equal(out.code, 78);
  assert.match(out.stderr, /listeners\.secure\.cert: cannot read \S*certs\/missing\.pem/);
  assert.doesNotMatch(out.stderr, /Listening/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("operator: a config that lets no client in says so at start", async () => {
  const dir = await configDir("listeners:\n  default:\n    type: tcp\n    bind: 127.0.0.1:0\n");
  const broker = await startBroker(["-c", `${dir}/aviary.yaml`]);
  assert.equal(await broker.stop(), 0);
  assert.match(broker.log(), /WARN +no client can connect: auth\.allow_anonymous is false/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("operator: /metrics (Prometheus text) and /api/v1/status with a bearer key", async () => {
  const dir = await configDir(BASE);
  const broker = await startBroker(["-c", `${dir}/aviary.yaml`]);
  try {
    const client = await connect(`mqtt://${broker.mqtt}`);
    assert.equal(
      (await fetch(`${broker.admin}/metrics`).then((r) => (r.body?.cancel(), r))).status,
      401,
    );
    const auth = { authorization: `Bearer ${KEY}` };
    const res = await fetch(`${broker.admin}/metrics`, { headers: auth });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheus(await res.text());
    const one = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) =>
        s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
      )?.value;
    assert.equal(one("aviary_clients_connected"), 1);
    assert.equal(one("aviary_listener_up", { listener: "default", transport: "tcp" }), 1);
    assert.equal(one("aviary_listener_clients", { listener: "default" }), 1);
    assert.ok(one("aviary_packets_received_total")! >= 1);
    const status = await fetch(`${broker.admin}/api/v1/status`, { headers: auth });
    assert.equal(status.status, 200);
    const body = await status.json();
    assert.deepEqual([body.live, body.ready], [true, true]);
    assert.deepEqual(Object.keys(body.checks), ["listeners", "plugins", "store"]);
    await end(client);
  } finally {
    assert.equal(await broker.stop(), 0);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("operator: aviary plugins finds its broker from the config and says what to do when it cannot", async () => {
  const dir = await configDir(
    BASE.replace("bind: 127.0.0.1:0\n  api_keys", "bind: 127.0.0.1:18977\n  api_keys"),
  );
  const down = await aviary(["plugins", "list", "-c", `${dir}/aviary.yaml`]);
  assert.equal(down.code, 1);
  assert.match(
    down.stderr,
    /cannot reach the admin API at http:\/\/127\.0\.0\.1:18977 .*is admin\.enable on/,
  );
  const broker = await startBroker(["-c", `${dir}/aviary.yaml`]);
  try {
    const denied = await aviary(["plugins", "list"], {
      env: { AVIARY_CONFIG: `${dir}/aviary.yaml` },
    });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /refused the credentials \(UNAUTHORIZED\): .*AVIARY_API_KEY/);
    const env = { AVIARY_CONFIG: `${dir}/aviary.yaml`, AVIARY_API_KEY: KEY };
    const listed = await aviary(["plugins", "list"], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ALIAS/);
    const missing = await aviary(["plugins", "install", `${dir}/nope.tar.gz`], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read \S*nope\.tar\.gz: no such file/);
    await Deno.writeTextFile(`${dir}/fake.tar.gz`, "not gzip");
    const notGzip = await aviary(["plugins", "install", `${dir}/fake.tar.gz`], { env });
    assert.match(notGzip.stderr, /is not a plugin package: a package is a gzip file/);
  } finally {
    assert.equal(await broker.stop(), 0);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("operator: the documented deno install line gives an aviary command", async () => {
  const root = await Deno.makeTempDir({ prefix: "aviary-bin-" });
  const checkout = new URL("../../", import.meta.url).pathname;
  const install = await new Deno.Command(Deno.execPath(), {
    args: [
      "install",
      "-g",
      "-f",
      "--root",
      root,
      "-n",
      "aviary",
      `--config=${checkout}deno.json`,
      "--no-prompt",
      "--ignore-env",
      "--allow-read",
      "--allow-run=deno",
      `${checkout}cli/launch.ts`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(install.code, 0, new TextDecoder().decode(install.stderr));
  const out = await new Deno.Command(`${root}/bin/aviary`, { args: ["--version"], cwd: root })
    .output();
  assert.match(new TextDecoder().decode(out.stdout), /^aviary \d+\.\d+\.\d+/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("operator: a plugin granted env starts under the launcher (--allow-env=NAME does not crash the broker)", async () => {
  const dir = await configDir(BASE);
  await Deno.writeTextFile(
    `${dir}/envy.js`,
    `export default {
  name: "envy", version: "1.0.0", permissions: { env: ["AVIARY_ENVY"] },
  hooks: { "message.publish": (m, ctx) => ({ ...m, topic: m.topic + "/" + typeof Deno.env.get("AVIARY_ENVY") }) },
};
`,
  );
  await Deno.writeTextFile(
    `${dir}/aviary.yaml`,
    `${BASE}plugins:\n  envy: {source: ./envy.js, permissions: {env: [AVIARY_ENVY]}}\n`,
  );
  const broker = await startBroker(["-c", `${dir}/aviary.yaml`]);
  try {
    const flags = broker.log().match(/starting the broker with (.*)/)![1];
    assert.match(flags, /--allow-env=AVIARY_ENVY( |$)/);
    const sub = await connect(`mqtt://${broker.mqtt}`);
    await sub.subscribeAsync("env/#");
    const got = nextMessage(sub);
    const pub = await connect(`mqtt://${broker.mqtt}`);
    await pub.publishAsync("env/x", "y");
    assert.match((await got).topic, /^env\/x\/(string|undefined)$/, "the plugin ran and read env");
    await end(pub);
    await end(sub);
  } finally {
    assert.equal(await broker.stop(), 0);
  }
  await Deno.remove(dir, { recursive: true });
});
