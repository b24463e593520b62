import { chunksOf } from "./_chunk_queue.ts";
import assert from "node:assert/strict";
import { makeTestCerts } from "../../tests/fixtures/certs.ts";
import type { Listener } from "./connection.ts";
import { listenWs, listenWss } from "./ws.ts";
import { connectionInbox, echo, pattern, sameBytes } from "./_test_helpers.ts";

const LOCAL = { hostname: "127.0.0.1", port: 0 };

/** Opens a client WebSocket and resolves once it is open. */
async function openWs(url: string, protocols: string[], client?: Deno.HttpClient) {
  const ws = new WebSocket(url, { protocols, ...(client ? { client } : {}) });
  ws.binaryType = "arraybuffer";
  const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = (e) => reject(new Error((e as ErrorEvent).message));
  });
  const messages: Uint8Array[] = [];
  const waiters: (() => void)[] = [];
  ws.onmessage = (e) => {
    messages.push(new Uint8Array(e.data));
    waiters.shift()?.();
  };
  const message = async () => {
    if (messages.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    return messages.shift()!;
  };
  return { ws, closed, message };
}

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  await res.body?.cancel();
  return res.status;
}

async function roundTrip(
  listener: Listener,
  next: () => Promise<unknown>,
  url: string,
  client?: Deno.HttpClient,
) {
  const { ws, closed, message } = await openWs(url, ["mqtt"], client);
  assert.equal(ws.protocol, "mqtt");
  await next();
  // Two MQTT packets in one message, then one packet split over two messages.
  ws.send(new Uint8Array([0xc0, 0, 0xc0, 0]));
  ws.send(new Uint8Array([0xe0]));
  ws.send(new Uint8Array([0]));
  const got = [...await message(), ...await message(), ...await message()];
  assert.deepEqual(got, [0xc0, 0, 0xc0, 0, 0xe0, 0]);
  ws.close();
  await closed;
  await listener.close();
}

Deno.test("listenWs() carries a byte stream over subprotocol mqtt", async () => {
  const inbox = connectionInbox();
  const listener = listenWs("web", LOCAL, inbox.handler);
  assert.equal(listener.transport, "ws");
  const next = async () => {
    const conn = await inbox.next();
    assert.equal(conn.transport, "ws");
    assert.match(conn.remoteAddr, /^127\.0\.0\.1:\d+$/);
    echo(conn);
  };
  await roundTrip(listener, next, `ws://127.0.0.1:${listener.port}/mqtt`);
});

Deno.test("listenWs() accepts subprotocol mqttv3.1", async () => {
  const inbox = connectionInbox();
  const listener = listenWs("web", LOCAL, inbox.handler, { path: "/ws" });
  const { ws, closed } = await openWs(`ws://127.0.0.1:${listener.port}/ws`, ["mqttv3.1"]);
  assert.equal(ws.protocol, "mqttv3.1");
  const conn = await inbox.next();
  conn.close();
  await closed;
  await listener.close();
});

Deno.test("listenWs() answers 404, 426 and 400 to what is not an MQTT upgrade", async () => {
  const listener = listenWs("web", LOCAL, () => assert.fail("no connection expected"));
  const base = `http://127.0.0.1:${listener.port}`;
  const upgrade = { upgrade: "websocket", connection: "upgrade", "sec-websocket-version": "13" };
  const key = { "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" };
  assert.equal(await status(`${base}/other`, { ...upgrade, ...key }), 404);
  assert.equal(await status(`${base}/mqtt`), 426);
  assert.equal(
    await status(`${base}/mqtt`, { ...upgrade, ...key, "sec-websocket-protocol": "chat" }),
    400,
  );
  await listener.close();
});

Deno.test("listenWs() closes the connection on a text message", async () => {
  const inbox = connectionInbox();
  const listener = listenWs("web", LOCAL, inbox.handler);
  const { ws, closed } = await openWs(`ws://127.0.0.1:${listener.port}/mqtt`, ["mqtt"]);
  const conn = await inbox.next();
  const reading = (async () => {
    for await (const _ of chunksOf(conn)) assert.fail("no bytes expected");
  })();
  ws.send("CONNECT");
  assert.equal((await closed).code, 1003);
  await reading;
  await assert.rejects(() => conn.write(new Uint8Array([1])), { name: "ConnectionClosedError" });
  await listener.close();
});

Deno.test("listenWs() answers 503 beyond maxConnections", async () => {
  const inbox = connectionInbox();
  const listener = listenWs("web", LOCAL, inbox.handler, { maxConnections: 1 });
  const url = `ws://127.0.0.1:${listener.port}/mqtt`;
  const first = await openWs(url, ["mqtt"]);
  const conn = await inbox.next();
  await assert.rejects(() => openWs(url, ["mqtt"]));
  conn.close();
  await first.closed;
  const again = await openWs(url, ["mqtt"]);
  (await inbox.next()).close();
  await again.closed;
  await listener.close();
});

Deno.test("listenWss() carries a byte stream over TLS", async () => {
  const certs = await makeTestCerts();
  const inbox = connectionInbox();
  const listener = await listenWss("web-secure", LOCAL, inbox.handler, {
    cert: certs.certFile,
    key: certs.keyFile,
  });
  assert.equal(listener.transport, "wss");
  using client = Deno.createHttpClient({ caCerts: [certs.caCert] });
  const next = async () => {
    const conn = await inbox.next();
    assert.equal(conn.transport, "wss");
    echo(conn);
  };
  await roundTrip(listener, next, `wss://localhost:${listener.port}/mqtt`, client);
});

Deno.test("listenWss() names the file it cannot read", async () => {
  await assert.rejects(
    () => listenWss("web-secure", LOCAL, () => {}, { cert: "/nope.crt", key: "/nope.key" }),
    {
      name: "ListenerError",
      message: /^Cannot start listener "web-secure": cannot read cert file/,
    },
  );
});

Deno.test("listenWs() write() of 5 MiB arrives as one message", async () => {
  const inbox = connectionInbox();
  const listener = listenWs("web", LOCAL, inbox.handler);
  const { ws, closed, message } = await openWs(`ws://127.0.0.1:${listener.port}/mqtt`, ["mqtt"]);
  const conn = await inbox.next();
  const data = pattern(5 * 1024 * 1024);
  const [, got] = await Promise.all([conn.write(data), message()]);
  assert(sameBytes(got, data));
  ws.close();
  await closed;
  for await (const _ of chunksOf(conn)) assert.fail("no bytes expected");
  await listener.close();
});
