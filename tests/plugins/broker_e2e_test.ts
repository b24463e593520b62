/**
 * Plugins inside a running broker, exercised by MQTT.js clients.
 */
import assert from "node:assert/strict";
import type { IConnackPacket } from "mqtt";
import { sriSha256 } from "../../plugins/host/mod.ts";
import { connect, delay, end, nextMessage, startTestBroker, waitFor } from "../helpers.ts";
import { rawConnect } from "../conformance/_raw.ts";
import { fixture } from "./helpers.ts";

async function serveFixture(name: string) {
  const body = await Deno.readTextFile(fixture(name));
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(body, { headers: { "content-type": "application/typescript" } }),
  );
  return { url: `http://127.0.0.1:${server.addr.port}/${name}`, body, server };
}

Deno.test("plugins e2e: an SDK plugin served from an http URL authenticates MQTT.js clients", async () => {
  const served = await serveFixture("password_auth.ts");
  const broker = await startTestBroker(`
auth: {allow-anonymous: false, plugins: [passwords]}
plugins:
  passwords:
    source: "${served.url}"
    integrity: "${await sriSha256(new TextEncoder().encode(served.body))}"
    config: {users: {alice: secret}}
`);
  try {
    const [status] = broker.plugins!.status();
    assert.equal(status.state, "running", status.error ?? "");
    const ok = await connect(broker.url, {
      username: "alice",
      password: "secret",
      protocolVersion: 5,
    });
    await end(ok);
    await assert.rejects(
      connect(broker.url, { username: "alice", password: "wrong", protocolVersion: 5 }),
      /Bad User Name or Password|0x86|134/i,
    );
    await assert.rejects(
      connect(broker.url, { username: "alice", password: "wrong" }),
      /Bad username or password/i,
    );
    await assert.rejects(connect(broker.url, {}), /Not authorized/i); // anonymous: nobody allows
  } finally {
    await broker.close();
    await served.server.shutdown();
  }
});

Deno.test("plugins e2e: an integrity mismatch refuses the plugin and auth fails closed", async () => {
  const served = await serveFixture("password_auth.ts");
  const broker = await startTestBroker(`
auth: {allow_anonymous: false, plugins: [passwords]}
plugins:
  passwords: {source: "${served.url}", integrity: "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", config: {users: {alice: secret}}}
`);
  try {
    const [status] = broker.plugins!.status();
    assert.equal(status.state, "failed");
    assert.match(status.error ?? "", /integrity mismatch/);
    await assert.rejects(connect(broker.url, { username: "alice", password: "secret" }));
  } finally {
    await broker.close();
    await served.server.shutdown();
  }
});

Deno.test("plugins e2e: a caged plugin cannot read /etc/passwd or fetch an ungranted host, and the broker keeps serving", async () => {
  const target = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("secret"),
  );
  const broker = await startTestBroker(`
plugins:
  snoop: {source: "${fixture("snoop.ts")}"}
`);
  const sub = await connect(broker.url, { protocolVersion: 5 });
  const pub = await connect(broker.url, { protocolVersion: 5 });
  try {
    await sub.subscribeAsync(["outcome/#", "seen/#"], { qos: 1 });
    const attempts = {
      file: "/etc/passwd",
      fetch: `http://127.0.0.1:${target.addr.port}/`,
      import: "file:///etc/passwd",
    };
    for (const [what, arg] of Object.entries(attempts)) {
      const got = nextMessage(sub);
      await pub.publishAsync(`steal/${what}`, arg, { qos: 1 });
      const m = await got;
      assert.equal(m.topic, `outcome/${what}`);
      assert.doesNotMatch(m.payload, /LEAKED/, `${what} escaped the cage`);
      assert.match(m.payload, /NotCapable|PermissionDenied|TypeError/, what);
    }
    // still serving, and the plugin's rewrite arrives at a real subscriber
    const got = nextMessage(sub);
    await pub.publishAsync("plain", "hello", { qos: 1 });
    const m = await got;
    assert.equal(m.topic, "seen/plain");
    assert.equal(m.payload, "hello");
  } finally {
    await end(sub);
    await end(pub);
    await broker.close();
    await target.shutdown();
  }
});

Deno.test("plugins e2e: client.subscribe may remove filters (refused with 0x87) and message.publish rewrites topics", async () => {
  const broker = await startTestBroker(`
plugins:
  tagger: {source: "${fixture("tagger.ts")}", config: {prefix: "tagged/"}}
`);
  const sub = await connect(broker.url, { protocolVersion: 5 });
  const pub = await connect(broker.url, { protocolVersion: 5 });
  try {
    const refused = await sub.subscribeAsync(["#", "tagged/+"], { qos: 1 }).catch((e) => e);
    assert.deepEqual(refused.packet.granted, [0x87, 1]); // MQTT.js rejects when any filter fails
    const got = nextMessage(sub);
    await pub.publishAsync("x", "payload", { qos: 1 });
    assert.equal((await got).topic, "tagged/x");
  } finally {
    await end(sub);
    await end(pub);
    await broker.close();
  }
});

Deno.test("plugins e2e: client.connack adds user properties; client.unsubscribe keeps a filter (0x87)", async () => {
  const broker = await startTestBroker(`
plugins:
  greeter: {source: "${fixture("greeter.ts")}"}
`);
  let connack: IConnackPacket | undefined;
  const sub = await connect(broker.url, { protocolVersion: 5, clientId: "g1" }, (p) => connack = p);
  const pub = await connect(broker.url, { protocolVersion: 5 });
  try {
    assert.deepEqual({ ...connack?.properties?.userProperties }, { greeting: "hello g1" });
    await sub.subscribeAsync(["pinned/#", "a/b"]);
    const unsuback = await sub.unsubscribeAsync(["pinned/#", "a/b"]);
    assert.deepEqual((unsuback as { granted?: number[] } | undefined)?.granted, [0x87, 0]);
    const got = nextMessage(sub);
    await pub.publishAsync("pinned/x", "still here");
    assert.equal((await got).payload, "still here");
  } finally {
    await end(sub);
    await end(pub);
    await broker.close();
  }
});

Deno.test("plugins e2e: the README's example plugin loads and works", async () => {
  const source = new URL("../../examples/greeter.ts", import.meta.url).pathname;
  const broker = await startTestBroker(`plugins:\n  greeter: {source: "${source}"}\n`);
  try {
    assert.equal(broker.plugins!.status()[0].state, "running");
    await assert.rejects(
      connect(broker.url, { username: "root", protocolVersion: 5 }),
      /Bad User Name or Password/,
    );
    let connack: IConnackPacket | undefined;
    const client = await connect(
      broker.url,
      { protocolVersion: 5, clientId: "readme" },
      (p) => connack = p,
    );
    assert.deepEqual({ ...connack?.properties?.userProperties }, { greeting: "hello readme" });
    await end(client);
  } finally {
    await broker.close();
  }
});

Deno.test("plugins e2e: PUBLISHes pipelined through a slow, jittery caged hook still arrive in order", async () => {
  const broker = await startTestBroker(
    `plugins:\n  jitter: {source: "${fixture("jitter.ts")}"}\n`,
    { logLevel: "warn" },
  );
  const sub = await connect(broker.url, { protocolVersion: 5 });
  const pub = await connect(broker.url, { protocolVersion: 5 });
  try {
    const got: string[] = [];
    sub.on("message", (_t, payload, packet) => {
      if (packet.properties?.userProperties?.jitter === "1") got.push(payload.toString());
    });
    await sub.subscribeAsync("order/t", { qos: 1 });
    const total = 300;
    await Promise.all(
      Array.from({ length: total }, (_, i) => pub.publishAsync("order/t", String(i), { qos: 1 })),
    );
    await waitFor(() => got.length === total, `${total} messages (got ${got.length})`, 10_000);
    assert.deepEqual(got, Array.from({ length: total }, (_, i) => String(i)));
  } finally {
    await end(sub);
    await end(pub);
    await broker.close();
  }
});

Deno.test("plugins e2e: a QoS 2 DUP re-sent while the first copy is still in a slow hook is delivered once [MQTT-4.3.3-10]", async () => {
  const broker = await startTestBroker(`plugins:\n  jitter: {source: "${fixture("jitter.ts")}"}\n`);
  const sub = await connect(broker.url, { protocolVersion: 5 });
  const got: string[] = [];
  sub.on("message", (_t, payload) => got.push(payload.toString()));
  await sub.subscribeAsync("dup/t", { qos: 2 });
  const { client } = await rawConnect(broker.port, { protocolVersion: 5, clientId: "dup-sender" });
  try {
    const publish = {
      cmd: "publish",
      topic: "dup/t",
      payload: "once",
      qos: 2,
      messageId: 7,
      retain: false,
    } as const;
    client.send({ ...publish, dup: false });
    client.send({ ...publish, dup: true }); // before the hook of the first has answered
    await client.next("pubrec");
    await client.next("pubrec");
    client.send({ cmd: "pubrel", messageId: 7 });
    await client.next("pubcomp");
    await waitFor(() => got.length >= 1, "the message");
    await delay(100); // a second copy would arrive within the hook's 5 ms
    assert.deepEqual(got, ["once"]);
  } finally {
    client.close();
    await end(sub);
    await broker.close();
  }
});
