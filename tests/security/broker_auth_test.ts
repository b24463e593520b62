/**
 * Issue 9, item 6: authentication and topic checks fail closed. A configured auth or topic-check
 * plugin that is not running (failed to load, stopped) denies; a client presenting a username is
 * never let in by the anonymous rule; plugin error text never reaches a client.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { IConnackPacket } from "mqtt-packet";
import { connect, end, nextMessage, subscribe } from "../helpers.ts";
import { rawConnect } from "../conformance/_raw.ts";
import {
  assertPluginRunning,
  fixture,
  isUp,
  logged,
  startLoggedBroker,
  tempDataDir,
} from "./broker_helpers.ts";

const MOSQUITTO_PUB = "/usr/bin/mosquitto_pub";

/** Refused with a v3.1.1 return code, or a v5 reason code, matching `code`. */
const REFUSED = /Not authorized|Bad user ?name or password|Connection refused|135|134/i;

/** Runs mosquitto_pub with `args`; null when it is not installed. */
async function mosquittoPub(port: number, args: string[]): Promise<number | null> {
  try {
    await Deno.stat(MOSQUITTO_PUB);
  } catch {
    return null;
  }
  const cmd = new Deno.Command(MOSQUITTO_PUB, {
    args: ["-h", "127.0.0.1", "-p", String(port), "-t", "t", "-m", "x", ...args],
    stdout: "null",
    stderr: "null",
  });
  return (await cmd.output()).code;
}

/** Asserts a CONNECT as bob/wrong (v3.1.1 and v5, and mosquitto_pub when present) is refused. */
async function assertBobRefused(url: string, port: number): Promise<void> {
  await assert.rejects(connect(url, { username: "bob", password: "wrong" }), REFUSED);
  await assert.rejects(
    connect(url, { username: "bob", password: "wrong", protocolVersion: 5 }),
    REFUSED,
  );
  const code = await mosquittoPub(port, ["-u", "bob", "-P", "wrong"]);
  if (code === null) console.log(`  (skipped mosquitto_pub: ${MOSQUITTO_PUB} is not installed)`);
  else assert.notEqual(code, 0, "mosquitto_pub -u bob -P wrong is refused");
}

Deno.test("an auth plugin that fails to load denies, even with allow_anonymous: true (MQTT-3.1.4-2)", async () => {
  const broker = await startLoggedBroker(`
auth: {allow_anonymous: true, plugins: [passwords]}
plugins:
  passwords: {source: "${fixture("broker_auth_needs_read.js")}", permissions: {}}
`);
  try {
    const [status] = broker.plugins!.status();
    assert.equal(status.state, "failed");
    await assertBobRefused(broker.url, broker.port);
    await assert.rejects(
      connect(broker.url, { username: "alice", password: "secret", protocolVersion: 5 }),
      REFUSED,
    );
    await assert.rejects(connect(broker.url, {}), /Not authorized/i, "anonymous too");
    assert.ok(logged(broker.lines, "passwords").some((l) => /not running/i.test(l.msg)));
    // After: the operator grants the read and starts it; the broker serves as configured.
    const loaded = await broker.plugins!.load("passwords", {
      source: fixture("broker_auth_needs_read.js"),
      permissions: { read: true },
    });
    assert.equal(loaded.state, "running", loaded.error ?? "");
    const alice = await connect(broker.url, { username: "alice", password: "secret" });
    const anon = await connect(broker.url, {});
    await assertBobRefused(broker.url, broker.port);
    assert.ok(isUp(alice) && isUp(anon));
    await end(alice);
    await end(anon);
  } finally {
    await broker.close();
  }
});

Deno.test("an auth plugin stopped at runtime (host unload, manager stop) denies new clients; connected ones keep being served", async () => {
  const broker = await startLoggedBroker(`
data_dir: ${tempDataDir()}
auth: {allow_anonymous: true, plugins: null}
plugins:
  passwords: {source: "${fixture("broker_auth_table.js")}"}
`);
  const alice = await connect(broker.url, { username: "alice", password: "secret" });
  try {
    assert.equal(broker.plugins!.status()[0].state, "running");
    await assertBobRefused(broker.url, broker.port); // the plugin's own answer
    await broker.plugins!.unload("passwords");
    await assertBobRefused(broker.url, broker.port);
    await assert.rejects(connect(broker.url, { username: "alice", password: "secret" }), REFUSED);
    await assert.rejects(connect(broker.url, {}), /Not authorized/i);
    // During: the client connected before the stop is still served.
    await subscribe(alice, "t/#");
    const next = nextMessage(alice);
    await alice.publishAsync("t/1", "still served", { qos: 1 });
    assert.equal((await next).payload, "still served");
    // The same through the manager (`aviary plugins stop`), after starting it again.
    await broker.plugins!.load("passwords", { source: fixture("broker_auth_table.js") });
    const again = await connect(broker.url, { username: "alice", password: "secret" });
    await end(again);
    await broker.manager!.stop("passwords");
    await assertBobRefused(broker.url, broker.port);
    await assert.rejects(connect(broker.url, {}), /Not authorized/i);
    assert.ok(isUp(alice));
  } finally {
    await end(alice);
    await broker.close();
  }
});

/** CONNECTs on v5 as `clientId` with a username and returns the CONNACK. */
async function v5Connack(port: number, clientId: string): Promise<IConnackPacket> {
  const { client, connack } = await rawConnect(port, {
    protocolVersion: 5,
    clientId,
    username: "eve",
    password: Buffer.from("x"),
  });
  await client.close();
  return connack;
}

Deno.test("plugin error text never reaches a client: CONNACK carries a reason code, not the cage's message", async () => {
  const broker = await startLoggedBroker(`
auth: {allow_anonymous: false, plugins: [leaky]}
plugins:
  leaky: {source: "${fixture("broker_auth_leaky.js")}"}
`);
  try {
    assertPluginRunning(broker);
    const failed = await v5Connack(broker.port, "c1");
    assert.ok(failed.reasonCode === 0x86 || failed.reasonCode === 0x87, `${failed.reasonCode}`);
    assert.doesNotMatch(failed.properties?.reasonString ?? "", /Requires|10\.255|net access/);
    const odd = await v5Connack(broker.port, "odd-code"); // a deny carrying reasonCode 0
    assert.ok(odd.reasonCode! >= 0x80, `refused with a failure code, got ${odd.reasonCode}`);
    assert.doesNotMatch(odd.properties?.reasonString ?? "", /Requires|db\.internal/);
    await assert.rejects(connect(broker.url, { username: "eve", password: "x" }), REFUSED);
    assert.ok(logged(broker.lines, "Requires net access").length > 0, "the detail is logged");
  } finally {
    await broker.close();
  }
});

Deno.test("a topic-check plugin that fails to load denies publish (PUBACK 0x87) and subscribe (SUBACK 0x87)", async () => {
  const broker = await startLoggedBroker(`
topic_check: {enable: true, plugins: null}
plugins:
  acl: {source: "${fixture("broker_acl_needs_read.js")}", permissions: {}}
`);
  const c = await connect(broker.url, { protocolVersion: 5 });
  try {
    assert.equal(broker.plugins!.status()[0].state, "failed");
    await assert.rejects(c.publishAsync("public/x", "1", { qos: 1 }), /Not authorized|135/);
    const granted = await c.subscribeAsync("public/#", { qos: 1 })
      .then(
        (g) => g.map((x) => x.qos),
        (e) => (e as { packet: { granted: number[] } }).packet.granted,
      );
    assert.deepEqual(granted, [0x87]);
    assert.ok(isUp(c));
    const loaded = await broker.plugins!.load("acl", {
      source: fixture("broker_acl_needs_read.js"),
      permissions: { read: true },
    });
    assert.equal(loaded.state, "running", loaded.error ?? "");
    await subscribe(c, "public/#", { qos: 1 });
    const next = nextMessage(c);
    await c.publishAsync("public/x", "allowed", { qos: 1 });
    assert.equal((await next).payload, "allowed");
    // Stopped again at runtime (plugins: null): checks fail closed again.
    await broker.plugins!.unload("acl");
    await assert.rejects(c.publishAsync("public/x", "1", { qos: 1 }), /Not authorized|135/);
    assert.ok(isUp(c));
  } finally {
    await end(c);
    await broker.close();
  }
});
