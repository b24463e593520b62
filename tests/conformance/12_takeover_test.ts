import assert from "node:assert/strict";
import type { IPublishPacket } from "mqtt-packet";
import { collect, connect, end, subscribe, waitFor } from "../helpers.ts";
import { type RawClient, rawConnect, type RawConnectOptions } from "./_raw.ts";
import { uniqueId, withBroker, withFakeTime } from "./_util.ts";

/** Connects with `opts` and subscribes to `x` at QoS 1; the connection stays open. */
async function subscribedToX(port: number, opts: RawConnectOptions): Promise<RawClient> {
  const { client } = await rawConnect(port, opts);
  await client.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "x", qos: 1 }] });
  await client.next("suback");
  return client;
}

/** Subscribes `client` to `marker`, publishes on `x` then `marker`; returns the topics received. */
async function topicsReceived(client: RawClient, url: string, v5 = false): Promise<string[]> {
  await client.send({
    cmd: "subscribe",
    messageId: 2,
    subscriptions: [{ topic: "marker", qos: 1 }],
  });
  await client.next("suback");
  const pub = await connect(url, v5 ? { protocolVersion: 5 } : {});
  await pub.publishAsync("x", "old subscription", { qos: 1 });
  await pub.publishAsync("marker", "marker", { qos: 1 });
  const topics: string[] = [];
  while (true) {
    const p = await client.next<IPublishPacket>("publish");
    await client.send({ cmd: "puback", messageId: p.messageId });
    topics.push(p.topic);
    if (p.topic === "marker") break;
  }
  await end(pub);
  return topics;
}

Deno.test("3.1.1 taking over a CleanSession=1 connection with CleanSession=0 starts a new session [MQTT-3.1.2-6] [MQTT-3.2.2-2]", async () => {
  await withBroker("", async ({ port, url }) => {
    const clientId = uniqueId("clean");
    const first = await subscribedToX(port, { clientId, clean: true });
    const second = await rawConnect(port, { clientId, clean: false });
    assert.equal(second.connack.sessionPresent, false);
    await first.closed();
    await first.close();
    assert.deepEqual(await topicsReceived(second.client, url), ["marker"]);
    await second.client.close();
  });
});

Deno.test("v5 taking over a Session Expiry 0 connection without Clean Start starts a new session [MQTT-3.2.2-3]", async () => {
  await withBroker("", async ({ port, url }) => {
    const clientId = uniqueId("zero");
    const first = await subscribedToX(port, { protocolVersion: 5, clientId, clean: false });
    const second = await rawConnect(port, {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 60 },
    });
    assert.equal(second.connack.sessionPresent, false);
    await first.closed();
    await first.close();
    assert.deepEqual(await topicsReceived(second.client, url, true), ["marker"]);
    await second.client.close();
  });
});

Deno.test("3.1.1 taking over a CleanSession=0 connection resumes its session [MQTT-3.2.2-2]", async () => {
  await withBroker("", async ({ port, url }) => {
    const clientId = uniqueId("kept");
    const first = await subscribedToX(port, { clientId, clean: false });
    const second = await rawConnect(port, { clientId, clean: false });
    assert.equal(second.connack.sessionPresent, true);
    await first.closed();
    await first.close();
    assert.deepEqual(await topicsReceived(second.client, url), ["x", "marker"]);
    await second.client.close();
  });
});

/** A v5 connection with a persistent session and a will delayed by 30 s. */
function delayedWill(clientId: string): RawConnectOptions {
  return {
    protocolVersion: 5,
    clientId,
    clean: false,
    properties: { sessionExpiryInterval: 60 },
    will: {
      topic: "will/t",
      payload: "gone",
      qos: 1,
      retain: false,
      properties: { willDelayInterval: 30 },
    },
  };
}

Deno.test("v5 takeover resuming the session before the Will Delay Interval sends no will [MQTT-3.1.3-9]", async () => {
  await withFakeTime("", async ({ port, url }, clock) => {
    const watcher = await connect(url, { protocolVersion: 5 });
    await subscribe(watcher, "will/#", { qos: 1 });
    const got = collect(watcher);
    const clientId = uniqueId("resume");
    const first = await rawConnect(port, delayedWill(clientId));
    const second = await rawConnect(port, { ...delayedWill(clientId), will: undefined });
    assert.equal(second.connack.sessionPresent, true);
    await first.client.closed();
    await first.client.close();
    clock.advance(31_000); // past the 30 s will delay
    await watcher.publishAsync("will/marker", "marker", { qos: 1 });
    await waitFor(() => got.length > 0, "the marker");
    assert.deepEqual(got.map((m) => m.topic), ["will/marker"]);
    await second.client.close();
    await end(watcher);
  });
});

Deno.test("v5 takeover with Clean Start ends the session, so its delayed will is sent [MQTT-3.1.2-8]", async () => {
  await withBroker("", async ({ port, url }) => {
    const watcher = await connect(url, { protocolVersion: 5 });
    await subscribe(watcher, "will/#", { qos: 1 });
    const got = collect(watcher);
    const clientId = uniqueId("restart");
    const first = await rawConnect(port, delayedWill(clientId));
    const second = await rawConnect(port, { protocolVersion: 5, clientId, clean: true });
    assert.equal(second.connack.sessionPresent, false);
    await waitFor(() => got.length > 0, "the will");
    assert.deepEqual(got.map((m) => m.topic), ["will/t"]);
    await first.client.closed();
    await first.client.close();
    await second.client.close();
    await end(watcher);
  });
});
