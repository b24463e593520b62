/**
 * The README's operator path, walked on a fresh temp dir (issue 16, "Done when"): a config in its
 * own directory (`etc/aviary/aviary.yaml`) with the data elsewhere (`lib/aviary`); password and
 * key hashes from `aviary admin hash-password`; `deno task start -c <config>`; a plugin packed with
 * `aviary plugins pack` and installed with a narrowed grant; a Prometheus scrape (parsed); the
 * health check; a SIGHUP reload (a live change applied, a listener change left for a restart);
 * dashboard screenshots (skipped with a reason without Chromium); a clean stop. Each command is
 * the one the README text in /tmp/docs/O1.md shows.
 */
import assert from "node:assert/strict";
import { connect, end } from "../helpers.ts";
import { aviary, freePort, parsePrometheus, startBroker } from "./_operator.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENS = new URL("./_walk_screens.ts", import.meta.url).pathname;

const NETPROBE = (inside: number, outside: number) =>
  `// Reports which addresses it can reach: its grant's, and the admin API's (not granted).
async function reach(port) {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return "connected";
  } catch (e) {
    return e.name;
  }
}
let seen = {};
export default {
  name: "netprobe", version: "1.0.0", permissions: { net: true }, hooks: {},
  async start() { seen = { granted: await reach(${inside}), other: await reach(${outside}) }; },
  healthCheck: () => ({ ok: true, message: JSON.stringify(seen) }),
};
`;

/** `aviary admin hash-password < secret` (the real CLI), the hash it prints. */
async function hashPassword(secret: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "start", "admin", "hash-password", "--iterations", "1000"],
    cwd: new URL("../../", import.meta.url).pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(secret));
  await writer.close();
  const out = await child.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

interface Walk {
  mqtt: number;
  admin: number;
  lib: string;
  keepalive: number;
  hashes: readonly [user: string, key: string];
}

function configYaml(p: Walk): string {
  return `listeners:
  default:
    type: tcp
    bind: 127.0.0.1:${p.mqtt}
auth:
  allow_anonymous: true
data_dir: ${p.lib}
mqtt:
  max_keepalive: ${p.keepalive}
admin:
  enable: true
  bind: 127.0.0.1:${p.admin}
  users:
    - username: admin
      password_hash: "${p.hashes[0]}"
  api_keys:
    - key_id: ops
      secret_hash: "${p.hashes[1]}"
`;
}

/** The Server Keep Alive a v5 client asking for 1000 s is given. */
async function serverKeepAlive(url: string): Promise<number | undefined> {
  let given: number | undefined;
  const c = await connect(url, { protocolVersion: 5, keepalive: 1000 }, (p) => {
    given = p.properties?.serverKeepAlive;
  });
  await end(c);
  return given;
}

Deno.test("operator walk: the README's operator path on a fresh temp dir", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "aviary-walk-" });
  const etc = `${root}/etc/aviary`;
  const lib = `${root}/lib/aviary`;
  await Deno.mkdir(etc, { recursive: true });
  const [mqtt, admin] = [freePort(), freePort()];
  const config = `${etc}/aviary.yaml`;
  const hashes = [await hashPassword("walk-pass"), await hashPassword("walk-key")] as const;
  await Deno.writeTextFile(
    config,
    configYaml({ mqtt, admin, lib, keepalive: 60, hashes }),
  );

  const broker = await startBroker(["-c", config]);
  const env = { AVIARY_CONFIG: config, AVIARY_API_KEY: "ops:walk-key" };
  const auth = { authorization: "Bearer ops:walk-key" };
  try {
    await t.step("started with only what the config needs", () => {
      const flags = broker.log().match(/starting the broker with (.*)/)![1];
      assert.match(flags, new RegExp(`--allow-write=${lib}( |$)`));
      assert.doesNotMatch(flags, /--allow-(net|read|write|env)( |$)/);
    });

    await t.step("pack a plugin and install it with a narrowed grant", async () => {
      const src = `${root}/src/netprobe`;
      await Deno.mkdir(src, { recursive: true });
      await Deno.writeTextFile(`${src}/plugin.js`, NETPROBE(mqtt, admin));
      const packed = await aviary(["plugins", "pack", src]);
      assert.equal(packed.code, 0, packed.stderr);
      const pkg = `${src}/dist/netprobe-1.0.0.tar.gz`;
      const grant = `net=127.0.0.1:${mqtt}`;
      const installed = await aviary(["plugins", "install", pkg, "--grant", grant], { env });
      assert.equal(installed.code, 0, installed.stderr);
      assert.equal((await aviary(["plugins", "start", "netprobe"], { env })).code, 0);
      const view = JSON.parse((await aviary(["plugins", "describe", "netprobe"], { env })).stdout);
      assert.deepEqual(view.granted, { net: [`127.0.0.1:${mqtt}`] });
      assert.deepEqual(JSON.parse(view.health.message), {
        granted: "connected",
        other: "NotCapable",
      });
    });

    await t.step("Prometheus scrape and health", async () => {
      const client = await connect(`mqtt://127.0.0.1:${mqtt}`, { keepalive: 10 });
      const res = await fetch(`http://127.0.0.1:${admin}/metrics`, { headers: auth });
      assert.equal(res.status, 200);
      const samples = parsePrometheus(await res.text());
      const value = (name: string, labels: Record<string, string> = {}) =>
        samples.find((s) =>
          s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
        )?.value;
      assert.equal(value("aviary_clients_connected"), 1);
      assert.equal(value("aviary_plugin_running", { plugin: "netprobe" }), 1);
      const status = await fetch(`http://127.0.0.1:${admin}/api/v1/status`, { headers: auth });
      assert.equal(status.status, 200);
      assert.deepEqual((await status.json()).ready, true);
      await end(client);
    });

    await t.step("SIGHUP reload: a live change applied, a listener change left", async () => {
      const url = `mqtt://127.0.0.1:${mqtt}`;
      assert.equal(await serverKeepAlive(url), 60);
      const next = configYaml({ mqtt, admin, lib, keepalive: 30, hashes });
      await Deno.writeTextFile(config, next.replace(`127.0.0.1:${mqtt}`, "0.0.0.0:1883"));
      broker.hup();
      await broker.waitFor(/Config reloaded/);
      assert.match(broker.log(), /Config change applied field=mqtt\.max_keepalive from=60 to=30/);
      assert.match(broker.log(), /needs a restart; not applied field=listeners\.default\.bind/);
      assert.equal(await serverKeepAlive(url), 30);
    });

    await t.step({
      name: "dashboard screenshots, desktop and phone",
      ignore: !(await Deno.stat(CHROMIUM).then(() => true, () => false)),
      fn: async () => {
        const out = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--no-prompt",
            SCREENS,
            broker.admin!,
            "admin",
            "walk-pass",
            `${root}/shots`,
          ],
        }).output();
        assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
        const files: string[] = JSON.parse(new TextDecoder().decode(out.stdout));
        assert.ok(files.length >= 4, `${files.length} screenshots`);
        for (const f of files) assert.ok((await Deno.stat(f)).size > 5_000, f);
      },
    });
  } finally {
    assert.equal(await broker.stop(), 0);
  }
  await Deno.remove(root, { recursive: true });
});
