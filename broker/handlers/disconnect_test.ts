import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { ClientConnection, EndReason } from "../core_types.ts";
import { newNegotiated } from "../core_types.ts";
import { MqttError } from "../errors.ts";
import { Session } from "../session/session.ts";
import { handleDisconnect } from "./disconnect.ts";
import { type Harness, harness, type Peer } from "./_test_helpers.ts";

/** A fake connection: only what handleDisconnect() touches. */
function fakeConnection(askedSessionExpiry: number) {
  const ends: (EndReason | undefined)[] = [];
  const negotiated = { ...newNegotiated(10), askedSessionExpiry };
  const session = new Session("fake", { maxQueued: 1 });
  const conn = { negotiated, session, close: (end?: EndReason) => void ends.push(end) };
  return { conn: conn as unknown as ClientConnection, ends, session };
}

Deno.test("handleDisconnect() records a normal end (no will) and closes, on a fake connection [MQTT-3.14.4-3]", () => {
  const { conn, ends } = fakeConnection(0);
  handleDisconnect(conn, { cmd: "disconnect", reasonCode: 0 });
  assert.deepEqual(ends, ["normal"]);
  const withWill = fakeConnection(0);
  handleDisconnect(withWill.conn, { cmd: "disconnect", reasonCode: 0x04 });
  assert.deepEqual(withWill.ends, [undefined], "0x04 ends like a dropped connection");
});

Deno.test("handleDisconnect() refuses a Session Expiry Interval after 0 at CONNECT [MQTT-3.14.2-2]", () => {
  const { conn, ends } = fakeConnection(0);
  const packet = { cmd: "disconnect", reasonCode: 0, properties: { sessionExpiryInterval: 60 } };
  assert.throws(() => handleDisconnect(conn, packet as never), MqttError);
  assert.deepEqual(ends, []);
  const later = fakeConnection(30);
  handleDisconnect(later.conn, packet as never);
  assert.equal(later.session.expiryInterval, 60, "from non-zero it may change");
});

const will = (delay: number) => ({
  topic: "will/w",
  payload: Buffer.from("gone"),
  qos: 1,
  retain: false,
  properties: { willDelayInterval: delay },
});

/** A watcher subscribed to the wills, and a client `w` that leaves one. */
async function withWill(h: Harness, delay: number, expiry = 3600): Promise<[Peer, Peer]> {
  const watcher = await h.connect({ protocolVersion: 5, clientId: "watcher" });
  await watcher.send({
    cmd: "subscribe",
    messageId: 1,
    subscriptions: [{ topic: "will/#", qos: 1 }],
  });
  await watcher.expect("suback");
  const properties = { sessionExpiryInterval: expiry };
  const w = await h.connect({ protocolVersion: 5, clientId: "w", will: will(delay), properties });
  return [watcher, w];
}

/** The watcher got nothing so far: a PINGREQ is answered first. */
async function nothingYet(watcher: Peer): Promise<void> {
  await watcher.send({ cmd: "pingreq" });
  assert.equal((await watcher.next())?.cmd, "pingresp");
}

Deno.test("handleDisconnect(): a normal DISCONNECT discards the will [MQTT-3.14.4-3]", async () => {
  const h = harness();
  const [watcher, w] = await withWill(h, 0);
  await w.send({ cmd: "disconnect", reasonCode: 0 });
  await w.done;
  await nothingYet(watcher);
  assert.equal(h.broker.clients.has("w"), false);
  await h.close();
});

Deno.test("handleDisconnect(): DISCONNECT 0x04 publishes the will (spec 3.14.2.1)", async () => {
  const h = harness();
  const [watcher, w] = await withWill(h, 0);
  await w.send({ cmd: "disconnect", reasonCode: 0x04 });
  assert.equal((await watcher.expect("publish")).topic, "will/w");
  await h.close();
});

Deno.test("will delay: the will waits for its Will Delay Interval (spec 3.1.3.2.2)", async () => {
  const h = harness();
  const [watcher, w] = await withWill(h, 30);
  await w.drop();
  h.clock.advance(29_000);
  await nothingYet(watcher);
  h.clock.advance(1_000);
  assert.equal((await watcher.expect("publish")).topic, "will/w");
  await h.close();
});

Deno.test("will delay: reconnecting within the Will Delay Interval cancels the will [MQTT-3.1.3-9]", async () => {
  const h = harness();
  const [watcher, w] = await withWill(h, 30);
  await w.drop();
  h.clock.advance(10_000);
  const back = await h.connect({ protocolVersion: 5, clientId: "w", clean: false });
  h.clock.advance(60_000);
  await nothingYet(watcher);
  await back.send({ cmd: "disconnect", reasonCode: 0 });
  await h.close();
});

Deno.test("session expiry: an offline session ends after its Session Expiry Interval [MQTT-3.1.2-23]", async () => {
  const h = harness();
  const [, w] = await withWill(h, 0, 120);
  await w.send({ cmd: "disconnect", reasonCode: 0 });
  await w.done;
  h.clock.advance(119_000);
  assert.ok(h.broker.sessions.get("w"), "kept while within its interval");
  h.clock.advance(1_000);
  assert.equal(h.broker.sessions.get("w"), undefined);
  await h.close();
});
