import assert from "node:assert/strict";
import { collect, connect, delay, end, startTestBroker } from "../../../tests/helpers.ts";
import { passwd } from "../../../cli/passwd.ts";
import { assertRunning, builtinHarness, reasonCode, testClient } from "../_testing.ts";
import type { ClientInfo } from "../../sdk/mod.ts";

Deno.test("topic_taboo: taboo topics refused with 0x87, withheld from wide subscriptions; superusers bypass", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const file = `${dir}/passwd`;
  assert.equal(await passwd(["-b", "-c", "-I", "1000", file, "admin", "root"]), 0);
  const broker = await startTestBroker(`
auth: {allow_anonymous: true, plugins: [passwords, anonymous]}
topic_check: {enable: true, plugins: [taboo]}
plugins:
  passwords:
    source: auth_file
    permissions: {read: ["${file}"]}
    config: {path: "${file}", superusers: [admin]}
  anonymous: {source: auth_anonymous}
  taboo: {source: topic_taboo, config: {topics: ["secret/#", "prohibited"], otherwise: allow}}
`);
  const user = await connect(broker.url, { protocolVersion: 5 });
  const admin = await connect(broker.url, {
    protocolVersion: 5,
    username: "admin",
    password: "root",
  });
  try {
    assertRunning(broker);
    const refused = await user.subscribeAsync(["secret/+/x", "open/#"], { qos: 1 })
      .then(() => null, (e) => e as { packet: { granted: number[] } });
    assert.deepEqual(refused?.packet.granted, [0x87, 1]);
    await assert.rejects(user.publishAsync("prohibited", "x", { qos: 1 }), /Not authorized|135/);
    await user.subscribeAsync("#", { qos: 1 }); // granted; taboo messages are withheld
    await admin.subscribeAsync("secret/#", { qos: 1 });
    const gotUser = collect(user);
    const gotAdmin = collect(admin);
    const r = await admin.publishAsync("secret/plans", "x", { qos: 1 });
    assert.equal(reasonCode(r), 0);
    await admin.publishAsync("open/news", "y", { qos: 1 });
    await delay(200);
    assert.deepEqual(gotUser.map((m) => m.topic), ["open/news"]);
    assert.deepEqual(gotAdmin.map((m) => m.topic), ["secret/plans"]);
  } finally {
    await end(user);
    await end(admin);
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("topic_taboo: with the default otherwise: ignore, an unlisted topic falls to the next plugin", async () => {
  const broker = await startTestBroker(`
topic_check: {enable: true, plugins: [taboo, acl]}
plugins:
  taboo: {source: topic_taboo, priority: 10}
  acl: {source: topic_acl, config: {publish-acl: {anonymous: ["allowed/#"]}}}
`);
  const c = await connect(broker.url, { protocolVersion: 5 });
  try {
    await assert.rejects(c.publishAsync("top-secret", "x", { qos: 1 })); // aMQTT's default list
    assert.ok([0, 0x10].includes(reasonCode(await c.publishAsync("allowed/a", "x", { qos: 1 }))));
    await assert.rejects(c.publishAsync("other", "x", { qos: 1 })); // acl default deny
  } finally {
    await end(c);
    await broker.close();
  }
});

Deno.test("topic_taboo: in its process cage (harness): taboo topics denied, superusers and others pass", async () => {
  const h = await builtinHarness("topic_taboo", {
    config: { topics: ["secret/#"], otherwise: "allow" },
  });
  const ask = (client: ClientInfo, action: "publish" | "subscribe", topic: string) =>
    h.host.authorize({ client, action, topic, qos: 1, retain: false });
  try {
    assert.equal((await ask(testClient("u"), "publish", "secret/plans")).result, "deny");
    assert.equal((await ask(testClient("u"), "subscribe", "secret/#")).result, "deny");
    assert.equal((await ask(testClient("u"), "publish", "open/news")).result, "allow");
    const root = { ...testClient("admin"), superuser: true };
    assert.equal((await ask(root, "publish", "secret/plans")).result, "allow");
  } finally {
    await h.close();
  }
});
