import assert from "node:assert/strict";
import { listenerConfig } from "../../server/config/defaults.ts";
import type { ListenerConfig } from "./options.ts";
import { makeTestCerts } from "../../tests/fixtures/certs.ts";
import { startListener } from "./listen.ts";
import { connectionInbox, readBytes } from "./_test_helpers.ts";

function config(overrides: Partial<ListenerConfig>): ListenerConfig {
  return listenerConfig({ type: "tcp", bind: "127.0.0.1:0", ...overrides });
}

Deno.test("startListener() starts a tcp listener on the real port", async () => {
  const inbox = connectionInbox();
  const listener = await startListener("default", config({}), inbox.handler);
  assert.equal(listener.name, "default");
  assert.equal(listener.hostname, "127.0.0.1");
  assert(listener.port > 0);
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
  const conn = await inbox.next();
  await conn.write(new Uint8Array([0x20, 2, 0, 0]));
  assert.deepEqual([...await readBytes(client, 4)], [0x20, 2, 0, 0]);
  conn.close();
  client.close();
  await listener.close();
});

Deno.test("startListener() binds IPv6 addresses in brackets", async () => {
  let listener;
  try {
    listener = await startListener("v6", config({ bind: "[::1]:0" }), (c) => c.close());
  } catch (e) {
    if (/not available|cannot assign/i.test((e as Error).message)) return; // No IPv6 here.
    throw e;
  }
  assert.equal(listener.hostname, "::1");
  const client = await Deno.connect({ hostname: "::1", port: listener.port });
  assert.equal(await client.read(new Uint8Array(1)), null);
  client.close();
  await listener.close();
});

Deno.test("startListener() starts tls, ws and wss listeners", async () => {
  const certs = await makeTestCerts();
  const files = { cert: certs.certFile, key: certs.keyFile };
  for (const type of ["tls", "ws", "wss"] as const) {
    const listener = await startListener(type, config({ type, ...files }), (c) => c.close());
    assert.equal(listener.transport, type);
    assert(listener.port > 0);
    await listener.close();
  }
});

Deno.test("startListener() names the listener in errors", async () => {
  await assert.rejects(() => startListener("bad", config({ bind: "1883" }), () => {}), {
    name: "ListenerError",
    message: 'Cannot start listener "bad": Invalid bind address "1883": expected host:port or ' +
      "[ipv6]:port",
  });
  const certs = await makeTestCerts();
  const wss = config({
    type: "wss",
    cert: certs.certFile,
    key: certs.keyFile,
    ca: certs.caFile,
    require_client_cert: true,
  });
  await assert.rejects(() => startListener("web", wss, () => {}), {
    name: "ListenerError",
    message: /^Cannot start listener "web": client certificates .* not supported by this runtime$/,
  });
});
