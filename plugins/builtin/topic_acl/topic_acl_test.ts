import assert from "node:assert/strict";
import { collect, connect, delay, end, startTestBroker } from "../../../tests/helpers.ts";
import { parseAclConfig, permits } from "./rules.ts";
import { assertRunning, builtinHarness, reasonCode, testClient } from "../_testing.ts";

const client = (username: string | null, clientId = "c1") => ({ clientId, username }) as never;

Deno.test("parseAclConfig() reads dashed and underscored keys and refuses unknown ones", () => {
  const r = parseAclConfig({ "publish-acl": { a: ["x/#"] }, subscribe_acl: { a: "y" } });
  assert.deepEqual(r.actions.publish?.users.get("a"), ["x/#"]);
  assert.deepEqual(r.actions.subscribe?.users.get("a"), ["y"]);
  assert.equal(r.actions.receive, null);
  assert.equal(r.default, "deny");
  assert.throws(() => parseAclConfig({ "publish-acls": {} }), /unknown config field.*publish-acls/);
  assert.throws(() => parseAclConfig({ default: "maybe" }), /"default"/);
  assert.throws(() => parseAclConfig({ "publish-acl": { a: [1] } }), /publish-acl\.a/);
});

Deno.test("permits() expands %u and %c and refuses wildcards smuggled in through them", () => {
  const r = parseAclConfig({ patterns: { publish: ["users/%u/%c/#"], subscribe: ["users/%u/#"] } });
  assert.equal(permits(r, client("bob", "d1"), "publish", "users/bob/d1/x"), true);
  assert.equal(permits(r, client("bob", "d1"), "publish", "users/eve/d1/x"), false);
  assert.equal(permits(r, client("+", "d1"), "publish", "users/x/d1/x"), false);
  assert.equal(permits(r, client("bob"), "subscribe", "users/bob/+/t"), true);
  assert.equal(permits(r, client("bob"), "subscribe", "users/#"), false);
  assert.equal(permits(r, client(null), "subscribe", "users//x"), false);
  assert.equal(permits(r, client("bob"), "receive", "anything"), null);
});

const ACL_YAML = `
auth: {allow_anonymous: true}
topic_check: {enable: true, plugins: [acl]}
plugins:
  acl:
    source: topic_acl
    config:
      publish-acl:
        alice: ["sensors/#"]
        anonymous: ["public/#"]
      subscribe-acl:
        alice: ["sensors/#", "public/#"]
        anonymous: ["public/#"]
        bob: ["#"]
      receive-acl:
        bob: ["public/#"]
        alice: ["sensors/#", "public/#"]
        anonymous: ["public/#", "sensors/open"]
      patterns:
        publish: ["devices/%c/#"]
`;

Deno.test("topic_acl: dashed aMQTT maps reach the plugin; v5 gets SUBACK and PUBACK 0x87", async () => {
  const broker = await startTestBroker(ACL_YAML);
  const alice = await connect(broker.url, {
    protocolVersion: 5,
    username: "alice",
    clientId: "alice-1",
  });
  try {
    assertRunning(broker);
    const refused = await alice.subscribeAsync(["sensors/+/temp", "secret/#"], { qos: 1 })
      .then(() => null, (e) => e as { packet: { granted: number[] } });
    assert.deepEqual(refused?.packet.granted, [1, 0x87]);
    const ok = await alice.publishAsync("sensors/a/temp", "21", { qos: 1 });
    assert.equal(reasonCode(ok), 0);
    await assert.rejects(alice.publishAsync("secret/x", "1", { qos: 1 }), /Not authorized|135/);
    // pattern: every client may publish under devices/<its client id>/
    const own = await alice.publishAsync("devices/alice-1/state", "on", { qos: 1 });
    assert.ok([0, 0x10].includes(reasonCode(own)));
    await assert.rejects(alice.publishAsync("devices/other/state", "on", { qos: 1 }));
  } finally {
    await end(alice);
    await broker.close();
  }
});

Deno.test("topic_acl: a 3.1.1 publish is dropped silently; receive-acl withholds messages", async () => {
  const broker = await startTestBroker(ACL_YAML);
  const anon = await connect(broker.url, { protocolVersion: 4 });
  const alice = await connect(broker.url, { protocolVersion: 4, username: "alice" });
  const bob = await connect(broker.url, { protocolVersion: 5, username: "bob" });
  try {
    await bob.subscribeAsync("#", { qos: 1 });
    const gotBob = collect(bob);
    await anon.subscribeAsync("public/#", { qos: 1 });
    await assert.rejects(anon.subscribeAsync("sensors/#", { qos: 1 })); // SUBACK 0x80 on 3.1.1
    await alice.subscribeAsync("public/#", { qos: 1 });
    const gotAnon = collect(anon);
    const gotAlice = collect(alice);
    await anon.publishAsync("sensors/x", "denied", { qos: 1 }); // 3.1.1: PUBACK, not routed
    await alice.publishAsync("sensors/a", "21", { qos: 1 }); // bob may not receive it
    await anon.publishAsync("public/hello", "hi", { qos: 1 });
    await delay(200);
    assert.deepEqual(gotBob.map((m) => m.topic), ["public/hello"]);
    assert.deepEqual(gotAnon.map((m) => m.topic), ["public/hello"]);
    assert.deepEqual(gotAlice.map((m) => m.topic), ["public/hello"]);
  } finally {
    await end(anon);
    await end(alice);
    await end(bob);
    await broker.close();
  }
});

Deno.test("topic_acl: default allow lets unmatched topics through", async () => {
  const broker = await startTestBroker(`
topic_check: {enable: true, plugins: [acl]}
plugins:
  acl: {source: topic_acl, config: {publish-acl: {anonymous: ["a/#"]}, default: allow}}
`);
  const c = await connect(broker.url, { protocolVersion: 5 });
  try {
    const r = await c.publishAsync("b/c", "x", { qos: 1 });
    assert.ok([0, 0x10].includes(reasonCode(r)));
  } finally {
    await end(c);
    await broker.close();
  }
});

Deno.test("topic_acl: in its process cage (harness): per-user rules and the default, with a real client", async () => {
  const h = await builtinHarness("topic_acl", {
    config: { "publish-acl": { alice: ["sensors/#"], anonymous: ["public/#"] } },
  });
  const ask = (username: string | null, topic: string) =>
    h.host.authorize({
      client: testClient(username),
      action: "publish",
      topic,
      qos: 0,
      retain: false,
    });
  try {
    assert.equal((await ask("alice", "sensors/t1")).result, "allow");
    assert.equal((await ask("alice", "public/x")).result, "deny");
    assert.equal((await ask(null, "public/x")).result, "allow");
    const c = await h.connect();
    await assert.rejects(c.publishAsync("sensors/t1", "x", { qos: 1 }), /Not authorized|135/);
    await c.publishAsync("public/x", "y", { qos: 1 });
  } finally {
    await h.close();
  }
});
