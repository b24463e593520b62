/**
 * docs/aviary.service (issue 16, item 7): the unit is parsed, its paths moved into a temp dir,
 * and its ExecStart line run exactly as systemd would (no shell); ExecStart is what the launcher
 * prints (`--print-command`) for the same config; ExecReload (SIGHUP) reloads the config; the
 * KillSignal stops it cleanly. The hardening options are checked to be there.
 */
import assert from "node:assert/strict";
import { connect, end, nextMessage } from "../helpers.ts";
import { aviary, freePort, spawnBroker } from "./_operator.ts";

const CHECKOUT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const UNIT = `${CHECKOUT}/docs/aviary.service`;

/** `[Section]` -> key -> values (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = line.match(/^\[(\w+)\]$/);
    if (header) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const kv = line.match(/^([A-Za-z]+)=(.*)$/);
    assert.ok(kv && current, `not a unit line: ${line}`);
    current.set(kv[1], [...(current.get(kv[1]) ?? []), kv[2]]);
  }
  return sections;
}

/** `systemd-analyze verify` accepts the unit (skipped where systemd is not installed). */
async function verifyWithSystemd(): Promise<void> {
  try {
    await Deno.stat("/usr/bin/systemd-analyze");
  } catch {
    console.log("systemd-analyze not installed: unit syntax not verified by systemd");
    return;
  }
  const out = await new Deno.Command("/usr/bin/systemd-analyze", {
    args: ["verify", "--man=no", UNIT],
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.doesNotMatch(text, /aviary\.service/, text);
}

const CONFIG = (port: number, dataDir: string, keepalive: number) =>
  `listeners:
  default:
    type: tcp
    bind: 127.0.0.1:${port}
auth:
  allow_anonymous: true
data_dir: ${dataDir}
mqtt:
  max_keepalive: ${keepalive}
`;

Deno.test("operator: docs/aviary.service runs as written: start, MQTT.js, reload (SIGHUP), clean stop", async () => {
  const service = parseUnit(await Deno.readTextFile(UNIT)).get("Service")!;
  const one = (key: string) => service.get(key)?.[0];
  assert.equal(one("User"), "aviary");
  assert.equal(one("ExecReload"), "/bin/kill -HUP $MAINPID");
  for (const [k, v] of [["NoNewPrivileges", "yes"], ["ProtectSystem", "strict"]]) {
    assert.equal(one(k), v, k);
  }
  assert.match(one("ReadWritePaths")!, /(^| )\/var\/lib\/aviary( |$)/);
  assert.ok(!service.has("MemoryDenyWriteExecute"), "V8 needs writable executable memory");
  await verifyWithSystemd();

  const tmp = await Deno.makeTempDir({ prefix: "aviary-unit-" });
  const port = freePort();
  const at = {
    "/usr/bin/deno": Deno.execPath(),
    "/opt/aviary": CHECKOUT,
    "/etc/aviary": `${tmp}/etc`,
    "/var/lib/aviary": `${tmp}/lib`,
    "0.0.0.0:1883": `127.0.0.1:${port}`,
  };
  const moved = (s: string) => Object.entries(at).reduce((t, [a, b]) => t.replaceAll(a, b), s);
  await Deno.mkdir(`${tmp}/etc`);
  await Deno.mkdir(`${tmp}/lib`);
  const file = `${tmp}/etc/aviary.yaml`;
  await Deno.writeTextFile(file, CONFIG(port, `${tmp}/lib`, 60));

  const execStart = moved(one("ExecStart")!);
  const printed = await aviary(["-c", file, "--print-command"]);
  assert.equal(printed.code, 0, printed.stderr);
  assert.equal(printed.stdout.trim(), execStart, "the unit's line is the launcher's line");
  assert.doesNotMatch(execStart, /["'\\]/, "no quoting: split on spaces like systemd");

  const [command, ...args] = execStart.split(" ");
  const broker = await spawnBroker(command, args, { cwd: moved(one("WorkingDirectory")!) });
  try {
    const sub = await connect(`mqtt://127.0.0.1:${port}`, { keepalive: 10 });
    await sub.subscribeAsync("unit/#");
    const got = nextMessage(sub);
    const pub = await connect(`mqtt://127.0.0.1:${port}`, { keepalive: 10 });
    await pub.publishAsync("unit/x", "from systemd");
    assert.equal((await got).payload, "from systemd");

    await Deno.writeTextFile(file, CONFIG(port, `${tmp}/lib`, 20));
    const reload = one("ExecReload")!.replace("$MAINPID", String(broker.pid)).split(" ");
    const killed = await new Deno.Command(reload[0], { args: reload.slice(1) }).output();
    assert.equal(killed.code, 0);
    await broker.waitFor(/Config change applied field=mqtt\.max_keepalive from=60 to=20/);
    assert.ok(sub.connected && pub.connected, "clients stay through a reload");
    await end(pub);
    await end(sub);
  } finally {
    assert.equal(one("KillSignal"), "SIGTERM");
    assert.equal(await broker.stop(), 0, broker.log());
  }
  assert.match(broker.log(), /Broker stopped/);
  await Deno.remove(tmp, { recursive: true });
});
