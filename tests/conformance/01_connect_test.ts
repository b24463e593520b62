import assert from "node:assert/strict";
import type { IConnackPacket, IDisconnectPacket } from "mqtt-packet";
import { connect, end, nextMessage, subscribe, waitFor } from "../helpers.ts";
import { frame, rawConnect, rawOpen, utf8Field } from "./_raw.ts";
import { isConnected, uniqueId, withBroker, withFakeTime } from "./_util.ts";

/** A hand-built CONNECT: protocol name, level, flags, keep alive 60, client id (v5: no properties). */
function connectBytes(name: string, level: number, flags: number, clientId = "c1"): Uint8Array {
  const props = level >= 5 ? [0] : [];
  return frame(
    0x10,
    new Uint8Array([...utf8Field(name), level, flags, 0, 60, ...props, ...utf8Field(clientId)]),
  );
}

Deno.test("CONNECT with unsupported protocol level 2 gets CONNACK 0x01, then close [MQTT-3.1.2-2]", async () => {
  await withBroker("", async ({ port }) => {
    const raw = await rawOpen(port, { protocolVersion: 4 });
    await raw.sendBytes(connectBytes("MQTT", 2, 0x02));
    const connack = await raw.next<IConnackPacket>("connack");
    assert.equal(connack.returnCode, 0x01);
    await raw.closed();
    await raw.close();
  });
});

Deno.test("CONNECT with unsupported protocol level 6 gets v5 CONNACK 0x84, then close [MQTT-3.1.2-2]", async () => {
  await withBroker("", async ({ port }) => {
    const raw = await rawOpen(port, { protocolVersion: 5 });
    await raw.sendBytes(connectBytes("MQTT", 6, 0x02));
    const connack = await raw.next<IConnackPacket>("connack");
    assert.equal(connack.reasonCode, 0x84);
    await raw.closed();
    assert.deepEqual(raw.received, [], "nothing after the refusing CONNACK");
    await raw.close();
  });
});

Deno.test("CONNECT with the reserved flag set is closed without CONNACK [MQTT-3.1.2-3]", async () => {
  await withBroker("", async ({ port }) => {
    const raw = await rawOpen(port);
    await raw.sendBytes(connectBytes("MQTT", 4, 0x03));
    await raw.closed();
    assert.deepEqual(raw.received, []);
    await raw.close();
  });
});

Deno.test("A first packet other than CONNECT closes the connection [MQTT-3.1.0-1]", async () => {
  await withBroker("", async ({ port }) => {
    const raw = await rawOpen(port);
    await raw.send({ cmd: "pingreq" });
    await raw.closed();
    assert.deepEqual(raw.received, []);
    await raw.close();
  });
});

Deno.test("A second CONNECT is a protocol error: v5 DISCONNECT 0x82, then close [MQTT-3.1.0-2]", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { protocolVersion: 5, clientId: uniqueId("twice") });
    await client.send({
      cmd: "connect",
      protocolVersion: 5,
      clientId: "again",
      clean: true,
      keepalive: 0,
    });
    const disconnect = await client.next<IDisconnectPacket>("disconnect");
    assert.equal(disconnect.reasonCode, 0x82);
    await client.closed();
    await client.close();
  });
});

Deno.test("A second CONNECT on 3.1.1 closes the connection [MQTT-3.1.0-2]", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { clientId: uniqueId("twice") });
    await client.send({
      cmd: "connect",
      protocolVersion: 4,
      clientId: "again",
      clean: true,
      keepalive: 0,
    });
    await client.closed();
    await client.close();
  });
});

Deno.test("A silent socket is closed after connect_timeout_ms (spec 3.1.4)", async () => {
  await withFakeTime("mqtt: {connect_timeout_ms: 200}", async ({ port, broker }, clock) => {
    const raw = await rawOpen(port);
    await waitFor(() => broker.idle.size === 1, "the broker to watch the socket");
    clock.advance(100);
    assert.equal(raw.isClosed, false);
    clock.advance(100);
    await raw.closed();
    await raw.close();
  });
});

Deno.test("3.1.1 empty client id with clean session is assigned one [MQTT-3.1.3-6]", async () => {
  await withBroker("", async ({ port, broker }) => {
    const { client, connack } = await rawConnect(port, { clientId: "", clean: true });
    assert.equal(connack.returnCode, 0);
    assert.equal(broker.clients.size, 1);
    const [id] = broker.clients.keys();
    assert.ok(id.length > 0);
    await client.close();
  });
});

Deno.test("3.1.1 empty client id without clean session gets CONNACK 0x02, then close [MQTT-3.1.3-8]", async () => {
  await withBroker("", async ({ port }) => {
    const raw = await rawOpen(port);
    await raw.sendBytes(connectBytes("MQTT", 4, 0x00, "")); // MQTT.js refuses to build this one
    const connack = await raw.next<IConnackPacket>("connack");
    assert.equal(connack.returnCode, 0x02);
    await raw.closed();
    await raw.close();
  });
});

Deno.test("v5 empty client id gets an Assigned Client Identifier in CONNACK [MQTT-3.1.3-7]", async () => {
  await withBroker("", async ({ port, broker }) => {
    const { client, connack } = await rawConnect(port, { protocolVersion: 5, clientId: "" });
    assert.equal(connack.reasonCode, 0);
    const assigned = connack.properties?.assignedClientIdentifier;
    assert.ok(assigned, "Assigned Client Identifier present");
    assert.ok(broker.clients.has(assigned));
    await client.close();
  });
});

Deno.test("Connecting with a client id in use closes the old connection [MQTT-3.1.4-3]", async () => {
  await withBroker("", async ({ port, broker }) => {
    const clientId = uniqueId("dup");
    const first = await rawConnect(port, { clientId });
    const second = await rawConnect(port, { clientId });
    assert.equal(second.connack.returnCode, 0);
    await first.client.closed();
    assert.equal(second.client.isClosed, false);
    assert.equal(broker.clients.size, 1);
    await first.client.close();
    await second.client.close();
  });
});

Deno.test("v5 session takeover sends DISCONNECT 0x8E to the old connection [MQTT-3.1.4-3]", async () => {
  await withBroker("", async ({ port }) => {
    const clientId = uniqueId("dup");
    const first = await rawConnect(port, { protocolVersion: 5, clientId });
    const second = await rawConnect(port, { protocolVersion: 5, clientId });
    assert.equal(second.connack.reasonCode, 0);
    const disconnect = await first.client.next<IDisconnectPacket>("disconnect");
    assert.equal(disconnect.reasonCode, 0x8e);
    await first.client.closed();
    await first.client.close();
    await second.client.close();
  });
});

Deno.test("Silence past 1.5 x keep alive closes the connection and sends the will [MQTT-3.1.2-24]", async () => {
  await withFakeTime("", async ({ port, url, broker }, clock) => {
    const watcher = await connect(url);
    await subscribe(watcher, "will/ka");
    const will = nextMessage(watcher);
    const clientId = uniqueId("ka");
    const { client } = await rawConnect(port, {
      clientId,
      keepalive: 1,
      will: { topic: "will/ka", payload: "gone", qos: 0, retain: false },
    });
    clock.advance(1400);
    assert.ok(isConnected(broker, clientId), "still connected within 1.5 x keep alive");
    clock.advance(100);
    await client.closed();
    assert.equal((await will).payload, "gone");
    await client.close();
    await end(watcher);
  });
});

Deno.test("v5 keep alive above max_keepalive gets Server Keep Alive in CONNACK [MQTT-3.2.2-21]", async () => {
  await withBroker("mqtt: {max_keepalive: 10}", async ({ port }) => {
    const { client, connack } = await rawConnect(port, { protocolVersion: 5, keepalive: 60 });
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.serverKeepAlive, 10);
    await client.close();
  });
});

Deno.test("Anonymous 3.1.1 client refused with return code 5 when allow_anonymous is false [MQTT-3.2.2-5]", async () => {
  await withBroker("auth: {allow_anonymous: false}", async ({ port }) => {
    const { client, connack } = await rawConnect(port, { clientId: "anon" });
    assert.equal(connack.returnCode, 5);
    await client.closed();
    await client.close();
  });
});

Deno.test("Anonymous v5 client refused with 0x87 and no DISCONNECT after it [MQTT-3.2.2-7]", async () => {
  await withBroker("auth: {allow_anonymous: false}", async ({ port }) => {
    const { client, connack } = await rawConnect(port, { protocolVersion: 5, clientId: "anon" });
    assert.equal(connack.reasonCode, 0x87);
    await client.closed();
    assert.deepEqual(client.received, [], "only the CONNACK, then close");
    await client.close();
  });
});
