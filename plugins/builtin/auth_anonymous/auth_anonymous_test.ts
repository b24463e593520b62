import assert from "node:assert/strict";
import { connect, end, startTestBroker } from "../../../tests/helpers.ts";
import { assertRunning, builtinHarness, testClient } from "../_testing.ts";

Deno.test("auth_anonymous: anonymous clients only on the chosen listener; usernames left to others", async () => {
  const broker = await startTestBroker(`
listeners:
  local: {type: tcp, bind: "127.0.0.1:0"}
  public: {type: ws, bind: "127.0.0.1:0"}
auth: {allow_anonymous: false, plugins: [anonymous]}
plugins:
  anonymous: {source: auth_anonymous, config: {listeners: [local]}}
`);
  try {
    assertRunning(broker);
    const ws = `ws://127.0.0.1:${broker.listeners.get("public")!.port}/mqtt`;
    await end(await connect(broker.url, { protocolVersion: 5 }));
    await end(await connect(broker.url, { protocolVersion: 4 }));
    await assert.rejects(connect(ws, { protocolVersion: 5 }), /Not authorized/i);
    // a username nobody vouches for is refused even on the anonymous listener
    await assert.rejects(connect(broker.url, { username: "u", password: "p", protocolVersion: 5 }));
  } finally {
    await broker.close();
  }
});

Deno.test("auth_anonymous: without listeners it allows anonymous clients everywhere", async () => {
  const broker = await startTestBroker(`
auth: {allow_anonymous: false, plugins: [anonymous]}
plugins:
  anonymous: {source: auth_anonymous}
`);
  try {
    await end(await connect(broker.url));
  } finally {
    await broker.close();
  }
});

Deno.test("auth_anonymous: in its process cage (harness): decides by listener, leaves usernames to others", async () => {
  const h = await builtinHarness("auth_anonymous", { config: { listeners: ["default"] } });
  try {
    const anon = await h.host.authenticate({ client: testClient(null) });
    assert.equal(anon.result, "allow");
    assert.equal(anon.by, "auth_anonymous");
    const other = { ...testClient(null), listener: "public" };
    assert.equal(
      (await h.host.authenticate({ client: other }, { fallback: "deny" })).result,
      "deny",
    );
    const named = await h.host.authenticate({ client: testClient("u") }, { fallback: "deny" });
    assert.equal(named.by, null); // ignored: a username is another plugin's business
  } finally {
    await h.close();
  }
});
