import assert from "node:assert/strict";
import { memoryPair } from "../transport/memory.ts";
import { harness, testConfig } from "./_test_helpers.ts";

Deno.test("handleConnect() assigns an identifier to an empty one and says so in CONNACK [MQTT-3.2.2-16]", async () => {
  const h = harness();
  const peer = await h.open({ protocolVersion: 5, clientId: "" });
  const connack = await peer.expect("connack");
  const assigned = connack.properties?.assignedClientIdentifier;
  assert.match(assigned ?? "", /^auto-/);
  assert.ok(h.broker.clients.has(assigned!));
  await h.close();
});

Deno.test("handleConnect() refuses an empty identifier the broker does not assign with 0x85 [MQTT-3.1.3-8]", async () => {
  const h = harness(testConfig({ allow_zero_length_clientid: false }));
  const peer = await h.open({ protocolVersion: 5, clientId: "" });
  const connack = await peer.expect("connack");
  assert.equal(connack.reasonCode, 0x85);
  assert.equal(await peer.next(), null, "then the connection closes");
  await h.close();
});

Deno.test("dispatch() treats a second CONNECT as a protocol error (0x82) [MQTT-3.1.0-2]", async () => {
  const h = harness();
  const peer = await h.connect({ protocolVersion: 5, clientId: "twice" });
  await peer.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "twice" });
  assert.equal((await peer.expect("disconnect")).reasonCode, 0x82);
  await h.close();
});

Deno.test("handleConnect() caps keep alive with Server Keep Alive on v5 (spec 3.2.2.3.14)", async () => {
  const h = harness(testConfig({ max_keepalive: 60 }));
  const peer = await h.open({ protocolVersion: 5, clientId: "ka", keepalive: 600 });
  const connack = await peer.expect("connack");
  assert.equal(connack.properties?.serverKeepAlive, 60);
  assert.equal(h.broker.clients.get("ka")?.negotiated.keepalive, 60);
  await h.close();
});

Deno.test("keep alive: a client silent for 1.5 x its keep alive is disconnected with 0x8D [MQTT-3.1.2-22]", async () => {
  const h = harness();
  const peer = await h.connect({ protocolVersion: 5, clientId: "quiet", keepalive: 10 });
  h.clock.advance(14_000); // within 15 s: still connected
  await peer.send({ cmd: "pingreq" });
  await peer.expect("pingresp");
  h.clock.advance(15_100); // 15 s after the PINGREQ
  assert.equal((await peer.expect("disconnect")).reasonCode, 0x8d);
  assert.equal(await peer.next(), null);
  await h.close();
});

Deno.test("connect timeout: a connection that sends no CONNECT is closed after connect_timeout_ms (spec 3.1.4)", async () => {
  const h = harness(testConfig({ connect_timeout_ms: 5000 }));
  const [server, end] = memoryPair();
  const done = h.broker.accept(server).closed;
  h.clock.advance(4900);
  assert.equal(end.isClosed, false);
  h.clock.advance(200);
  await done;
  assert.equal(end.isClosed, true);
  await h.close();
});

Deno.test("takeOver(): a new connection with the same client id closes the old one with 0x8E [MQTT-3.1.4-3]", async () => {
  const h = harness();
  const old = await h.connect({ protocolVersion: 5, clientId: "same" });
  const fresh = await h.connect({ protocolVersion: 5, clientId: "same" });
  assert.equal((await old.expect("disconnect")).reasonCode, 0x8e);
  await old.done;
  assert.equal(h.broker.clients.size, 1);
  await fresh.send({ cmd: "pingreq" });
  await fresh.expect("pingresp");
  assert.equal(h.broker.clients.get("same")?.endReason, "abnormal", "the new one is still running");
  await h.close();
});
