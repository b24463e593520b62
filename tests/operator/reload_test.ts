/**
 * SIGHUP reloads the config of a broker started the documented way (`deno task start -c FILE`,
 * the launcher passes the signal on), while one MQTT.js client stays connected throughout: what
 * can change live is applied, a listener change is logged and not applied, a broken, vanished or
 * unreadable file is refused and the running config stays, a burst of HUPs is survived.
 */
import assert from "node:assert/strict";
import type { MqttClient } from "mqtt";
import { connect, end, nextMessage } from "../helpers.ts";
import { startBroker, type Started } from "./_operator.ts";

const yaml = (keepalive: number, bind = "127.0.0.1:0") =>
  `listeners:
  default:
    type: tcp
    bind: ${bind}
auth:
  allow_anonymous: true
data_dir: state
mqtt:
  max_keepalive: ${keepalive}
`;

/** The subscriber still gets what a fresh publisher sends. */
async function stillServing(broker: Started, sub: MqttClient, n: number): Promise<void> {
  const pub = await connect(`mqtt://${broker.mqtt}`, { keepalive: 10 });
  const got = nextMessage(sub, 5000);
  await pub.publishAsync("reload/x", `step ${n}`);
  assert.equal((await got).payload, `step ${n}`);
  await end(pub);
}

/** The Server Keep Alive a v5 client asking for 1000 s is given. */
async function serverKeepAlive(broker: Started): Promise<number | undefined> {
  let keepAlive: number | undefined;
  const c = await connect(`mqtt://${broker.mqtt}`, { protocolVersion: 5, keepalive: 1000 }, (p) => {
    keepAlive = p.properties?.serverKeepAlive;
  });
  await end(c);
  return keepAlive;
}

Deno.test("operator: SIGHUP reloads the config; a real broker keeps serving an MQTT.js client throughout", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aviary-op-" });
  const file = `${dir}/aviary.yaml`;
  await Deno.writeTextFile(file, yaml(60));
  const broker = await startBroker(["-c", file]);
  const sub = await connect(`mqtt://${broker.mqtt}`, { clientId: "steady" });
  try {
    await sub.subscribeAsync("reload/#");
    assert.equal(await serverKeepAlive(broker), 60);

    await Deno.writeTextFile(file, yaml(30, "127.0.0.1:1"));
    broker.hup();
    await broker.waitFor(/Config reloaded/);
    assert.match(broker.log(), /Config change applied field=mqtt\.max_keepalive from=60 to=30/);
    assert.match(
      broker.log(),
      /WARN +Config change needs a restart; not applied field=listeners\.default\.bind/,
    );
    assert.equal(await serverKeepAlive(broker), 30, "applied to new connections");
    await stillServing(broker, sub, 1);

    await Deno.writeTextFile(file, "mqtt:\n  max_keepalive: [\n");
    broker.hup();
    await broker.waitFor(/Config reload refused/);
    assert.match(broker.log(), /Config reload refused.*aviary\.yaml at line \d+, column \d+/);
    await stillServing(broker, sub, 2);

    await Deno.remove(file);
    broker.hup();
    await broker.waitFor(/Config reload refused/, 2);
    assert.match(
      broker.log(),
      /Config reload refused.*Cannot read config \S*aviary\.yaml: file not found/,
    );
    await stillServing(broker, sub, 3);

    // Unreadable: chmod 000 (root reads through it, so a directory in its place stands in).
    if (Deno.uid() === 0) await Deno.mkdir(file);
    else await Deno.writeTextFile(file, yaml(10), { mode: 0o000 });
    broker.hup();
    await broker.waitFor(/Config reload refused/, 3);
    assert.match(broker.log(), /Config reload refused.*Cannot read config \S*aviary\.yaml/);
    assert.equal(await serverKeepAlive(broker), 30, "the running config stays");
    await stillServing(broker, sub, 4);

    await Deno.remove(file);
    await Deno.writeTextFile(file, yaml(45));
    const before = broker.log().match(/Config reloaded/g)!.length;
    for (let i = 0; i < 8; i++) broker.hup();
    await broker.waitFor(/Config reloaded/, before + 1);
    await new Promise((r) => setTimeout(r, 500));
    const reloads = broker.log().match(/Config reloaded/g)!.length - before;
    assert.ok(reloads >= 1 && reloads <= 8, `${reloads} reloads for 8 HUPs`);
    assert.equal(await serverKeepAlive(broker), 45);
    await stillServing(broker, sub, 5);
    assert.ok(sub.connected, "the first client never left");
  } catch (err) {
    console.error(broker.log());
    throw err;
  } finally {
    await end(sub);
    assert.equal(await broker.stop(), 0);
  }
  await Deno.remove(dir, { recursive: true });
});
